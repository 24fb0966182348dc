// The README's `personalizer` commands work as written after its set-up (`npm ci`): `npx personalizer …` in the
// checkout (npm exec runs the project's own bin, libnpmexec "self-execution of a local bin"), and `personalizer …`
// on PATH after the documented global link (`npm install -g .`, here into a temporary prefix).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { repoRoot } from '../testing/fixtures.js';

const ROOT = repoRoot();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const prefix = mkdtempSync(join(tmpdir(), 'personalizer-global-'));
after(() => rmSync(prefix, { recursive: true, force: true }));

/** A user's shell: none of the npm_* variables `npm test` sets for its children. */
function userEnv(extraPath?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  if (extraPath) env.PATH = extraPath + delimiter + (env.PATH ?? '');
  return env;
}

function sh(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** README lines in sh blocks that start with `cmd` and carry no <placeholder> (so they run as written). */
function runnable(cmd: string): string[] {
  const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks
    .flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l.startsWith(cmd + ' ') && l.includes('--help') && !l.includes('<'));
}

const npm = sh('npm', ['--version'], userEnv());
const skip = npm.error || npm.code !== 0 ? 'npm is not on PATH' : false;

test('every `npx personalizer … --help` line of the README runs as written in the checkout', { skip }, () => {
  const lines = runnable('npx personalizer');
  assert.deepEqual(lines, ['npx personalizer --help', 'npx personalizer replay --help', 'npx personalizer evaluate --help', 'npx personalizer bakeoff --help', 'npx personalizer simulate --help']);
  for (const line of lines) {
    const [cmd, ...args] = line.split(' ');
    const r = sh(cmd!, args, userEnv());
    assert.equal(r.code, 0, `${line}: ${r.stderr}`);
    assert.match(r.stdout, /^Usage: personalizer /, line);
  }
});

test('after the documented global link, `personalizer replay --help` runs from PATH', { skip }, () => {
  assert.match(README, /^npm link$/m);
  assert.ok(README.includes('`npm install -g .`'));
  const lines = runnable('personalizer');
  assert.deepEqual(lines, ['personalizer replay --help']);
  // npm install -g <folder> links the folder (as npm link does); --prefix keeps it out of the machine's global tree.
  const link = sh('npm', ['install', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', '.'], userEnv());
  assert.equal(link.code, 0, link.stderr);
  const bin = process.platform === 'win32' ? prefix : join(prefix, 'bin');
  const [cmd, ...args] = lines[0]!.split(' ');
  const r = sh(cmd!, args, userEnv(bin));
  assert.equal(r.code, 0, r.stderr + String(r.error ?? ''));
  assert.match(r.stdout, /^Usage: personalizer replay /);
});

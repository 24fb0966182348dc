// `personalizer replay` with files it cannot use, through the real CLI in a child process: one line on stderr
// (`personalizer replay: …`) and exit code 1, never a stack trace; skipped lines are counted; a log with no
// valid event fails. Needs no reference data.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot } from '../testing/fixtures.js';

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'replay-errors-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  return cliWith({}, ...args);
}

function cliWith(env: NodeJS.ProcessEnv, ...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'replay', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A labelled two-action event, as Azure logged them. */
function event(n: number): string {
  return JSON.stringify({
    _label_cost: -1,
    _label_probability: 0.5,
    _label_Action: 1 + (n % 2),
    _labelIndex: n % 2,
    o: [{ v: 1, EventId: `e${n}` }],
    Timestamp: '2026-01-01T00:00:00.000Z',
    Version: '1',
    EventId: `e${n}`,
    a: [1 + (n % 2), 2 - (n % 2)],
    c: { FromUrl: [{ user: { tier: n % 3 === 0 ? 'gold' : 'free' } }], _multi: [{ _tag: 'x', i: { constant: 1, id: 'x' } }, { _tag: 'y', i: { constant: 1, id: 'y' } }] },
    p: [0.5, 0.5],
  });
}

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const GOOD = file('good.dsjson', Array.from({ length: 40 }, (_, n) => event(n)).join('\n') + '\n');

/** The run failed with exactly one stderr line matching `line`, and no stack trace. */
function failsWith(r: ReturnType<typeof cli>, line: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^personalizer replay: /);
  assert.match(lines[0]!, line);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

test('a good log replays with exit 0 and counts no skipped line', () => {
  const r = cli('--dsjson', GOOD);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^number of examples = 40$/m);
  assert.match(r.stderr, /^skipped lines = 0$/m);
});

test('a missing log, a directory: one line, exit 1', () => {
  const missing = join(dir, 'nope.dsjson');
  failsWith(cli('--dsjson', missing, '--quiet'), new RegExp(`--dsjson ${missing}: no such file$`));
  failsWith(cli('--dsjson', dir), /: is a directory, not a file$/);
});

test('an unreadable log: one line, exit 1', () => {
  const locked = file('locked.dsjson', event(1) + '\n');
  chmodSync(locked, 0o000);
  // Root reads any file: then the CLI runs as the unprivileged user "nobody" (65534), who may enter the dir.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o755);
  const r = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', locked], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
  failsWith({ code: r.status, stdout: r.stdout, stderr: r.stderr }, /locked\.dsjson: permission denied$/);
});

test('a truncated gzip and corrupt gzip data: one line, exit 1', () => {
  const gz = gzipSync(Buffer.from(Array.from({ length: 400 }, (_, n) => event(n)).join('\n') + '\n'));
  const truncated = file('cut.dsjson.gz', gz.subarray(0, Math.floor(gz.length / 2)));
  failsWith(cli('--dsjson', truncated, '--quiet'), /cut\.dsjson\.gz: truncated gzip file/);
  const corrupt = Buffer.from(gz);
  corrupt.fill(0x55, 20, 60);
  failsWith(cli('--dsjson', file('corrupt.dsjson.gz', corrupt), '--quiet'), /corrupt\.dsjson\.gz: corrupt gzip data/);
});

test('-i: a missing model, a file that is not a model: one line, exit 1', () => {
  const missing = join(dir, 'no-model.vw');
  failsWith(cli('--dsjson', GOOD, '-i', missing, '-t'), new RegExp(`-i ${missing}: no such file$`));
  failsWith(cli('--dsjson', GOOD, '-i', GOOD, '-t'), /-i .*good\.dsjson: not a VW model replay can load/);
  failsWith(cli('--dsjson', GOOD, '-i', dir), /-i .*: is a directory, not a file$/);
});

test('a log with no valid event (empty, or only lines that are not DSJSON) exits 1 and says so', () => {
  failsWith(cli('--dsjson', file('empty.dsjson', ''), '--quiet'), /no valid DSJSON event in the file$/);
  const junk = cli('--dsjson', file('junk.dsjson', 'hello\n\n[1,2]\n'), '--quiet');
  assert.equal(junk.code, 1);
  assert.match(junk.stderr, /skipping line 1: not a JSON object/);
  assert.match(junk.stderr, /skipping line 3: not a JSON object/);
  assert.doesNotMatch(junk.stderr, /skipping line 2/); // an empty line carries nothing: not counted
  assert.match(junk.stderr, /^personalizer replay: 2 lines skipped/m);
  assert.match(junk.stderr, /no valid DSJSON event in the file\n$/);
  const model = join(dir, 'never.vw');
  assert.equal(cli('--dsjson', file('junk2.dsjson', 'x\n'), '-f', model).code, 1);
  assert.equal(existsSync(model), false, 'no model is written from nothing');
});

test('some lines that are not DSJSON: each reported, counted in the summary, the rest learned, exit 0 (as VW)', () => {
  const mixed = file('mixed.dsjson', [event(0), 'not json', event(1), '{"a":[1],"c":', event(2)].join('\n') + '\n');
  const r = cli('--dsjson', mixed);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /skipping line 2: not a JSON object/);
  assert.match(r.stderr, /skipping line 4: /);
  assert.match(r.stderr, /^number of examples = 3$/m);
  assert.match(r.stderr, /^skipped lines = 2$/m);
  assert.match(r.stderr, /^personalizer replay: 2 lines skipped \(not valid DSJSON events\)$/m);
});

test('-p, -f, --readable_model that cannot be written: one line, exit 1, before the run', () => {
  const noDir = join(dir, 'no-such-dir', 'out.txt');
  failsWith(cli('--dsjson', GOOD, '-p', noDir, '--quiet'), /-p .*out\.txt: the directory .*no-such-dir does not exist$/);
  failsWith(cli('--dsjson', GOOD, '-f', noDir, '--quiet'), /-f .*: the directory .* does not exist$/);
  const sub = join(dir, 'a-dir');
  mkdirSync(sub, { recursive: true });
  failsWith(cli('--dsjson', GOOD, '-p', sub, '--quiet'), /-p .*a-dir: is a directory, not a file$/);
  failsWith(cli('--dsjson', GOOD, '--readable_model', sub, '--quiet'), /--readable_model .*a-dir: is a directory, not a file$/);
  failsWith(cli('--dsjson', GOOD, '-f', join(GOOD, 'x'), '--quiet'), /-f .*: a part of the path is not a directory$/);
});

test('-p and -f on a full device (/dev/full): one line, exit 1', (t) => {
  if (!existsSync('/dev/full')) return t.skip('no /dev/full on this system');
  failsWith(cli('--dsjson', GOOD, '-p', '/dev/full', '--quiet'), /^personalizer replay: -p \/dev\/full: no space left on the device$/);
  failsWith(cli('--dsjson', GOOD, '-f', '/dev/full', '--quiet'), /^personalizer replay: -f \/dev\/full: no space left on the device$/);
});

test('a CCB or slates line stops the replay at that line: one line naming it, exit 1, no model written', () => {
  const ccb = JSON.stringify({
    c: { shared: { u: 1 }, _multi: [{ a: { x: 1 } }, { a: { x: 2 } }], _slots: [{ _id: 0 }, { _id: 1 }] },
    _outcomes: [{ _label_cost: -1, _a: [1, 0], _p: [0.5, 0.5] }],
  });
  const model = join(dir, 'ccb.vw');
  const log = file('ccb.dsjson', [event(0), event(1), ccb, event(3)].join('\n') + '\n');
  const stops = /ccb\.dsjson: line 3: a multi-slot event \(CCB or slates\): "_outcomes", which a single-slot policy does not read: replay stops here \(as VW does under --cb_explore_adf; a multi-slot log replays under --ccb_explore_adf\)$/;
  failsWith(cli('--dsjson', log, '--quiet', '-f', model), stops);
  assert.equal(existsSync(model), false);
  // The same when a parse worker reads the log (the stop travels in the batch, replay_batch.ts).
  failsWith(cliWith({ PERSONALIZER_REPLAY_THREADS: '1' }, '--dsjson', log, '--quiet', '-f', model), stops);
  assert.equal(existsSync(model), false);
  // _slots alone (no outcome yet) and a top-level "_type" mark such a line too; without --quiet the progress
  // table is on stderr, and the failure is the last line.
  const slotsOnly = JSON.stringify({ c: { _multi: [{ a: 1 }], _slots: [{ _id: 0 }] } });
  const r = cli('--dsjson', file('slots.dsjson', [slotsOnly, event(1)].join('\n') + '\n'));
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /line 1: a multi-slot event \(CCB or slates\): "_slots" in "c", which a single-slot policy does not read: replay stops here[^\n]*\n$/);
  assert.doesNotMatch(r.stderr, /finished run|skipping line/);
  const slates = JSON.parse(event(5)) as Record<string, unknown>;
  slates._type = 'slates';
  failsWith(cli('--dsjson', file('slates.dsjson', [event(0), JSON.stringify(slates)].join('\n') + '\n'), '--quiet'), /line 2: .*"_type":"slates", which a single-slot policy does not read: replay stops here/);
});

test("--json in --policy (VW's plain JSON input) is refused with one line and exit 2, before the log is read", () => {
  const r = cli('--dsjson', GOOD, '--quiet', '--policy', '--cb_explore_adf --json --epsilon 0.1');
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^personalizer replay: --json: replay reads DSJSON logs only \(--dsjson <file>\); VW's plain JSON input \(vw --json\) is not supported/);
  // The rest of the policy is still checked the usual way.
  assert.equal(cli('--dsjson', GOOD, '--quiet', '--policy', '--cb_explore_adf --epsilon 0.1').code, 0);
});

test('a repeated option with two values: exit 2, one line saying VW would keep the first', () => {
  const r = cli('--dsjson', GOOD, '--quiet', '--policy', '--cb_explore_adf -l 0.1 -l 0.5');
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^personalizer replay: -l: given twice with different values \('0\.1', '0\.5'\); VW would keep the first \('0\.1'\); give it once\./);
});

test('--cb_adf alone replays (exit 0, one action per -p event); -p to a file it may not write: one line, exit 1', () => {
  const preds = join(dir, 'cbadf.txt');
  const r = cli('--dsjson', GOOD, '--quiet', '--policy', '--cb_adf --cb_type ips', '-p', preds);
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(preds, 'utf8');
  assert.match(text, /^([01]\n\n){40}$/);
  const readOnly = file('read-only.txt', '');
  chmodSync(readOnly, 0o444);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o755);
  const w = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', GOOD, '--quiet', '-p', readOnly], {
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  failsWith({ code: w.status, stdout: w.stdout, stderr: w.stderr }, /^personalizer replay: -p .*read-only\.txt: permission denied$/);
});

test('-i with --policy: the command line overrides the model\'s --epsilon (as in VW); a different --cb_type is refused, exit 2', () => {
  const model = join(dir, 'eps.vw');
  assert.equal(cli('--dsjson', GOOD, '--quiet', '--policy', '--cb_explore_adf --epsilon 0.2', '-f', model).code, 0);
  const preds = join(dir, 'eps.txt');
  const r = cli('--dsjson', GOOD, '--quiet', '-i', model, '-t', '--policy', '--epsilon 0.1', '-p', preds);
  assert.equal(r.code, 0, r.stderr);
  // Two actions, epsilon 0.1: 0.95 for the best, 0.05 for the other (the model's 0.2 would give 0.9 / 0.1).
  assert.match(readFileSync(preds, 'utf8'), /^[01]:0\.95,[01]:0\.05\n\n/);
  const c = cli('--dsjson', GOOD, '--quiet', '-i', model, '--policy', '--cb_type ips');
  assert.equal(c.code, 2, c.stderr);
  assert.match(c.stderr, /^personalizer replay: --cb_type: given twice with different values \('mtr', 'ips'\); VW refuses it too/);
});

// `personalizer presets` prints the presets; `replay`, `evaluate` and `bakeoff` take a preset name for --policy and
// run it as its full arguments (docs/policy-presets.md). Real CLI processes where the output is what is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POLICY_PRESETS } from '../engine/index.js';
import { writeSimFile } from '../testing/sim.js';
import { CLI_MAIN, runReplay } from '../testing/replay_cli.js';
import { parseBakeoffArgs } from './bakeoff_args.js';
import { parseEvaluateArgs } from './evaluate_args.js';
import { parseReplayArgs } from './replay_args.js';

const args = (name: string): string => POLICY_PRESETS.find((p) => p.name === name)!.arguments;

function cli(...argv: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_MAIN, ...argv], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('personalizer presets: a table of every preset, --json as GET /configurations/policy/presets, anything else a usage error', () => {
  const table = cli('presets');
  assert.equal(table.code, 0, table.stderr);
  for (const p of POLICY_PRESETS) {
    assert.match(table.stdout, new RegExp(`^${p.name} +${p.arguments.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')}$`, 'm'), p.name);
  }
  const json = cli('presets', '--json');
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), { presets: POLICY_PRESETS.map((p) => ({ ...p })) });
  const bad = cli('presets', '--bogus');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unexpected argument '--bogus'/);
  assert.match(cli('--help').stdout, /^ {2}presets +List the policy presets/m);
});

test('--policy <preset> is its arguments for replay, evaluate (named after the preset) and bakeoff', () => {
  assert.equal(parseReplayArgs(['--dsjson', 'x', '--policy', 'squarecb']).policy, args('squarecb'));
  assert.equal(parseReplayArgs(['--dsjson', 'x', '--policy', '--cb_explore_adf --squarecb']).policy, '--cb_explore_adf --squarecb');
  const e = parseEvaluateArgs(['--dsjson', 'x', '--policy', 'regcb', '--policy', '--cb_explore_adf --epsilon 0.1', '--policy', 'bag', '--name', 'mine', '--online', 'azure-default']);
  assert.deepEqual(e.policies, [
    { name: 'mine', arguments: args('regcb') },
    { name: 'Policy2', arguments: '--cb_explore_adf --epsilon 0.1' },
    { name: 'bag', arguments: args('bag') },
  ]);
  assert.equal(e.online, args('azure-default'));
  const b = parseBakeoffArgs(['--multiclass', 'x', '--policy', 'recommended']);
  assert.deepEqual(b.policies.map((p) => [p.name, p.arguments]), [['recommended', args('recommended')]]);
});

test('replay --policy softmax writes the same predictions as replay with its full arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-presets-cli-'));
  try {
    const log = join(dir, 'sim.json');
    writeSimFile(log, 500, 3);
    const byName = await runReplay(['--dsjson', log, '--policy', 'softmax', '-p', join(dir, 'a.txt'), '--quiet']);
    assert.equal(byName.code, 0, byName.stderr);
    const byArgs = await runReplay(['--dsjson', log, '--policy', args('softmax'), '-p', join(dir, 'b.txt'), '--quiet']);
    assert.equal(byArgs.code, 0, byArgs.stderr);
    const a = readFileSync(join(dir, 'a.txt'), 'utf8');
    assert.equal(a.split('\n\n').length - 1, 500);
    assert.equal(a, readFileSync(join(dir, 'b.txt'), 'utf8'));
    assert.equal(byName.stderr, byArgs.stderr);
    const typo = await runReplay(['--dsjson', log, '--policy', 'softmx']);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /softmx/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

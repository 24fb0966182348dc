// `personalizer evaluate`, run as a user runs it (a child process), on the public 20k simulation: a greedy
// `--cb_adf --cb_type ips` policy scores VW's own average loss, and Online, Baseline1 and BaselineRand equal
// their definitions computed here from the file; the table shows every policy; bad usage exits 2 and a log that
// cannot be evaluated exits 1, each with its message.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CLI_MAIN } from '../testing/replay_cli.js';
import { NO_SHARED, vectorsDir, absent } from '../testing/fixtures.js';
import type { EvaluationResult } from '../evaluation/index.js';

const vectors = vectorsDir();
const dir = mkdtempSync(join(tmpdir(), 'evaluate-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function evaluate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'evaluate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const simLines = () => gunzipSync(readFileSync(join(vectors!, 'sim-20k.dsjson.gz'))).toString('utf8').split('\n').filter((l) => l !== '');

interface Line {
  _label_cost: number;
  _label_probability: number;
  _labelIndex: number;
  a: number[];
}

/** Online, Baseline1 and BaselineRand's IPS from their definitions (docs/evaluation.md "What is compared"). */
function direct(lines: string[]): { online: number; baseline1: number; random: number } {
  let online = 0;
  let baseline1 = 0;
  let random = 0;
  for (const l of lines) {
    const e = JSON.parse(l) as Line;
    const r = -e._label_cost;
    const p = e._label_probability;
    online += r;
    baseline1 += e._labelIndex === 0 ? r / p : 0;
    random += r / e.a.length / p;
  }
  const n = lines.length;
  return { online: online / n, baseline1: baseline1 / n, random: random / n };
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
const IPS_GREEDY = '--cb_adf --cb_type ips -q :: --power_t 0 -l 0.001';

test("--json on sim-20k.dsjson.gz: the greedy ips policy's average loss is VW's −0.626190; Online, Baseline1 and BaselineRand equal their direct computation", async (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const r = await evaluate(['--dsjson', join(vectors, 'sim-20k.dsjson.gz'), '--policy', IPS_GREEDY, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as EvaluationResult;
  assert.equal(result.events, 20_000);
  const by = (name: string) => result.policyResults.find((p) => p.name === name)!;
  assert.deepEqual(result.policyResults.map((p) => [p.name, p.policySource]), [
    ['Online', 'Online'],
    ['Baseline1', 'Baseline'],
    ['BaselineRand', 'Random'],
    ['Policy1', 'Custom'],
  ]);
  const policy = by('Policy1');
  assert.equal(policy.arguments, IPS_GREEDY);
  assert.equal(policy.averageLoss!.toFixed(6), '-0.626190');
  // cb_adf's loss is the IPS cost of its greedy choice: the policy's IPS reward estimate (VW sums in float32).
  assert.ok(Math.abs(policy.totalSummary.averageReward + policy.averageLoss!) < 1e-6);
  assert.equal(policy.totalSummary.averageReward.toFixed(6), '0.626190');
  const d = direct(simLines());
  assert.ok(close(by('Online').totalSummary.averageReward, d.online), `Online ${by('Online').totalSummary.averageReward} vs ${d.online}`);
  assert.ok(close(by('Baseline1').totalSummary.averageReward, d.baseline1), `Baseline1 ${by('Baseline1').totalSummary.averageReward} vs ${d.baseline1}`);
  assert.ok(close(by('BaselineRand').totalSummary.averageReward, d.random), `BaselineRand ${by('BaselineRand').totalSummary.averageReward} vs ${d.random}`);
  // The simulation's figures (vw-vectors/README.md): the logging policy earns 0.4444, uniform random 0.3686.
  assert.ok(Math.abs(d.online - 0.4444) < 0.01 && Math.abs(d.random - 0.3686) < 0.02);
  for (const p of result.policyResults) {
    assert.equal(p.totalSummary.ipsEstimatorDenominator, 20_000);
    assert.ok(p.totalSummary.confidenceInterval > 0 && p.totalSummary.doublyRobustConfidenceInterval > 0);
    // Every bin is 5 minutes, and the bins add up to the total.
    assert.ok(p.summary.every((s) => s.aggregateTimeWindow === 'PT5M'));
    assert.equal(p.summary.reduce((s, b) => s + b.ipsEstimatorDenominator, 0), 20_000);
  }
  assert.ok(by('Policy1').totalSummary.averageReward > by('Online').totalSummary.averageReward);
  // Not a terminal: no progress bar.
  assert.doesNotMatch(r.stderr, /evaluate \[/);
});

test('the table: a row per policy with its estimates, names from --name; the same figures with --threads 0; a plain file with malformed, unlabeled and _skipLearn lines', async (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const lines = simLines().slice(0, 3000);
  const unlabeled = JSON.parse(lines[10]!) as Record<string, unknown>;
  for (const k of ['_label_cost', '_label_probability', '_label_Action', '_labelIndex']) delete unlabeled[k];
  const skip = { ...(JSON.parse(lines[11]!) as Record<string, unknown>), _skipLearn: true };
  const file = join(dir, 'small.dsjson');
  writeFileSync(file, [...lines.slice(0, 100), '{"_label_cost":', JSON.stringify(unlabeled), JSON.stringify(skip), ...lines.slice(100)].join('\n') + '\n');
  const args = ['--dsjson', file, '--policy', IPS_GREEDY, '--name', 'greedy ips', '--policy', '--cb_explore_adf --epsilon 0.1 --cb_type dr -q :: -l 0.01 --power_t 0'];
  const table = await evaluate(args);
  assert.equal(table.code, 0, table.stderr);
  const json = await evaluate([...args, '--json', '--threads', '0']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as EvaluationResult;
  assert.equal(result.events, 3000);
  const rows = table.stdout.split('\n');
  for (const p of result.policyResults) {
    const s = p.totalSummary;
    const row = rows.find((l) => l.startsWith(p.name + ' '));
    assert.ok(row, `no row for ${p.name}:\n${table.stdout}`);
    assert.ok(row.includes(`${s.averageReward.toFixed(6)} ± ${s.confidenceInterval.toFixed(6)}`), row);
    assert.ok(row.includes((s.ipsEstimatorNumerator / s.snipsEstimatorDenominator).toFixed(6)), row);
    assert.ok(row.includes(`${s.doublyRobustEstimate.toFixed(6)} ± ${s.doublyRobustConfidenceInterval.toFixed(6)}`), row);
    assert.ok(row.includes(' 3000 '), row);
    if (p.averageLoss !== undefined) assert.ok(row.trimEnd().endsWith(p.averageLoss.toFixed(6)), row);
  }
  assert.deepEqual(result.policyResults.map((p) => p.name), ['Online', 'Baseline1', 'BaselineRand', 'greedy ips', 'Policy2']);
  assert.match(table.stdout, /^ {2}Policy2 +--cb_explore_adf --epsilon 0\.1 --cb_type dr -q :: -l 0\.01 --power_t 0$/m);
  // The malformed line is reported with its line number; the two valid but unlearnable events are counted.
  for (const r of [table, json]) {
    assert.match(r.stderr, /^personalizer evaluate: line 101: .*\(skipped\)$/m);
    assert.match(r.stderr, /^personalizer evaluate: 1 line skipped \(not valid DSJSON events\)$/m);
    assert.match(r.stderr, /^personalizer evaluate: 2 events left out \(1 without a label, 1 with _skipLearn\)$/m);
  }
  // Worker threads (the default) and the main thread give the same figures.
  const pooled = await evaluate([...args, '--json']);
  assert.equal(pooled.stdout, json.stdout);
});

const usage: [string, string[], RegExp][] = [
  ['an unknown option', ['--dsjson', 'x.json', '--bogus'], /Unknown option '--bogus'/],
  ['no --dsjson', ['--policy', IPS_GREEDY], /--dsjson <file> is required/],
  ['an argument the engine lacks', ['--dsjson', 'x.json', '--policy', '--cb_explore_adf --rnd 5'], /--policy "--cb_explore_adf --rnd 5": --rnd: unsupported argument/],
  ['a malformed value', ['--dsjson', 'x.json', '--policy', '--cb_explore_adf -l fast'], /--policy "--cb_explore_adf -l fast": -l: 'fast' is not a number/],
  ['an online policy without exploration', ['--dsjson', 'x.json', '--online', '--cb_adf -q ::'], /--online "--cb_adf -q ::": /],
  ['more names than policies', ['--dsjson', 'x.json', '--policy', IPS_GREEDY, '--name', 'a', '--name', 'b'], /2 --name for 1 --policy/],
  ['two policies of one name', ['--dsjson', 'x.json', '--policy', IPS_GREEDY, '--policy', IPS_GREEDY, '--name', 'p', '--name', 'p'], /--name p: two policies have this name \(Azure: DuplicateCustomPolicyNames\)/],
  ["a built-in policy's name", ['--dsjson', 'x.json', '--policy', IPS_GREEDY, '--name', 'Online'], /--name Online: the name of a built-in policy/],
  ['a bad thread count', ['--dsjson', 'x.json', '--threads', 'many'], /--threads must be a whole number from 0 to 64, got 'many'/],
];

for (const [what, args, message] of usage) {
  test(`bad usage exits 2 with its message: ${what}`, async () => {
    const r = await evaluate(args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}

test('a log that cannot be evaluated exits 1 with its message: missing, multi-slot, no labeled event', async (t) => {
  const missing = await evaluate(['--dsjson', join(dir, 'nope.json')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^personalizer evaluate: --dsjson .*nope\.json: no such file$/m);
  const empty = join(dir, 'unlabeled.json');
  writeFileSync(empty, '{"EventId":"e1","a":[1,2],"c":{"_multi":[{"a":1},{"a":2}]},"p":[0.5,0.5]}\n');
  const none = await evaluate(['--dsjson', empty]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no event to evaluate \(no line with a label\)/);
  if (!vectors) return absent(t, NO_SHARED);
  const ccb = gunzipSync(readFileSync(join(vectors, 'ccb', 'ccb-10k.dsjson.gz'))).toString('utf8').split('\n').slice(0, 3);
  const file = join(dir, 'ccb.json');
  writeFileSync(file, [simLines()[0], ...ccb].join('\n') + '\n');
  const r = await evaluate(['--dsjson', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^personalizer evaluate: --dsjson .*ccb\.json: line 2: a multi-slot event \(CCB or slates\).*: offline evaluation reads single-slot \(cb_explore_adf\) events only$/m);
  assert.equal(r.stdout, '');
});

test('--help prints the usage and exits 0', async () => {
  const r = await evaluate(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: personalizer evaluate --dsjson <file\[\.gz\]> \[options\]$/m);
});

test('--optimize and --feature-importance: the discovered policies join the table, then the feature scores and the optimal policy', async (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const file = join(dir, 'optimize.dsjson');
  writeFileSync(file, simLines().slice(0, 4000).join('\n') + '\n');
  const args = ['--dsjson', file, '--optimize', '--feature-importance'];
  const json = await evaluate([...args, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const result = JSON.parse(json.stdout) as EvaluationResult;
  const discovered = result.policyResults.filter((p) => p.policySource === 'OfflineExperimentation');
  assert.ok(discovered.length >= 1);
  assert.ok(result.policyResults.some((p) => p.name === result.optimalPolicy), `optimal policy '${result.optimalPolicy}'`);
  assert.ok(result.featureScores.length >= 4 && result.featureImportance.length >= 1);
  const top = [...result.featureScores].sort((a, b) => b.score - a.score)[0]!;
  assert.equal(top.score, 100);
  const table = await evaluate(args);
  assert.equal(table.code, 0, table.stderr);
  for (const p of discovered) assert.match(table.stdout, new RegExp(`^${p.name} +OfflineExperimentation +4000 `, 'm'));
  assert.match(table.stdout, /^feature importance \(0–100, most important first\):$/m);
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  assert.match(table.stdout, new RegExp(`^${esc(top.namespace === '' ? '(top level)' : top.namespace)} +${esc(top.featureName ?? '(whole namespace)')} +100\\.0$`, 'm'));
  assert.match(table.stdout, new RegExp(`^optimal policy: ${esc(result.optimalPolicy)}  `, 'm'));
});

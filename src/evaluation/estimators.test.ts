// The estimators against published figures: IPS, SNIPS, DM and DR on the Open Bandit Dataset sample (the exact
// targets of docs/evaluation.md, OBP's protocol with the in-sample CTR table), and Azure's
// Gaussian interval on the numbers of its own Evaluations_Get example.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NO_SHARED, sharedDir, absent } from '../testing/fixtures.js';
import { BIN_MS, halfWidth, PolicyAccumulator, summarize } from './estimators.js';

const shared = sharedDir();

interface ObdRow {
  timestamp: string;
  item: number;
  position: number;
  click: number;
  propensity: number;
}

function readObd(dir: string, policy: string, campaign: string): ObdRow[] {
  const [head, ...lines] = readFileSync(join(dir, policy, campaign, `${campaign}.csv`), 'utf8').trim().split('\n');
  const cols = head!.split(',');
  const at = (name: string) => cols.indexOf(name);
  const [ts, item, pos, click, ps] = ['timestamp', 'item_id', 'position', 'click', 'propensity_score'].map(at);
  const rows = lines.map((l) => {
    const c = l.split(',');
    return { timestamp: c[ts!]!, item: Number(c[item!]), position: Number(c[pos!]), click: Number(c[click!]), propensity: Number(c[ps!]) };
  });
  // OBP sorts by timestamp; position = dense rank of `position` minus 1.
  rows.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  const positions = [...new Set(rows.map((r) => r.position))].sort((a, b) => a - b);
  for (const r of rows) r.position = positions.indexOf(r.position);
  return rows;
}

/** action_dist[item][position] of OBP's BTS evaluation policy (derived/bts_action_dist_<campaign>.csv). */
function readBts(dir: string, campaign: string): number[][] {
  const [, ...lines] = readFileSync(join(dir, 'derived', `bts_action_dist_${campaign}.csv`), 'utf8').trim().split('\n');
  const dist: number[][] = [];
  for (const l of lines) {
    const [item, ...p] = l.split(',').map(Number);
    dist[item!] = p;
  }
  return dist;
}

/** OBP's estimates of `target` from `rows` through PolicyAccumulator, q̂ the in-sample click rate per (item, position). */
function estimate(rows: ObdRow[], target: number[][]): PolicyAccumulator {
  const items = target.length;
  const clicks = new Map<string, [number, number]>();
  let total = 0;
  for (const r of rows) {
    const key = `${r.item},${r.position}`;
    const c = clicks.get(key) ?? [0, 0];
    c[0] += r.click;
    c[1]++;
    clicks.set(key, c);
    total += r.click;
  }
  const mean = total / rows.length;
  // Cells never shown get the global mean.
  const q = (a: number, pos: number) => {
    const c = clicks.get(`${a},${pos}`);
    return c ? c[0] / c[1] : mean;
  };
  const acc = new PolicyAccumulator();
  for (const r of rows) {
    let dm = 0;
    for (let a = 0; a < items; a++) dm += target[a]![r.position]! * q(a, r.position);
    acc.add(r.click, r.propensity, target[r.item]![r.position]!, dm, q(r.item, r.position));
  }
  return acc;
}

const TARGETS = [
  // campaign, logs → target, IPW, SNIPW, DM (in-sample CTR), DR (in-sample CTR)
  ['men', 'random', 'bts', 0.00454268, 0.00461351, 0.00464537, 0.00464537],
  ['men', 'bts', 'random', 0.00300863, 0.00318942, 0.00374127, 0.00244161],
  ['women', 'random', 'bts', 0.00681657, 0.00681283, 0.00703129, 0.00703129],
  ['women', 'bts', 'random', 0.00743758, 0.00237305, 0.00331973, 0.00824863],
] as const;

for (const [campaign, logs, target, ipw, snipw, dm, dr] of TARGETS) {
  test(`Open Bandit Dataset ${campaign} ${logs} → ${target}: IPW, SNIPW, DM and DR equal the exact targets to 1e-8`, (t) => {
    if (!shared) return absent(t, NO_SHARED);
    const dir = join(shared, 'data', 'open-bandit-dataset');
    const rows = readObd(dir, logs, campaign);
    assert.equal(rows.length, 10_000);
    const bts = readBts(dir, campaign);
    const policy = target === 'bts' ? bts : bts.map(() => [1, 1, 1].map(() => 1 / bts.length));
    const acc = estimate(rows, policy);
    assert.equal(acc.N, 10_000);
    assert.ok(Math.abs(acc.ips - ipw) < 1e-8, `IPW ${acc.ips} vs ${ipw}`);
    assert.ok(Math.abs(acc.snips - snipw) < 1e-8, `SNIPW ${acc.snips} vs ${snipw}`);
    assert.ok(Math.abs(acc.dm - dm) < 1e-8, `DM ${acc.dm} vs ${dm}`);
    assert.ok(Math.abs(acc.dr - dr) < 1e-8, `DR ${acc.dr} vs ${dr}`);
  });
}

for (const campaign of ['men', 'women']) {
  test(`Open Bandit Dataset ${campaign} random → random: IPS and SNIPS are the on-policy mean 0.0046`, (t) => {
    if (!shared) return absent(t, NO_SHARED);
    const dir = join(shared, 'data', 'open-bandit-dataset');
    const rows = readObd(dir, 'random', campaign);
    const items = readBts(dir, campaign).length;
    const uniform = Array.from({ length: items }, () => [1 / items, 1 / items, 1 / items]);
    const acc = estimate(rows, uniform);
    const clicks = rows.reduce((s, r) => s + r.click, 0);
    assert.equal(clicks, 46);
    assert.ok(Math.abs(acc.ips - 0.0046) < 1e-8, `IPS ${acc.ips}`);
    assert.ok(Math.abs(acc.snips - 0.0046) < 1e-8, `SNIPS ${acc.snips}`);
    // Uniform on uniform logs: every weight is 1, so Σw = N and every event counts.
    assert.ok(Math.abs(acc.d - 10_000) < 1e-6);
    assert.equal(acc.ne, 10_000);
  });
}

test("the Gaussian interval reproduces Azure's Evaluations_Get example (v1.1-preview.3), read from the file", (t) => {
  if (!shared) return absent(t, NO_SHARED);
  const path = join(shared, 'reference', 'azure-personalizer-openapi', 'v1.1-preview.3', 'examples', 'Evaluations_Get.json');
  const body = (JSON.parse(readFileSync(path, 'utf8')) as { responses: { '200': { body: { policyResults: { summary: Summary[]; totalSummary: Summary }[] } } } })
    .responses['200'].body;
  interface Summary {
    ipsEstimatorNumerator: number;
    ipsEstimatorDenominator: number;
    sumOfSquares: number;
    confidenceInterval: number;
    averageReward: number;
  }
  const summaries = body.policyResults.flatMap((p) => [...p.summary, p.totalSummary]);
  assert.equal(summaries.length, 3);
  let nonZero = 0;
  for (const s of summaries) {
    const ci = halfWidth(s.ipsEstimatorNumerator, s.sumOfSquares, s.ipsEstimatorDenominator);
    // The example prints 8 significant digits.
    assert.ok(Math.abs(ci - s.confidenceInterval) <= 1e-7 * s.confidenceInterval + 1e-15, `${ci} vs ${s.confidenceInterval}`);
    assert.ok(Math.abs(s.ipsEstimatorNumerator / s.ipsEstimatorDenominator - s.averageReward) < 1e-8);
    if (s.confidenceInterval > 0) nonZero++;
  }
  assert.equal(nonZero, 2);
});

test('PolicyAccumulator: the summary fields, and the DR estimate of the logging policy is its observed mean', () => {
  const acc = new PolicyAccumulator();
  // r, p, π, dm, q̂(logged)
  acc.add(1, 0.5, 0.25, 0.3, 0.4);
  acc.add(0, 0.25, 1, 0.2, 0.1);
  acc.add(1, 0.8, 0, 0.5, 0.6);
  const s = acc.summary(Date.UTC(2024, 0, 1), 'PT5M');
  assert.equal(s.ipsEstimatorDenominator, 3);
  assert.equal(s.ipsEstimatorNumerator, 0.5);
  assert.equal(s.snipsEstimatorDenominator, 0.5 + 4 + 0);
  assert.equal(s.nonZeroProbability, 2);
  assert.equal(s.sumOfSquares, 0.25);
  assert.equal(s.averageReward, 0.5 / 3);
  assert.equal(s.timeStamp, '2024-01-01T00:00:00.000Z');
  // DR_t = dm + π/p (r − q̂): 0.3 + 0.5·0.6, 0.2 + 4·(−0.1), 0.5 + 0
  const dr = [0.3 + 0.5 * 0.6, 0.2 + 4 * -0.1, 0.5];
  assert.ok(Math.abs(s.doublyRobustEstimate - (dr[0]! + dr[1]! + dr[2]!) / 3) < 1e-15);
  assert.ok(Math.abs(acc.dm - 1 / 3) < 1e-15);
  const mean = (dr[0]! + dr[1]! + dr[2]!) / 3;
  const sd = Math.sqrt(dr.reduce((v, x) => v + (x - mean) ** 2, 0) / 2);
  assert.ok(Math.abs(s.doublyRobustConfidenceInterval - (1.96 * sd) / Math.sqrt(3)) < 1e-12);
  // The logging policy (π = p, dm = q̂(logged)): every DR term is r, so DR is the observed mean.
  const online = new PolicyAccumulator();
  for (const [r, p, q] of [[1, 0.5, 0.3], [0, 0.2, 0.9], [1, 0.9, 0.1]] as const) online.add(r, p, p, q, q);
  assert.ok(Math.abs(online.dr - 2 / 3) < 1e-15);
  assert.ok(Math.abs(online.ips - 2 / 3) < 1e-15);
});

test('summarize: 5-minute bins aligned to the clock, empty bins left out, the total over all of them', () => {
  const t0 = Date.UTC(2024, 0, 1, 10, 3);
  const times = [t0, t0 + 60_000, t0 + 3 * 60_000, t0 + 20 * 60_000];
  const events = times.map((timestamp, i) => ({ timestamp, reward: i % 2, chosenProbability: 0.5 }));
  const pi = [0.5, 1, 0, 0.25];
  const dm = [0.1, 0.2, 0.3, 0.4];
  const q = [0.2, 0.2, 0.2, 0.2];
  const { summary, totalSummary } = summarize(events, { pi, dm }, q, t0 + 30 * 60_000, 'PT1800S');
  assert.deepEqual(
    summary.map((s) => [s.timeStamp, s.ipsEstimatorDenominator, s.aggregateTimeWindow]),
    [
      ['2024-01-01T10:00:00.000Z', 2, 'PT5M'],
      ['2024-01-01T10:05:00.000Z', 1, 'PT5M'],
      ['2024-01-01T10:20:00.000Z', 1, 'PT5M'],
    ],
  );
  assert.equal(BIN_MS, 300_000);
  assert.equal(totalSummary.ipsEstimatorDenominator, 4);
  assert.equal(totalSummary.aggregateTimeWindow, 'PT1800S');
  // Σ r·π/p: event 1 (r 1, π 1, p 0.5) and event 3 (r 1, π 0.25) → 2 + 0.5.
  assert.equal(totalSummary.ipsEstimatorNumerator, 2.5);
  assert.equal(summary.reduce((s, b) => s + b.ipsEstimatorNumerator, 0), 2.5);
  assert.equal(totalSummary.nonZeroProbability, 3);
});

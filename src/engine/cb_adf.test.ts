// cb_adf's cost-sensitive reductions on hand-sized events: which examples are regressed, onto what, with which
// importance weight (cb_adf.cc, gen_cs_example.cc; vw-learner.md §5.3).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Gd, STRIDE } from './gd.js';
import { CbAdf } from './cb_adf.js';
import type { FeatureVector } from './example.js';

const f = Math.fround;
const OPTS = { learningRate: 0.001, powerT: 0, initialT: 0, l1: 0, l2: 0, bits: 18 };

/** K actions, action a has the single feature (index 100 + a, value 1), plus a shared feature 7 when asked. */
function actions(k: number, shared = false): FeatureVector[] {
  return Array.from({ length: k }, (_, a) => ({
    index: shared ? Uint32Array.of(100 + a, 7) : Uint32Array.of(100 + a),
    value: shared ? Float32Array.of(1, 1) : Float32Array.of(1),
    count: shared ? 2 : 1,
  }));
}

const G = (gd: Gd, slot: number): number => gd.weights[slot * STRIDE + 1]!;

test('mtr: counters before the update, only the chosen action, iw = (1/p)·events/rows', () => {
  const gd = new Gd({ ...OPTS, width: 1 });
  const cb = new CbAdf(gd, 'mtr', 0);
  const ex = actions(4);
  cb.learn(ex, { index: 2, cost: -1, probability: 0.5 });
  assert.equal(cb.eventSum, 1);
  assert.equal(cb.actionSum, 4);
  const iw = f(f(1 / f(0.5)) * f(1 / 4));
  assert.equal(G(gd, 102), f(iw * 4)); // g² = iw·4·(0 − (−1))²·x²
  for (const a of [0, 1, 3]) assert.equal(G(gd, 100 + a), 0);
  assert.ok(gd.weights[102 * STRIDE]! < 0);
  cb.learn(ex, { index: 0, cost: 0, probability: 0.25 }, 2);
  assert.equal(cb.eventSum, 2);
  assert.equal(cb.actionSum, 8);
  // cost 0 with prediction 0 → loss 0, no update even though the counters moved
  assert.equal(G(gd, 100), 0);
});

test('ips: every action regressed, chosen onto cost/p, the label range widened to −1/p', () => {
  const gd = new Gd({ ...OPTS, width: 1 });
  const cb = new CbAdf(gd, 'ips', 0);
  cb.learn(actions(3, true), { index: 1, cost: -1, probability: 0.25 });
  assert.equal(gd.minLabel, -4);
  assert.equal(G(gd, 101), 4 * 16); // (0 − (−4))²·4, weight 1
  assert.equal(G(gd, 100), 0); // action 0 learned first: prediction 0 = label 0
  // action 2 comes after the shared feature 7 was moved by action 1: its prediction is no longer 0
  assert.ok(G(gd, 102) > 0);
  assert.ok(gd.tw[0] === 2);
});

test('ips: clip_p bounds the importance weight, p ≤ 0 becomes 1e-3', () => {
  const gd = new Gd({ ...OPTS, width: 1 });
  new CbAdf(gd, 'ips', 0.5).learn(actions(2), { index: 0, cost: -1, probability: 0.1 });
  assert.equal(gd.minLabel, -2);
  const gd2 = new Gd({ ...OPTS, width: 1 });
  new CbAdf(gd2, 'ips', 0).learn(actions(2), { index: 0, cost: -1, probability: 0 });
  assert.equal(gd2.minLabel, f(-1 / f(1e-3)));
});

test('dr: reward regressor on odd slots with weight 1/p, policy onto r̂ + (y − r̂)/p', () => {
  const gd = new Gd({ ...OPTS, width: 2 });
  const cb = new CbAdf(gd, 'dr', 0);
  cb.learn(actions(3, true), { index: 1, cost: -1, probability: 0.5 });
  // sub-model 1 (odd slots): only the chosen action's features, weight 1/p = 2, label −1
  assert.equal(G(gd, 101 * 2 + 1), 2 * 4);
  assert.equal(G(gd, 100 * 2 + 1), 0);
  assert.equal(G(gd, 102 * 2 + 1), 0);
  assert.equal(gd.tw[1], 2);
  // policy (even slots): action 0's r̂ = 0 → cost 0 → no update; chosen cost = 0 + (−1 − 0)/0.5 = −2;
  // action 2's r̂ is read after the reward regressor learned (shared feature 7 moved) → non-zero cost
  assert.equal(G(gd, 100 * 2), 0);
  assert.equal(G(gd, 101 * 2), 4 * 4);
  assert.ok(G(gd, 102 * 2) > 0);
  assert.equal(gd.minLabel, -2);
  assert.equal(cb.eventSum, 0);
});

test('scores are unclipped sub-model-0 partial predictions', () => {
  const gd = new Gd({ ...OPTS, width: 2 });
  const cb = new CbAdf(gd, 'dr', 0);
  const ex = actions(2, true);
  for (let i = 0; i < 20; i++) cb.learn(ex, { index: 0, cost: -1, probability: 0.5 });
  const s = new Float32Array(2);
  cb.scores(ex, s);
  assert.equal(s[0], gd.partial(ex[0]!, 0));
  assert.notEqual(s[0], gd.partial(ex[0]!, 1));
  assert.ok(s[0]! < s[1]!);
});

test('dm (gen_cs_example_dm, adf): every action regressed, the logged one on its raw cost, no importance weight', () => {
  const ex = actions(4, true);
  const dm = new Gd({ ...OPTS, width: 1 });
  const ips = new Gd({ ...OPTS, width: 1 });
  const cbDm = new CbAdf(dm, 'dm', 0);
  const cbIps = new CbAdf(ips, 'ips', 0);
  const events = [
    { index: 2, cost: -1, probability: 0.25 },
    { index: 0, cost: -0.5, probability: 0.5 },
    { index: 3, cost: 0, probability: 0.125 },
  ];
  for (const e of events) {
    cbDm.learn(ex, e, 1.5);
    // ips on the same event logged with probability 1 regresses onto the same targets (cost/1).
    cbIps.learn(ex, { ...e, probability: 1 }, 1.5);
  }
  assert.deepEqual(dm.weights, ips.weights);
  // and differs from ips with the logged probability (cost/p): the 1/p is what dm leaves out
  const ipsP = new Gd({ ...OPTS, width: 1 });
  const cbIpsP = new CbAdf(ipsP, 'ips', 0);
  for (const e of events) cbIpsP.learn(ex, e, 1.5);
  assert.notDeepEqual(dm.weights, ipsP.weights);
  // the shared feature (7) saw all four actions' regressions of each event: its G grew 3 events × 4 rows
  assert.ok(G(dm, 7) > 0 && G(dm, 7) > G(dm, 101));
  assert.equal(cbDm.eventSum, 0);
});

test('an ensemble member at offset m learns only its own sub-model (slot h·W + m) and keeps its own MTR counters', () => {
  const gd = new Gd({ ...OPTS, width: 4 });
  const m0 = new CbAdf(gd, 'mtr', 0, 0);
  const m2 = new CbAdf(gd, 'mtr', 0, 2);
  const ex = actions(3);
  m2.learn(ex, { index: 1, cost: -1, probability: 0.5 });
  m2.learn(ex, { index: 1, cost: -1, probability: 0.5 });
  assert.deepEqual([m0.eventSum, m2.eventSum, m2.actionSum], [0, 2, 6]);
  for (let m = 0; m < 4; m++) assert.equal(G(gd, 101 * 4 + m) > 0, m === 2, `sub-model ${m}`);
  const s0 = new Float32Array(3);
  const s2 = new Float32Array(3);
  m0.scores(ex, s0);
  m2.scores(ex, s2);
  assert.deepEqual([...s0], [0, 0, 0]);
  assert.ok(s2[1]! < 0 && s2[0] === 0 && s2[2] === 0);
});

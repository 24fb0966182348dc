// cb_adf's cost-sensitive reductions on hand-sized events: which examples are regressed, onto what, with which
// importance weight (cb_adf.cc, gen_cs_example.cc; docs/learner.md §5.3).
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

test('sm (cb_adf.cc learn_sm): softmax weights, ±1 targets around the scores, handed out by ranked position as VW 9.10 does', () => {
  const gd = new Gd({ ...OPTS, width: 1 });
  const cb = new CbAdf(gd, 'sm', 0);
  const ex = actions(3);
  // Fresh model: every score 0, softmax 1/3 each. cost −1, p 0.5 → |cost/p| = 2, sign −1; the logged action's
  // weight 2·(1/3)·(2/3), the others 2·(1/3)·(1/3); targets +1, −1 (logged), +1.
  cb.learn(ex, { index: 1, cost: -1, probability: 0.5 });
  const third = f(f(1) / f(3));
  const ew = f(f(2) * third);
  const wOther = f(ew * third);
  const wLogged = f(ew * f(1 - third));
  assert.equal(G(gd, 100), f(f(wOther * 4) * 1)); // g² = iw·4·(0 − 1)²
  assert.equal(G(gd, 101), f(f(wLogged * 4) * 1));
  assert.equal(G(gd, 102), G(gd, 100));
  const s = (a: number): number => gd.partial(ex[a]!, 0);
  assert.ok(s(1) < 0 && s(0) > 0 && s(0) === s(2));
  // Event 2: the ranking is now [1, 0, 2]; logged action 2. Targets by rank: s1+1, s0+1, s2−1, given to the
  // examples by position: action 0 gets s1+1, action 1 gets s0+1, action 2 gets s2−1.
  const ref = new Gd({ ...OPTS, width: 1 }, gd.weights.slice());
  ref.minLabel = gd.minLabel;
  ref.maxLabel = gd.maxLabel;
  ref.nsnx.set(gd.nsnx);
  ref.tw.set(gd.tw);
  const [s0, s1, s2] = [s(0), s(1), s(2)];
  const e = [s1, s0, s2].map((x) => Math.exp(-(x - s1)));
  const norm = e.reduce((a, b) => a + b, 0);
  const p = e.map((x) => x / norm); // by rank: actions 1, 0, 2
  cb.learn(ex, { index: 2, cost: -1, probability: 0.25 });
  const ew2 = 4 * p[2]!;
  const byPosition = [f(s1 + 1), f(s0 + 1), f(s2 - 1)];
  const weightByAction = [ew2 * p[1]!, ew2 * p[0]!, ew2 * (1 - p[2]!)];
  for (let a = 0; a < 3; a++) ref.learn(ex[a]!, 0, byPosition[a]!, f(weightByAction[a]!));
  for (let a = 0; a < 3; a++) {
    const slot = 100 + a;
    assert.ok(Math.abs(gd.weights[slot * STRIDE]! - ref.weights[slot * STRIDE]!) < 1e-7, `action ${a} weight`);
    assert.ok(Math.abs(G(gd, slot) - G(ref, slot)) < 1e-6 * Math.max(1, G(ref, slot)), `action ${a} G ${G(gd, slot)} vs ${G(ref, slot)}`);
  }
  // Targets by action instead (s0+1, s1+1, s2−1) would move action 0 elsewhere: the positional rule is observable.
  assert.notEqual(f(s1 + 1), f(s0 + 1));
});

// Finiteness: what the checks catch (crafted weights, an `inf` in the header, a learner driven to inf by an
// extreme-but-accepted policy), and the two overflows the engine itself no longer lets through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, loadLearner } from './learner.js';
import { parsePolicyArguments } from './policy_args.js';
import { readModel, writeModel } from './model_file.js';
import { learnedFinite, modelProblem } from './finite.js';
import { quakeInvSqrt } from './gd.js';
import { squareCb, squareCbGamma } from './explore.js';

const DEFAULT = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';

test('modelProblem: a fresh model passes; a NaN or inf weight, an inf label bound, bad bytes are named', () => {
  const bytes = createLearner(parsePolicyArguments(DEFAULT)).saveModel();
  assert.equal(modelProblem(bytes), null);
  const s = readModel(bytes);
  s.weights[4 * 77] = Number.POSITIVE_INFINITY;
  assert.equal(modelProblem(writeModel(s)), 'weight slot 77 is Infinity');
  s.weights[4 * 77] = 0;
  s.weights[4 * 77 + 1] = Number.POSITIVE_INFINITY; // G overflowed: VW's own state for a too-large feature
  assert.equal(modelProblem(writeModel(s)), null);
  s.maxLabel = Number.POSITIVE_INFINITY;
  assert.match(modelProblem(writeModel(s))!, /label range/);
  assert.match(modelProblem(new Uint8Array([9, 9, 9]))!, /VW model file/);
});

test("a header holding `--learning_rate inf` (what -l 1e39 used to write) is a problem, not a crash", () => {
  const s = readModel(createLearner(parsePolicyArguments('--cb_explore_adf -l 0.25 --power_t 0.25')).saveModel());
  s.options = s.options.replace(/--learning_rate \S+/, '--learning_rate inf');
  assert.match(modelProblem(writeModel(s, { predictOnly: false }))!, /--learning_rate: 'inf' is not a number/);
});

test('learnedFinite finds the first event whose update overflows under an extreme-but-accepted policy', () => {
  const learner = createLearner(parsePolicyArguments('--cb_explore_adf -q :: --learning_rate 1e10 --power_t 0.5 --initial_t 3.4e38 --l2 1e-3 --cb_type ips'));
  let first = -1;
  for (let i = 0; i < 60 && first < 0; i++) {
    const ex = learner.featurize(`{"u":{"tier":"${i % 2 ? 'a' : 'b'}","x":${i % 10 === 9 ? 1e6 : (i % 3) + 1}},"_multi":[{"a":{"id":"x"}},{"a":{"id":"y"}}]}`);
    learner.learn(ex, { index: i % 2, cost: i % 3 === 0 ? -1 : 0, probability: 0.5 });
    if (!learnedFinite(learner, ex)) first = i;
  }
  assert.ok(first > 0, `first poisoned event ${first}`);
  assert.match(modelProblem(learner.saveModel())!, /^weight slot \d+ is -?Infinity|NaN$/);
});

test('an overflowed adaptive sum gets rate 0 (rsqrtss of +inf), so the weight stays finite', () => {
  assert.equal(quakeInvSqrt(Number.POSITIVE_INFINITY), 0);
  assert.ok(Math.abs(quakeInvSqrt(4) - 0.5) < 1e-3);
  // power_t 0.5 (VW's default): a feature whose square overflows makes G inf; its next, normal-sized value must
  // not turn the weight into -inf.
  const learner = createLearner(parsePolicyArguments('--cb_explore_adf --cb_type mtr'));
  for (const v of [3e19, 1, 2, 1]) {
    const ex = learner.featurize(`{"u":{"x":${v}},"_multi":[{"a":{"id":"x"}},{"a":{"id":"y"}}]}`);
    learner.learn(ex, { index: 0, cost: -1, probability: 0.5 });
    assert.ok(learnedFinite(learner, ex), `after x=${v}`);
  }
  assert.equal(modelProblem(learner.saveModel()), null);
});

test('SquareCB: a gamma that would overflow float is the largest float, and the pmf stays finite', () => {
  const gamma = squareCbGamma(3.4e38, 0.5, 4);
  assert.equal(gamma, 3.4028234663852886e38);
  const scores = Float32Array.of(-0.5, -0.5, 0.25);
  const probs = new Float32Array(3);
  squareCb(scores, Uint32Array.of(0, 1, 2), 3, gamma, 0, probs);
  for (const p of probs) assert.ok(Number.isFinite(p), String(probs));
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-6, String(probs));
  // The squarecb case with an in-range exponent: many events, the pmf finite.
  const learner = loadLearner(createLearner(parsePolicyArguments('--cb_explore_adf --squarecb --gamma_scale 3e38 --gamma_exponent 1')).saveModel());
  for (let i = 0; i < 20; i++) {
    const ex = learner.featurize('{"u":{"t":"a"},"_multi":[{"a":{"id":"x"}},{"a":{"id":"y"}},{"a":{"id":"z"}}]}');
    for (const p of learner.predict(ex)) assert.ok(Number.isFinite(p.probability), `event ${i}`);
    learner.learn(ex, { index: i % 3, cost: -1, probability: 0.3 });
  }
});

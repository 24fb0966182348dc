// Numeric extremes × every numeric policy option (enumerated from the parser's own table, so a new option is
// covered without editing this file): each value is refused with a PolicyArgumentError naming the option, or
// accepted, and then a learner on that policy learns and saves a model that holds only finite numbers and loads
// back (the issue's `-l 1e39` made the model header say `--learning_rate inf`, which no longer parsed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyArgumentError, parsePolicyArguments } from './policy_args.js';
import { NUMERIC_EXTREMES, NUMERIC_OPTIONS, policyWith } from './policy_args.fixtures.js';
import { createLearner, loadLearner } from './learner.js';
import { modelProblem } from './finite.js';

/**
 * Contexts with small and large numeric features (a timestamp paired with itself by -q :: squares to beyond
 * float: no update for it, as in VW, and its G becomes inf).
 */
const CONTEXTS = [
  '{"u":{"age":31,"tier":"gold"},"_multi":[{"a":{"id":"x","p":0.5}},{"a":{"id":"y","p":2}},{"a":{"id":"z"}}]}',
  '{"u":{"age":1e-20,"tier":"silver"},"_multi":[{"a":{"id":"x","p":1e3}},{"a":{"id":"y","p":3e-9}}]}',
  '{"u":{"t":1.7e12},"_multi":[{"a":{"id":"x"}},{"a":{"id":"y","q":-4}},{"a":{"id":"z","q":1e5}}]}',
];

test('the fuzz set covers every numeric option of the parser', () => {
  const names = NUMERIC_OPTIONS.map((o) => o.name);
  for (const n of ['epsilon', 'learning_rate', 'power_t', 'initial_t', 'l1', 'l2', 'gamma_scale', 'gamma_exponent', 'clip_p', 'bit_precision', 'hash_seed']) {
    assert.ok(names.includes(n), n);
  }
});

test('numeric extremes × every numeric policy option: refused naming it, or a learner that stays finite', () => {
  let accepted = 0;
  let refused = 0;
  for (const o of NUMERIC_OPTIONS) {
    for (const v of NUMERIC_EXTREMES) {
      const args = policyWith(o.name, v);
      let config;
      try {
        config = parsePolicyArguments(args);
      } catch (e) {
        assert.ok(e instanceof PolicyArgumentError, `${args}: ${String(e)}`);
        assert.equal(e.argument, `--${o.name}`, args);
        refused++;
        continue;
      }
      accepted++;
      if (o.name === 'bit_precision' && config.bits > 20) continue; // 2^30 slots × 16 bytes: too big to run here
      const learner = createLearner(config);
      for (let i = 0; i < 60; i++) {
        const ex = learner.featurize(CONTEXTS[i % CONTEXTS.length]!);
        learner.predict(ex);
        learner.learn(ex, { index: i % 2, cost: i % 3 === 0 ? -1 : 0.5, probability: 0.4 });
      }
      const bytes = learner.saveModel();
      assert.equal(modelProblem(bytes), null, args);
      const back = loadLearner(bytes);
      const pmf = back.predict(back.featurize(CONTEXTS[0]!));
      for (const p of pmf) assert.ok(Number.isFinite(p.probability), `${args}: pmf ${JSON.stringify(pmf)}`);
    }
  }
  assert.ok(accepted > 50 && refused > 100, `accepted ${accepted}, refused ${refused}`);
});

test("the issue's three values are refused naming their argument", () => {
  const cases: [string, string][] = [
    ['--cb_explore_adf -l 1e39', '-l'],
    ['--cb_explore_adf --power_t 1e39', '--power_t'],
    ['--cb_explore_adf --squarecb --gamma_exponent 1e39', '--gamma_exponent'],
    ['--cb_explore_adf --epsilon 3.5e38', '--epsilon'],
    ['--cb_explore_adf --learning_rate 0', '--learning_rate'],
    ['--cb_explore_adf --power_t -0.5', '--power_t'],
    ['--cb_explore_adf --squarecb --gamma_exponent -1', '--gamma_exponent'],
  ];
  for (const [args, argument] of cases) {
    assert.throws(() => parsePolicyArguments(args), (e: unknown) => e instanceof PolicyArgumentError && e.argument === argument && e.message.startsWith(`${argument}: `), args);
  }
});

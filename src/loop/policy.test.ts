import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { defaultPolicy, learningSignature, parsePolicy, validatePolicy, withEpsilon } from './policy.js';
import { LoopError } from './types.js';

test('withEpsilon replaces --epsilon in place (both spellings) or appends it', () => {
  assert.equal(withEpsilon(DEFAULT_POLICY_ARGUMENTS, 0.5), '--cb_explore_adf --epsilon 0.5 --power_t 0 -l 0.001 --cb_type mtr -q ::');
  assert.equal(withEpsilon('--cb_explore_adf --epsilon=0.1 -q ::', 0), '--cb_explore_adf --epsilon 0 -q ::');
  assert.equal(withEpsilon('--cb_explore_adf -q :: ', 0.3), '--cb_explore_adf -q :: --epsilon 0.3');
  assert.equal(defaultPolicy(0.2).arguments, DEFAULT_POLICY_ARGUMENTS);
});

test('the learning signature ignores epsilon only', () => {
  const a = learningSignature(parsePolicy(DEFAULT_POLICY_ARGUMENTS));
  assert.equal(learningSignature(parsePolicy(withEpsilon(DEFAULT_POLICY_ARGUMENTS, 0.7))), a);
  assert.notEqual(learningSignature(parsePolicy(DEFAULT_POLICY_ARGUMENTS.replace('mtr', 'ips'))), a);
  assert.notEqual(learningSignature(parsePolicy(DEFAULT_POLICY_ARGUMENTS.replace('0.001', '0.01'))), a);
});

test('validatePolicy: limits, engine errors mapped, epsilon made explicit', () => {
  const code = (c: string, m: RegExp) => (e: unknown) => e instanceof LoopError && e.code === c && m.test(e.message);
  assert.throws(() => validatePolicy({ name: 'x'.repeat(257), arguments: DEFAULT_POLICY_ARGUMENTS }, 0.2), code('InvalidPolicyContract', /^name:/));
  assert.throws(() => validatePolicy({ name: 'p', arguments: `${DEFAULT_POLICY_ARGUMENTS} ${' '.repeat(1000)}-q ab` }, 0.2), code('InvalidPolicyConfiguration', /^arguments: must be at most 1024/));
  assert.throws(() => validatePolicy({ name: 'p', arguments: '--cb_adf -q ::' }, 0.2), code('InvalidPolicyConfiguration', /^--cb_explore_adf: is required/));
  assert.throws(() => validatePolicy({ name: 'p', arguments: '--cb_explore_adf --cb_type xyz' }, 0.2), code('InvalidPolicyConfiguration', /^--cb_type: 'xyz' is not supported/));
  assert.deepEqual(validatePolicy({ name: 'p', arguments: ' --cb_explore_adf --epsilon 0.05 ' }, 0.2), {
    policy: { name: 'p', arguments: '--cb_explore_adf --epsilon 0.05' },
    explorationPercentage: 0.05,
  });
  assert.deepEqual(validatePolicy({ name: 'p', arguments: '--cb_explore_adf' }, 0.2), {
    policy: { name: 'p', arguments: '--cb_explore_adf --epsilon 0.2' },
    explorationPercentage: 0.2,
  });
});

test('validatePolicy: --cb_adf without exploration is a 400 naming it (a served loop must explore)', () => {
  assert.throws(
    () => validatePolicy({ name: 'x', arguments: '--cb_adf --cb_type ips -q ::' }, 0.2),
    (e: unknown) =>
      e instanceof LoopError &&
      e.code === 'InvalidPolicyConfiguration' &&
      /^--cb_explore_adf: is required \(a served loop must explore; --cb_adf alone is for replay\)/.test(e.message),
  );
});

test('the learning signature ignores which defaults were spelt out: models stored before headers kept them still match', () => {
  // Literal signatures as stored with models (formatPolicyArguments' canonical form): they must not change.
  assert.equal(
    learningSignature(parsePolicy('--cb_explore_adf --epsilon 0.05 -l 0.5 --power_t 0.5 --clip_p 0 --hash_seed 0 -q ::')),
    '--cb_explore_adf --epsilon 0 --cb_type mtr --learning_rate 0.5 --power_t 0.5 --quadratic ::',
  );
  assert.equal(
    learningSignature(parsePolicy('--cb_explore_adf -q :: --epsilon 0.3')),
    learningSignature(parsePolicy('--cb_explore_adf --epsilon 0.05 -l 0.5 --power_t 0.5 --clip_p 0 --hash_seed 0 -q ::')),
  );
  assert.equal(
    learningSignature(parsePolicy('--cb_explore_adf --squarecb --gamma_scale 10 --gamma_exponent 0.5 --epsilon 0 -q ::')),
    '--cb_explore_adf --squarecb --gamma_scale 10 --gamma_exponent 0.5 --cb_type mtr --learning_rate 0.5 --power_t 0.5 --quadratic ::',
  );
});

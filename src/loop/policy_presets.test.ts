// Presets through the loop's policy rules (policy.ts): a preset name in place of arguments is stored as the
// preset's full arguments, unchanged by the epsilon rule, and sets explorationPercentage to the preset's epsilon;
// the configured default (DefaultPolicy) is checked as a PUT would check it. The HTTP side: api/policy_presets.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments, POLICY_PRESETS } from '../engine/index.js';
import { validateEvaluationContract } from './evaluation_contract.js';
import { AZURE_DEFAULT_POLICY, configuredDefaultPolicy, DEFAULT_POLICY_NAME, validatePolicy } from './policy.js';
import { LoopError } from './types.js';

test('PUT policy with a preset name stores its full arguments as written, and its epsilon as explorationPercentage', () => {
  for (const p of POLICY_PRESETS) {
    for (const current of [0.2, 0.5]) {
      const { policy, explorationPercentage } = validatePolicy({ name: 'mine', arguments: p.name }, current);
      assert.deepEqual(policy, { name: 'mine', arguments: p.arguments }, p.name);
      const x = parsePolicyArguments(p.arguments).exploration;
      // A decaying cover has no epsilon of its own: the service's stays.
      const expected = x.kind === 'cover' && x.epsilonDecay ? current : x.kind === 'none' ? current : x.epsilon;
      assert.equal(explorationPercentage, expected, p.name);
      // The full arguments given directly are stored the same.
      assert.deepEqual(validatePolicy({ name: 'mine', arguments: p.arguments }, current).policy, policy);
    }
  }
});

test('a word that is neither arguments nor a preset is InvalidPolicyConfiguration listing the presets', () => {
  for (const word of ['recomended', 'Recommended', 'squarecb2']) {
    assert.throws(
      () => validatePolicy({ name: 'p', arguments: word }, 0.2),
      (e: unknown) =>
        e instanceof LoopError && e.code === 'InvalidPolicyConfiguration' && e.message.includes(`'${word}'`) && e.message.includes('recommended, epsilon-greedy'),
    );
  }
  // A preset name followed by options is not a preset: it is parsed as VW arguments, and refused as such.
  assert.throws(() => validatePolicy({ name: 'p', arguments: 'squarecb --epsilon 0.1' }, 0.2), (e: unknown) => e instanceof LoopError && /squarecb/.test(e.message));
});

test('configuredDefaultPolicy: a preset under its own name, arguments under "default", a bad value refused', () => {
  for (const p of POLICY_PRESETS) assert.deepEqual(configuredDefaultPolicy(p.name, 0.2), { name: p.name, arguments: p.arguments });
  assert.deepEqual(configuredDefaultPolicy('azure-default', 0.2), AZURE_DEFAULT_POLICY);
  assert.equal(AZURE_DEFAULT_POLICY.arguments, DEFAULT_POLICY_ARGUMENTS);
  // VW arguments: checked and completed exactly as PUT /configurations/policy would (epsilon made explicit).
  assert.deepEqual(configuredDefaultPolicy(' --cb_explore_adf --squarecb -q :: ', 0.2), {
    name: DEFAULT_POLICY_NAME,
    arguments: '--cb_explore_adf --squarecb -q :: --epsilon 0.2',
  });
  for (const bad of ['--cb_explore_adf -l 1e39', '--cb_adf', '--cb_explore_adf -b 28', 'nope']) {
    assert.throws(() => configuredDefaultPolicy(bad, 0.2), (e: unknown) => e instanceof LoopError && e.code === 'InvalidPolicyConfiguration', bad);
  }
});

test('an evaluation policy given as a preset name is evaluated (and stored) as its full arguments', () => {
  const contract = validateEvaluationContract(
    {
      name: 'e',
      startTime: '2024-01-01T00:00:00Z',
      endTime: '2024-01-02T00:00:00Z',
      policies: [
        { name: 'sq', arguments: 'squarecb' },
        { name: 'own', arguments: '--cb_explore_adf --epsilon 0.1' },
      ],
    },
    DEFAULT_POLICY_ARGUMENTS,
  );
  assert.deepEqual(contract.policies, [
    { name: 'sq', arguments: POLICY_PRESETS.find((p) => p.name === 'squarecb')!.arguments },
    { name: 'own', arguments: '--cb_explore_adf --epsilon 0.1' },
  ]);
  assert.throws(
    () => validateEvaluationContract({ name: 'e', startTime: '2024-01-01T00:00:00Z', endTime: '2024-01-02T00:00:00Z', policies: [{ name: 'x', arguments: 'squarecbb' }] }, DEFAULT_POLICY_ARGUMENTS),
    (e: unknown) => e instanceof LoopError && e.code === 'InvalidEvaluationContract' && e.message.includes("policies[0] 'x'"),
  );
});

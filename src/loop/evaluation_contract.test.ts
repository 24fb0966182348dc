// POST /evaluations' contract rules (evaluation_contract.ts): each refusal has the spec's code and names the field,
// the policy and the argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { parseDateTime } from './date_time.js';
import { MAX_CUSTOM_POLICIES, validateEvaluationContract } from './evaluation_contract.js';
import { LoopError } from './types.js';

const ok = {
  name: 'week 3',
  startTime: '2024-01-12T00:00:00Z',
  endTime: '2024-01-19T00:00:00+01:00',
  policies: [
    { name: 'fast', arguments: '--cb_explore_adf --epsilon 0.2 -l 0.1 -q ::' },
    { name: 'greedy', arguments: ' --cb_adf --cb_type dr ' },
    // The spec's own example carries --dsjson, a flag with no effect on the model.
    { name: 'Custom Learning settings 1', arguments: '--cb_explore_adf --epsilon 0.2 --dsjson --cb_type ips -l 0.5 --l1 1E-07 --power_t 0.5' },
  ],
  enableOfflineExperimentation: true,
};

function refused(body: unknown, code: string, pattern: RegExp): void {
  assert.throws(
    () => validateEvaluationContract(body, DEFAULT_POLICY_ARGUMENTS),
    (e: unknown) => e instanceof LoopError && e.status === 400 && e.code === code && pattern.test(e.message),
    JSON.stringify(body).slice(0, 200),
  );
}

test('a valid contract: times in ms, arguments trimmed, the online policy and feature importance recorded', () => {
  const c = validateEvaluationContract(ok, DEFAULT_POLICY_ARGUMENTS);
  assert.equal(c.startTime, Date.UTC(2024, 0, 12));
  assert.equal(c.endTime, Date.UTC(2024, 0, 18, 23));
  assert.deepEqual(c.policies.map((p) => p.arguments), [ok.policies[0]!.arguments, '--cb_adf --cb_type dr', ok.policies[2]!.arguments]);
  assert.equal(c.enableOfflineExperimentation, true);
  assert.equal(c.featureImportance, true);
  assert.equal(c.onlinePolicy, DEFAULT_POLICY_ARGUMENTS);
  assert.equal(validateEvaluationContract({ ...ok, policies: [], enableOfflineExperimentation: undefined }, '').enableOfflineExperimentation, false);
});

test('InvalidEvaluationContract for every malformed field, naming it', () => {
  refused(null, 'InvalidEvaluationContract', /JSON object/);
  refused({ ...ok, name: '' }, 'InvalidEvaluationContract', /^name: /);
  refused({ ...ok, name: 'n'.repeat(257) }, 'InvalidEvaluationContract', /^name: .*256/);
  refused({ ...ok, startTime: undefined }, 'InvalidEvaluationContract', /^startTime: is required/);
  refused({ ...ok, endTime: '2024-01-19' }, 'InvalidEvaluationContract', /^endTime: /);
  refused({ ...ok, endTime: '2024-02-30T00:00:00Z' }, 'InvalidEvaluationContract', /^endTime: /);
  refused({ ...ok, startTime: '2024-01-19T00:00:00Z', endTime: '2024-01-19T00:00:00Z' }, 'InvalidEvaluationContract', /^startTime: must be before endTime/);
  refused({ ...ok, enableOfflineExperimentation: 'yes' }, 'InvalidEvaluationContract', /^enableOfflineExperimentation: /);
  refused({ ...ok, policies: undefined }, 'InvalidEvaluationContract', /^policies: is required/);
  refused({ ...ok, policies: [7] }, 'InvalidEvaluationContract', /^policies\[0\]: must be an object/);
  refused({ ...ok, policies: [{ arguments: '--cb_adf' }] }, 'InvalidEvaluationContract', /^policies\[0\]\.name: /);
  refused({ ...ok, policies: [{ name: 'x', arguments: '' }] }, 'InvalidEvaluationContract', /^policies\[0\] 'x': arguments must be a non-empty/);
  refused({ ...ok, policies: [{ name: 'x', arguments: '--cb_adf ' + 'x'.repeat(1020) }] }, 'InvalidEvaluationContract', /^policies\[0\] 'x': arguments must be at most 1024/);
  const many = Array.from({ length: MAX_CUSTOM_POLICIES + 1 }, (_, i) => ({ name: `p${i}`, arguments: '--cb_adf' }));
  refused({ ...ok, policies: many }, 'InvalidEvaluationContract', /^policies: at most 64/);
});

test('a policy argument the engine lacks, or out of its domain: the message names the policy and the argument', () => {
  refused({ ...ok, policies: [ok.policies[0], { name: 'rnd', arguments: '--cb_explore_adf --rnd 5' }] }, 'InvalidEvaluationContract', /^policies\[1\] 'rnd': --rnd: /);
  refused({ ...ok, policies: [{ name: 'neg', arguments: '--cb_explore_adf -l -1' }] }, 'InvalidEvaluationContract', /^policies\[0\] 'neg': -l: /);
  refused({ ...ok, policies: [{ name: 'none', arguments: '-q ::' }] }, 'InvalidEvaluationContract', /^policies\[0\] 'none': --cb_explore_adf: or --cb_adf is required/);
  refused({ ...ok, policies: [{ name: 'huge', arguments: '--cb_adf -b 25' }] }, 'InvalidEvaluationContract', /^policies\[0\] 'huge': --bit_precision: at most 24/);
  // Four 2^24-weight models fit in 1 GiB; the fifth does not.
  const big = Array.from({ length: 5 }, (_, i) => ({ name: `b${i}`, arguments: '--cb_adf -b 24' }));
  refused({ ...ok, policies: big }, 'InvalidEvaluationContract', /^policies\[4\] 'b4': the custom policies' weights would take more than 1 GiB/);
  assert.doesNotThrow(() => validateEvaluationContract({ ...ok, policies: big.slice(0, 4) }, ''));
});

test('DuplicateCustomPolicyNames: two custom policies of one name, or a built-in policy name in any case', () => {
  refused({ ...ok, policies: [ok.policies[0], ok.policies[0]] }, 'DuplicateCustomPolicyNames', /^policies\[1\] 'fast': another custom policy has this name/);
  for (const name of ['Online', 'baseline1', 'BASELINERAND']) {
    refused({ ...ok, policies: [{ name, arguments: '--cb_adf' }] }, 'DuplicateCustomPolicyNames', /built-in policy/);
  }
});

test('date-times: RFC 3339 with an offset, real days only', () => {
  assert.equal(parseDateTime('2019-01-19T00:00:00Z'), Date.UTC(2019, 0, 19));
  assert.equal(parseDateTime('2019-01-19t01:30:00.250+01:30'), Date.UTC(2019, 0, 19, 0, 0, 0, 250));
  assert.equal(parseDateTime('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  for (const bad of ['2023-02-29T00:00:00Z', '2019-01-19', '2019-01-19T00:00:00', '2019-13-01T00:00:00Z', '2019-01-19T24:00:00Z', 'Jan 19 2019', '', 7, null]) {
    assert.equal(parseDateTime(bad), null, String(bad));
  }
});

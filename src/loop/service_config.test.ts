import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration.js';
import { generateEventId, GENERATED_EVENT_ID } from './event_id.js';
import { DEFAULT_SERVICE_CONFIGURATION, loopSettings, validateServiceConfiguration } from './service_config.js';
import { LoopError } from './types.js';

test('ISO-8601 durations', () => {
  assert.equal(parseDuration('PT10M'), 600_000);
  assert.equal(parseDuration('PT1S'), 1000);
  assert.equal(parseDuration('pt0.5s'), 500);
  assert.equal(parseDuration('P1D'), 86_400_000);
  assert.equal(parseDuration('P1DT2H3M4.5S'), 86_400_000 + 7_200_000 + 180_000 + 4500);
  assert.equal(parseDuration('P2W'), 14 * 86_400_000);
  for (const bad of ['P', 'PT', 'P1DT', 'P1Y', 'P1M', '10M', 'PT-1S', 'PT1S2M', '', 'PT1,5S']) {
    assert.equal(parseDuration(bad), null, bad);
  }
});

test('generated eventIds look like Azure\'s and differ', () => {
  // 2,000 ids draw their suffixes from a few refills of the random pool.
  const ids = new Set(Array.from({ length: 2000 }, generateEventId));
  assert.equal(ids.size, 2000);
  for (const id of ids) assert.match(id, GENERATED_EVENT_ID);
  assert.equal(generateEventId().length, 38);
  // The suffixes are random too: 2,000 draws of 62⁵ values almost never repeat, and use every character.
  const suffixes = [...ids].map((id) => id.slice(33));
  assert.ok(new Set(suffixes).size >= 1995, `${new Set(suffixes).size}`);
  assert.equal(new Set(suffixes.join('')).size, 62);
});

const base = { ...DEFAULT_SERVICE_CONFIGURATION };
function rejects(patch: Record<string, unknown>, pattern: RegExp): void {
  assert.throws(
    () => validateServiceConfiguration({ ...base, ...patch }, 0),
    (e: unknown) => e instanceof LoopError && e.code === 'InvalidServiceConfiguration' && pattern.test(e.message),
  );
}

test('service configuration: defaults valid, server fields filled in', () => {
  const c = validateServiceConfiguration({ ...base, rewardAggregation: 'Average', lastConfigurationEditDate: 'x' }, 86_400_000);
  assert.equal(c.rewardAggregation, 'average');
  assert.equal(c.lastConfigurationEditDate, '1970-01-02T00:00:00.000Z');
  assert.equal(c.learningMode, 'Online');
  assert.equal(c.isAutoOptimizationEnabled, false);
  const s = loopSettings(c);
  assert.equal(s.rewardWaitMs, 600_000);
  assert.equal(s.modelExportMs, 300_000);
  assert.equal(s.logRetentionDays, 90);
});

test('service configuration: every rule names its field', () => {
  rejects({ rewardWaitTime: '10 minutes' }, /^rewardWaitTime: '10 minutes' is not an ISO-8601 duration/);
  rejects({ rewardWaitTime: 'PT0.5S' }, /^rewardWaitTime: must be between PT1S and P2D/);
  rejects({ rewardWaitTime: 'P3D' }, /^rewardWaitTime: must be between/);
  rejects({ rewardWaitTime: undefined }, /^rewardWaitTime: is required/);
  rejects({ modelExportFrequency: 'PT0.5S' }, /^modelExportFrequency: must be between PT1S and P1D/);
  assert.doesNotThrow(() => validateServiceConfiguration({ ...base, modelExportFrequency: 'PT1S', rewardWaitTime: 'PT1S' }, 0));
  rejects({ explorationPercentage: 1.01 }, /^explorationPercentage: must be between 0 and 1/);
  rejects({ explorationPercentage: '0.2' }, /^explorationPercentage: is required and must be a number/);
  rejects({ defaultReward: -1.5 }, /^defaultReward: must be between -1 and 1/);
  rejects({ rewardAggregation: 'median' }, /^rewardAggregation: 'median' is not one of earliest, sum, average/);
  rejects({ logRetentionDays: 1 }, /^logRetentionDays: must be -1 or at least 2/);
  rejects({ logRetentionDays: 2, rewardWaitTime: 'P1DT1S' }, /^logRetentionDays: must be -1 or at least 3/);
  assert.doesNotThrow(() => validateServiceConfiguration({ ...base, logRetentionDays: 3, rewardWaitTime: 'P1DT1S' }, 0));
  assert.doesNotThrow(() => validateServiceConfiguration({ ...base, logRetentionDays: -1 }, 0));
  rejects({ logRetentionDays: 2.5 }, /^logRetentionDays: is required and must be an integer/);
  rejects({ learningMode: 'apprentice' }, /^learningMode: must be Online, Apprentice or LoggingOnly/);
  rejects({ learningMode: 3 }, /^learningMode: must be Online, Apprentice or LoggingOnly/);
  rejects({ isInferenceExplainabilityEnabled: 'true' }, /^isInferenceExplainabilityEnabled: must be true or false/);
  rejects({ isInferenceExplainabilityEnabled: 1 }, /^isInferenceExplainabilityEnabled: must be true or false/);
  rejects({ learningMode: 'Offline' }, /^learningMode: must be Online, Apprentice or LoggingOnly/);
  rejects({ isAutoOptimizationEnabled: 'yes' }, /^isAutoOptimizationEnabled: must be true or false/);
  rejects({ autoOptimizationFrequency: 'PT59M' }, /^autoOptimizationFrequency: must be between PT1H and P365D/);
  rejects({ autoOptimizationFrequency: 'P366D' }, /^autoOptimizationFrequency: must be between PT1H and P365D/);
  rejects({ autoOptimizationFrequency: 'weekly' }, /^autoOptimizationFrequency: 'weekly' is not an ISO-8601 duration/);
  for (const bad of ['2024-01-19', '2024-01-19T00:00:00', '2024-02-30T00:00:00Z', 'soon', 7]) {
    rejects({ autoOptimizationStartDate: bad }, /^autoOptimizationStartDate: must be an ISO-8601 date-time with an offset/);
  }
});

test('service configuration: auto-optimization is accepted, its fields kept; defaults P7D from the time of the PUT', () => {
  const on = validateServiceConfiguration({ ...base, isAutoOptimizationEnabled: true }, Date.UTC(2024, 0, 19));
  assert.equal(on.isAutoOptimizationEnabled, true);
  assert.equal(on.autoOptimizationFrequency, 'P7D');
  assert.equal(on.autoOptimizationStartDate, '2024-01-19T00:00:00.000Z');
  const given = validateServiceConfiguration(
    { ...base, isAutoOptimizationEnabled: true, autoOptimizationFrequency: 'PT1H', autoOptimizationStartDate: '2019-01-19T00:00:00+02:00' },
    0,
  );
  assert.deepEqual([given.autoOptimizationFrequency, given.autoOptimizationStartDate], ['PT1H', '2019-01-19T00:00:00+02:00']);
  // Off: what was given is still kept and read back; nothing is filled in.
  const off = validateServiceConfiguration({ ...base, isAutoOptimizationEnabled: false, autoOptimizationFrequency: 'P28D' }, 0);
  assert.deepEqual([off.isAutoOptimizationEnabled, off.autoOptimizationFrequency, off.autoOptimizationStartDate], [false, 'P28D', undefined]);
});

test('service configuration: learning modes and explanations are stored as given', () => {
  for (const mode of ['Online', 'Apprentice', 'LoggingOnly'] as const) {
    assert.equal(validateServiceConfiguration({ ...base, learningMode: mode }, 0).learningMode, mode);
  }
  assert.equal(validateServiceConfiguration({ ...base, learningMode: undefined }, 0).learningMode, 'Online');
  assert.equal(validateServiceConfiguration({ ...base }, 0).isInferenceExplainabilityEnabled, false);
  assert.equal(validateServiceConfiguration({ ...base, isInferenceExplainabilityEnabled: true }, 0).isInferenceExplainabilityEnabled, true);
});

test('service configuration: a learningMode change with a reward setting in one PUT is InvalidLearningModeServiceConfiguration', () => {
  const live = validateServiceConfiguration({ ...base }, 0);
  const refused = (patch: Record<string, unknown>, field: RegExp): void =>
    assert.throws(
      () => validateServiceConfiguration({ ...base, ...patch }, 0, live),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidLearningModeServiceConfiguration' && e.status === 400 && field.test(e.message),
    );
  refused({ learningMode: 'Apprentice', defaultReward: 0.5 }, /from Online to Apprentice .* defaultReward/);
  refused({ learningMode: 'LoggingOnly', rewardWaitTime: 'PT5M' }, /rewardWaitTime/);
  refused({ learningMode: 'Apprentice', rewardAggregation: 'sum' }, /rewardAggregation/);
  refused({ learningMode: 'Apprentice', defaultReward: 1, rewardWaitTime: 'PT1H' }, /defaultReward, rewardWaitTime/);
  // Same values in another spelling are no change; the mode alone, or the reward settings alone, are accepted.
  const apprentice = validateServiceConfiguration({ ...base, learningMode: 'Apprentice', rewardWaitTime: 'PT600S', rewardAggregation: 'Earliest' }, 0, live);
  assert.equal(apprentice.learningMode, 'Apprentice');
  assert.equal(validateServiceConfiguration({ ...base, defaultReward: 0.5 }, 0, live).defaultReward, 0.5);
  assert.equal(validateServiceConfiguration({ ...base, learningMode: 'Apprentice', defaultReward: 0.5 }, 0, apprentice).defaultReward, 0.5);
  // Other fields may change with the mode.
  assert.equal(validateServiceConfiguration({ ...base, learningMode: 'Online', explorationPercentage: 0.1 }, 0, apprentice).learningMode, 'Online');
});

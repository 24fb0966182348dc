// Service configuration: Azure's defaults for a new resource and the validation of PUT /configurations/service
// (docs/azure-api.md §3 ServiceConfiguration, §5 defaults). Failures → LoopError('InvalidServiceConfiguration') naming
// the field.
//
// Decisions where Azure is silent or where we differ:
// - durations: see duration.ts (W/D/H/M/S, decimals allowed, no years/months). rewardWaitTime must lie in
//   [PT1S, P2D] (Azure's text says 5 s..2 days; we allow 1 s for demos and tests); modelExportFrequency in
//   [PT1S, P1D]. So PT0.5S is well-formed but below both minimums.
// - rewardAggregation is matched case-insensitively and stored lower-case.
// - learningMode: Online, Apprentice or LoggingOnly (learning_mode.ts, docs/learning-modes.md), matched exactly
//   as Azure's enum spells it. Changing it in the same PUT as defaultReward, rewardWaitTime or rewardAggregation
//   is refused with InvalidLearningModeServiceConfiguration (checked against the live configuration).
// - isInferenceExplainabilityEnabled (Microsoft Learn "how-to-inference-explainability"; not in the specs): a
//   boolean, false by default, read back as stored (docs/inference-explanations.md).
// - logMirrorEnabled (docs/log-mirror.md): the mirror writes DSJSON files to a local directory; `true` is refused
//   when the server has none (neither Mounts:Output nor LogMirror:Directory). logMirrorSasUri is stored and read
//   back, never contacted.
// - auto-optimization (auto_optimize.ts): isAutoOptimizationEnabled defaults to false (Azure turned it on for new
//   loops; here a loop changes its own policy only when asked to). autoOptimizationFrequency lies in [PT1H, P365D]
//   (an Auto evaluation replays up to two weeks of logs with optimization discovery: more often than hourly is
//   never useful) and defaults to P7D (the spec example's value) when enabled without one;
//   autoOptimizationStartDate is an ISO-8601 date-time with an offset and defaults to the time of the PUT.
//   Both are stored and read back even while auto-optimization is off.
// - lastConfigurationEditDate is set by the server on every accepted PUT (the client's value is ignored).
import { parseDateTime } from './date_time.js';
import { DAY, parseDuration } from './duration.js';
import { checkLearningModeChange, LEARNING_MODES } from './learning_mode.js';
import { LoopError, type LearningMode, type RewardAggregation, type ServiceConfiguration } from './types.js';

export const DEFAULT_SERVICE_CONFIGURATION: Omit<ServiceConfiguration, 'lastConfigurationEditDate'> = {
  rewardWaitTime: 'PT10M',
  defaultReward: 0,
  rewardAggregation: 'earliest',
  explorationPercentage: 0.2,
  modelExportFrequency: 'PT5M',
  logMirrorEnabled: false,
  logRetentionDays: 90,
  learningMode: 'Online',
  isAutoOptimizationEnabled: false,
  isInferenceExplainabilityEnabled: false,
};

const AGGREGATIONS: readonly RewardAggregation[] = ['earliest', 'sum', 'average'];
const INT32_MAX = 2147483647;
const HOUR = 3_600_000;
export const DEFAULT_AUTO_OPTIMIZATION_FREQUENCY = 'P7D';

/** The configuration in the units the loop works with. */
export interface LoopSettings {
  rewardWaitMs: number;
  defaultReward: number;
  rewardAggregation: RewardAggregation;
  explorationPercentage: number;
  modelExportMs: number;
  logRetentionDays: number;
}

function fail(field: string, message: string): never {
  throw new LoopError('InvalidServiceConfiguration', `${field}: ${message}`);
}

function duration(value: unknown, field: string, minMs: number, maxMs: number, range: string): number {
  if (typeof value !== 'string') fail(field, 'is required and must be an ISO-8601 duration such as PT10M');
  const ms = parseDuration(value);
  if (ms === null) fail(field, `'${value}' is not an ISO-8601 duration such as PT10M (years and months are not accepted)`);
  if (ms < minMs || ms > maxMs) fail(field, `must be between ${range}`);
  return ms;
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'is required and must be a number');
  if (value < min || value > max) fail(field, `must be between ${min} and ${max}`);
  return value;
}

/**
 * Validates a PUT body; returns the configuration to store (server fields filled in). `previous`: the live
 * configuration, for the rules that compare with it (a learningMode change).
 */
export function validateServiceConfiguration(
  body: unknown,
  now: number,
  previous?: ServiceConfiguration,
  server: { logMirror?: boolean } = {},
): ServiceConfiguration {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('configuration', 'must be a JSON object');
  const c = body as Record<string, unknown>;
  const rewardWaitMs = duration(c.rewardWaitTime, 'rewardWaitTime', 1000, 2 * DAY, 'PT1S and P2D');
  duration(c.modelExportFrequency, 'modelExportFrequency', 1000, DAY, 'PT1S and P1D');
  const defaultReward = number(c.defaultReward, 'defaultReward', -1, 1);
  const explorationPercentage = number(c.explorationPercentage, 'explorationPercentage', 0, 1);

  if (typeof c.rewardAggregation !== 'string') fail('rewardAggregation', 'is required: earliest, sum or average');
  const rewardAggregation = c.rewardAggregation.toLowerCase() as RewardAggregation;
  if (!AGGREGATIONS.includes(rewardAggregation)) {
    fail('rewardAggregation', `'${c.rewardAggregation}' is not one of earliest, sum, average`);
  }

  const days = c.logRetentionDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days > INT32_MAX) {
    fail('logRetentionDays', 'is required and must be an integer (-1 keeps logs forever)');
  }
  // Azure: -1, or at least rewardWaitTime + 1 day, rounded up (docs/azure-api.md §3, InvalidLogRetentionDays).
  const minDays = Math.ceil((rewardWaitMs + DAY) / DAY);
  if (days !== -1 && days < minDays) {
    fail('logRetentionDays', `must be -1 or at least ${minDays} (rewardWaitTime + 1 day, rounded up)`);
  }

  const mode = c.learningMode ?? 'Online';
  if (typeof mode !== 'string' || !LEARNING_MODES.includes(mode as LearningMode)) {
    fail('learningMode', 'must be Online, Apprentice or LoggingOnly');
  }
  const explain = c.isInferenceExplainabilityEnabled ?? false;
  if (typeof explain !== 'boolean') fail('isInferenceExplainabilityEnabled', 'must be true or false');
  const auto = c.isAutoOptimizationEnabled ?? false;
  if (typeof auto !== 'boolean') fail('isAutoOptimizationEnabled', 'must be true or false');
  const mirror = c.logMirrorEnabled ?? false;
  if (typeof mirror !== 'boolean') fail('logMirrorEnabled', 'must be true or false');
  if (mirror && server.logMirror === false) {
    fail('logMirrorEnabled', 'this server has no directory for the log mirror: start it with Mounts:Output=<directory> or LogMirror:Directory=<directory>');
  }
  if (c.logMirrorSasUri !== undefined && c.logMirrorSasUri !== null && typeof c.logMirrorSasUri !== 'string') fail('logMirrorSasUri', 'must be a string');

  const out: ServiceConfiguration = {
    rewardWaitTime: (c.rewardWaitTime as string).trim(),
    defaultReward,
    rewardAggregation,
    explorationPercentage,
    modelExportFrequency: (c.modelExportFrequency as string).trim(),
    logMirrorEnabled: mirror,
    logRetentionDays: days,
    lastConfigurationEditDate: new Date(now).toISOString(),
    learningMode: mode as LearningMode,
    isAutoOptimizationEnabled: auto,
    isInferenceExplainabilityEnabled: explain,
  };
  if (c.autoOptimizationFrequency !== undefined && c.autoOptimizationFrequency !== null) {
    duration(c.autoOptimizationFrequency, 'autoOptimizationFrequency', HOUR, 365 * DAY, 'PT1H and P365D');
    out.autoOptimizationFrequency = (c.autoOptimizationFrequency as string).trim();
  } else if (auto) {
    out.autoOptimizationFrequency = DEFAULT_AUTO_OPTIMIZATION_FREQUENCY;
  }
  if (c.autoOptimizationStartDate !== undefined && c.autoOptimizationStartDate !== null) {
    if (parseDateTime(c.autoOptimizationStartDate) === null) {
      fail('autoOptimizationStartDate', 'must be an ISO-8601 date-time with an offset, such as 2024-01-19T00:00:00Z');
    }
    out.autoOptimizationStartDate = (c.autoOptimizationStartDate as string).trim();
  } else if (auto) {
    out.autoOptimizationStartDate = new Date(now).toISOString();
  }
  if (typeof c.logMirrorSasUri === 'string') out.logMirrorSasUri = c.logMirrorSasUri;
  if (previous !== undefined) checkLearningModeChange(previous, out);
  return out;
}

/** The stored configuration in the loop's units (it was validated when stored). */
export function loopSettings(c: ServiceConfiguration): LoopSettings {
  return {
    rewardWaitMs: parseDuration(c.rewardWaitTime)!,
    defaultReward: c.defaultReward,
    rewardAggregation: c.rewardAggregation as RewardAggregation,
    explorationPercentage: c.explorationPercentage,
    modelExportMs: parseDuration(c.modelExportFrequency)!,
    logRetentionDays: c.logRetentionDays,
  };
}

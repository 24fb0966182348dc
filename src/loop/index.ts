// The learning loop: what rank / reward / activate mean, the joiner, the trainer worker, settings and the model
// lifecycle. api/ codes against the Loop contract in types.ts and gets one from openLoop().
export * from './types.js';
export { openLoop, type LearningLoop } from './loop.js';
export { DEFAULT_SERVICE_CONFIGURATION } from './service_config.js';
export { AZURE_DEFAULT_POLICY, configuredDefaultPolicy, POLICY_PRESETS, type PolicyPreset } from './policy.js';
export { parseDuration } from './duration.js';
export { evaluationSeries, checkSeriesQuery, INTERVALS, type SeriesQuery, type SeriesWindow, type EvaluationSeries } from './evaluation_series.js';
export { jobStatus } from './feature_importances.js';

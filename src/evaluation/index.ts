// Offline evaluation (architecture: evaluation → engine, store, dsjson): replays logged events through candidate
// policies, estimates their rewards (IPS, SNIPS, DR with Azure's summary fields), searches for better policies and
// scores feature importance. No HTTP and no store writes here: the loop runs jobs and keeps their results.
export * from './types.js';
export { runEvaluation, runPassInProcess, ONLINE, BASELINE1, BASELINE_RAND, isoDuration, type EvaluationRequest, type EvaluateOptions, type RunPasses } from './evaluate.js';
export { PolicyAccumulator, halfWidth, summarize, Z95, BIN_MS } from './estimators.js';
export { runPass, rewardModelArguments, replayConfig, PassCancelled, type PassOptions } from './pass.js';
export { maskContext } from './mask.js';
export { createPassPool, type PassPool, type PassPoolOptions } from './pool.js';
export { readLoggedEvents, UnsupportedLogError, type LoggedLog, type LogReadOptions } from './dsjson_log.js';
export { discoverPolicies, DEFAULT_DISCOVERY_BUDGET, MIN_DISCOVERY_BUDGET, SQUARECB, type DiscoveryOptions, type DiscoveryResult, type DiscoveredPolicy } from './discovery.js';
export { chooseOptimalPolicy, type OptimalPolicyOptions } from './optimal_policy.js';
export { type ExperimentOptions } from './experiments.js';
export { scoreFeatureImportance, featureLabel, DEFAULT_FEATURE_BUDGET, DEFAULT_NAMESPACE_BUDGET, type FeatureImportanceOptions, type FeatureImportanceResult } from './feature_importance.js';
export { surveyNamespaces, interactionLetters, type NamespaceInfo, type NamespaceSurvey } from './namespaces.js';

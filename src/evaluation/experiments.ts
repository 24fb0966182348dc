// The parts of an evaluation beyond replaying the requested policies (docs/discovery-and-feature-importance.md):
// optimization discovery when the request enables offline experimentation, feature importance when it asks for
// it. They run before the main pass, through the same RunPasses, with progress weighted by the replays each plans;
// the discovered policies then join the custom ones in the main pass.
import { discoverPolicies, DEFAULT_DISCOVERY_BUDGET, type DiscoveryOptions, type DiscoveryResult } from './discovery.js';
import { scoreFeatureImportance, DEFAULT_FEATURE_BUDGET, DEFAULT_NAMESPACE_BUDGET, type FeatureImportanceOptions, type FeatureImportanceResult } from './feature_importance.js';
import { chooseOptimalPolicy, type OptimalPolicyOptions } from './optimal_policy.js';
import { PassCancelled } from './pass.js';
import type { RunPasses } from './evaluate.js';
import type { EvaluationResult, LoggedEvent, PolicyResult, PolicySpec, Progress } from './types.js';

export interface ExperimentOptions {
  onProgress?: (progress: Progress) => void;
  cancelled?: () => boolean;
  /** Optimization discovery's settings (budget, grid) when request.enableOfflineExperimentation. */
  discovery?: Omit<DiscoveryOptions, 'onProgress' | 'cancelled'> & OptimalPolicyOptions;
  /** Feature importance's budgets when request.featureImportance. */
  featureImportance?: Omit<FeatureImportanceOptions, 'onProgress' | 'cancelled' | 'baseLoss'>;
}

export interface Experiments {
  discovery?: DiscoveryResult;
  importance?: FeatureImportanceResult;
  /** Progress of the main pass, after the experiments' share. */
  report: (stage: string, fraction: number) => void;
}

export async function runExperiments(
  events: readonly LoggedEvent[],
  request: { onlinePolicy: string; policies: readonly unknown[]; enableOfflineExperimentation: boolean; featureImportance: boolean },
  runPasses: RunPasses,
  options: ExperimentOptions,
): Promise<Experiments> {
  const weights = {
    discovery: request.enableOfflineExperimentation ? (options.discovery?.budget ?? DEFAULT_DISCOVERY_BUDGET) : 0,
    importance: request.featureImportance
      ? (options.featureImportance?.namespaceBudget ?? DEFAULT_NAMESPACE_BUDGET) + (options.featureImportance?.featureBudget ?? DEFAULT_FEATURE_BUDGET)
      : 0,
    main: request.policies.length + 1,
  };
  const total = weights.discovery + weights.importance + weights.main;
  const part = (offset: number, weight: number) => (stage: string, fraction: number) =>
    options.onProgress?.({ stage, fraction: (offset + weight * Math.min(1, fraction)) / total });
  const cancelled = options.cancelled ? { cancelled: options.cancelled } : {};
  const out: Experiments = { report: part(weights.discovery + weights.importance, weights.main) };
  if (request.enableOfflineExperimentation) {
    out.discovery = await discoverPolicies(events, request.onlinePolicy, runPasses, { ...options.discovery, ...cancelled, onProgress: part(0, weights.discovery) });
  }
  if (request.featureImportance) {
    if (options.cancelled?.()) throw new PassCancelled();
    const baseLoss = out.discovery?.baseLoss;
    out.importance = await scoreFeatureImportance(events, request.onlinePolicy, runPasses, {
      ...options.featureImportance,
      ...cancelled,
      // Optimization discovery already scored the unmasked copy (its base).
      ...(baseLoss !== undefined && Number.isFinite(baseLoss) ? { baseLoss } : {}),
      onProgress: part(weights.discovery, weights.importance),
    });
  }
  return out;
}

/**
 * The discovered policies to replay after the custom ones; one whose name a custom or built-in policy already
 * has takes a suffix.
 */
export function discoveredSpecs(x: Experiments, taken: readonly string[]): PolicySpec[] {
  const names = new Set(taken);
  const specs = x.discovery?.policies ?? [];
  for (const p of specs) while (names.has(p.name)) p.name += '-discovered';
  return specs;
}

/** The Evaluation's fields the experiments fill, once every policy's results are in. */
export function experimentFields(
  x: Experiments,
  policyResults: readonly PolicyResult[],
  onlineName: string,
  options: ExperimentOptions,
): Pick<EvaluationResult, 'featureImportance' | 'featureScores' | 'optimalPolicy' | 'discovery'> {
  const fields: Pick<EvaluationResult, 'featureImportance' | 'featureScores' | 'optimalPolicy' | 'discovery'> = {
    featureImportance: x.importance?.featureImportance ?? [],
    featureScores: x.importance?.featureScores ?? [],
    optimalPolicy: x.discovery ? chooseOptimalPolicy(x.discovery, policyResults, onlineName, options.discovery) : '',
  };
  if (x.discovery) {
    const { policies: _replayedWithTheOthers, ...search } = x.discovery;
    fields.discovery = search;
  }
  return fields;
}

// Feature importance (docs/discovery-and-feature-importance.md), as Azure's feature evaluation describes it
// (how-to-feature-evaluation: a copy of the current model configuration trained on the logs "with features ignored
// one at a time to measure the difference in model performance", scores 0 least … 100 most important).
//
// The copy is the online policy's learning arguments as `--cb_adf` (policy_variants.ts), scored by the same
// progressive loss as optimization discovery. A group is left out with a mask (mask.ts) and the group's importance
// is how much the loss rises without it. Groups are VW namespaces (namespaces.ts), then features inside the most
// important namespaces. Cost: one replay per namespace (at most `namespaceBudget`, the most frequent ones) plus the
// unmasked copy, all in one pass, then one replay per feature (at most `featureBudget`) in a second pass.
//
// Scores share one scale: 100 × (loss increase) / (the largest namespace's increase), clipped to [0, 100]; a group
// whose removal does not raise the loss scores 0, and all score 0 when no namespace matters.
// featureImportance (Evaluation.featureImportance, string[][]) lists one group per namespace, most important first;
// a group holds its features' names, `Namespace.feature` (just `feature` in the default namespace), scored ones
// by score, the others by frequency.
import { PassCancelled } from './pass.js';
import { surveyNamespaces, type NamespaceInfo } from './namespaces.js';
import { cbAdfArguments, learningConfig, SEARCH_REWARD_MODEL } from './policy_variants.js';
import type { RunPasses } from './evaluate.js';
import type { FeatureMask, FeatureScore, LoggedEvent, PassPolicy } from './types.js';

export const DEFAULT_NAMESPACE_BUDGET = 16;
export const DEFAULT_FEATURE_BUDGET = 12;

export interface FeatureImportanceOptions {
  /** Namespaces scored (the most frequent first; default 16). */
  namespaceBudget?: number;
  /** Features scored one by one (default 12): those of the most important namespaces, most frequent first. */
  featureBudget?: number;
  /** Events surveyed for namespaces and features (default 2,000, spread over the log). */
  sample?: number;
  /** The unmasked copy's loss when it is already known (optimization discovery's base): one replay fewer. */
  baseLoss?: number;
  onProgress?: (stage: string, fraction: number) => void;
  cancelled?: () => boolean;
}

export interface FeatureImportanceResult {
  /** The copy's `--cb_adf` arguments and its loss with every feature. */
  baseArguments: string;
  baseLoss: number;
  featureImportance: string[][];
  featureScores: FeatureScore[];
  replays: number;
  passes: number;
}

/** A feature's name in Evaluation.featureImportance. */
export function featureLabel(namespace: string, feature: string): string {
  return namespace === '' ? feature : `${namespace}.${feature}`;
}

export async function scoreFeatureImportance(
  events: readonly LoggedEvent[],
  onlinePolicy: string,
  runPasses: RunPasses,
  options: FeatureImportanceOptions = {},
): Promise<FeatureImportanceResult> {
  const baseArguments = cbAdfArguments(learningConfig(onlinePolicy));
  const survey = surveyNamespaces(events, options.sample);
  const namespaces = survey.namespaces.slice(0, Math.max(0, options.namespaceBudget ?? DEFAULT_NAMESPACE_BUDGET));
  const featureBudget = Math.max(0, options.featureBudget ?? DEFAULT_FEATURE_BUDGET);
  const planned = namespaces.length + (options.baseLoss === undefined ? 1 : 0) + featureBudget;
  let replays = 0;
  let passes = 0;

  const run = async (stage: string, masks: (FeatureMask | undefined)[]): Promise<number[]> => {
    if (masks.length === 0) return [];
    if (options.cancelled?.()) throw new PassCancelled();
    const before = replays;
    const n = Math.max(1, events.length);
    const report = (done: number) => options.onProgress?.(stage, Math.min(1, (before + (masks.length * done) / n) / planned));
    const policies: PassPolicy[] = masks.map((mask) => (mask ? { arguments: baseArguments, mask } : { arguments: baseArguments }));
    const pass = await runPasses(events, policies, {
      rewardModel: SEARCH_REWARD_MODEL,
      onProgress: report,
      ...(options.cancelled ? { cancelled: options.cancelled } : {}),
    });
    replays += masks.length;
    passes++;
    return pass.policies.map((p) => p.averageLoss);
  };

  if (events.length === 0 || namespaces.length === 0) {
    return { baseArguments, baseLoss: NaN, featureImportance: [], featureScores: [], replays, passes };
  }

  // Pass 1: the namespaces (and the unmasked copy unless its loss is known).
  const nsMasks: (FeatureMask | undefined)[] = namespaces.map((ns) => ({ namespace: ns.name }));
  if (options.baseLoss === undefined) nsMasks.unshift(undefined);
  const losses1 = await run(`feature importance: ${namespaces.length} namespaces`, nsMasks);
  const baseLoss = options.baseLoss ?? losses1.shift()!;
  const nsIncrease = new Map<string, number>(namespaces.map((ns, i) => [ns.name, losses1[i]! - baseLoss]));
  const scale = Math.max(0, ...[...nsIncrease.values()].filter(Number.isFinite));
  const scoreOf = (increase: number) => (scale > 0 && Number.isFinite(increase) ? Math.min(100, (100 * Math.max(0, increase)) / scale) : 0);
  const rank = (x: number) => (Number.isFinite(x) ? x : -Infinity);
  const byImportance = [...namespaces].sort((a, b) => rank(nsIncrease.get(b.name)!) - rank(nsIncrease.get(a.name)!) || 0);

  // Pass 2: features of the namespaces that matter, most important namespace first, each's most frequent first.
  // A namespace's only feature needs no replay of its own: leaving it out is leaving the namespace out.
  const featureIncrease = new Map<string, number>();
  const picks: { ns: NamespaceInfo; feature: string }[] = [];
  for (const ns of byImportance) {
    if (!(scoreOf(nsIncrease.get(ns.name)!) > 0)) break;
    if (ns.features.length === 1) {
      featureIncrease.set(featureLabel(ns.name, ns.features[0]!.name), nsIncrease.get(ns.name)!);
      continue;
    }
    for (const f of ns.features) {
      if (picks.length >= featureBudget) break;
      picks.push({ ns, feature: f.name });
    }
  }
  const losses2 = await run(
    `feature importance: ${picks.length} features`,
    picks.map((p) => ({ namespace: p.ns.name, feature: p.feature })),
  );
  picks.forEach((p, i) => featureIncrease.set(featureLabel(p.ns.name, p.feature), losses2[i]! - baseLoss));
  options.onProgress?.('feature importance: done', 1);

  const featureImportance: string[][] = [];
  const featureScores: FeatureScore[] = [];
  for (const ns of byImportance) {
    const increase = nsIncrease.get(ns.name)!;
    featureScores.push({ namespace: ns.name, score: scoreOf(increase), lossIncrease: increase });
    const scored = ns.features.filter((f) => featureIncrease.has(featureLabel(ns.name, f.name)));
    const inc = (f: { name: string }) => featureIncrease.get(featureLabel(ns.name, f.name))!;
    scored.sort((a, b) => inc(b) - inc(a));
    for (const f of scored) featureScores.push({ namespace: ns.name, featureName: f.name, score: scoreOf(inc(f)), lossIncrease: inc(f) });
    const rest = ns.features.filter((f) => !featureIncrease.has(featureLabel(ns.name, f.name)));
    featureImportance.push([...scored, ...rest].map((f) => featureLabel(ns.name, f.name)));
  }
  return { baseArguments, baseLoss, featureImportance, featureScores, replays, passes };
}

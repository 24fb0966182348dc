// A whole offline evaluation over logged events (docs/evaluation.md): the policies Azure compared (Online,
// Baseline1, BaselineRand, the custom ones), each summarised with Azure's IPS/SNIPS fields per 5-minute bin and in
// total, plus a doubly robust estimate from one shared progressive reward model.
import { summarize } from './estimators.js';
import { runPass, rewardModelArguments, type PassOptions } from './pass.js';
import { discoveredSpecs, experimentFields, runExperiments, type ExperimentOptions } from './experiments.js';
import type { EvaluationResult, LoggedEvent, PassPolicy, PassResult, PolicyResult, PolicySpec, Progress } from './types.js';

export interface EvaluationRequest {
  /** The loop's live policy arguments: Online's, and the features of the shared reward model. */
  onlinePolicy: string;
  /** Custom policies, already validated (parsePolicyArguments). */
  policies: { name: string; arguments: string }[];
  enableOfflineExperimentation: boolean;
  featureImportance: boolean;
  /** The evaluated range, ms since epoch (the total summary's time stamp and window). */
  startTime: number;
  endTime: number;
}

/** Runs replay passes: in-process by default, across worker threads in the server and CLI (pool.ts). */
export type RunPasses = (events: readonly LoggedEvent[], policies: readonly PassPolicy[], options: PassOptions) => Promise<PassResult>;

export const runPassInProcess: RunPasses = async (events, policies, options) => runPass(events, policies, options);

export interface EvaluateOptions extends ExperimentOptions {
  runPasses?: RunPasses;
  onProgress?: (progress: Progress) => void;
  cancelled?: () => boolean;
}

export const ONLINE = 'Online';
export const BASELINE1 = 'Baseline1';
export const BASELINE_RAND = 'BaselineRand';

/** ISO-8601 duration of a range in whole seconds (PolicyResultSummary.aggregateTimeWindow). */
export function isoDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `PT${s}S`;
}

export async function runEvaluation(
  events: readonly LoggedEvent[],
  request: EvaluationRequest,
  options: EvaluateOptions = {},
): Promise<EvaluationResult> {
  const runPasses = options.runPasses ?? runPassInProcess;
  const window = isoDuration(request.endTime - request.startTime);
  // Optimization discovery and feature importance first; the discovered policies join the custom ones.
  const experiments = await runExperiments(events, request, runPasses, options);
  const report = experiments.report;
  report('replaying policies', 0);
  const custom: PolicySpec[] = request.policies.map((p) => ({ ...p, source: 'Custom' }));
  custom.push(...discoveredSpecs(experiments, [ONLINE, BASELINE1, BASELINE_RAND, ...custom.map((p) => p.name)]));
  const pass = await runPasses(events, custom.map((p) => ({ arguments: p.arguments })), {
    rewardModel: rewardModelArguments(request.onlinePolicy),
    onProgress: (done) => report('replaying policies', events.length > 0 ? done / events.length : 1),
    ...(options.cancelled ? { cancelled: options.cancelled } : {}),
  });
  const result = (spec: PolicySpec, pi: ArrayLike<number>, dm: ArrayLike<number>, averageLoss?: number): PolicyResult => ({
    name: spec.name,
    arguments: spec.arguments,
    policySource: spec.source,
    ...summarize(events, { pi, dm }, pass.qLogged, request.endTime, window),
    ...(averageLoss !== undefined ? { averageLoss } : {}),
  });
  const n = events.length;
  const online = new Float64Array(n);
  const onlineDm = new Float64Array(n);
  const first = new Float64Array(n);
  const uniform = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const e = events[t]!;
    // The live loop served the logged action with its logged probability: w = 1, the observed reward. Its direct
    // term is q̂ of what it served, so its DR estimate is the observed mean too.
    online[t] = e.chosenProbability;
    onlineDm[t] = pass.qLogged[t]!;
    first[t] = e.chosenIndex === 0 ? 1 : 0;
    uniform[t] = e.actionCount > 0 ? 1 / e.actionCount : 0;
  }
  const policyResults: PolicyResult[] = [
    result({ name: ONLINE, arguments: request.onlinePolicy, source: 'Online' }, online, onlineDm),
    result({ name: BASELINE1, arguments: '', source: 'Baseline' }, first, pass.qFirst),
    result({ name: BASELINE_RAND, arguments: '', source: 'Random' }, uniform, pass.qMean),
    ...custom.map((spec, i) => result(spec, pass.policies[i]!.pi, pass.policies[i]!.dm, pass.policies[i]!.averageLoss)),
  ];
  report('done', 1);
  return { events: n, policyResults, ...experimentFields(experiments, policyResults, ONLINE, options) };
}

// What an offline evaluation works on and returns (docs/evaluation.md). Names on the wire are Azure's
// (Personalizer.json v1.0 / v1.1-preview.3 "Evaluation", "PolicyResult", "PolicyResultSummary").
import type { EvaluationEventRow } from '../store/types.js';

/** One logged and joined Rank event, in the order it was ranked (the store reads them so: EvaluationEventRow). */
export type LoggedEvent = Omit<EvaluationEventRow, 'seq'>;

/** Where a compared policy comes from (v1.1-preview.3 PolicyResult.policySource). */
export type PolicySource = 'Online' | 'Baseline' | 'Random' | 'Custom' | 'OfflineExperimentation';

export interface PolicySpec {
  name: string;
  /** VW arguments; the built-in Online/Baseline/Random policies carry the loop's arguments for display. */
  arguments: string;
  source: PolicySource;
}

/** A namespace or one feature left out of every event (feature importance). */
export interface FeatureMask {
  namespace: string;
  /** Absent: the whole namespace. */
  feature?: string;
}

/** A learning policy replayed in a pass: a fresh model with these arguments, optionally on masked features. */
export interface PassPolicy {
  arguments: string;
  mask?: FeatureMask;
}

/** What one replayed policy gives per event, in event order. */
export interface PassOutput {
  /** π(logged action | x_t) under the policy's model before it learns event t. */
  pi: Float64Array;
  /** Σ_a π(a | x_t) q̂(x_t, a): the policy's direct-method term for event t. */
  dm: Float64Array;
  /** VW's progressive "average loss" of the run (cb_adf's for `--cb_adf`, cb_explore_adf's otherwise). */
  averageLoss: number;
  /** Events the policy's featurizer refused (counted with π = 0). */
  refused: number;
  /** With PassOptions.topActions: the action ranked first per event (0-based into `_multi`; −1 when refused). */
  top?: Int32Array;
}

export interface PassResult {
  /** q̂(x_t, logged action) of the shared reward model, per event (the DR correction's baseline). */
  qLogged: Float64Array;
  /** Σ_a q̂(x_t, a) / K: the uniform policy's direct-method term. */
  qMean: Float64Array;
  /** q̂(x_t, first action): Baseline1's direct-method term. */
  qFirst: Float64Array;
  policies: PassOutput[];
}

/** PolicyResultSummary (Personalizer.json), plus doubly robust fields the SDKs ignore. */
export interface PolicyResultSummary {
  timeStamp: string;
  ipsEstimatorNumerator: number;
  ipsEstimatorDenominator: number;
  snipsEstimatorDenominator: number;
  aggregateTimeWindow: string;
  nonZeroProbability: number;
  sumOfSquares: number;
  confidenceInterval: number;
  averageReward: number;
  /** Beyond Azure: the doubly robust estimate of the average reward and its 95% half-width. */
  doublyRobustEstimate: number;
  doublyRobustConfidenceInterval: number;
}

export interface PolicyResult {
  name: string;
  arguments: string;
  policySource: PolicySource;
  summary: PolicyResultSummary[];
  totalSummary: PolicyResultSummary;
  /** Beyond Azure: VW's progressive average loss of the policy's replay (learning policies only). */
  averageLoss?: number;
}

export interface FeatureScore {
  namespace: string;
  /** Absent: the score of the whole namespace. */
  featureName?: string;
  /** 0 (least important) … 100 (most important). */
  score: number;
  /** Beyond Azure: how much the `--cb_adf` progressive loss rose without it (negative: it fell). */
  lossIncrease?: number;
}

/** A phase of optimization discovery (mwt-ds Experimentation.py; 'Base' is the online policy's own arguments). */
export type DiscoveryPhase = 'Base' | 'Hyper1' | 'Inter-len' | 'Hyper2';

/** One candidate the search scored. */
export interface DiscoveryTrial {
  phase: DiscoveryPhase;
  /** The phase's round (one pass each; the base is scored in Hyper1's first). */
  round: number;
  /** Its `--cb_adf` arguments. */
  arguments: string;
  /** VW's progressive average loss of `vw --cb_adf --dsjson <arguments>` over the events (lower is better). */
  averageLoss: number;
  /** Events whose features the engine refused (a candidate refusing more than the base is out of the running). */
  refused: number;
}

/** How optimization discovery spent its budget (EvaluationResult.discovery). */
export interface DiscoveryReport {
  /** The online policy's learning arguments as `--cb_adf`, and their loss: the figure to beat. */
  baseArguments: string;
  baseLoss: number;
  /** Replays allowed, the named policies' final replays included; replays and passes the search used. */
  budget: number;
  replays: number;
  passes: number;
  trials: DiscoveryTrial[];
  /** The namespace letters the interactions were drawn from. */
  namespaces: { shared: string[]; action: string[] };
}

export interface EvaluationResult {
  events: number;
  policyResults: PolicyResult[];
  /** Groups of feature names, most important first (Evaluation.featureImportance). */
  featureImportance: string[][];
  featureScores: FeatureScore[];
  /** The policy that scored best (Evaluation.optimalPolicy); '' when none was searched. */
  optimalPolicy: string;
  /** Beyond Azure: the optimization discovery's search, when it ran. */
  discovery?: DiscoveryReport;
}

export interface Progress {
  /** 0 … 1 */
  fraction: number;
  stage: string;
}

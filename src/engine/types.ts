// Shared engine types: the parsed policy (VW command line) and the learner state that VW's model file holds.
// policy_args.ts produces PolicyConfig; learner.ts consumes it; model_file.ts reads/writes ModelState.

export type CbType = 'mtr' | 'ips' | 'dr' | 'dm' | 'sm';

/**
 * RegCB's cost-interval settings (cb_explore_adf_regcb.cc; cb_explore_adf_squarecb.cc with --elim): --mellowness
 * c0 and the cost range [--cb_min_cost, --cb_max_cost].
 */
export interface CostRange {
  mellowness: number;
  cbMinCost: number;
  cbMaxCost: number;
}

/**
 * Exploration reduction on top of cb_adf (VW: core/src/reductions/cb/cb_explore_adf_<kind>.cc; explorers/).
 * `epsilon` is in every exploring variant because VW accepts --epsilon with each (cb_explore_adf_greedy.cc registers
 * it whatever the explorer); RegCB ignores it.
 */
export type ExplorationConfig =
  | { kind: 'epsilon'; epsilon: number; firstOnly: boolean }
  /** --squarecb; with --elim, `elim` holds the RegCB settings of the plausible-action set. */
  | { kind: 'squarecb'; gammaScale: number; gammaExponent: number; epsilon: number; elim?: CostRange }
  /** --softmax --lambda (the sign of lambda is ignored, as VW makes it positive). */
  | { kind: 'softmax'; lambda: number; epsilon: number }
  /** --first tau: uniform for the first tau learned events, then greedy. */
  | { kind: 'first'; tau: number; epsilon: number }
  /**
   * --regcb (elimination) or --regcb --regcbopt (optimistic). legacyOptimistic: --regcbopt was given without
   * --regcb (VW's deprecated form; the same learner, a different model header).
   */
  | ({ kind: 'regcb'; optimistic: boolean; legacyOptimistic: boolean; firstOnly: boolean; epsilon: number } & CostRange)
  /** `--cb_adf` alone: the actions ranked by score, no pmf (cb_adf.cc, prediction type action_scores). */
  | { kind: 'none' }
  /** `--bag N` (cb_explore_adf_bag.cc): N bootstrapped policies vote; epsilon default 0. */
  | { kind: 'bag'; size: number; epsilon: number; greedify: boolean; firstOnly: boolean }
  /**
   * `--cover N` (cb_explore_adf_cover.cc): N covering policies; without --epsilon the minimum probability decays
   * (epsilonDecay, epsilon then holds VW's default 0.05, unused).
   */
  | { kind: 'cover'; size: number; psi: number; nounif: boolean; firstOnly: boolean; epsilon: number; epsilonDecay: boolean };

/** Everything the engine supports from a VW argument string, with VW's defaults filled in. */
export interface PolicyConfig {
  /**
   * --ccb_explore_adf: conditional contextual bandits (multi-slot) layered over the same cb_explore_adf stack
   * (core/src/reductions/conditional_contextual_bandit.cc); the Learner itself ignores it, CcbLearner reads it.
   */
  ccb: boolean;
  cbType: CbType;
  exploration: ExplorationConfig;
  /** -l / --learning_rate (VW default 0.5; Personalizer's default policy sets 0.001). */
  learningRate: number;
  /** --power_t (VW default 0.5). */
  powerT: number;
  /** --initial_t (default 0). */
  initialT: number;
  /** --l1 / --l2 regularization (default 0). */
  l1: number;
  l2: number;
  /** -b / --bit_precision (default 18). */
  bits: number;
  /** -q / --quadratic arguments exactly as given, e.g. ['::'] or ['UA']; order and letters preserved. */
  quadratic: string[];
  /** --cubic arguments as given. */
  cubic: string[];
  /** --interactions arguments as given (any arity, ':' wildcard allowed). */
  interactions: string[];
  /** --ignore / --ignore_linear namespace letters: every letter of every argument (VW parse_args.cc). */
  ignore: string[];
  ignoreLinear: string[];
  /** --noconstant */
  noConstant: boolean;
  /** --hash strings|all, --hash_seed, --chain_hash */
  hashAll: boolean;
  hashSeed: number;
  chainHash: boolean;
  /** --clip_p (cb_adf, default 0) */
  clipP: number;
  /** --id (stored in the model header; the RL client reports it as the model version). */
  id: string;
  /** cb_adf --rank_all: with --cb_adf alone, `-p` prints every action's score, not only the best action. */
  rankAll: boolean;
  /**
   * The options given on the command line at their default value that VW keeps in a model header (sorted names,
   * e.g. ['epsilon', 'learning_rate'] for `--epsilon 0.05 -l 0.5`). VW writes every `.keep()` option that was
   * supplied, default or not (core/src/parse_regressor.cc save_load_header: `m_keep && was_supplied`); the
   * learner never reads this, and the learning signature leaves it out.
   */
  explicitDefaults: string[];
  /**
   * --random_seed: the workspace random state (a u64, decimal) that bagging draws from; VW stores its current value
   * in the model's options string when it is not 0. Absent = 0.
   */
  randomSeed?: string;
  /** --per_model_save_load: the model file carries every sub-model's gd normalizer totals and cb_adf counters. */
  perModelSaveLoad?: boolean;
}

/** gd's resumable online state (gd.cc save_load_online_state_gd), in file order. */
export interface GdResumeState {
  initialT: number; // f32
  normalizedSumNormX: number; // f64
  t: number; // f64
  sumLoss: number; // f64
  sumLossSinceLastDump: number; // f64
  dumpInterval: number; // f32
  minLabel: number; // f32
  maxLabel: number; // f32
  weightedLabeledExamples: number; // f64
  weightedLabels: number; // f64
  weightedUnlabeledExamples: number; // f64
  exampleNumber: bigint; // u64
  totalFeatures: bigint; // u64
  totalWeight: number; // f64
  oldWeightedLabeledExamples: number; // f64
  currentPass: bigint; // u64
  l1State: number; // f64
  l2State: number; // f64
}

/**
 * The learner state that a VW 9.x model file carries (docs/learner.md §8).
 * weights: 2^bits slots × 4 floats [w, G, N, rate] (stride 4, docs/learner.md §3.5); for dr the two sub-models
 * interleave inside the same 2^bits slots.
 */
export interface ModelState {
  version: string; // "9.10.0"
  id: string;
  minLabel: number;
  maxLabel: number;
  bits: number;
  /** The options string stored in the header, e.g. " --cb_adf --cb_explore_adf --cb_type mtr ...". */
  options: string;
  /** cb_adf counters (one pair per sub-model when --per_model_save_load; we keep a list). */
  cbAdf: { eventSum: bigint; actionSum: bigint }[];
  /** null in a --predict_only_model file. */
  resume: GdResumeState | null;
  weights: Float32Array;
  /**
   * With --per_model_save_load: every sub-model's gd normalizer totals (gd.cc save_load_online_state_gd, the
   * resume fields then hold sub-model 0's too); cbAdf then lists every sub-model's counters.
   */
  gdPerModel?: { normalizedSumNormX: number[]; totalWeight: number[] };
  /**
   * The exploration reduction's counter (u64, its save_load, written after the header and before cb_adf's counters):
   * learned events for --squarecb, --regcb/--regcbopt and --cover, the remaining tau for --first; absent for the
   * others (model_file.ts explorerCounterName).
   */
  explorerCounter?: bigint;
  /** --ccb_explore_adf's has_seen_multi_slot_example (a bool before cb_adf's counters); absent for other policies. */
  ccbHasSeenMultiSlot?: boolean;
}

// The Learner: VW's `--cb_explore_adf` stack for one policy:
//   shared_feature_merger → cb_explore_adf_<algo> → cb_adf → csoaa_ldf(rank) → scorer → gd.
// Features arrive already merged and interacted (example.ts), so this file wires the weight table, cb_adf and
// the exploration layer (explorer.ts, one class per algorithm in explorers/), keeps VW's per-event statistics
// (shared_data) and converts to/from the model-file state (types.ts).
import type { FeatureVector, MultiExample } from './example.js';
import type { GdResumeState, ModelState, PolicyConfig } from './types.js';
import { Gd, STRIDE } from './gd.js';
import { CbAdf, type CbLabel } from './cb_adf.js';
import { Ranking, type Explorer } from './explorer.js';
import { createExplorer, explorerWidth } from './explorers/index.js';
import { perModelCounts } from './explorers/width.js';
import { createFeaturizer, type Featurizer } from './featurizer.js';
import { ModelFileError, readModel, writeModel } from './model_file.js';
import { mergeModelOptions, modelOptionsString, parsePolicyArguments } from './policy_args.js';

export type { CbLabel } from './cb_adf.js';
export { eventLoss } from './explorer.js';

const f = Math.fround;

export interface ActionProb {
  /** 0-based index into _multi. */
  index: number;
  probability: number;
}

export interface FeatureContribution {
  /** Audit-style name ("Action^ida1*User^age"), or "#<slot>" when the example carries no names. */
  name: string;
  slot: number;
  value: number;
  weight: number;
  /** weight × value: this term's share of the action's score (a predicted cost: negative = more reward). */
  contribution: number;
}

/** Text (VW --json context, or the 'c' object found in text[start, end) of a DSJSON line) → MultiExample. */
export type Featurize = Featurizer;

export interface LearnerOptions {
  /** Replace the featurizer of featurize() / explain(text, …) (default: createFeaturizer for the policy). */
  featurize?: Featurize;
  featurizeWithNames?: Featurize;
  /**
   * featurize() returns views into buffers that its next call overwrites (no allocation per event): only for
   * callers that predict and learn each example before featurizing the next one (replay).
   */
  reuseExamples?: boolean;
  /** featurize() refuses events that expand to more features than this (createFeaturizer maxFeatures). */
  maxFeatures?: number;
  /** Track the progress-table state as a VW run with --quiet would (affects only saved resume counters). */
  quiet?: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-event statistics (shared_data)

/**
 * VW's per-event bookkeeping in shared_data (core/src/shared_data.cc update, update_dump_interval) as driven by
 * cb_explore_adf (cb_explore_adf_common.h _update_stats; docs/learner.md §5.5): the progressive "average loss"
 * = Σ pmf(c)·cost/p over labeled events / Σ their weights, plus the counters a save-resume model stores.
 */
export class ProgressiveStats {
  sumLoss = 0;
  sumLossSinceLastDump = 0;
  t = 0;
  weightedLabeledExamples = 0;
  weightedUnlabeledExamples = 0;
  oldWeightedLabeledExamples = 0;
  exampleNumber = 0;
  totalFeatures = 0;
  /** The CLI's progress table doubles this each time it prints (with --quiet it never prints and stays 1). */
  dumpInterval = 1;

  constructor(public quiet = false) {}

  /** One finished event; loss from eventLoss() (0 when unlabeled); numFeatures = Σ action features. */
  update(labeled: boolean, loss: number, weight: number, numFeatures: number): void {
    this.t += weight;
    if (labeled) this.weightedLabeledExamples += weight;
    else this.weightedUnlabeledExamples += weight;
    this.sumLoss += loss;
    this.sumLossSinceLastDump += loss;
    this.totalFeatures += numFeatures;
    this.exampleNumber++;
    const seen = this.weightedLabeledExamples + this.weightedUnlabeledExamples;
    if (!this.quiet && seen >= this.dumpInterval) {
      // The driver prints a progress line, then update_dump_interval (multiplicative progress, factor 2).
      this.sumLossSinceLastDump = 0;
      this.oldWeightedLabeledExamples = this.weightedLabeledExamples;
      this.dumpInterval = f(seen * 2);
    }
  }

  /** Writes the counters a save-resume model keeps (gd.cc save_load_online_state_gd) into its resume state. */
  saveTo(r: GdResumeState): void {
    r.t = this.t;
    r.sumLoss = this.sumLoss;
    r.sumLossSinceLastDump = this.sumLossSinceLastDump;
    r.dumpInterval = this.dumpInterval;
    r.weightedLabeledExamples = this.weightedLabeledExamples;
    r.weightedUnlabeledExamples = this.weightedUnlabeledExamples;
    r.oldWeightedLabeledExamples = this.oldWeightedLabeledExamples;
    r.exampleNumber = BigInt(this.exampleNumber);
    r.totalFeatures = BigInt(this.totalFeatures);
  }

  /**
   * VW's load: t always (it is not among the counters VW resets), the loss and example counters only with
   * --preserve_performance_counters.
   */
  restore(r: GdResumeState, preserveCounters: boolean): void {
    this.t = r.t;
    if (!preserveCounters) return;
    this.sumLoss = r.sumLoss;
    this.sumLossSinceLastDump = r.sumLossSinceLastDump;
    this.dumpInterval = r.dumpInterval;
    this.weightedLabeledExamples = r.weightedLabeledExamples;
    this.weightedUnlabeledExamples = r.weightedUnlabeledExamples;
    this.oldWeightedLabeledExamples = r.oldWeightedLabeledExamples;
    this.exampleNumber = Number(r.exampleNumber);
    this.totalFeatures = Number(r.totalFeatures);
  }

  /** VW's final "average loss": sum_loss / weighted labeled examples. */
  get averageLoss(): number {
    return this.weightedLabeledExamples > 0 ? this.sumLoss / this.weightedLabeledExamples : 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------

export class Learner {
  readonly gd: Gd;
  readonly cbAdf: CbAdf;
  readonly stats: ProgressiveStats;
  /** The exploration layer over cb_adf (rebuilt or reconfigured when config.exploration is replaced). */
  explorer: Explorer;

  private readonly ranking = new Ranking();
  /** The example and action count of the last rank() call, so learn() can reuse its pmf for the statistics. */
  private rankedEx: MultiExample | null = null;
  private rankedK = 0;
  private readonly featurizer: Featurize;
  private featurizerWithNames?: Featurize;

  constructor(
    readonly config: PolicyConfig,
    options: LearnerOptions = {},
    weights?: Float32Array,
  ) {
    this.gd = new Gd(
      {
        learningRate: config.learningRate,
        powerT: config.powerT,
        initialT: config.initialT,
        l1: config.l1,
        l2: config.l2,
        bits: config.bits,
        width: explorerWidth(config),
      },
      weights,
    );
    this.cbAdf = new CbAdf(this.gd, config.cbType, config.clipP);
    this.explorer = createExplorer(this, config.exploration);
    this.stats = new ProgressiveStats(options.quiet ?? false);
    this.featurizer = options.featurize ?? createFeaturizer(config, {
        reuse: options.reuseExamples === true,
        ...(options.maxFeatures !== undefined ? { maxFeatures: options.maxFeatures } : {}),
      });
    this.featurizerWithNames = options.featurizeWithNames;
  }

  /**
   * VW --json context text (or its [start, end) slice of a DSJSON line) → MultiExample; throws FeatureError, and
   * FeatureLimitError past maxFeatures or `within`, a lower limit for this event alone.
   */
  featurize(text: string, start?: number, end?: number, within?: number): MultiExample {
    // A reused example object must not pass for the one rank() last saw.
    this.rankedEx = null;
    return this.featurizer(text, start, end, within);
  }

  /**
   * The pmf without allocating: order[i] is the i-th action in VW's order, probs[i] its probability.
   * The returned arrays are reused by the next call.
   */
  rank(ex: MultiExample): { order: Uint32Array; probs: Float32Array; k: number } {
    const r = this.ranking;
    this.currentExplorer().predict(ex, r);
    const k = ex.actions.length;
    this.rankedEx = ex;
    this.rankedK = k;
    return { order: r.order, probs: r.probs, k };
  }

  /**
   * The explorer for the current config.exploration: callers replace that object to change the exploration at
   * run time (the loop's explorationPercentage); the same algorithm keeps its state, another starts afresh.
   */
  private currentExplorer(): Explorer {
    const x = this.config.exploration;
    const e = this.explorer;
    if (e.settings !== x && !e.reconfigure(x)) this.explorer = createExplorer(this, x);
    return this.explorer;
  }

  /** The pmf in VW order (best first); never learns. */
  predict(ex: MultiExample): ActionProb[] {
    const { order, probs, k } = this.rank(ex);
    const out: ActionProb[] = new Array(k);
    for (let i = 0; i < k; i++) out[i] = { index: order[i]!, probability: probs[i]! };
    return out;
  }

  /** The cost scores (sub-model 0 partial predictions) per action in _multi order. */
  scores(ex: MultiExample): Float32Array {
    const out = new Float32Array(ex.actions.length);
    this.cbAdf.scores(ex.actions, out);
    return out;
  }

  /**
   * Learn one event (progressive: the pmf of this event must be computed first; predict()/rank() on the same
   * example object is reused, otherwise it is computed here). weight = 1/(1 − pdrop).
   */
  learn(ex: MultiExample, label: CbLabel, weight = 1): void {
    const k = ex.actions.length;
    if (this.rankedEx !== ex || this.rankedK !== k) this.rank(ex);
    this.rankedEx = null;
    const explorer = this.explorer;
    const loss = explorer.learn(ex, label, weight, this.ranking);
    this.stats.update(label.probability > 0, loss, f(weight), explorer.featureCount(ex, countFeatures(ex.actions)));
  }

  /**
   * The largest |w·x| terms of one action's score (sub-model 0). Pass the context text to get feature names
   * (re-featurized with names), or an example (named if it was featurized with names).
   */
  explain(exOrText: MultiExample | string, actionIndex: number, top = 10): FeatureContribution[] {
    let ex: MultiExample;
    if (typeof exOrText === 'string') {
      this.featurizerWithNames ??= createFeaturizer(this.config, { names: true });
      ex = this.featurizerWithNames(exOrText);
    } else ex = exOrText;
    const fv = ex.actions[actionIndex];
    if (!fv) throw new RangeError(`action ${actionIndex} outside 0..${ex.actions.length - 1}`);
    const terms: FeatureContribution[] = [];
    for (let i = 0; i < fv.count; i++) {
      const slot = this.gd.slotOf(fv, i, 0);
      const weight = this.gd.reportedWeight(slot);
      const value = fv.value[i]!;
      terms.push({ name: fv.names?.[i] ?? `#${slot}`, slot, value, weight, contribution: f(weight * value) });
    }
    // gd.cc print_features: stable sort by |w·x| descending.
    terms.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return terms.slice(0, Math.max(0, top));
  }

  /** VW 9.10 binary model: save-resume form (default) or --predict_only_model form. */
  saveModel(options: { predictOnly?: boolean } = {}): Uint8Array {
    const predictOnly = options.predictOnly ?? false;
    return writeModel(this.toModelState(modelOptionsString(this.config, { predictOnly })), { predictOnly });
  }

  /**
   * Snapshot of the model state (weights copied). options: the header options string; by default the
   * save-resume string VW would store for this policy.
   */
  toModelState(options = modelOptionsString(this.config)): ModelState {
    const gd = this.gd;
    const s = this.stats;
    const resume: GdResumeState = {
      initialT: f(this.config.initialT),
      normalizedSumNormX: gd.nsnx[0]!,
      t: s.t,
      sumLoss: s.sumLoss,
      sumLossSinceLastDump: s.sumLossSinceLastDump,
      dumpInterval: s.dumpInterval,
      minLabel: gd.minLabel,
      maxLabel: gd.maxLabel,
      weightedLabeledExamples: s.weightedLabeledExamples,
      weightedLabels: 0,
      weightedUnlabeledExamples: s.weightedUnlabeledExamples,
      exampleNumber: BigInt(s.exampleNumber),
      totalFeatures: BigInt(s.totalFeatures),
      totalWeight: gd.tw[0]!,
      oldWeightedLabeledExamples: s.oldWeightedLabeledExamples,
      // VW's CLI saves after its pass has ended (current_pass incremented by end_pass).
      currentPass: 1n,
      l1State: gd.gravity,
      l2State: gd.contraction,
    };
    const state: ModelState = {
      version: '9.10.0',
      id: this.config.id,
      minLabel: gd.minLabel,
      maxLabel: gd.maxLabel,
      bits: this.config.bits,
      options,
      cbAdf: [{ eventSum: BigInt(this.cbAdf.eventSum), actionSum: BigInt(this.cbAdf.actionSum) }],
      resume,
      weights: gd.weights.slice(),
    };
    if (this.config.perModelSaveLoad) {
      // gd.cc with --per_model_save_load: every sub-model's normalizer totals (the explorer adds cb_adf's counters).
      const n = perModelCounts(this.config).gd;
      state.gdPerModel = {
        normalizedSumNormX: Array.from(gd.nsnx.subarray(0, n)),
        totalWeight: Array.from(gd.tw.subarray(0, n)),
      };
    }
    this.currentExplorer().save(state);
    return state;
  }
}

function countFeatures(actions: readonly FeatureVector[]): number {
  let n = 0;
  for (const a of actions) n += a.count;
  return n;
}

/** A fresh model (all weights 0). */
export function createLearner(config: PolicyConfig, options: LearnerOptions = {}): Learner {
  return new Learner(config, options);
}

export interface FromStateOptions extends LearnerOptions {
  /** Accept a model of `--cb_adf` alone (no exploration): replay and evaluation, never a served loop. */
  allowNoExploration?: boolean;
  /** VW --preserve_performance_counters: keep the loss/example counters of the saved run (default: reset them). */
  preservePerformanceCounters?: boolean;
}

/**
 * A learner continuing from a model state, as VW does when it loads a model for training (gd.cc save_load,
 * save_load_online_state_gd): weights with G and N, model 0's normalizer totals, the label range,
 * l1/l2 state, cb_adf counters and the explorer's state (explorer.ts). Only sub-model 0's normalizer totals are in the file, so
 * a dr reward regressor restarts its totals at 0, as in VW.
 */
export function learnerFromState(config: PolicyConfig, state: ModelState, options: FromStateOptions = {}): Learner {
  if (state.bits !== config.bits) throw new RangeError(`model has ${state.bits} bits, policy ${config.bits}`);
  if (state.weights.length !== 2 ** state.bits * STRIDE) throw new RangeError('model weights have the wrong length');
  const learner = new Learner(config, options, state.weights.slice());
  const gd = learner.gd;
  gd.minLabel = f(state.minLabel);
  gd.maxLabel = f(state.maxLabel);
  const c = state.cbAdf[0];
  if (c) {
    learner.cbAdf.eventSum = Number(c.eventSum);
    learner.cbAdf.actionSum = Number(c.actionSum);
  }
  learner.explorer.load(state);
  const r = state.resume;
  if (r) {
    gd.nsnx[0] = r.normalizedSumNormX;
    gd.tw[0] = r.totalWeight;
    const pm = state.gdPerModel;
    for (let i = 1; pm && i < pm.totalWeight.length && i < gd.tw.length; i++) {
      gd.nsnx[i] = pm.normalizedSumNormX[i]!;
      gd.tw[i] = pm.totalWeight[i]!;
    }
    gd.minLabel = f(r.minLabel);
    gd.maxLabel = f(r.maxLabel);
    gd.gravity = r.l1State;
    gd.contraction = r.l2State;
    learner.stats.restore(r, options.preservePerformanceCounters === true);
  } else {
    // A --predict_only_model file holds w only; drop whatever G/N/rate the array carries.
    const w = gd.weights;
    for (let i = 0; i < w.length; i += STRIDE) w[i + 1] = w[i + 2] = w[i + 3] = 0;
  }
  return learner;
}

/**
 * A learner from a VW 9.x model file. The policy is the header's options (plus its bit count and id), with
 * `overrides` merged in as VW merges command-line options with a model's (mergeModelOptions: the command line's -l,
 * --power_t and --epsilon win; any other option given differently is an error, as in VW).
 */
export function loadLearner(model: Uint8Array, overrides = '', options: FromStateOptions = {}): Learner {
  const state = readModel(model);
  const config = parsePolicyArguments(mergeModelOptions(`${state.options} -b ${state.bits}`, overrides), {
    allowNoExploration: options.allowNoExploration === true,
  });
  if (config.ccb) {
    throw new ModelFileError('this is a multi-slot (--ccb_explore_adf) model: it ranks slots, load it with loadCcbLearner');
  }
  if (!/(^|\s)--id(\s|=|$)/.test(overrides)) config.id = state.id;
  return learnerFromState(config, state, options);
}

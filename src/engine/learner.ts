// The Learner: VW's `--cb_explore_adf` stack for one policy (vw-learner.md §2):
//   shared_feature_merger → cb_explore_adf_{greedy|squarecb} → cb_adf → csoaa_ldf(rank) → scorer → gd.
// Features arrive already merged and interacted (example.ts), so this file wires cb_adf and the exploration
// rule, keeps VW's per-event statistics (shared_data) and converts to/from the model-file state (types.ts).
import type { FeatureVector, MultiExample } from './example.js';
import type { GdResumeState, ModelState, PolicyConfig } from './types.js';
import { Gd, STRIDE } from './gd.js';
import { CbAdf, type CbLabel } from './cb_adf.js';
import { cbAdfFeatureCount, cbAdfLoss } from './cb_adf_loss.js';
import { epsilonGreedy, rankActions, squareCb, squareCbGamma } from './explore.js';
import { createFeaturizer, type Featurizer } from './featurizer.js';
import { ModelFileError, readModel, writeModel } from './model_file.js';
import { mergeModelOptions, modelOptionsString, parsePolicyArguments } from './policy_args.js';
import { BagExplorer } from './explorers/bag.js';
import { CoverExplorer } from './explorers/cover.js';
import { featureWidth, perModelCounts } from './explorers/width.js';
import { RandState } from './explorers/poisson.js';

export type { CbLabel } from './cb_adf.js';

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
 * cb_explore_adf (cb_explore_adf_common.h _update_stats; vw-learner.md §5.5): the progressive "average loss"
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

  /** VW's final "average loss": sum_loss / weighted labeled examples. */
  get averageLoss(): number {
    return this.weightedLabeledExamples > 0 ? this.sumLoss / this.weightedLabeledExamples : 0;
  }
}

/**
 * cb_explore_adf's loss for one labeled event (get_cost_estimate × printed probability × example weight, float):
 * pmf(chosen)·cost/p·weight. order/probs: the ranked pmf (probs[i] belongs to action order[i]).
 */
export function eventLoss(
  order: ArrayLike<number>,
  probs: ArrayLike<number>,
  k: number,
  label: CbLabel,
  weight = 1,
): number {
  const est = f(f(label.cost) / f(label.probability));
  let loss = 0;
  for (let i = 0; i < k; i++) {
    if (order[i] === label.index) loss = f(loss + f(f(est * probs[i]!) * f(weight)));
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------------------------

export class Learner {
  readonly gd: Gd;
  readonly cbAdf: CbAdf;
  readonly stats: ProgressiveStats;
  /** --bag / --cover: the ensemble explorer (its member or policy 0 is cbAdf). */
  readonly bag: BagExplorer | null = null;
  readonly cover: CoverExplorer | null = null;
  /** The workspace random state (--random_seed), which bagging advances. */
  readonly rand: RandState;
  /** cb_explore_adf_squarecb _counter: learned events (saved in the model). */
  squareCbCounter = 0;

  private scoreBuf = new Float32Array(8);
  private orderBuf = new Uint32Array(8);
  private probBuf = new Float32Array(8);
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
        width: featureWidth(config),
      },
      weights,
    );
    this.rand = new RandState(BigInt(config.randomSeed ?? '0'));
    const x = config.exploration;
    if (x.kind === 'bag') {
      this.bag = new BagExplorer(this.gd, config.cbType, config.clipP, x, this.rand);
      this.cbAdf = this.bag.members[0]!;
    } else if (x.kind === 'cover') {
      const epsilon = x.epsilonDecay ? undefined : x.epsilon;
      this.cover = new CoverExplorer(this.gd, config.cbType, config.clipP, { ...x, epsilon });
      this.cbAdf = this.cover.policy0;
    } else this.cbAdf = new CbAdf(this.gd, config.cbType, config.clipP);
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
    const actions = ex.actions;
    const k = actions.length;
    if (this.scoreBuf.length < k) {
      this.scoreBuf = new Float32Array(k * 2);
      this.orderBuf = new Uint32Array(k * 2);
      this.probBuf = new Float32Array(k * 2);
    }
    const scores = this.scoreBuf;
    const x = this.config.exploration;
    if (this.bag) this.bag.predict(actions, this.orderBuf, this.probBuf);
    else if (this.cover) this.cover.predict(actions, this.orderBuf, this.probBuf);
    else {
      this.cbAdf.scores(actions, scores);
      rankActions(scores, k, this.orderBuf);
    }
    if (this.bag || this.cover) {
      // the ensemble wrote the pmf
    } else if (x.kind === 'epsilon') epsilonGreedy(scores, this.orderBuf, k, x.epsilon, x.firstOnly, this.probBuf);
    else if (x.kind === 'none') {
      // cb_adf alone predicts action scores: probs[i] holds the score of order[i], not a probability.
      for (let i = 0; i < k; i++) this.probBuf[i] = scores[this.orderBuf[i]!]!;
    } else if (x.kind === 'squarecb') {
      const gamma = squareCbGamma(x.gammaScale, x.gammaExponent, this.squareCbCounter);
      squareCb(scores, this.orderBuf, k, gamma, x.epsilon, this.probBuf);
    }
    this.rankedEx = ex;
    this.rankedK = k;
    return { order: this.orderBuf, probs: this.probBuf, k };
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
    const labeled = label.probability > 0;
    const x = this.config.exploration;
    const first = this.orderBuf[0]!;
    let loss = labeled && x.kind !== 'none' ? eventLoss(this.orderBuf, this.probBuf, k, label, weight) : 0;
    this.rankedEx = null;
    if (x.kind === 'none') {
      this.cbAdf.learn(ex.actions, label, weight);
      if (labeled) loss = cbAdfLoss(first, label, this.config.cbType === 'dr' ? this.cbAdf.drPredictions : null);
    } else if (x.kind === 'squarecb') {
      // cb_explore_adf_squarecb learn: no importance weighting (p = 1) except, as in VW 9.10, when the logged
      // action is the last one (its loop stops at examples.size() − 1).
      const p = label.index < k - 1 ? 1 : label.probability;
      this.cbAdf.learn(ex.actions, { index: label.index, cost: label.cost, probability: p }, weight);
      this.squareCbCounter++;
    } else if (this.bag) this.bag.learn(ex.actions, label, weight);
    else if (this.cover) {
      // Cover computes the event's pmf inside learn; it equals the one rank() gave (same predictions, same counter).
      this.cover.learn(ex.actions, label, weight, this.coverOrder(k), this.coverProbs!);
    } else this.cbAdf.learn(ex.actions, label, weight);
    const features = countFeatures(ex.actions);
    this.stats.update(
      labeled,
      loss,
      f(weight),
      x.kind === 'none' ? cbAdfFeatureCount(features, k, ex.sharedFeatures ?? 0, this.config.noConstant) : features,
    );
  }

  private coverOrderBuf: Uint32Array | null = null;
  private coverProbs: Float32Array | null = null;
  private coverOrder(k: number): Uint32Array {
    if (!this.coverOrderBuf || this.coverOrderBuf.length < k) {
      this.coverOrderBuf = new Uint32Array(k * 2);
      this.coverProbs = new Float32Array(k * 2);
    }
    return this.coverOrderBuf;
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
    return writeModel(this.toModelState(modelOptionsString(this.savedConfig(), { predictOnly })), { predictOnly });
  }

  /** The policy as a model header states it now: with the random state reached so far (--random_seed). */
  private savedConfig(): PolicyConfig {
    const seed = this.rand.state.toString();
    if (seed === (this.config.randomSeed ?? '0')) return this.config;
    const { randomSeed: _drop, ...rest } = this.config;
    return seed === '0' ? rest : { ...rest, randomSeed: seed };
  }

  /**
   * Snapshot of the model state (weights copied). options: the header options string; by default the
   * save-resume string VW would store for this policy.
   */
  toModelState(options = modelOptionsString(this.savedConfig())): ModelState {
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
    if (this.config.exploration.kind === 'squarecb') state.squareCbCounter = BigInt(this.squareCbCounter);
    if (this.cover) state.coverCounter = BigInt(this.cover.counter);
    if (this.config.perModelSaveLoad) {
      // gd.cc / cb_adf.cc with --per_model_save_load: every sub-model's totals and counters.
      const n = perModelCounts(this.config);
      state.gdPerModel = {
        normalizedSumNormX: Array.from(gd.nsnx.subarray(0, n.gd)),
        totalWeight: Array.from(gd.tw.subarray(0, n.gd)),
      };
      state.cbAdf = this.cbAdfCounters(n.cbAdf).map((c) => ({ eventSum: BigInt(c.eventSum), actionSum: BigInt(c.actionSum) }));
    }
    return state;
  }

  /** cb_adf's per_model_state[0..n-1]: a member's counters at its offset (only MTR ever counts). */
  private cbAdfCounters(n: number): { eventSum: number; actionSum: number }[] {
    const out = Array.from({ length: n }, () => ({ eventSum: 0, actionSum: 0 }));
    const members = this.bag ? this.bag.members : [this.cbAdf];
    for (const m of members) if (m.offset < n) out[m.offset] = m;
    return out;
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
 * l1/l2 state, cb_adf counters and the squarecb counter. Only sub-model 0's normalizer totals are in the file, so
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
  if (state.squareCbCounter !== undefined) learner.squareCbCounter = Number(state.squareCbCounter);
  if (state.coverCounter !== undefined && learner.cover) learner.cover.counter = Number(state.coverCounter);
  if (learner.bag) {
    // Every member's MTR counters when the file has them (--per_model_save_load), else member 0's only, as VW.
    for (const m of learner.bag.members) {
      const saved = state.cbAdf.length > 1 ? state.cbAdf[m.offset] : undefined;
      if (saved) {
        m.eventSum = Number(saved.eventSum);
        m.actionSum = Number(saved.actionSum);
      }
    }
  }
  const r = state.resume;
  if (r) {
    gd.nsnx[0] = r.normalizedSumNormX;
    gd.tw[0] = r.totalWeight;
    const pm = state.gdPerModel;
    if (pm) {
      for (let i = 0; i < pm.normalizedSumNormX.length && i < gd.nsnx.length; i++) {
        gd.nsnx[i] = pm.normalizedSumNormX[i]!;
        gd.tw[i] = pm.totalWeight[i]!;
      }
    }
    gd.minLabel = f(r.minLabel);
    gd.maxLabel = f(r.maxLabel);
    gd.gravity = r.l1State;
    gd.contraction = r.l2State;
    const s = learner.stats;
    s.t = r.t; // not among the counters VW resets on load
    if (options.preservePerformanceCounters) {
      s.sumLoss = r.sumLoss;
      s.sumLossSinceLastDump = r.sumLossSinceLastDump;
      s.dumpInterval = r.dumpInterval;
      s.weightedLabeledExamples = r.weightedLabeledExamples;
      s.weightedUnlabeledExamples = r.weightedUnlabeledExamples;
      s.oldWeightedLabeledExamples = r.oldWeightedLabeledExamples;
      s.exampleNumber = Number(r.exampleNumber);
      s.totalFeatures = Number(r.totalFeatures);
    }
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

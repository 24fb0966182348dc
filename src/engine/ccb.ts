// The multi-slot learner: VW 9.10's `--ccb_explore_adf` (core/src/reductions/conditional_contextual_bandit.cc
// learn_or_predict, update_stats_ccb, save_load) over the single-slot stack it inserts below itself
// (shared_feature_merger → cb_sample → cb_explore_adf → cb_adf → gd), which is the Learner unchanged.
// Each slot, in order, is one CB problem over the candidates left (its `_inc`, minus the actions earlier slots
// took): pmf before the update, the update when the slot's logged action is a candidate, then cb_sample puts the
// logged (or sampled) action first and it is excluded from the later slots. docs/multi-slot-engine.md.
import type { FeatureVector, MultiExample } from './example.js';
import type { FeatureContribution, FromStateOptions, LearnerOptions } from './learner.js';
import { Learner, ProgressiveStats, learnerFromState } from './learner.js';
import { CcbFeaturizer, type CcbExample } from './ccb_features.js';
import { RandomState, sampleAfterNormalizing, tagSeed } from './ccb_sample.js';
import { readModel, writeModel, ModelFileError } from './model_file.js';
import { mergeModelOptions, modelOptionsString, parsePolicyArguments } from './policy_args.js';
import { uniformHash } from './hash.js';
import { learnedFinite } from './finite.js';
import type { ModelState, PolicyConfig } from './types.js';

export type { CcbExample, CcbSlot } from './ccb_features.js';
export { CCB_ID_NAMESPACE, CCB_SLOT_NAMESPACE, ccbInteractions } from './ccb_features.js';

const f = Math.fround;

/** A slot's logged outcome: the action shown (0-based `_multi` index), its cost (−reward) and probability. */
export interface SlotOutcome {
  action: number;
  cost: number;
  probability: number;
}

export interface SlotDecision {
  /**
   * The slot's candidates, 0-based _multi indices, the chosen (sampled or logged) action first (cb_sample order).
   * Empty when no candidate is left (every action of its `_inc` taken by earlier slots): VW decides nothing then.
   */
  actions: number[];
  probabilities: number[];
}

export class CcbLearner {
  readonly stats: ProgressiveStats;
  /** conditional_contextual_bandit.cc has_seen_multi_slot_example (saved in the model). */
  hasSeenMultiSlot = false;
  /** VW's random state for slots sampled without a seed tag (not saved in models: VW restarts it at 0). */
  readonly random = new RandomState();
  private readonly featurizer: CcbFeaturizer;
  private namedFeaturizer?: CcbFeaturizer;
  private readonly maxFeatures: number | undefined;

  constructor(
    readonly config: PolicyConfig,
    readonly inner: Learner,
    options: LearnerOptions = {},
  ) {
    if (!config.ccb) throw new RangeError('CcbLearner needs a --ccb_explore_adf policy');
    this.stats = new ProgressiveStats(options.quiet ?? false);
    this.maxFeatures = options.maxFeatures;
    this.featurizer = new CcbFeaturizer(config, this.maxFeatures !== undefined ? { maxFeatures: this.maxFeatures } : {});
  }

  /**
   * A DSJSON CCB `c` object text ({...,"_multi":[...],"_slots":[{"_id":..,...,"_inc":[..]}]}), or its
   * [start, end) slice of a longer text, → example; FeatureError on bad input, FeatureLimitError past the
   * learner's maxFeatures or `within` (all slots' candidates together).
   */
  featurize(text: string, start = 0, end = text.length, within?: number): CcbExample {
    return this.featurizer.featurize(text, start, end, (turnsOn) => this.hasSeenMultiSlot || turnsOn, within);
  }

  /** The same event with feature names (audit names, e.g. `Article^idart1*_ccb_slot_index^index0`). */
  featurizeWithNames(text: string, start = 0, end = text.length): CcbExample {
    this.namedFeaturizer ??= new CcbFeaturizer(this.config, { names: true });
    return this.namedFeaturizer.featurize(text, start, end, (turnsOn) => this.hasSeenMultiSlot || turnsOn);
  }

  /**
   * learn_or_predict's switch into multi-slot mode (and insert_ccb_interactions) at the first event that calls
   * for it; an example featurized before the switch is featurized again.
   */
  private prepare(ex: CcbExample): CcbExample {
    if (ex.turnsOnMultiSlot) this.hasSeenMultiSlot = true;
    if (this.hasSeenMultiSlot && !ex.multiSlot) {
      return this.featurizer.featurize(ex.text, ex.start, ex.end, () => true);
    }
    return ex;
  }

  /**
   * Rank every slot in order as VW -t with `seed=<seeds[i]>` tags does (the RL client passes eventId+slotId):
   * pmf over the candidates left, sample, exclude the chosen from later slots. Never learns. A slot without a
   * seed uses its own `seed=` tag, else VW's random state.
   */
  predict(ex: CcbExample, seeds: string[]): SlotDecision[] {
    ex = this.prepare(ex);
    const excluded = new Uint8Array(ex.actionCount);
    const out: SlotDecision[] = [];
    for (let s = 0; s < ex.slotCount; s++) {
      const seed = seeds[s];
      out.push(this.slot(ex, s, excluded, null, 1, seed !== undefined ? BigInt(uniformHash(seed, 0)) : undefined, false).decision);
    }
    return out;
  }

  /**
   * Learn one event as VW does (per slot: pmf before the update, then update, exclude the logged action);
   * null = unlabeled slot. weight = 1/(1-pdrop). Returns the per-slot decisions VW would print with -p.
   */
  learn(ex: CcbExample, outcomes: (SlotOutcome | null)[], weight = 1): SlotDecision[] {
    // Every outcome is checked before any slot learns: a refused event leaves the model untouched.
    for (let s = 0; s < ex.slotCount; s++) {
      const o = outcomes[s] ?? null;
      if (o === null) continue;
      if (!(o.probability > 0 && o.probability <= 1)) throw new RangeError(`slot ${s}: the logged probability must be in (0, 1], got ${o.probability}`);
      if (!Number.isFinite(o.cost)) throw new RangeError(`slot ${s}: the cost must be finite, got ${o.cost}`);
      if (!Number.isInteger(o.action) || o.action < 0) throw new RangeError(`slot ${s}: the action must be a 0-based index, got ${o.action}`);
    }
    if (!(weight > 0 && Number.isFinite(weight))) throw new RangeError(`the event weight must be finite and > 0, got ${weight}`);
    ex = this.prepare(ex);
    const excluded = new Uint8Array(ex.actionCount);
    const out: SlotDecision[] = [];
    for (let s = 0; s < ex.slotCount; s++) out.push(this.slot(ex, s, excluded, outcomes[s] ?? null, weight, undefined, true).decision);
    this.updateStats(ex, out, outcomes, weight);
    return out;
  }

  /**
   * update_stats_ccb for one event: slot 0's IPS term p(first listed)·[first listed = logged]·cost/p_logged·weight,
   * the event counted once, its features those of every slot's candidates. learn() calls it; a caller that only
   * predicts (replay -t) calls it to report the loss VW would.
   */
  updateStats(ex: CcbExample, decisions: readonly SlotDecision[], outcomes: readonly (SlotOutcome | null)[], weight = 1): number {
    ex = this.prepare(ex);
    let features = 0;
    decisions.forEach((d, s) => {
      const slot = ex.slots[s];
      if (slot) for (const a of d.actions) features += slot.features[a]?.count ?? 0;
    });
    let loss = 0;
    const o0 = outcomes[0] ?? null;
    const d0 = decisions[0];
    if (o0 !== null && d0 !== undefined && d0.actions.length > 0) {
      const l = d0.actions[0] === o0.action ? f(f(o0.cost) / f(o0.probability)) : 0;
      loss = f(f(l * d0.probabilities[0]!) * f(weight));
    }
    const labeled = outcomes.slice(0, ex.slotCount).some((o) => o !== null && o !== undefined);
    this.stats.update(labeled, loss, f(weight), features);
    return loss;
  }

  /** One slot: build its CB example, rank, learn when labeled, reorder (cb_sample) and exclude. */
  private slot(
    ex: CcbExample,
    s: number,
    excluded: Uint8Array,
    outcome: SlotOutcome | null,
    weight: number,
    seed: bigint | undefined,
    learning: boolean,
  ): { decision: SlotDecision } {
    const slot = ex.slots[s]!;
    const cands: number[] = [];
    const vectors: FeatureVector[] = [];
    for (let a = 0; a < ex.actionCount; a++) {
      const fv = slot.features[a];
      if (fv && excluded[a] === 0) {
        cands.push(a);
        vectors.push(fv);
      }
    }
    if (cands.length === 0) return { decision: { actions: [], probabilities: [] } };
    const mex: MultiExample = { actions: vectors, tags: [] };
    const { order, probs, k } = this.inner.rank(mex);
    const ord = Array.from(order.subarray(0, k));
    const pr = Array.from(probs.subarray(0, k));
    const labelPos = learning && outcome !== null ? cands.indexOf(outcome.action) : -1;
    let chosen: number;
    if (labelPos >= 0) {
      this.inner.learn(mex, { index: labelPos, cost: outcome!.cost, probability: outcome!.probability }, weight);
      chosen = ord.indexOf(labelPos);
    } else {
      const sd = seed ?? tagSeed(slot.tag);
      chosen = sampleAfterNormalizing(sd ?? this.random.next(), pr);
    }
    if (chosen > 0) {
      const t = ord[0]!;
      ord[0] = ord[chosen]!;
      ord[chosen] = t;
      const p = pr[0]!;
      pr[0] = pr[chosen]!;
      pr[chosen] = p;
    }
    const actions = ord.map((i) => cands[i]!);
    excluded[actions[0]!] = 1;
    return { decision: { actions, probabilities: pr } };
  }

  /**
   * The largest |w·x| terms of one action's score in one slot (as Learner.explain): pass the context text for
   * feature names, or an example. The slot's features (`Slot^…`, its default namespace, `_ccb_slot_index`)
   * are among them.
   */
  explain(exOrText: CcbExample | string, slot: number, action: number, top = 10): FeatureContribution[] {
    const ex = typeof exOrText === 'string' ? this.featurizeWithNames(exOrText) : this.prepare(exOrText);
    const fv = ex.slots[slot]?.features[action];
    if (!fv) throw new RangeError(`slot ${slot} has no action ${action}`);
    return this.inner.explain({ actions: [fv], tags: [] }, 0, top);
  }

  /** VW 9.10 binary model, including the CCB has_seen_multi_slot_example flag. */
  saveModel(options: { predictOnly?: boolean } = {}): Uint8Array {
    const predictOnly = options.predictOnly ?? false;
    return writeModel(this.toModelState(modelOptionsString(this.config, { predictOnly })), { predictOnly });
  }

  /** The model state: the inner learner's weights and counters, with the per-event statistics of CCB. */
  toModelState(options = modelOptionsString(this.config)): ModelState {
    const state = this.inner.toModelState(options);
    this.stats.saveTo(state.resume!);
    state.ccbHasSeenMultiSlot = this.hasSeenMultiSlot;
    return state;
  }
}

/** A fresh multi-slot model (all weights 0). */
export function createCcbLearner(config: PolicyConfig, options: LearnerOptions = {}): CcbLearner {
  return new CcbLearner(config, new Learner(config, { ...innerOptions(options) }), options);
}

function innerOptions(options: LearnerOptions): LearnerOptions {
  return { quiet: true, ...(options.maxFeatures !== undefined ? { maxFeatures: options.maxFeatures } : {}) };
}

/**
 * A multi-slot learner from a VW 9.x `--ccb_explore_adf` model file (overrides merged as loadLearner merges them).
 * A single-slot model is refused: VW would read it, but it could not have learned slot features.
 */
export function loadCcbLearner(model: Uint8Array, overrides = '', options: FromStateOptions = {}): CcbLearner {
  const state = readModel(model);
  const config = parsePolicyArguments(mergeModelOptions(`${state.options} -b ${state.bits}`, overrides));
  if (!config.ccb) {
    throw new ModelFileError(`not a multi-slot model: its options ('${state.options.trim()}') lack --ccb_explore_adf`);
  }
  if (!/(^|\s)--id(\s|=|$)/.test(overrides)) config.id = state.id;
  return ccbLearnerFromState(config, state, options);
}

/**
 * A multi-slot learner continuing from a model state (learnerFromState for the stack below, then the CCB flag and
 * the per-event counters, which are CCB's own: VW counts events, not slots).
 */
export function ccbLearnerFromState(config: PolicyConfig, state: ModelState, options: FromStateOptions = {}): CcbLearner {
  const inner = learnerFromState(config, state, { ...options, ...innerOptions(options) });
  const learner = new CcbLearner(config, inner, options);
  learner.hasSeenMultiSlot = state.ccbHasSeenMultiSlot === true;
  if (state.resume) learner.stats.restore(state.resume, options.preservePerformanceCounters === true);
  return learner;
}

/** Whether learning `ex` left the learner finite (learnedFinite over every slot's candidates, and CCB's loss sums). */
export function ccbLearnedFinite(learner: CcbLearner, ex: CcbExample): boolean {
  if (!Number.isFinite(learner.stats.sumLoss) || !Number.isFinite(learner.stats.sumLossSinceLastDump)) return false;
  // An example featurized before the switch to multi-slot mode was learned featurized again (prepare).
  if (learner.hasSeenMultiSlot && !ex.multiSlot) ex = learner.featurize(ex.text, ex.start, ex.end);
  const actions: FeatureVector[] = [];
  for (const slot of ex.slots) for (const fv of slot.features) if (fv) actions.push(fv);
  return learnedFinite(learner.inner, { actions, tags: [] });
}

// The loop's one place that tells single-slot models from multi-slot ones (docs/multi-slot.md). A loop is
// multi-slot when its policy has `--ccb_explore_adf`, as on Azure; its model is then a CCB model (the engine's
// CcbLearner over the same cb_explore_adf stack). The trainer, the ranker and the start-up checks ask here which
// learner a policy or a model file needs, and learn a joined event with the learner of its kind.
import {
  createCcbLearner,
  createLearner,
  learnedFinite,
  learnerFromState,
  learnerProblem,
  loadCcbLearner,
  loadLearner,
  readModel,
  type CcbExample,
  type CcbLearner,
  type Learner,
  type LearnerOptions,
  type PolicyConfig,
  type SlotOutcome,
} from '../engine/index.js';
import type { JoinedEvent, JoinedSlot } from '../store/index.js';

/** A single-slot example as the engine builds it. */
type MultiExample = ReturnType<Learner['featurize']>;

const CCB_OPTION = /(^|\s)--ccb_explore_adf(\s|$)/;

/** A policy's arguments (or a learning signature) are multi-slot. */
export function isMultiSlotArguments(args: string): boolean {
  return CCB_OPTION.test(args);
}

/** A VW model file was trained with --ccb_explore_adf (its header's options say so). */
export function isMultiSlotModel(bytes: Uint8Array): boolean {
  return CCB_OPTION.test(readModel(bytes).options);
}

/** A fresh model (all weights 0: every action scores the same) for the policy, as VW model bytes. */
export function freshModelBytes(config: PolicyConfig): Uint8Array {
  return config.ccb ? createCcbLearner(config).saveModel() : createLearner(config).saveModel();
}

/** Loads model bytes with the learner of their kind; the single-slot learner (a CCB one's inner) for checks. */
export function loadForCheck(bytes: Uint8Array): Learner {
  return isMultiSlotModel(bytes) ? loadCcbLearner(bytes).inner : loadLearner(bytes);
}

/** How the model scores an event before learning it: a single-slot example, or each multi-slot slot's costs. */
export interface BeforeLearning {
  single(ex: MultiExample): void;
  multi(slots: { costs: Float32Array; baseline: number; reward: number }[]): void;
}

/**
 * The trainer's learner, whichever the kind: learns the joined events of its own kind, skips the others (events
 * logged before the loop switched between single-slot and multi-slot stay in the log but are a different problem).
 */
export interface TrainingLearner {
  readonly config: PolicyConfig;
  /** The cb_explore_adf learner (a CCB learner's inner one): gd's counters, exploration, finiteness. */
  readonly inner: Learner;
  /**
   * Learns one joined, learnable event. 'other': an event of the other kind (not learned); throws what the
   * featurizer throws for features it refuses. `checked`: also tells whether the update left the weights finite.
   * `before`: told how the model scores the event before it is learned (the apprentice report).
   */
  learn(e: JoinedEvent, checked?: boolean, before?: BeforeLearning): 'learned' | 'other' | 'nonFinite';
  saveModel(): Uint8Array;
}

class SingleSlot implements TrainingLearner {
  constructor(readonly inner: Learner) {}

  get config(): PolicyConfig {
    return this.inner.config;
  }

  learn(e: JoinedEvent, checked = false, before?: BeforeLearning): 'learned' | 'other' | 'nonFinite' {
    if (e.slots !== undefined) return 'other';
    const ex = this.inner.featurize(e.context);
    before?.single(ex);
    this.inner.learn(ex, { index: e.chosenIndex, cost: -e.reward!, probability: e.chosenProbability });
    return checked && !learnedFinite(this.inner, ex) ? 'nonFinite' : 'learned';
  }

  saveModel(): Uint8Array {
    return this.inner.saveModel();
  }
}

class MultiSlot implements TrainingLearner {
  constructor(private readonly ccb: CcbLearner) {}

  get config(): PolicyConfig {
    return this.ccb.config;
  }

  get inner(): Learner {
    return this.ccb.inner;
  }

  // Each slot's outcome is the action it showed (`_a[0]`), its cost −reward and its logged probability
  // (VW conditional_contextual_bandit.cc; docs/multi-slot-engine.md); a slot that showed nothing is unlabeled.
  learn(e: JoinedEvent, checked = false, before?: BeforeLearning): 'learned' | 'other' | 'nonFinite' {
    if (e.slots === undefined) return 'other';
    const ex = this.ccb.featurize(e.context);
    if (before) before.multi(this.slotCosts(ex, e.slots));
    const outcomes = e.slots.map((s): SlotOutcome | null =>
      s.actions.length === 0 || s.reward === null ? null : { action: s.actions[0]!, cost: -s.reward, probability: s.probabilities[0]! },
    );
    this.ccb.learn(ex, outcomes);
    return checked && learnerProblem(this.ccb.inner) !== null ? 'nonFinite' : 'learned';
  }

  saveModel(): Uint8Array {
    return this.ccb.saveModel();
  }

  /**
   * Each slot's candidates scored by the model as it is, with the candidates the slot had when it was ranked (its
   * own, minus the actions earlier slots showed), and its baseline's position among them (−1: not a candidate).
   */
  private slotCosts(ex: CcbExample, slots: JoinedSlot[]): { costs: Float32Array; baseline: number; reward: number }[] {
    const out: { costs: Float32Array; baseline: number; reward: number }[] = [];
    const taken = new Set<number>();
    slots.forEach((s, k) => {
      const features = ex.slots[k]?.features;
      if (features && s.reward !== null) {
        const cands: number[] = [];
        for (let a = 0; a < features.length; a++) if (features[a] && !taken.has(a)) cands.push(a);
        if (cands.length > 0) {
          const costs = this.ccb.inner.scores({ actions: cands.map((a) => features[a]!), tags: [] });
          out.push({ costs, baseline: cands.indexOf(s.baseline), reward: s.reward });
        }
      }
      if (s.actions.length > 0) taken.add(s.actions[0]!);
    });
    return out;
  }
}

export function createTrainingLearner(config: PolicyConfig, options: LearnerOptions): TrainingLearner {
  return config.ccb ? new MultiSlot(createCcbLearner(config, options)) : new SingleSlot(createLearner(config, options));
}

/**
 * A learner continuing from model bytes with the policy's own settings. The model header does not hold them all
 * (--l1, --l2, --initial_t are never in it: policy_args.ts modelOptionsString), so a learner built from the
 * header alone would learn with other settings than the policy's, as VW does when they are not given again.
 * As Azure's trainer (docs/learner.md §1: --save_resume --preserve_performance_counters): the resumed model
 * continues the saved statistics, so it is the model an uninterrupted run would have produced.
 */
export function resumeTrainingLearner(bytes: Uint8Array, config: PolicyConfig, options: LearnerOptions): TrainingLearner {
  if (config.ccb) return new MultiSlot(loadCcbLearner(bytes, '', { ...options, preservePerformanceCounters: true }));
  return new SingleSlot(learnerFromState({ ...config }, readModel(bytes), { ...options, preservePerformanceCounters: true }));
}

// Featurize → score → explore → sample for one Rank, with a model snapshot: what the ranker worker runs for heavy
// Ranks, and the main thread for the others and while the worker is down (ranker.ts). Both load the same bytes
// and seed sampling with the same eventId, so they answer alike.
import { FeatureLimitError, learnerProblem, loadCcbLearner, loadLearner, sampleAction, type CcbLearner, type Learner } from '../engine/index.js';
import { explainTerms, type NamedTerms } from './explain_terms.js';
import type { ValidRank } from './validate_rank.js';
import type { RankFailure, RankJob, RankResult, RankerModel, SlotRanking } from './ranker_protocol.js';

const NON_FINITE_PMF =
  "the model's scores for these features are not finite: a feature value, or the product of two in an interaction, " +
  'is too large for a 32-bit float. Scale large numeric features down (timestamps, prices in cents) or send them as strings';

export class RankEngine {
  /** The single-slot learner, or a multi-slot model's inner one. */
  private learner!: Learner;
  /** A multi-slot model's learner (multi-slot jobs only); null for a single-slot model. */
  private ccb: CcbLearner | null = null;
  private modelId: number;

  constructor(
    model: RankerModel,
    private readonly appId: string,
    private readonly maxFeatures: number,
  ) {
    this.load(model);
    this.modelId = model.id;
  }

  /** Throws when the bytes are not a model this engine can rank with; the previous model stays then. */
  install(model: RankerModel): void {
    this.load(model);
    this.modelId = model.id;
  }

  /** Exploration is the service's explorationPercentage, whatever the model file says (policy.ts). */
  setEpsilon(epsilon: number): void {
    for (const config of new Set([this.learner.config, ...(this.ccb ? [this.ccb.config] : [])])) {
      const x = config.exploration;
      if (x.kind !== 'none') config.exploration = { ...x, epsilon };
    }
  }

  /**
   * A multi-slot Rank: every slot in order, each sampled with the seed eventId + slotId as the RL client does
   * (seed=<eventId><slotId> tags, docs/multi-slot-engine.md), its chosen action excluded from the slots after it.
   */
  private rankSlots(job: RankJob, slotIds: string[], within: number | undefined): RankResult | RankFailure | null {
    const ccb = this.ccb;
    if (ccb === null) return { id: job.id, wrongKind: true };
    let ex;
    try {
      ex = ccb.featurize(job.context, undefined, undefined, within);
    } catch (e) {
      if (within !== undefined && e instanceof FeatureLimitError && e.limit === within) return null;
      return { id: job.id, invalid: (e as Error).message };
    }
    const decisions = ccb.predict(ex, slotIds.map((s) => job.eventId + s));
    const slots: SlotRanking[] = decisions.map((d) => ({ index: d.actions, probability: d.probabilities }));
    for (const s of slots) {
      for (const p of s.probability) if (!(p >= 0 && p <= 1)) return { id: job.id, invalid: NON_FINITE_PMF };
    }
    const first = slots[0] ?? { index: [], probability: [] };
    return { id: job.id, modelId: this.modelId, index: first.index, probability: first.probability, slots };
  }

  rank(job: RankJob): RankResult | RankFailure;
  /** `within`: null when the event expands to more features than that (found before building them). */
  rank(job: RankJob, within: number): RankResult | RankFailure | null;
  rank(job: RankJob, within?: number): RankResult | RankFailure | null {
    if (job.slots !== undefined) return this.rankSlots(job, job.slots, within);
    if (this.ccb !== null) return { id: job.id, wrongKind: true };
    let ex;
    try {
      ex = this.learner.featurize(job.context, undefined, undefined, within);
    } catch (e) {
      if (within !== undefined && e instanceof FeatureLimitError && e.limit === within) return null;
      // Whatever the featurizer refuses (a FeatureError mostly: too many features once interacted) is the
      // request's fault, a 400.
      return { id: job.id, invalid: (e as Error).message };
    }
    const sampled = sampleAction(this.learner.predict(ex), job.eventId, this.appId);
    const n = sampled.ranking.length;
    const index = new Array<number>(n);
    const probability = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      index[i] = sampled.ranking[i]!.index;
      probability[i] = sampled.ranking[i]!.probability;
    }
    // Scores of features whose products overflow a float are NaN or inf (VW's gd.cc keeps them in
    // partial_prediction); epsilon-greedy still yields a pmf, SquareCB a NaN one, which is no answer to give
    // nor a probability to log: the request's fault, a 400.
    for (let i = 0; i < n; i++) {
      const p = probability[i]!;
      if (!(p >= 0 && p <= 1)) return { id: job.id, invalid: NON_FINITE_PMF };
    }
    return { id: job.id, modelId: this.modelId, index, probability };
  }

  /** Every term of the score of the one action of `context` (explain.ts), named (explain_terms.ts). */
  explain(context: string, v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number): NamedTerms {
    return explainTerms(this.learner, context, v, position);
  }

  private load(model: RankerModel): void {
    // Each example is ranked as soon as it is built, so the featurizer may reuse its buffers (no garbage per Rank).
    const options = { maxFeatures: this.maxFeatures, reuseExamples: true };
    const ccb = model.ccb === true ? loadCcbLearner(model.bytes, '', options) : null;
    const learner = ccb ? ccb.inner : loadLearner(model.bytes, '', options);
    // A model with a non-finite weight would rank with NaN scores: refused, the current one stays (the trainer
    // never publishes one; this guards against one found in the store).
    const problem = learnerProblem(learner);
    if (problem !== null) throw new Error(`model ${model.id} cannot be used: ${problem}`);
    this.learner = learner;
    this.ccb = ccb;
    this.setEpsilon(model.epsilon);
  }
}

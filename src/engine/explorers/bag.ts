// Bagging exploration (vowpalwabbit/core/src/reductions/cb/cb_explore_adf_bag.cc): B cb_adf policies, each
// trained on its own online bootstrap of the events (a Poisson(1) number of updates per event), and the pmf is the
// share of policies that rank each action first. Member i is the cb_adf sub-model at offset i × (cb_adf's width),
// with its own MTR counters and gd normalizer totals; the rank is made from predictions before this event's
// updates (bagging does not return a prediction from learn, so VW calls predict first).
import type { FeatureVector } from '../example.js';
import type { Gd } from '../gd.js';
import { CbAdf, type CbLabel } from '../cb_adf.js';
import { countTied, enforceMinimumProbability, rankActions } from '../explore.js';
import type { CbType } from '../types.js';
import { poisson1, RandState } from './poisson.js';
import { sortActionProbs } from './sort_action_probs.js';

const f = Math.fround;

export interface BagOptions {
  /** --bag B (≥ 1). */
  size: number;
  /** --epsilon (default 0): enforce_minimum_probability over every action. */
  epsilon: number;
  /** --greedify: member 0 learns every event exactly once. */
  greedify: boolean;
  /** --first_only: only the first of tied leaders gets the member's vote. */
  firstOnly: boolean;
}

export class BagExplorer {
  readonly members: CbAdf[];
  private scores = new Float32Array(8);
  private memberScores = new Float32Array(8);
  private top = new Float32Array(8);
  private order = new Uint32Array(8);

  constructor(
    gd: Gd,
    cbType: CbType,
    clipP: number,
    readonly options: BagOptions,
    /** The workspace random state (shared with the Learner so that the model file can store it). */
    readonly rand: RandState,
  ) {
    const width = cbType === 'dr' ? 2 : 1;
    this.members = [];
    for (let i = 0; i < options.size; i++) this.members.push(new CbAdf(gd, cbType, clipP, i * width));
  }

  private ensure(k: number): void {
    if (this.scores.length >= k) return;
    this.scores = new Float32Array(k * 2);
    this.memberScores = new Float32Array(k * 2);
    this.top = new Float32Array(k * 2);
    this.order = new Uint32Array(k * 2);
  }

  /**
   * cb_explore_adf_bag predict: writes order[i] (action) and probs[i] (its probability) for i < K, listed by
   * sort_action_probs.
   */
  predict(actions: readonly FeatureVector[], order: Uint32Array, probs: Float32Array): void {
    const k = actions.length;
    if (k === 0) return;
    this.ensure(k);
    const sum = this.scores;
    const top = this.top;
    const ms = this.memberScores;
    const mo = this.order;
    for (let a = 0; a < k; a++) sum[a] = top[a] = 0;
    for (const member of this.members) {
      member.scores(actions, ms);
      rankActions(ms, k, mo);
      for (let a = 0; a < k; a++) sum[a] = f(sum[a]! + ms[a]!);
      if (this.options.firstOnly) top[mo[0]!] = f(top[mo[0]!]! + 1);
      else {
        const tied = countTied(ms, mo, k);
        const share = f(1 / tied);
        for (let j = 0; j < tied; j++) top[mo[j]!] = f(top[mo[j]!]! + share);
      }
    }
    // explore_internal.h generate_bag: the votes summed in double, then each divided through a float normalizer.
    let votes = 0;
    for (let a = 0; a < k; a++) votes += top[a]!;
    const numModels = f(votes);
    if (numModels <= 1e-6) {
      top[0] = 1;
      for (let a = 1; a < k; a++) top[a] = 0;
    } else {
      const norm = f(1 / numModels);
      for (let a = 0; a < k; a++) top[a] = f(top[a]! * norm);
    }
    enforceMinimumProbability(this.options.epsilon, true, top, k);
    sortActionProbs(top, sum, k, order, probs);
  }

  /** cb_explore_adf_bag learn: member i learns the event Poisson(1) times (member 0 once with --greedify). */
  learn(actions: readonly FeatureVector[], label: CbLabel, weight: number): void {
    const greedify = this.options.greedify;
    for (let i = 0; i < this.members.length; i++) {
      const n = greedify && i === 0 ? 1 : poisson1(this.rand.next());
      const member = this.members[i]!;
      for (let j = 0; j < n; j++) member.learn(actions, label, weight);
    }
  }
}

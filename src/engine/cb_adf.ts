// cb_adf: turns one bandit event into regressions of the gd scorer (core/src/reductions/cb/cb_adf.cc,
// core/src/gen_cs_example.cc, core/include/vw/core/gen_cs_example.h, core/include/vw/core/reductions/cb/cb_algs.h,
// csoaa_ldf.cc in multiline regression mode; docs/learner.md §5.3).
import type { FeatureVector } from './example.js';
import type { CbType } from './types.js';
import type { Gd } from './gd.js';
import { expf } from './libm.js';
import { rankActions } from './explore.js';

const f = Math.fround;

/** A logged outcome: 0-based action index (_labelIndex), cost (−reward), probability it was played with. */
export interface CbLabel {
  index: number;
  cost: number;
  probability: number;
}

/** gen_cs_example.cc safe_probability: a probability ≤ 0 is replaced by 1e-3 (VW warns). */
export function safeProbability(p: number): number {
  return p <= 0 || Number.isNaN(p) ? f(1e-3) : p;
}

export class CbAdf {
  /** MTR counters (cb_to_cs_adf event_sum/action_sum), saved in the model; incremented before each MTR update. */
  eventSum = 0;
  actionSum = 0;
  private costs = new Float32Array(16);
  /**
   * dr: the reward regressor's predictions of the last learned event, before the IPS correction (gen_cs_example_dr
   * pred_scores), in _multi order; cb_adf alone reports its loss from them (cb_adf_loss.ts).
   */
  drPredictions = new Float32Array(16);

  /**
   * offset: the sub-model this cb_adf instance learns (its ft_offset): 0 for a lone policy; an ensemble's member
   * m (cb_explore_adf_bag.cc, cover) passes m × its width (2 for dr, whose reward regressor is offset + 1). Each
   * instance keeps its own MTR counters, as VW's per_model_state[offset] does.
   */
  constructor(
    readonly gd: Gd,
    readonly cbType: CbType,
    readonly clipP: number,
    readonly offset = 0,
  ) {}

  /**
   * Scores for ranking: the unclipped partial prediction of sub-model 0 per action (csoaa_ldf rank mode ranks by
   * ec.partial_prediction). Writes scores[0..K-1] in _multi order.
   */
  scores(actions: readonly FeatureVector[], out: Float32Array): void {
    for (let a = 0; a < actions.length; a++) out[a] = this.gd.partial(actions[a]!, this.offset);
  }

  /**
   * cb_adf::learn for one labeled event. weight = the example weight (1, or 1/(1−pdrop)).
   * Actions are regressed in _multi order, so later actions see weights already updated by earlier ones.
   */
  learn(actions: readonly FeatureVector[], label: CbLabel, weight = 1): void {
    const k = actions.length;
    const c = label.index;
    if (!(c >= 0 && c < k)) throw new RangeError(`label index ${c} outside 0..${k - 1}`);
    const y = f(label.cost);
    const p = f(label.probability);
    const w = f(weight);
    const gd = this.gd;
    const clipP = f(this.clipP);
    const m = this.offset;
    switch (this.cbType) {
      case 'mtr': {
        // gen_cs_example_mtr then learn_MTR: counters first, then only the chosen example with
        // weight × (1/max(p, clip_p)) × (event_sum/action_sum), all in float.
        this.eventSum += 1;
        this.actionSum += k;
        const clipped = safeProbability(Math.max(p, clipP));
        const iw = f(w * f(f(1 / clipped) * f(f(this.eventSum) / f(this.actionSum))));
        gd.learn(actions[c]!, m, y, iw);
        return;
      }
      case 'ips': {
        // gen_cs_example_ips: cost/max(p, clip_p) on the chosen action, 0 elsewhere; every action regressed.
        const cost = f(y / safeProbability(Math.max(p, clipP)));
        for (let a = 0; a < k; a++) gd.learn(actions[a]!, m, a === c ? cost : 0, w);
        return;
      }
      case 'dm': {
        // gen_cs_example_dm (adf): the logged cost on the logged action and 0 on every other one, no importance
        // weight; every action regressed, as for ips.
        for (let a = 0; a < k; a++) gd.learn(actions[a]!, m, a === c ? y : 0, w);
        return;
      }
      case 'sm':
        this.learnSm(actions, c, y, p, w);
        return;
      case 'dr': {
        // gen_cs_example_dr<true>: reward regressor = sub-model 1. In action order: the chosen action trains it
        // (weight/p, label y) and yields its pre-update prediction; the others only predict (so actions after the
        // chosen one see the updated regressor). The chosen action's cost gets the IPS correction.
        if (this.costs.length < k) {
          this.costs = new Float32Array(k * 2);
          this.drPredictions = new Float32Array(k * 2);
        }
        const costs = this.costs;
        const preds = this.drPredictions;
        for (let a = 0; a < k; a++) {
          let x: number;
          if (a === c) {
            x = gd.learn(actions[a]!, m + 1, y, f(w / p));
            preds[a] = x;
            x = f(x + f(f(y - x) / Math.max(p, clipP)));
          } else preds[a] = x = gd.predict(actions[a]!, m + 1);
          costs[a] = x;
        }
        for (let a = 0; a < k; a++) gd.learn(actions[a]!, m, costs[a]!, w);
        return;
      }
    }
  }

  private smOrder = new Uint32Array(16);
  private smScores = new Float32Array(16);
  private smProbs = new Float32Array(16);
  private smTargets = new Float32Array(16);
  private smWeights = new Float32Array(16);

  /**
   * cb_adf.cc learn_sm (gen_cs_example.cc gen_cs_example_sm): the pre-update scores ranked as csoaa_ldf ranks
   * them; a regression target per entry of that ranking (its score + 1 for the logged action, − 1 for the others,
   * the signs swapped for a negative cost, clipped to ±100); a softmax of the negated scores; and per action an
   * example weight w·|cost/p|·p_sm(logged)·(1 − p_sm) for the logged action, ·p_sm(a) for the others (0 below
   * 1e-15). As in VW 9.10, the targets are handed to the examples by position in the ranking (cs_prep_labels),
   * not by action, while the weights go by action.
   */
  private learnSm(actions: readonly FeatureVector[], c: number, y: number, p: number, w: number): void {
    const k = actions.length;
    if (this.smOrder.length < k) {
      this.smOrder = new Uint32Array(k * 2);
      this.smScores = new Float32Array(k * 2);
      this.smProbs = new Float32Array(k * 2);
      this.smTargets = new Float32Array(k * 2);
      this.smWeights = new Float32Array(k * 2);
    }
    const gd = this.gd;
    const m = this.offset;
    const scores = this.smScores;
    const order = this.smOrder;
    const probs = this.smProbs;
    const targets = this.smTargets;
    for (let a = 0; a < k; a++) scores[a] = gd.partial(actions[a]!, m);
    rankActions(scores, k, order);
    let exampleWeight = f(y / safeProbability(p));
    let sign = 1;
    if (y < 0) {
      sign = -1;
      exampleWeight = f(-exampleWeight);
    }
    let min = Infinity;
    for (let j = 0; j < k; j++) {
      const s = scores[order[j]!]!;
      let x = order[j] === c ? f(s + sign) : f(s - sign);
      if (x > 100) x = 100;
      if (x < -100) x = -100;
      targets[j] = x;
      if (s < min) min = s;
    }
    // explore_internal.h generate_softmax with lambda −1 (lower cost is better): exp(−(s − min)), normalised.
    let norm = 0;
    for (let j = 0; j < k; j++) {
      const e = expf(f(-1 * f(scores[order[j]!]! - min)));
      probs[j] = e;
      norm = f(norm + e);
    }
    for (let j = 0; j < k; j++) probs[j] = f(probs[j]! / norm);
    for (let j = 0; j < k; j++) {
      if (order[j] === c) {
        exampleWeight = f(exampleWeight * probs[j]!);
        break;
      }
    }
    // Weights by action (the examples' own), targets by position (examples[j] gets the j-th ranked target).
    const weights = this.smWeights;
    for (let j = 0; j < k; j++) {
      const a = order[j]!;
      let wa = f(w * f(exampleWeight * (a === c ? f(1 - probs[j]!) : probs[j]!)));
      if (wa <= 1e-15) wa = 0;
      weights[a] = wa;
    }
    for (let j = 0; j < k; j++) gd.learn(actions[j]!, m, targets[j]!, weights[j]!);
  }
}

// The exploration layer: each of VW's cb_explore_adf_<algo> reductions (core/src/reductions/cb/cb_explore_adf_*.cc)
// is an Explorer over the cb_adf learner, as VW stacks them: `cb_explore_adf_<algo> → cb_adf → csoaa_ldf → gd`.
// The Learner owns the weight table (Gd) and policy 0's cb_adf; an explorer turns cb_adf's scores into a pmf
// (predict), decides what cb_adf learns (learn: the label it sees, how many times, which sub-models), and keeps
// its own model-file state. An ensemble explorer (bagging, cover) trains several sub-models that sit side by side
// in the same weight table (slot = (h·width + m) & mask, `width` from explorerWidth) with a CbAdf of its own each.
// See docs/explorers.md.
import type { CbAdf, CbLabel } from './cb_adf.js';
import type { MultiExample } from './example.js';
import type { Gd } from './gd.js';
import type { ExplorationConfig, ModelState, PolicyConfig } from './types.js';

const f = Math.fround;

/**
 * One event's ranking, in buffers reused from event to event: scores[a] = cb_adf's score of action a (_multi
 * order), order[i] = the i-th action in VW's output order, probs[i] = its probability (`none`: its score).
 */
export class Ranking {
  scores = new Float32Array(8);
  order = new Uint32Array(8);
  probs = new Float32Array(8);
  k = 0;

  /** Room for k actions (buffers keep their contents only when they do not grow). */
  reserve(k: number): void {
    if (this.scores.length < k) {
      this.scores = new Float32Array(k * 2);
      this.order = new Uint32Array(k * 2);
      this.probs = new Float32Array(k * 2);
    }
    this.k = k;
  }
}

/** What an explorer is layered on: the policy, the weight table, and policy 0's cb_adf (sub-model 0). */
export interface ExplorerBase {
  readonly config: PolicyConfig;
  readonly gd: Gd;
  readonly cbAdf: CbAdf;
}

export interface Explorer {
  /** The settings in use; the Learner hands replaced settings to reconfigure (the loop changes epsilon at run time). */
  readonly settings: ExplorationConfig;
  /** Adopt new settings of the same algorithm, keeping the state; false when it takes another explorer. */
  reconfigure(x: ExplorationConfig): boolean;
  /** VW `predict`: the pmf of ex into r (r.k = ex.actions.length); never learns. */
  predict(ex: MultiExample, r: Ranking): void;
  /**
   * VW `learn` of one event whose pmf predict() has just put in r (an explorer that computes its pmf while
   * learning, as cover does, rewrites r). Returns the event's progressive loss (cb_explore_adf_common.h
   * _update_stats; 0 when unlabeled).
   */
  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number;
  /** The feature count shared_data adds for this event, given Σ of the action feature vectors' counts. */
  featureCount(ex: MultiExample, features: number): number;
  /** Writes this explorer's model-file state (and any sub-model cb_adf counters) into a snapshot. */
  save(state: ModelState): void;
  /** Restores what save() wrote, from a model read from a file. */
  load(state: ModelState): void;
}

/**
 * cb_explore_adf_common.h _update_stats: Σ over the printed pmf of pmf(a)·[a = logged]·cost/p·weight (float).
 * order/probs: the ranked pmf (probs[i] belongs to action order[i]).
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

/** The loss of an exploring policy's event: eventLoss of its ranked pmf when labeled, else 0. */
export function exploreLoss(r: Ranking, label: CbLabel, weight: number): number {
  return label.probability > 0 ? eventLoss(r.order, r.probs, r.k, label, weight) : 0;
}

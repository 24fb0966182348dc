// The loss and feature count VW's cb_adf reports when it runs alone, without an exploration reduction on top
// (core/src/reductions/cb/cb_adf.cc update_statistics; core/include/vw/core/reductions/cb/cb_algs.h
// get_cost_estimate): the estimated cost of the action ranked first, not weighted by the example weight.
// - ips and mtr (and any -t run): cost/p when the first action is the logged one, else 0;
// - dr, when learning: the reward regressor's prediction x of the first action, plus (cost − x)/p when it is the
//   logged one (gen_cs_example_dr fills pred_scores with the predictions made while learning the event).

const f = Math.fround;

/**
 * first: index of the action ranked first; label: the logged action, cost and probability;
 * drPredictions: the reward regressor's predictions per action in _multi order (dr while learning), else null.
 */
export function cbAdfLoss(
  first: number,
  label: { index: number; cost: number; probability: number },
  drPredictions: ArrayLike<number> | null,
): number {
  const cost = f(label.cost);
  const p = f(label.probability);
  if (drPredictions === null) return first === label.index ? f(cost / p) : 0;
  const x = f(drPredictions[first]!);
  return first === label.index ? f(f(f(cost - x) / p) + x) : x;
}

/**
 * The features cb_adf counts for one event (cb_adf.cc update_statistics: Σ get_num_features() over the examples,
 * the shared one once, with its constant), from the count of an exploring policy (cb_explore_adf_common.h
 * _update_stats: the shared example's features but its constant once per action, as they are merged into each
 * one) = Σ action feature vectors' counts here. shared: the shared example's features without its constant.
 */
export function cbAdfFeatureCount(exploreCount: number, actions: number, shared: number, noConstant: boolean): number {
  return exploreCount - (actions - 1) * shared + (noConstant ? 0 : 1);
}

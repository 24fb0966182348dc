// What `personalizer replay` prints for `--cb_adf` alone (no exploration), as VW 9.10's cb_adf does
// (core/src/reductions/cb/cb_adf.cc output_example_prediction_cb_adf): the action ranked first, printed as
// core/src/global_data.cc print_result_by_ref prints a float (a whole number without decimals), or with
// `--rank_all` every action's score in ranked order (print_action_score, the format of `-p` pmfs); each
// example is followed by a blank line (global_print_newline), as for cb_explore_adf.
import { formatPredictionLine } from './replay_format.js';

/** order[i]: the i-th ranked action; scores[i]: its score. */
export function formatCbAdfPrediction(order: ArrayLike<number>, scores: ArrayLike<number>, k: number, rankAll: boolean): string {
  if (!rankAll) return k > 0 ? `${order[0]}\n\n` : '\n';
  const ranked = new Array<{ index: number; probability: number }>(k);
  for (let i = 0; i < k; i++) ranked[i] = { index: order[i]!, probability: scores[i]! };
  return formatPredictionLine(ranked);
}

// cb_explore_adf_common.h sort_action_probs, used by bagging and online cover: the pmf listed by probability
// descending, then by the summed cost estimate ascending, then by action index ascending (a total order, so
// std::sort's result is unique and a stable insertion sort gives the same list).

/**
 * probs[a], scores[a]: per action index a (0..k-1). Writes order[i] (action) and out[i] (its probability).
 * Insertion sort: k is small and it allocates nothing.
 */
export function sortActionProbs(
  probs: ArrayLike<number>,
  scores: ArrayLike<number>,
  k: number,
  order: Uint32Array,
  out: Float32Array,
): void {
  for (let i = 0; i < k; i++) {
    const p = probs[i]!;
    const s = scores[i]!;
    let j = i;
    while (j > 0) {
      const prev = order[j - 1]!;
      const pp = probs[prev]!;
      const ps = scores[prev]!;
      // prev stays ahead when it compares before i: higher probability, then lower score, then lower index.
      const prevFirst = pp > p || (pp === p && (ps < s || (ps === s && prev < i)));
      if (prevFirst) break;
      order[j] = prev;
      j--;
    }
    order[j] = i;
  }
  for (let i = 0; i < k; i++) out[i] = probs[order[i]!]!;
}

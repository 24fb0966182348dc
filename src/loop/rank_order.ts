// The order of a Rank's answer, as Azure Personalizer gave it.
// The RL client returns (index into _multi, probability) with the chosen action first (VW's
// explore_internal.h swap_chosen swaps it with position 0; the others keep the order VW's cb_explore_adf
// scored them). The service then wrote that ranking into the request's positions: excluded actions keep their
// own positions with probability 0, and the remaining positions, taken in request order, get the RL ranking in
// its order, so with nothing excluded ranking[0] is rewardActionId (Azure REST spec v1.0, Rank example:
// the chosen action first; README "How the loop behaves").

export interface Ranked {
  /** 0-based index into _multi (the non-excluded actions in request order). */
  index: number;
  probability: number;
}

/**
 * `actions`: every action of the request; `included[k]`: request position of `_multi[k]` (ascending);
 * `ranking`: the RL ranking over `_multi`, chosen first.
 */
export function azureRanking(
  actions: readonly { id: string }[],
  included: readonly number[],
  ranking: readonly Ranked[],
): { id: string; probability: number }[] {
  const out = actions.map((a) => ({ id: a.id, probability: 0 }));
  // included is in request order, so its j-th entry is the j-th non-excluded position.
  ranking.forEach((r, j) => {
    out[included[j]!] = { id: actions[included[r.index]!]!.id, probability: r.probability };
  });
  return out;
}

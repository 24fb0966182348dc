// cbify's draw (core/src/reductions/cb/cbify.cc predict_adf): sample_after_normalizing
// (explore/include/vw/explore/explore_internal.h) with seed app_seed + t, over the pmf in the order
// cb_explore_adf returned it. All pmf arithmetic is float32, as in the C++ code.
import { merand48NoAdvance, uniformHash } from '../engine/index.js';

const f = Math.fround;

/** cbify's app_seed: uniform_hash("vw", seed 0) = 53980556. */
export const CBIFY_APP_SEED = BigInt(uniformHash('vw', 0));

export interface Draw {
  /** Position in the ranked pmf (not the action index). */
  position: number;
  /** The chosen entry's probability after the in-place normalization (what cbify logs as p). */
  probability: number;
}

/**
 * Negative entries count as 0; an all-zero pmf picks the first entry; the draw u·total walks the running float sum
 * and stops at the first entry whose sum exceeds it (the last one if none does).
 */
export function sampleAfterNormalizing(probs: ArrayLike<number>, k: number, seed: bigint): Draw {
  let total = 0;
  for (let i = 0; i < k; i++) total = f(total + Math.max(0, probs[i]!));
  if (total === 0) return { position: 0, probability: 1 };
  let draw = f(total * merand48NoAdvance(BigInt.asUintN(64, seed)));
  if (draw > total) draw = total;
  let sum = 0;
  for (let i = 0; i < k; i++) {
    const p = Math.max(0, probs[i]!);
    sum = f(sum + p);
    if (sum > draw) return { position: i, probability: f(p / total) };
  }
  return { position: k - 1, probability: f(Math.max(0, probs[k - 1]!) / total) };
}

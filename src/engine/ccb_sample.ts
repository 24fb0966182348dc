// cb_sample as --ccb_explore_adf runs it per slot (core/src/reductions/cb/cb_sample.cc learn_or_predict): a labeled
// slot moves its logged action to the front; any other slot samples the pmf (explore_internal.h
// sample_after_normalizing, swap_chosen) with the seed of its `seed=…` tag (uniform_hash(tag, 0)), or with VW's
// random state, which then advances one merand48 step (rand_state.h get_and_update_random; --random_seed 0).
import { uniformHash } from './hash.js';
import { merand48, merand48NoAdvance } from './sampling.js';

const f = Math.fround;

/** The seed a `seed=XYZ` tag gives (tag_utils.cc try_extract_random_seed), or undefined for any other tag. */
export function tagSeed(tag: string | undefined): bigint | undefined {
  if (tag === undefined || !tag.startsWith('seed=')) return undefined;
  return BigInt(uniformHash(tag.slice(5), 0));
}

/** VW's global random state (merand48), as cb_sample uses it when no tag gives a seed. */
export class RandomState {
  constructor(public state = 0n) {}
  /** The current state, then one step forward. */
  next(): bigint {
    const s = this.state;
    this.state = merand48(s)[1];
    return s;
  }
}

/**
 * sample_after_normalizing in float32 on probs (VW order, modified in place: clamped at 0 and normalized);
 * returns the position drawn.
 */
export function sampleAfterNormalizing(seed: bigint, probs: number[]): number {
  const n = probs.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (probs[i]! < 0) probs[i] = 0;
    total = f(total + probs[i]!);
  }
  if (total === 0) {
    probs[0] = 1;
    return 0;
  }
  let draw = f(total * merand48NoAdvance(seed));
  if (draw > total) draw = total;
  let sum = 0;
  let chosen = -1;
  for (let i = 0; i < n; i++) {
    sum = f(sum + probs[i]!);
    if (chosen < 0 && sum > draw) chosen = i;
    probs[i] = f(probs[i]! / total);
  }
  return chosen < 0 ? n - 1 : chosen;
}

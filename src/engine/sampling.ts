// How the RL client (Personalizer) picks the action from VW's pmf.
// Seed: reinforcement_learning rlclientlib/live_model_impl.cc (choose_rank): uniform_hash(eventId) + uniform_hash(appId),
// summed in 64 bits. Draw and walk: vowpalwabbit/explore/include/vw/explore/explore_internal.h
// (sample_after_normalizing, swap_chosen); merand48: vowpalwabbit/common/include/vw/common/random_details.h.
// All pmf arithmetic is float32, as in the C++ code.

import { uniformHash } from './hash.js';

const MASK64 = (1n << 64n) - 1n;
const A = 0xeece66d5deece66dn;
const C = 2147483647n;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One merand48 step: advances the 64-bit state and returns [value in [0,1), new state]. */
export function merand48(state: bigint): [number, bigint] {
  const next = (A * state + C) & MASK64;
  u32[0] = Number((next >> 25n) & 0x7fffffn) | 0x3f800000;
  return [f32[0]! - 1, next];
}

/** merand48 without keeping the advanced state (merand48_noadvance). */
export function merand48NoAdvance(seed: bigint): number {
  return merand48(seed)[0];
}

/** The RL client's per-event seed: 64-bit sum of the two 32-bit hashes (no wrap to 32 bits). */
export function samplingSeed(eventId: string, appId = ''): bigint {
  return BigInt(uniformHash(eventId, 0)) + BigInt(uniformHash(appId, 0));
}

export interface SampledAction {
  /** The chosen action: its `index` into `_multi`. */
  chosen: number;
  /** The pmf after swap_chosen (chosen first) and normalization. */
  ranking: { index: number; probability: number }[];
}

/** sample_after_normalizing + swap_chosen on a pmf given in VW's order (best first). */
export function sampleAction(pmf: readonly { index: number; probability: number }[], eventId: string, appId = ''): SampledAction {
  const n = pmf.length;
  if (n === 0) throw new RangeError('sampleAction: empty pmf');
  const p = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = pmf[i]!.probability;
    p[i] = v < 0 ? 0 : v;
    total = Math.fround(total + p[i]!);
  }
  let chosenPos = 0;
  if (total === 0) {
    // "assume the first is the best"
    p[0] = 1;
  } else {
    let draw = Math.fround(total * merand48NoAdvance(samplingSeed(eventId, appId)));
    if (draw > total) draw = total;
    let sum = 0;
    let found = false;
    for (let i = 0; i < n; i++) {
      sum = Math.fround(sum + p[i]!);
      if (!found && sum > draw) {
        chosenPos = i;
        found = true;
      }
      p[i] = Math.fround(p[i]! / total);
    }
    if (!found) chosenPos = n - 1;
  }
  const ranking = pmf.map((a, i) => ({ index: a.index, probability: p[i]! }));
  if (chosenPos !== 0) {
    const t = ranking[0]!;
    ranking[0] = ranking[chosenPos]!;
    ranking[chosenPos] = t;
  }
  return { chosen: ranking[0]!.index, ranking };
}

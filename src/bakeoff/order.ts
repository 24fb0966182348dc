// Row order of a bake-off run: the file's order, or a documented deterministic shuffle of it.
import { merand48 } from '../engine/index.js';

/**
 * Fisher–Yates driven by VW's own generator (merand48, state = the seed): for i = n−1 down to 1, draw u in [0, 1)
 * and swap row i with row ⌊u·(i+1)⌋. The same seed gives the same order on every machine.
 */
export function shuffledOrder(n: number, seed: bigint): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let state = BigInt.asUintN(64, seed);
  for (let i = n - 1; i > 0; i--) {
    let u: number;
    [u, state] = merand48(state);
    const j = Math.min(i, Math.floor(u * (i + 1)));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

export function fileOrder(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

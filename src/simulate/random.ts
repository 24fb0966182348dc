// The simulated world's randomness: every draw is a function of (seed, event index, purpose), never of the
// order in which events happen to run, so a world is the same for a seed whatever the concurrency, the rate or
// the server's speed. A small counter-based generator (a 32-bit mix in the manner of splitmix/murmur3's
// finaliser) is enough: the draws drive a demo world, not cryptography or statistics at scale.

/** Distinct streams for one event. */
export const STREAM = { context: 1, reward: 2, noise: 3 } as const;

function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A generator of uniforms in [0, 1) for one (seed, index, purpose). */
export function stream(seed: number, index: number, purpose: number): () => number {
  let state = mix(mix(mix(seed >>> 0) ^ Math.imul(index + 1, 0x9e3779b1)) ^ Math.imul(purpose, 0x7feb352d));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    return mix(state) / 4294967296;
  };
}

/** A standard normal draw (Box–Muller on two uniforms). */
export function normal(r: () => number): number {
  const u = 1 - r(); // (0, 1]: log(0) never happens
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** An index drawn with the given non-negative weights (at least one positive). */
export function pickWeighted(r: () => number, weights: readonly number[]): number {
  const total = weights.reduce((s, w) => s + w, 0);
  let u = r() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  // Rounding at the very top: the last index with a positive weight.
  for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i;
  return 0;
}

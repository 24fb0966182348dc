// RegCB's per-action cost intervals (cb_explore_adf_regcb.cc get_cost_ranges and binary_search; the same code is
// in cb_explore_adf_squarecb.cc for --elim): for each action, how far its predicted cost could move under an
// importance-weighted update whose extra squared loss stays within δ, found by bisection on the weight, using gd's
// sensitivity. All arithmetic is float, as in VW.
import type { MultiExample } from '../example.js';
import type { Gd } from '../gd.js';
import { hasWildcard, parseInteractionArgs } from '../interactions.js';
import type { CostRange, PolicyConfig } from '../types.js';

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;
const TOL = f(1e-6);
const MAX_ITER = 20;

/** std::min / std::max on floats: the first argument wins unless the comparison says otherwise (NaN stays). */
const cMin = (a: number, b: number): number => (b < a ? b : a);
const cMax = (a: number, b: number): number => (a < b ? b : a);

/**
 * δ = c0 · ln(K·counter) · (cmax − cmin)², the threshold on the empirical loss difference (logf of the float
 * product; counter 0 gives −inf, which makes every interval empty).
 */
export function regcbDelta(c: CostRange, k: number, counter: number): number {
  const range = f(f(c.cbMaxCost) - f(c.cbMinCost));
  return f(f(f(c.mellowness) * f(Math.log(f(k * counter)))) * f(range * range));
}

/** The largest weight w with w·(f̂² − (f̂ − sens·w)²) ≤ δ (20 bisection steps, tolerance 1e-6). */
export function binarySearch(fhat: number, delta: number, sens: number): number {
  const maxw = cMin(f(fhat / sens), FLT_MAX);
  if (f(f(maxw * fhat) * fhat) <= delta) return maxw;
  let l = 0;
  let u = maxw;
  const fhat2 = f(fhat * fhat);
  for (let iter = 0; iter < MAX_ITER; iter++) {
    const w = f(f(u + l) / 2);
    const r = f(fhat - f(sens * w));
    const v = f(f(w * f(fhat2 - f(r * r))) - delta);
    if (v > 0) u = w;
    else l = w;
    if (Math.abs(v) <= TOL || f(u - l) <= TOL) break;
  }
  return l;
}

/**
 * minCosts[a] / maxCosts[a] (_multi order) for the actions of ex, whose scores (unclipped predictions) are
 * scores[a]. maxCosts is skipped (left as is) when minOnly (the optimistic variant).
 *
 * linearOnly: the policy's interactions use a wildcard. VW's sensitivity call goes down the stack past
 * generate_interactions (which wraps learn and predict, not sensitivity: core/src/reductions/interactions.cc), so
 * gd sees the example with the unexpanded interaction list, whose wildcard terms name no namespace: only the
 * linear terms count.
 */
export function costRanges(
  gd: Gd,
  ex: MultiExample,
  scores: Float32Array,
  c: CostRange,
  delta: number,
  minOnly: boolean,
  minCosts: Float32Array,
  maxCosts: Float32Array,
  linearOnly: boolean,
): void {
  const cmin = f(c.cbMinCost);
  const cmax = f(c.cbMaxCost);
  const below = f(cmin - 1);
  const above = f(cmax + 1);
  // The example weight of the action examples: 1 (the explorers predict before any importance weight applies).
  const weight = 1;
  const k = ex.actions.length;
  for (let a = 0; a < k; a++) {
    const fv = ex.actions[a]!;
    const pred = scores[a]!;
    const n = linearOnly ? (fv.linear ?? fv.count) : fv.count;
    let sens = gd.sensitivity(fv, 0, below, pred, weight, n);
    if (pred < cmin || !Number.isFinite(sens)) minCosts[a] = cmin;
    else {
      const w = binarySearch(f(f(pred - cmin) + 1), delta, sens);
      let m = cMax(f(pred - f(sens * w)), cmin);
      if (m > cmax) m = cmax;
      minCosts[a] = m;
    }
    if (minOnly) continue;
    sens = gd.sensitivity(fv, 0, above, pred, weight, n);
    if (pred > cmax || !Number.isFinite(sens)) maxCosts[a] = cmax;
    else {
      const w = binarySearch(f(above - pred), delta, sens);
      let m = cMin(f(pred + f(sens * w)), cmax);
      if (m < cmin) m = cmin;
      maxCosts[a] = m;
    }
  }
}

/** Whether VW's sensitivity skips the interactions of this policy (costRanges linearOnly). */
export function sensitivityIsLinear(config: PolicyConfig): boolean {
  return config.ccb || parseInteractionArgs(config.quadratic, config.cubic, config.interactions).some(hasWildcard);
}

/** The per-action cost bounds costRanges fills, grown (never shrunk) to the largest action count seen. */
export class CostBounds {
  lo = new Float32Array(8);
  hi = new Float32Array(8);

  /** Room for k actions. */
  fit(k: number): void {
    if (this.lo.length < k) {
      this.lo = new Float32Array(k * 2);
      this.hi = new Float32Array(k * 2);
    }
  }
}

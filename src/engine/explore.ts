// Exploration on top of cb_adf's ranking: epsilon-greedy (core/src/reductions/cb/cb_explore_adf_greedy.cc) and
// SquareCB (core/src/reductions/cb/cb_explore_adf_squarecb.cc), with the helpers of
// core/include/vw/core/reductions/cb/cb_explore_adf_common.h and explore/include/vw/explore/explore_internal.h.
// All arithmetic is float32 as in VW (docs/learner.md §5.4, docs/explorers.md).
import type { CbAdf } from './cb_adf.js';
import type { MultiExample } from './example.js';
import type { Ranking } from './explorer.js';

const f = Math.fround;
/** The largest finite float (FLT_MAX). */
const FLT_MAX = 3.4028234663852886e38;
const TOLERANCE = f(1e-4);

/**
 * csoaa_ldf rank order: action indices sorted by (score asc, index asc), written to order[0..k-1].
 * Insertion sort: k is small and it allocates nothing.
 */
export function rankActions(scores: Float32Array, k: number, order: Uint32Array): void {
  for (let i = 0; i < k; i++) {
    const s = scores[i]!;
    let j = i;
    while (j > 0) {
      const prev = order[j - 1]!;
      const ps = scores[prev]!;
      if (ps > s || (ps === s && prev > i)) {
        order[j] = prev;
        j--;
      } else break;
    }
    order[j] = i;
  }
}

/** VW::math::are_same_rel in float. */
function sameRel(a: number, b: number): boolean {
  return Math.abs(f(a - b)) <= f(TOLERANCE * f(Math.abs(a) + Math.abs(b)));
}

/** fill_tied: length of the leading run of ranked actions whose score equals the best within 1e-4 relative. */
export function countTied(scores: Float32Array, order: Uint32Array, k: number): number {
  if (k === 0) return 0;
  const best = scores[order[0]!]!;
  let n = 1;
  for (let i = 1; i < k; i++) {
    if (sameRel(scores[order[i]!]!, best)) n++;
    else break;
  }
  return n;
}

/**
 * cb_explore_adf_greedy update_example_prediction: ε/K to every action, plus (1−ε) split among the tied leaders
 * (or all of it to the first with --first_only). probs[i] is the probability of order[i].
 */
export function epsilonGreedy(
  scores: Float32Array,
  order: Uint32Array,
  k: number,
  epsilon: number,
  firstOnly: boolean,
  probs: Float32Array,
): void {
  const eps = f(epsilon);
  const tied = countTied(scores, order, k);
  const base = f(eps / k);
  for (let i = 0; i < k; i++) probs[i] = base;
  if (k === 0) return;
  if (firstOnly) probs[0] = f(probs[0]! + f(1 - eps));
  else {
    const share = f(f(1 - eps) / tied);
    for (let i = 0; i < tied; i++) probs[i] = f(probs[i]! + share);
  }
}

/** SquareCB's greediness γ = gamma_scale · counter^gamma_exponent (float of a double pow; counter = learned events). */
export function squareCbGamma(gammaScale: number, gammaExponent: number, counter: number): number {
  const gamma = f(f(gammaScale) * f(Math.pow(counter, f(gammaExponent))));
  // VW lets γ overflow to inf (a large scale or exponent after enough events), and then γ·0 = NaN for an action
  // tied with the best makes the whole pmf NaN. The largest float ranks the same way without the NaN.
  return gamma === Infinity ? FLT_MAX : gamma;
}

/**
 * SquareCB (vanilla, no --elim): every non-greedy action gets 1/(K + γ·(s_a − s_min)), the greedy one the rest;
 * then enforce_minimum_probability(ε, consider zeros). probs[i] is the probability of order[i].
 */
export function squareCb(
  scores: Float32Array,
  order: Uint32Array,
  k: number,
  gamma: number,
  epsilon: number,
  probs: Float32Array,
): void {
  if (k === 0) return;
  // a_min = first entry with the smallest score: order is sorted ascending, so a strict '<' scan keeps index 0
  // unless a NaN score broke the sort.
  let aMin = 0;
  let minCost = scores[order[0]!]!;
  for (let a = 0; a < k; a++) {
    const s = scores[order[a]!]!;
    if (s < minCost) {
      aMin = a;
      minCost = s;
    }
  }
  let total = 0;
  for (let a = 0; a < k; a++) {
    if (a === aMin) continue;
    const pa = f(1 / f(k + f(gamma * f(scores[order[a]!]! - minCost))));
    probs[a] = pa;
    total = f(total + pa);
  }
  probs[aMin] = f(1 - total);
  enforceMinimumProbability(epsilon, true, probs, k);
}

let sortScratch = new Float32Array(16);

/**
 * explore_internal.h enforce_minimum_probability: project the pmf so every supported entry is at least ε/support,
 * taking the mass from the largest entries.
 */
export function enforceMinimumProbability(epsilon: number, considerZero: boolean, probs: Float32Array, k: number): void {
  const eps = f(epsilon);
  if (k === 0 || eps === 0 || eps < 0 || eps > 1) return;
  let support = k;
  if (!considerZero) for (let i = 0; i < k; i++) if (probs[i] === 0) support--;
  if (eps > f(0.999)) {
    const u = f(1 / support);
    for (let i = 0; i < k; i++) if (considerZero || probs[i]! > 0) probs[i] = u;
    return;
  }
  const minP = f(eps / support);
  if (sortScratch.length < k) sortScratch = new Float32Array(k * 2);
  const sorted = sortScratch.subarray(0, k);
  sorted.set(probs.subarray(0, k));
  sorted.sort();
  sorted.reverse();
  let running = 0;
  let rhoIdx = 0;
  let rhoSum = sorted[0]!;
  for (let idx = 0; idx < k; idx++) {
    const p = sorted[idx]!;
    if (!considerZero && p === 0) break;
    running = f(running + p);
    const bound = f(f(f(f((support - idx - 1) * minP) + running) - 1) / f(idx + 1)) + minP;
    if (p > f(bound)) {
      rhoIdx = idx;
      rhoSum = running;
    }
  }
  const tau = f(f(f(f(f(support - rhoIdx - 1) * minP) + rhoSum) - 1) / f(rhoIdx + 1));
  for (let i = 0; i < k; i++) {
    if (considerZero || probs[i]! > 0) probs[i] = Math.max(f(probs[i]! - tau), minP);
  }
}

/**
 * The base ranking every single-model explorer starts from: cb_adf's scores (sub-model 0 partial predictions,
 * _multi order) into r.scores and csoaa_ldf's rank order into r.order.
 */
export function scoreAndRank(cbAdf: CbAdf, ex: MultiExample, r: Ranking): void {
  const k = ex.actions.length;
  r.reserve(k);
  cbAdf.scores(ex.actions, r.scores);
  rankActions(r.scores, k, r.order);
}

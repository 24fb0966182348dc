// The phases of optimization discovery (discovery.ts): Hyper1/Hyper2 walk the hyperparameters around the best
// configuration so far, Inter-len tries `-q` pairs of shared and action namespaces, brute force then greedy
// (microsoft/mwt-ds DataScience/Experimentation.py). Every round is one Search.score call, hence one pass.
import { withCbType, withL1, withPowerT, withQuadratic, withRate } from './policy_variants.js';
import { best, improves, type Scored, type Search } from './search.js';
import type { CbType, PolicyConfig } from '../engine/index.js';

/** The search's candidate neighbours of a configuration in a hyperparameter phase, most promising first. */
function hyperNeighbours(c: PolicyConfig, phase: 'Hyper1' | 'Hyper2', cbTypes: readonly CbType[]): PolicyConfig[] {
  const lr = c.learningRate;
  const out: PolicyConfig[] = [];
  const rates = phase === 'Hyper1' ? [10, 100, 0.1] : [3, 1 / 3];
  for (const f of rates) out.push(withRate(c, lr * f));
  for (const t of cbTypes) if (t !== c.cbType) out.push(withCbType(c, t));
  // power_t 0 (steps that do not shrink) wants smaller rates than power_t 0.5 (AdaGrad-like steps): on the public
  // 20k simulation the best rate was 0.01 with the one and 0.1 with the other, for ips, mtr and dr alike.
  for (const p of [0, 0.5]) if (p !== c.powerT) out.push(withPowerT(c, p, p > c.powerT ? lr * 10 : lr / 10));
  const l1 = c.l1 === 0 ? (phase === 'Hyper1' ? [1e-6] : [1e-6, 1e-8]) : [c.l1 * 10, c.l1 / 10];
  for (const x of l1) out.push(withL1(c, x));
  if (phase === 'Hyper2') for (const f of [10, 0.1]) out.push(withRate(c, lr * f));
  return out;
}

/** Sets of up to `terms` pairs, smallest sets first, in pair order. */
function* pairSets(pairs: readonly string[], terms: number): Generator<string[]> {
  function* from(start: number, size: number, prefix: string[]): Generator<string[]> {
    if (size === 0) {
      yield prefix;
      return;
    }
    for (let i = start; i < pairs.length; i++) yield* from(i + 1, size - 1, [...prefix, pairs[i]!]);
  }
  for (let size = 1; size <= Math.min(terms, pairs.length); size++) yield* from(0, size, []);
}

const isWildcard = (quadratic: readonly string[]) => quadratic.some((q) => q.includes(':'));

/**
 * Hyper1/Hyper2: rounds over the neighbours of the best so far until the phase's cap is spent. An unscored start
 * (the base) is scored in the first round, with its neighbours.
 */
export async function hyperPhase(
  search: Search,
  phase: 'Hyper1' | 'Hyper2',
  start: Scored | PolicyConfig,
  cap: number,
  cbTypes: readonly CbType[],
): Promise<Scored | undefined> {
  let incumbent = 'trial' in start ? start : undefined;
  let left = cap;
  for (let round = 1; left > 0; round++) {
    const from = incumbent ? incumbent.config : (start as PolicyConfig);
    const candidates = hyperNeighbours(from, phase, cbTypes).filter((c) => !search.has(c));
    if (!incumbent) candidates.unshift(from);
    if (candidates.length === 0) break;
    // Half of what is left per round (at least two, one per core), so a later round starts from a better point.
    const size = Math.min(left, Math.max(2, Math.ceil(left / 2)) + (incumbent ? 0 : 1));
    const scored = await search.score(candidates, phase, round, size);
    if (scored.length === 0) break;
    left -= scored.length;
    incumbent ??= scored[0];
    incumbent = best(incumbent!, scored);
  }
  return incumbent;
}

/** Inter-len: brute force over small sets of shared × action pairs, then greedy additions. */
export async function interactionPhase(
  search: Search,
  start: Scored,
  letters: { shared: string[]; action: string[] },
  cap: number,
  options: { maxTerms: number; patience: number },
): Promise<Scored> {
  const pairs: string[] = [];
  for (const s of letters.shared) for (const a of letters.action) if (!pairs.includes(s + a)) pairs.push(s + a);
  if (pairs.length === 0 || cap <= 0) return start;
  const base = start.config;
  const sets: string[][] = [];
  if (!(base.quadratic.length === 1 && base.quadratic[0] === '::')) sets.push(['::']);
  for (const set of pairSets(pairs, options.maxTerms)) {
    sets.push(set.sort());
    if (sets.length >= cap + 1) break; // enough to fill the round (some may have been tried already)
  }
  if (base.quadratic.length > 0) sets.push([]);
  let left = cap;
  let round = 1;
  const first = await search.score(sets.map((q) => withQuadratic(base, q)), 'Inter-len', round, left);
  left -= first.length;
  let incumbent = best(start, first);
  let current = incumbent.config.quadratic;
  let stale = 0;
  while (left > 0 && stale < options.patience && !isWildcard(current)) {
    round++;
    // Sorted: the same set of pairs in another order is the same candidate.
    const candidates = pairs.filter((p) => !current.includes(p)).map((p) => withQuadratic(base, [...current, p].sort()));
    const scored = await search.score(candidates, 'Inter-len', round, left);
    if (scored.length === 0) break;
    left -= scored.length;
    const roundBest = best(scored[0]!, scored);
    if (improves(roundBest.score, incumbent.score)) {
      incumbent = roundBest;
      stale = 0;
    } else stale++;
    // Experimentation.py goes on from the round's best set even when it did not improve.
    current = roundBest.config.quadratic;
  }
  return incumbent;
}

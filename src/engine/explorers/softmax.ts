// `--cb_explore_adf --softmax --lambda λ` (core/src/reductions/cb/cb_explore_adf_softmax.cc, generate_softmax of
// explore/include/vw/explore/explore_internal.h): p_a ∝ exp(−|λ|·(s_a − s_min)) in float, then the minimum
// probability ε. No state; cb_adf learns the logged event as it is.
import type { MultiExample } from '../example.js';
import { enforceMinimumProbability, scoreAndRank } from '../explore.js';
import type { Ranking } from '../explorer.js';
import { expf } from '../libm.js';
import type { ExplorationConfig } from '../types.js';
import { StatelessExplorer } from './stateless.js';

const f = Math.fround;

type Settings = Extract<ExplorationConfig, { kind: 'softmax' }>;

/**
 * generate_softmax(−|λ|, scores in rank order): exp(−|λ|·(s − min s)) normalised by their float sum.
 * probs[i] belongs to order[i].
 */
export function softmaxPmf(scores: Float32Array, order: Uint32Array, k: number, lambda: number, probs: Float32Array): void {
  if (k === 0) return;
  // VW makes a negative λ positive, then passes −λ: the reference score is then the smallest one.
  const l = f(-Math.abs(f(lambda)));
  let ref = scores[order[0]!]!;
  for (let i = 1; i < k; i++) {
    const s = scores[order[i]!]!;
    if (l > 0 ? s > ref : s < ref) ref = s;
  }
  let norm = 0;
  for (let i = 0; i < k; i++) {
    const p = expf(f(l * f(scores[order[i]!]! - ref)));
    norm = f(norm + p);
    probs[i] = p;
  }
  for (let i = 0; i < k; i++) probs[i] = f(probs[i]! / norm);
}

export class Softmax extends StatelessExplorer<Settings> {
  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'softmax') return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    softmaxPmf(r.scores, r.order, r.k, this.settings.lambda, r.probs);
    enforceMinimumProbability(this.settings.epsilon, true, r.probs, r.k);
  }
}

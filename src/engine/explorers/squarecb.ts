// `--cb_explore_adf --squarecb` (core/src/reductions/cb/cb_explore_adf_squarecb.cc), vanilla form: γ from the
// count of learned events, p_a = 1/(K + γ·(s_a − s_min)) off the greedy action. It trains cb_adf without
// importance weights (unweighted.ts). The --elim form is squarecb_elim.ts.
import type { MultiExample } from '../example.js';
import { scoreAndRank, squareCb, squareCbGamma } from '../explore.js';
import type { Ranking } from '../explorer.js';
import { UnweightedExplorer } from './unweighted.js';
import type { ExplorationConfig } from '../types.js';

type Settings = Extract<ExplorationConfig, { kind: 'squarecb' }>;

export class SquareCb extends UnweightedExplorer<Settings> {
  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'squarecb' || x.elim !== undefined) return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    const x = this.settings;
    squareCb(r.scores, r.order, r.k, squareCbGamma(x.gammaScale, x.gammaExponent, this.counter), x.epsilon, r.probs);
  }
}

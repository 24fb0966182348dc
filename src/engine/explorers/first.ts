// `--cb_explore_adf --first τ` (core/src/reductions/cb/cb_explore_adf_first.cc): uniform while τ > 0, then all
// the mass on the top-ranked action; the minimum probability ε on top. Each learned event counts τ down; the
// remaining τ is saved in the model ("cb first adf storing example counter").
import type { CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { enforceMinimumProbability, scoreAndRank } from '../explore.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

const f = Math.fround;

type Settings = Extract<ExplorationConfig, { kind: 'first' }>;

export class ExploreFirst implements Explorer {
  /** _tau: exploring events left. */
  tau: number;

  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {
    this.tau = settings.tau;
  }

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'first' || x.tau !== this.settings.tau) return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    const k = r.k;
    if (this.tau > 0) {
      const p = f(1 / k);
      for (let i = 0; i < k; i++) r.probs[i] = p;
    } else {
      for (let i = 0; i < k; i++) r.probs[i] = i === 0 ? 1 : 0;
    }
    enforceMinimumProbability(this.settings.epsilon, true, r.probs, k);
  }

  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    const loss = exploreLoss(r, label, weight);
    this.base.cbAdf.learn(ex.actions, label, weight);
    if (this.tau > 0) this.tau--;
    return loss;
  }

  featureCount(_ex: MultiExample, features: number): number {
    return features;
  }

  save(state: ModelState): void {
    state.explorerCounter = BigInt(this.tau);
  }

  load(state: ModelState): void {
    if (state.explorerCounter !== undefined) this.tau = Number(state.explorerCounter);
  }
}

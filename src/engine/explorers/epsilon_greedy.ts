// `--cb_explore_adf [--epsilon e] [--first_only]` (core/src/reductions/cb/cb_explore_adf_greedy.cc): ε/K to every
// action and the rest to the tied leaders. No state of its own; cb_adf learns the logged event as it is.
import type { CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { epsilonGreedy, scoreAndRank } from '../explore.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

type Settings = Extract<ExplorationConfig, { kind: 'epsilon' }>;

export class EpsilonGreedy implements Explorer {
  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {}

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'epsilon') return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    const x = this.settings;
    epsilonGreedy(r.scores, r.order, r.k, x.epsilon, x.firstOnly, r.probs);
  }

  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    const loss = exploreLoss(r, label, weight);
    this.base.cbAdf.learn(ex.actions, label, weight);
    return loss;
  }

  featureCount(_ex: MultiExample, features: number): number {
    return features;
  }

  save(_state: ModelState): void {}

  load(_state: ModelState): void {}
}

// `--cb_explore_adf [--epsilon e] [--first_only]` (core/src/reductions/cb/cb_explore_adf_greedy.cc): ε/K to every
// action and the rest to the tied leaders. No state of its own; cb_adf learns the logged event as it is.
import type { MultiExample } from '../example.js';
import { epsilonGreedy, scoreAndRank } from '../explore.js';
import type { Ranking } from '../explorer.js';
import type { ExplorationConfig } from '../types.js';
import { StatelessExplorer } from './stateless.js';

type Settings = Extract<ExplorationConfig, { kind: 'epsilon' }>;

export class EpsilonGreedy extends StatelessExplorer<Settings> {
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
}

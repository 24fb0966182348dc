// What the explorers without state of their own share (ε-greedy: cb_explore_adf_greedy.cc; softmax:
// cb_explore_adf_softmax.cc): cb_adf learns the logged event as it is, the loss is cb_explore_adf's, the feature
// count is cb_adf's, and the model file keeps nothing for them.
import type { CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

export abstract class StatelessExplorer<S extends ExplorationConfig> implements Explorer {
  constructor(
    protected readonly base: ExplorerBase,
    public settings: S,
  ) {}

  abstract reconfigure(x: ExplorationConfig): boolean;
  abstract predict(ex: MultiExample, r: Ranking): void;

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

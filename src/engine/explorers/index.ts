// The explorer of a policy (explorer.ts): which class implements each `exploration.kind`, and the weight-table
// width its sub-models need.
import type { Explorer, ExplorerBase } from '../explorer.js';
import type { ExplorationConfig, PolicyConfig } from '../types.js';
import { EpsilonGreedy } from './epsilon_greedy.js';
import { ExploreFirst } from './first.js';
import { NoExploration } from './none.js';
import { RegCb } from './regcb.js';
import { Softmax } from './softmax.js';
import { SquareCb } from './squarecb.js';
import { SquareCbElim } from './squarecb_elim.js';

export function createExplorer(base: ExplorerBase, x: ExplorationConfig): Explorer {
  switch (x.kind) {
    case 'none':
      return new NoExploration(base, x);
    case 'epsilon':
      return new EpsilonGreedy(base, x);
    case 'squarecb':
      return x.elim === undefined ? new SquareCb(base, x) : new SquareCbElim(base, x, x.elim);
    case 'softmax':
      return new Softmax(base, x);
    case 'first':
      return new ExploreFirst(base, x);
    case 'regcb':
      return new RegCb(base, x);
  }
}

/**
 * Sub-models per feature in the weight table (VW's total params_per_weight: slot = (h·width + m) & mask).
 * A single-model explorer needs cb_adf's: 2 for dr (its reward regressor is sub-model 1), else 1.
 */
export function explorerWidth(config: PolicyConfig): number {
  return config.cbType === 'dr' ? 2 : 1;
}

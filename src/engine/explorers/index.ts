// The explorer of a policy (explorer.ts): which class implements each `exploration.kind`, and the weight-table
// width its sub-models need.
import type { Explorer, ExplorerBase } from '../explorer.js';
import type { ExplorationConfig, PolicyConfig } from '../types.js';
import { EpsilonGreedy } from './epsilon_greedy.js';
import { NoExploration } from './none.js';
import { SquareCb } from './squarecb.js';

export function createExplorer(base: ExplorerBase, x: ExplorationConfig): Explorer {
  switch (x.kind) {
    case 'none':
      return new NoExploration(base, x);
    case 'epsilon':
      return new EpsilonGreedy(base, x);
    case 'squarecb':
      return new SquareCb(base, x);
  }
}

/**
 * Sub-models per feature in the weight table (VW's total params_per_weight: slot = (h·width + m) & mask).
 * A single-model explorer needs cb_adf's: 2 for dr (its reward regressor is sub-model 1), else 1.
 */
export function explorerWidth(config: PolicyConfig): number {
  return config.cbType === 'dr' ? 2 : 1;
}

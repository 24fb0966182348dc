// What SquareCB (both forms) and RegCB share (core/src/reductions/cb/cb_explore_adf_squarecb.cc and
// cb_explore_adf_regcb.cc, learn and save_load): cb_adf trained without importance weights, and `_counter`, the
// number of learned events, which their pmf depends on and the model file keeps.
import type { CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

/**
 * Their learn: every action but the last gets probability 1 ("no importance weighting"); VW 9.10's loop stops
 * at examples.size() − 1, so a logged last action keeps its p.
 */
export function unweightedLabel(label: CbLabel, k: number): CbLabel {
  return label.index < k - 1 ? { index: label.index, cost: label.cost, probability: 1 } : label;
}

export abstract class UnweightedExplorer<S extends ExplorationConfig> implements Explorer {
  /** _counter: learned events (saved in the model). */
  counter = 0;

  constructor(
    protected readonly base: ExplorerBase,
    public settings: S,
  ) {}

  abstract reconfigure(x: ExplorationConfig): boolean;
  abstract predict(ex: MultiExample, r: Ranking): void;

  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    const loss = exploreLoss(r, label, weight);
    this.base.cbAdf.learn(ex.actions, unweightedLabel(label, ex.actions.length), weight);
    this.counter++;
    return loss;
  }

  featureCount(_ex: MultiExample, features: number): number {
    return features;
  }

  save(state: ModelState): void {
    state.explorerCounter = BigInt(this.counter);
  }

  load(state: ModelState): void {
    if (state.explorerCounter !== undefined) this.counter = Number(state.explorerCounter);
  }
}

// `--cb_adf` alone (core/src/reductions/cb/cb_adf.cc): no exploration reduction on top. The "pmf" is cb_adf's
// ranking with each action's score in place of a probability; learn reports cb_adf's own loss and feature count
// (cb_adf_loss.ts), not cb_explore_adf's.
import type { CbLabel } from '../cb_adf.js';
import { cbAdfFeatureCount, cbAdfLoss } from '../cb_adf_loss.js';
import type { MultiExample } from '../example.js';
import { scoreAndRank } from '../explore.js';
import type { Explorer, ExplorerBase, Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

type Settings = Extract<ExplorationConfig, { kind: 'none' }>;

export class NoExploration implements Explorer {
  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {}

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'none') return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    // cb_adf alone predicts action scores: probs[i] holds the score of order[i], not a probability.
    for (let i = 0; i < r.k; i++) r.probs[i] = r.scores[r.order[i]!]!;
  }

  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    const first = r.order[0]!;
    const cbAdf = this.base.cbAdf;
    cbAdf.learn(ex.actions, label, weight);
    if (!(label.probability > 0)) return 0;
    return cbAdfLoss(first, label, this.base.config.cbType === 'dr' ? cbAdf.drPredictions : null);
  }

  featureCount(ex: MultiExample, features: number): number {
    return cbAdfFeatureCount(features, ex.actions.length, ex.sharedFeatures ?? 0, this.base.config.noConstant);
  }

  save(_state: ModelState): void {}

  load(_state: ModelState): void {}
}

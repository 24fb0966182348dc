// `--cb_explore_adf --squarecb` (core/src/reductions/cb/cb_explore_adf_squarecb.cc), vanilla form: γ from the
// count of learned events, p_a = 1/(K + γ·(s_a − s_min)) off the greedy action. It trains cb_adf without
// importance weights. The --elim form is squarecb_elim.ts.
import type { CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { scoreAndRank, squareCb, squareCbGamma } from '../explore.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';

type Settings = Extract<ExplorationConfig, { kind: 'squarecb' }>;

/**
 * cb_explore_adf_squarecb / cb_explore_adf_regcb learn: every action but the last gets probability 1 ("no
 * importance weighting"); VW 9.10's loop stops at examples.size() − 1, so a logged last action keeps its p.
 */
export function unweightedLabel(label: CbLabel, k: number): CbLabel {
  return label.index < k - 1 ? { index: label.index, cost: label.cost, probability: 1 } : label;
}

export class SquareCb implements Explorer {
  /** _counter: learned events (saved in the model). */
  counter = 0;

  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {}

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

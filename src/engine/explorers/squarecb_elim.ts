// `--cb_explore_adf --squarecb --elim` (core/src/reductions/cb/cb_explore_adf_squarecb.cc, elimination variant):
// SquareCB's rule over the actions RegCB finds plausible (cost_ranges.ts), eliminated actions get 0. As in VW
// 9.10, the count of surviving actions grows only when the scan finds a new minimum (so it is mostly 1) and
// the greedy action takes 1 − Σ of the others, which can be negative early on; no minimum probability applies.
import type { MultiExample } from '../example.js';
import { scoreAndRank, squareCbGamma } from '../explore.js';
import type { ExplorerBase, Ranking } from '../explorer.js';
import { UnweightedExplorer } from './unweighted.js';
import type { CostRange, ExplorationConfig } from '../types.js';
import { CostBounds, costRanges, regcbDelta, sensitivityIsLinear } from './cost_ranges.js';

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;

type Settings = Extract<ExplorationConfig, { kind: 'squarecb' }>;

export class SquareCbElim extends UnweightedExplorer<Settings> {
  private readonly bounds = new CostBounds();
  private readonly linearOnly: boolean;

  constructor(
    base: ExplorerBase,
    settings: Settings,
    private range: CostRange,
  ) {
    super(base, settings);
    this.linearOnly = sensitivityIsLinear(base.config);
  }

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'squarecb' || x.elim === undefined) return false;
    this.settings = x;
    this.range = x.elim;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    const k = r.k;
    this.bounds.fit(k);
    const x = this.settings;
    const gamma = squareCbGamma(x.gammaScale, x.gammaExponent, this.counter);
    const { lo, hi } = this.bounds;
    costRanges(this.base.gd, ex, r.scores, this.range, regcbDelta(this.range, k, this.counter), false, lo, hi, this.linearOnly);
    let minMax = FLT_MAX;
    for (let a = 0; a < k; a++) if (hi[a]! < minMax) minMax = hi[a]!;
    const order = r.order;
    const scores = r.scores;
    const probs = r.probs;
    let aMin = 0;
    let survivors = 0;
    let minCost = FLT_MAX;
    for (let i = 0; i < k; i++) {
      const s = scores[order[i]!]!;
      if (s < minCost && lo[order[i]!]! <= minMax) {
        aMin = i;
        minCost = s;
        survivors++;
      }
    }
    let total = 0;
    for (let i = 0; i < k; i++) {
      if (lo[order[i]!]! > minMax) probs[i] = 0;
      else if (i !== aMin) {
        const pa = f(1 / f(survivors + f(gamma * f(scores[order[i]!]! - minCost))));
        probs[i] = pa;
        total = f(total + pa);
      }
    }
    probs[aMin] = f(1 - total);
  }
}

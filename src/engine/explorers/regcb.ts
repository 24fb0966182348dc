// `--cb_explore_adf --regcb [--regcbopt]` (core/src/reductions/cb/cb_explore_adf_regcb.cc). Each action gets a
// cost interval (cost_ranges.ts); elimination plays uniformly over the actions whose lowest plausible cost is
// at most the smallest highest plausible cost; the optimistic variant gives probability 1 to the action(s) with
// the lowest plausible cost, unnormalised, as VW prints it. cb_adf learns without importance weights (as SquareCB).
import type { MultiExample } from '../example.js';
import { scoreAndRank } from '../explore.js';
import type { ExplorerBase, Ranking } from '../explorer.js';
import { UnweightedExplorer } from './unweighted.js';
import type { ExplorationConfig } from '../types.js';
import { CostBounds, costRanges, regcbDelta, sensitivityIsLinear } from './cost_ranges.js';

const f = Math.fround;
const FLT_MAX = 3.4028234663852886e38;

type Settings = Extract<ExplorationConfig, { kind: 'regcb' }>;

export class RegCb extends UnweightedExplorer<Settings> {
  private readonly bounds = new CostBounds();
  private readonly linearOnly: boolean;

  constructor(base: ExplorerBase, settings: Settings) {
    super(base, settings);
    this.linearOnly = sensitivityIsLinear(base.config);
  }

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'regcb') return false;
    this.settings = x;
    return true;
  }

  predict(ex: MultiExample, r: Ranking): void {
    scoreAndRank(this.base.cbAdf, ex, r);
    const k = r.k;
    this.bounds.fit(k);
    const x = this.settings;
    const { lo, hi } = this.bounds;
    costRanges(this.base.gd, ex, r.scores, x, regcbDelta(x, k, this.counter), x.optimistic, lo, hi, this.linearOnly);
    const order = r.order;
    const probs = r.probs;
    if (x.optimistic) {
      let best = FLT_MAX;
      let opt = 0;
      for (let a = 0; a < k; a++) {
        if (lo[a]! < best) {
          best = lo[a]!;
          opt = a;
        }
      }
      for (let i = 0; i < k; i++) {
        const a = order[i]!;
        probs[i] = a === opt || (!x.firstOnly && lo[a] === best) ? 1 : 0;
      }
      return;
    }
    let minMax = FLT_MAX;
    for (let a = 0; a < k; a++) if (hi[a]! < minMax) minMax = hi[a]!;
    // VW sets 1/0 per action and re-applies enforce_minimum_probability(1, zeros stay zero) after each one: the
    // end result is uniform over the survivors.
    let survivors = 0;
    for (let i = 0; i < k; i++) if (lo[order[i]!]! <= minMax) survivors++;
    const p = f(1 / survivors);
    for (let i = 0; i < k; i++) probs[i] = lo[order[i]!]! <= minMax ? p : 0;
  }
}

// Bagging's online bootstrap: how many times a bag member learns an event, a Poisson(1) draw made from one
// merand48 number (vowpalwabbit/core/include/vw/core/reductions/bs.h weight_gen), and the workspace random
// state it advances (vowpalwabbit/common/include/vw/common/random.h, random_details.h merand48).
import { merand48 } from '../sampling.js';

/**
 * P(X ≤ k) for X ~ Poisson(1), k = 0..19, as bs.h weight_gen spells them (C++ double literals; the later ones round
 * to 1 in double, as in VW).
 */
const CDF = [
  0.3678794411714423215955, 0.735758882342884643191, 0.919698602928605803989, 0.9810118431238461909214,
  0.9963401531726562876545, 0.9994058151824183070012, 0.9999167588507119768923, 0.9999897508033253583053,
  0.9999988747974020309819, 0.9999998885745216612793, 0.9999999899522336243091, 0.9999999991683892573118,
  0.9999999999364022267287, 0.999999999995480147453, 0.9999999999996999989333, 0.9999999999999813223654,
  0.9999999999999989050799, 0.9999999999999999393572, 0.999999999999999996817, 0.9999999999999999998412,
];

/** weight_gen: the smallest k with u ≤ P(X ≤ k), capped at 20 (u is merand48's float, compared as a double). */
export function poisson1(u: number): number {
  for (let k = 0; k < CDF.length; k++) if (u <= CDF[k]!) return k;
  return 20;
}

/**
 * VW's workspace random state (rand_state): a 64-bit merand48 state, seeded by --random_seed (default 0). Only
 * bagging draws from it in a cb_explore_adf stack; VW stores its current value in the model's options string as
 * `--random_seed <state>` when it is not 0 (core/src/parse_regressor.cc save_load_header).
 */
export class RandState {
  constructor(public state: bigint = 0n) {}

  /** get_and_update_random: a float in [0, 1), advancing the state. */
  next(): number {
    const [u, s] = merand48(this.state);
    this.state = s;
    return u;
  }
}

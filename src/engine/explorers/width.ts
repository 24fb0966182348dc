// How many sub-models a policy's stack asks of the weight table, and how VW lays them out: every reduction asks
// for a feature width (cb_adf: 2 for dr, its reward regressor; bag: B members; cover: n + 1, doubled for its own
// DR regressor with mtr), a sub-model m of a feature with hash h lives at slot (h·W + m) & mask, and W is the
// product of the widths rounded up to a power of two (core/src/reduction_stack.cc, core/src/parse_args.cc).
import type { CbType, PolicyConfig } from '../types.js';

/** The smallest power of two ≥ width. */
export function powerOfTwoWidth(width: number): number {
  let w = 1;
  while (w < width) w *= 2;
  return w;
}

/** The feature width cover asks of the stack below it and itself: n + 1, doubled for its own regressor with mtr. */
export function coverFeatureWidth(size: number, cbType: CbType): number {
  return (size + 1) * (cbType === 'mtr' ? 2 : 1) * (cbType === 'dr' ? 2 : 1);
}

/**
 * How many per-model states VW keeps (and writes with --per_model_save_load): gd's = the stack's total feature
 * width, not rounded (gd.cc gd_per_model_states); cb_adf's = the width above cb_adf (cb_to_cs_adf_mtr).
 */
export function perModelCounts(config: PolicyConfig): { gd: number; cbAdf: number } {
  const x = config.exploration;
  const cbAdfWidth = config.cbType === 'dr' ? 2 : 1;
  const above = x.kind === 'bag' ? x.size : x.kind === 'cover' ? coverFeatureWidth(x.size, config.cbType) / cbAdfWidth : 1;
  return { gd: above * cbAdfWidth, cbAdf: above };
}

/** The weight table's sub-model width W of a policy. */
export function featureWidth(config: PolicyConfig): number {
  return powerOfTwoWidth(perModelCounts(config).gd);
}

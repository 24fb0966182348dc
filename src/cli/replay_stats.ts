// VW's shared_data counters for a cb_explore_adf run (core/src/shared_data.cc update/print_update;
// cb_explore_adf_common.h update_stats): the progressive IPS "average loss" (docs/learner.md §5.5) and the
// progress-table schedule (a row each time the weighted example count reaches 1, 2, 4, 8, …).
import { formatCppFloat } from '../engine/index.js';
import { fmtFloat, formatProgressRow, type ProgressRow, type Summary } from './replay_format.js';

const f = Math.fround;

export class ReplayStats {
  examples = 0;
  weightedLabeled = 0;
  weightedUnlabeled = 0;
  sumLoss = 0;
  totalFeatures = 0;
  private sinceLoss = 0;
  private sinceWeight = 0;
  private dumpInterval = 1;

  /**
   * Records one predicted event. loss = Σ_a pmf(a)·ĉ(a) with ĉ(chosen) = cost/p and 0 elsewhere,
   * i.e. pmf(chosen)·cost/p, scaled by the example weight (get_cost_estimate, update_stats).
   * Returns a progress row when VW would print one.
   */
  add(
    weight: number,
    features: number,
    label: { index: number; cost: number; probability: number } | undefined,
    chosenProbability: number,
    first: { index: number; probability: number } | undefined,
    /** The event's loss when the policy computes it otherwise (cb_adf alone: cb_adf_loss.ts). */
    eventLoss?: number,
  ): ProgressRow | undefined {
    this.examples++;
    this.totalFeatures += features;
    if (label) {
      // Float arithmetic as in VW (get_cost_estimate in float, then × score × weight); sums in double.
      const loss = eventLoss ?? f(f(f(f(label.cost) / f(label.probability)) * f(chosenProbability)) * f(weight));
      this.weightedLabeled += weight;
      this.sumLoss += loss;
      this.sinceLoss += loss;
      this.sinceWeight += weight;
    } else this.weightedUnlabeled += weight;
    if (this.weightedLabeled + this.weightedUnlabeled < this.dumpInterval) return undefined;
    this.dumpInterval *= 2;
    const row: ProgressRow = {
      averageLoss: this.weightedLabeled > 0 ? this.sumLoss / this.weightedLabeled : undefined,
      sinceLast: this.sinceWeight > 0 ? this.sinceLoss / this.sinceWeight : undefined,
      exampleCounter: this.examples,
      exampleWeight: this.weightedLabeled + this.weightedUnlabeled,
      // print_update_cb (core/src/cb.cc): the label through a stream of precision 2, the first action's
      // probability through VW::fmt_float(p, 2).
      label: label ? `${label.index}:${formatCppFloat(label.cost, 2)}:${formatCppFloat(label.probability, 2)}` : 'unknown',
      predict: first ? `${first.index}:${fmtFloat(first.probability, 2)}` : '',
      features,
    };
    this.sinceLoss = 0;
    this.sinceWeight = 0;
    return row;
  }

  row(r: ProgressRow): string {
    return formatProgressRow(r);
  }

  summary(): Summary {
    return {
      examples: this.examples,
      weightedExampleSum: this.weightedLabeled + this.weightedUnlabeled,
      weightedLabelSum: 0, // CB labels carry no scalar label (VW prints 0)
      averageLoss: this.weightedLabeled > 0 ? this.sumLoss / this.weightedLabeled : undefined,
      totalFeatures: this.totalFeatures,
    };
  }
}

// VW's `--readable_model` text: the same save_load sequence as the binary model file, written as text
// (parse_regressor.cc save_load_header, conditional_contextual_bandit.cc, cb_adf.cc / cb_explore_adf_squarecb.cc save_load, gd.cc
// save_load_online_state_gd and save_load_online_state_weights / save_load_regressor).

import { explorerCounterName, murmur3Chain } from './model_file.js';
import { formatCppFloat } from './policy_args.js';
import type { ModelState } from './types.js';

const g = (x: number): string => formatCppFloat(x, 6);

/** The header lines whose text the readable model's checksum covers, in VW's write-call pieces. */
function checksummedHeaderPieces(state: ModelState): string[] {
  return [
    `Id ${state.id}\n`,
    `Min label:${g(state.minLabel)}\n`,
    `Max label:${g(state.maxLabel)}\n`,
    `bits:${state.bits}\n`,
    'lda:0\n',
    '0 ngram:',
    '\n',
    '0 skip:',
    '\n',
    `options:${state.options}\n`,
  ];
}

/**
 * The `--readable_model` text VW 9.10 writes for this state. In text mode each write call emits the pending text
 * instead of the bytes, and io_buf hashes what it writes, so the "Checksum:" line is the chained murmur3 of the
 * header text pieces from "Id" to "options" (the 'm' write is empty text and hashes nothing).
 */
export function formatReadableModel(state: ModelState, options: { predictOnly?: boolean } = {}): string {
  const predictOnly = options.predictOnly ?? state.resume === null;
  const pieces = checksummedHeaderPieces(state);
  const out: string[] = [`Version ${state.version}\n`, ...pieces];
  out.push(`Checksum: ${murmur3Chain(pieces.map((p) => new TextEncoder().encode(p)))}\n`);
  if (state.ccbHasSeenMultiSlot !== undefined) {
    out.push(`CCB: has_seen_multi_slot_example = ${state.ccbHasSeenMultiSlot}\n`);
  }
  const counterName = explorerCounterName(state.options);
  if (counterName !== null && state.explorerCounter !== undefined) {
    out.push(`cb ${counterName} adf storing example counter:  = ${state.explorerCounter}\n`);
  }
  for (const c of state.cbAdf) out.push(`event_sum ${c.eventSum}\n`, `action_sum ${c.actionSum}\n`);
  out.push(`:${predictOnly ? 0 : 1}\n`);
  const w = state.weights;
  const slots = w.length / 4;
  if (!predictOnly) {
    const r = state.resume;
    if (!r) throw new Error('formatReadableModel: save-resume text needs the gd resume state');
    out.push(
      `initial_t ${g(r.initialT)}\n`,
      `norm normalizer ${g(r.normalizedSumNormX)}\n`,
      `t ${g(r.t)}\n`,
      `sum_loss ${g(r.sumLoss)}\n`,
      `sum_loss_since_last_dump ${g(r.sumLossSinceLastDump)}\n`,
      `dump_interval ${g(r.dumpInterval)}\n`,
      `min_label ${g(r.minLabel)}\n`,
      `max_label ${g(r.maxLabel)}\n`,
      `weighted_labeled_examples ${g(r.weightedLabeledExamples)}\n`,
      `weighted_labels ${g(r.weightedLabels)}\n`,
      `weighted_unlabeled_examples ${g(r.weightedUnlabeledExamples)}\n`,
      `example_number ${r.exampleNumber}\n`,
      `total_features ${r.totalFeatures}\n`,
      `total_weight ${g(r.totalWeight)}\n`,
      `sd::oec.weighted_labeled_examples ${g(r.oldWeightedLabeledExamples)}\n`,
      `current_pass ${r.currentPass}\n`,
      `l1_state ${g(r.l1State)}\n`,
      `l2_state ${g(r.l2State)}\n`,
    );
    for (let i = 0; i < slots; i++) {
      const o = i * 4;
      if (w[o] !== 0 || w[o + 1] !== 0 || w[o + 2] !== 0) {
        out.push(`${i}:${g(w[o] as number)} ${g(w[o + 1] as number)} ${g(w[o + 2] as number)}\n`);
      }
    }
  } else {
    for (let i = 0; i < slots; i++) {
      const v = w[i * 4] as number;
      if (v !== 0) out.push(`${i}:${g(v)}\n`);
    }
  }
  return out.join('');
}

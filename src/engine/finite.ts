// Finiteness checks for models. VW's update replaces a NaN update by 0 (gd.cc compute_update) but nothing stops
// a weight, an adaptive sum or a header float from reaching ±inf, and a model holding one ranks with NaN scores
// and may not even load back (a header option `--learning_rate inf` does not parse). The loop publishes, stores
// and installs only models these checks pass.
import type { MultiExample } from './example.js';
import type { Learner } from './learner.js';
import { readModel } from './model_file.js';
import { STRIDE } from './gd.js';
import type { ModelState } from './types.js';

// Only the weight w of each slot must be finite. G (the adaptive sum) and N (the largest |x|) reach inf in VW
// itself when a feature's square overflows float: the feature then gets a rate of 0 and is never learned ("The
// features have too much magnitude", gd.cc), and ranking never reads them. A non-finite w makes scores NaN.

/** The first slot whose weight is not finite, or −1. */
function firstNonFinite(w: Float32Array): number {
  for (let i = 0; i < w.length; i += STRIDE) {
    // x − x is 0 for every finite x and NaN for ±inf and NaN: one test per float, no call.
    if (w[i]! - w[i]! !== 0) return i / STRIDE;
  }
  return -1;
}

/** Why the state cannot be published (a non-finite label bound, saved statistic or weight), or null. */
export function modelStateProblem(state: ModelState): string | null {
  if (!Number.isFinite(state.minLabel) || !Number.isFinite(state.maxLabel)) {
    return `label range [${state.minLabel}, ${state.maxLabel}] is not finite`;
  }
  const r = state.resume;
  if (r) {
    for (const [name, v] of Object.entries(r)) {
      if (typeof v === 'number' && !Number.isFinite(v)) return `saved state ${name} is ${v}`;
    }
  }
  const slot = firstNonFinite(state.weights);
  if (slot >= 0) return `weight slot ${slot} is ${state.weights[slot * STRIDE]}`;
  return null;
}

/** Why a loaded learner cannot rank (a non-finite weight or label bound), or null; reads its weights in place. */
export function learnerProblem(learner: Learner): string | null {
  const gd = learner.gd;
  if (!Number.isFinite(gd.minLabel) || !Number.isFinite(gd.maxLabel)) return `label range [${gd.minLabel}, ${gd.maxLabel}] is not finite`;
  const slot = firstNonFinite(gd.weights);
  return slot >= 0 ? `weight slot ${slot} is ${gd.weights[slot * STRIDE]}` : null;
}

/** Why these model bytes cannot be published or installed (unreadable, or not finite), or null. */
export function modelProblem(bytes: Uint8Array): string | null {
  let state: ModelState;
  try {
    state = readModel(bytes);
  } catch (e) {
    return (e as Error).message;
  }
  return modelStateProblem(state);
}

/**
 * Whether learning `ex` left the learner finite: the slots of every feature of every action in every sub-model
 * (all an update writes, gd.cc train) and gd's scalar state. Cheap enough to run after each event.
 */
export function learnedFinite(learner: Learner, ex: MultiExample): boolean {
  const gd = learner.gd;
  // The progressive loss too: the saved state holds it (modelStateProblem), and SquareCB's loss is NaN when an
  // event's scores are (features whose products overflow float), so such an event is skipped on its own.
  const st = learner.stats;
  const scalars = [gd.minLabel, gd.maxLabel, gd.gravity, gd.contraction, gd.updateMultiplier, ...gd.nsnx, ...gd.tw, st.sumLoss, st.sumLossSinceLastDump];
  for (const x of scalars) if (!Number.isFinite(x)) return false;
  const w = gd.weights;
  for (const fv of ex.actions) {
    for (let i = 0; i < fv.count; i++) {
      for (let m = 0; m < gd.width; m++) {
        const s = gd.slotOf(fv, i, m) * STRIDE;
        if (w[s]! - w[s]! !== 0) return false;
      }
    }
  }
  return true;
}

// The trainer's way back from a model that came out non-finite. A model holding an inf or NaN weight is never
// stored nor published (it would rank with NaN scores, and might not load back). The learner goes back to its
// last finite checkpoint and learns the events since then again, checking each one; an event whose update makes
// a weight non-finite is skipped (and counted), the others are learned as before.
import { modelProblem, type LearnerOptions, type PolicyConfig } from '../engine/index.js';
import type { JoinedEvent } from '../store/index.js';
import { createTrainingLearner, resumeTrainingLearner, type TrainingLearner } from './model_kind.js';
import { eventLearningMode, learnsFrom } from './learning_mode.js';

const BATCH = 256;

/**
 * The last state known to be finite: a model's bytes (the last one exported, or the one resumed from) or, with
 * null bytes, a fresh model of the policy.
 */
export interface Checkpoint {
  bytes: Uint8Array | null;
  cursor: number;
  eventsLearned: number;
}

/** The part of the trainer's state that learning changes. */
export interface Learning {
  learner: TrainingLearner;
  config: PolicyConfig;
  checkpoint: Checkpoint;
  cursor: number;
  eventsLearned: number;
}

export interface RecoveryDeps {
  readJoined(after: number, limit: number): Promise<JoinedEvent[]>;
  /** The trainer's own learning of one event (it skips and reports the events it cannot featurize). */
  learnOne(e: JoinedEvent): void;
  options: LearnerOptions;
}

/** A learner continuing from model bytes with the policy's own settings (model_kind.ts). */
export function resume(bytes: Uint8Array, config: PolicyConfig, options: LearnerOptions): TrainingLearner {
  return resumeTrainingLearner(bytes, config, options);
}

function restore(s: Learning, options: LearnerOptions): void {
  const cp = s.checkpoint;
  s.learner = cp.bytes ? resume(cp.bytes, s.config, options) : createTrainingLearner(s.config, options);
  s.cursor = cp.cursor;
  s.eventsLearned = cp.eventsLearned;
}

/** Learns one event; false when its update left a weight non-finite (the learner must then be restored). */
function learnChecked(s: Learning, e: JoinedEvent): boolean {
  if (e.skipLearn || e.reward === null || !learnsFrom(eventLearningMode(e.modelVersion))) return true;
  let outcome;
  try {
    outcome = s.learner.learn(e, true);
  } catch {
    return true; // learnOne reported it the first time
  }
  if (outcome === 'other') return true;
  s.eventsLearned++;
  return outcome === 'learned';
}

/** Learns the joined events in (after, until] without checks (they passed them once already). */
async function relearn(after: number, until: number, deps: RecoveryDeps): Promise<void> {
  while (after < until) {
    const rows = (await deps.readJoined(after, BATCH)).filter((x) => x.joinSeq <= until);
    if (rows.length === 0) break;
    for (const x of rows) deps.learnOne(x);
    after = rows[rows.length - 1]!.joinSeq;
  }
}

/**
 * Learns (checkpoint cursor, until] again event by event, skipping each event whose update makes a weight
 * non-finite: back to the checkpoint, the events before it again, then a new checkpoint past it, so the next
 * poisoned event costs only the events after this one. Whatever is still not finite at the end (the l1/l2 sync
 * rewrites every weight, not only an event's) is dropped: the learner stays at its last good checkpoint.
 * Leaves the cursor at `until`; returns how many events were skipped.
 */
export async function recoverFinite(s: Learning, until: number, deps: RecoveryDeps): Promise<number> {
  let skipped = 0;
  restore(s, deps.options);
  let from = s.cursor;
  scan: while (from < until) {
    const rows = (await deps.readJoined(from, BATCH)).filter((r) => r.joinSeq <= until);
    if (rows.length === 0) break;
    for (const r of rows) {
      from = r.joinSeq;
      if (learnChecked(s, r)) {
        s.cursor = r.joinSeq;
        continue;
      }
      skipped++;
      const good = s.cursor;
      restore(s, deps.options);
      await relearn(s.cursor, good, deps);
      s.cursor = r.joinSeq;
      const bytes = s.learner.saveModel();
      if (modelProblem(bytes) !== null) break scan;
      s.checkpoint = { bytes, cursor: s.cursor, eventsLearned: s.eventsLearned };
    }
  }
  if (from < until || modelProblem(s.learner.saveModel()) !== null) {
    restore(s, deps.options);
    skipped += until - s.cursor;
  }
  s.cursor = until;
  return skipped;
}

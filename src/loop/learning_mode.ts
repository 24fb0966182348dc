// Learning modes (v1.1-preview.1+ ServiceConfiguration.learningMode; Microsoft Learn "concept-apprentice-mode";
// docs/learning-modes.md): what a Rank returns and what the trainer learns in each.
//
// - Online: the model's sampled action is returned and logged with its probability; the event is learned.
// - Apprentice: the baseline action is returned as rewardActionId and logged as the chosen action with
//   probability 1 (what the application's own logic did: a deterministic logging policy), so the learner imitates
//   it from its outcomes and evaluations see the true logging policy. The trainer learns these events and keeps the
//   apprentice report (apprentice_report.ts): how often its own greedy choice agrees with the baseline.
// - LoggingOnly: the baseline is returned and logged the same way, and nothing is learned from the event (the
//   trainer skips it; it stays in the log for evaluations and exports).
//
// The baseline is the first non-excluded action (v1.1-preview.3 RankRequest.excludedActions: "the first
// non-excluded action is the baseline"), or each slot's baselineAction for multi-slot Ranks.
//
// The mode an event was ranked in travels with the event, in its modelVersion (the model that was live then):
// "12" for Online, as before, and "12;Apprentice" or "12;LoggingOnly" otherwise. The trainer reads it there, so a
// mode switch never changes how events ranked before it are learned.
import type { Ranked } from './rank_order.js';
import { LoopError, type LearningMode, type ServiceConfiguration } from './types.js';
import { parseDuration } from './duration.js';

export const LEARNING_MODES: readonly LearningMode[] = ['Online', 'Apprentice', 'LoggingOnly'];
const SEPARATOR = ';';

/** The live mode of a service configuration (absent in configurations stored before modes existed: Online). */
export function learningModeOf(service: Pick<ServiceConfiguration, 'learningMode'>): LearningMode {
  return service.learningMode ?? 'Online';
}

/** Apprentice and LoggingOnly answer every Rank with the baseline. */
export function servesBaseline(mode: LearningMode): boolean {
  return mode !== 'Online';
}

/** Whether the trainer learns from events ranked in this mode. */
export function learnsFrom(mode: LearningMode): boolean {
  return mode !== 'LoggingOnly';
}

/**
 * The ranking a baseline-serving mode logs and answers, over `count` candidates (`_multi` indices, the baseline
 * at 0): the baseline with probability 1, the others in request order with 0. That is the policy that actually
 * chose (the application's logic), so logged probabilities stay true for evaluations and for learning
 * (an importance weight of 1), and a client reading `ranking` sees what was shown.
 */
export function baselineRanking(count: number, baseline = 0): Ranked[] {
  const out: Ranked[] = [{ index: baseline, probability: 1 }];
  for (let i = 0; i < count; i++) if (i !== baseline) out.push({ index: i, probability: 0 });
  return out;
}

/** The modelVersion logged with an event ranked in `mode` by model `modelId`. */
export function eventModelVersion(modelId: number | string, mode: LearningMode): string {
  return mode === 'Online' ? String(modelId) : `${modelId}${SEPARATOR}${mode}`;
}

/** The mode an event was ranked in, from its logged modelVersion (older events, without a mode: Online). */
export function eventLearningMode(modelVersion: string | undefined): LearningMode {
  if (modelVersion === undefined) return 'Online';
  const at = modelVersion.lastIndexOf(SEPARATOR);
  if (at < 0) return 'Online';
  const mode = modelVersion.slice(at + 1) as LearningMode;
  return LEARNING_MODES.includes(mode) ? mode : 'Online';
}

/** The model id part of a logged modelVersion. */
export function eventModelId(modelVersion: string): string {
  const at = modelVersion.lastIndexOf(SEPARATOR);
  return at < 0 ? modelVersion : modelVersion.slice(0, at);
}

/**
 * Azure refuses a PUT that changes learningMode together with a reward setting (defaultReward, rewardWaitTime or
 * rewardAggregation): InvalidLearningModeServiceConfiguration (v1.1-preview.3 PersonalizerErrorCode). Values are
 * compared by meaning: PT10M and PT600S are the same wait, 'Earliest' and 'earliest' the same aggregation.
 */
export function checkLearningModeChange(previous: ServiceConfiguration, next: ServiceConfiguration): void {
  if (learningModeOf(previous) === learningModeOf(next)) return;
  const changed: string[] = [];
  if (previous.defaultReward !== next.defaultReward) changed.push('defaultReward');
  if (parseDuration(previous.rewardWaitTime) !== parseDuration(next.rewardWaitTime)) changed.push('rewardWaitTime');
  if (previous.rewardAggregation.toLowerCase() !== next.rewardAggregation.toLowerCase()) changed.push('rewardAggregation');
  if (changed.length === 0) return;
  throw new LoopError(
    'InvalidLearningModeServiceConfiguration',
    `learningMode: changing it from ${learningModeOf(previous)} to ${learningModeOf(next)} in the same update as ` +
      `${changed.join(', ')} is not allowed; change the learning mode and the reward settings in separate updates`,
  );
}

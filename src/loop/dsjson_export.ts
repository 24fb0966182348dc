// A logged event as the DSJSON line Azure's joiner would have written (vw-learner.md §7.1,
// azure-features-to-vw.md §6): the label once joined (cost = −reward, `_labelIndex` = the chosen `_multi`
// position, probability = its pmf value), every reward received as an observation, `_skipLearn` for a deferred
// event never activated. An event not joined yet has no label fields (VW reads it as predict-only).
import { formatCbLine } from '../dsjson/index.js';
import type { EventRecord, RewardRecord } from '../store/index.js';

export function eventToDsjson(e: EventRecord, rewards: RewardRecord[]): string {
  const reward = e.join && !e.join.skipLearn ? e.join.reward : null;
  const cost = reward === null ? undefined : -reward;
  return formatCbLine({
    eventId: e.eventId,
    timestamp: new Date(e.timestamp).toISOString(),
    context: e.context,
    a: e.actions,
    p: e.probabilities,
    label: cost === undefined ? undefined : { index: e.chosenIndex, cost, probability: e.chosenProbability },
    observations: rewards.map((r) => ({ value: r.value })),
    modelId: e.modelVersion,
    originalLabelCost: cost,
    skipLearn: e.join?.skipLearn === true,
  });
}

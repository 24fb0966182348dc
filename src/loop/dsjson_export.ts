// A logged event as the DSJSON line Azure's joiner would have written (docs/learner.md §7.1,
// docs/features.md §6): the label once joined (cost = −reward, `_labelIndex` = the chosen `_multi`
// position, probability = its pmf value), every reward received as an observation, `_skipLearn` for a deferred
// event never activated. An event not joined yet has no label fields (VW reads it as predict-only).
//
// A multi-slot event is a CCB line (docs/multi-slot.md; dsjson/format_ccb_line.ts): `c` with `_slots`, then one
// `_outcomes` entry per slot. Once the event is joined, each slot's is labeled with −its reward, the actions it
// could show (shown first) and their probabilities, and its own rewards as `_o`; before the join (and for a
// skipped event) a slot is written with its id only, which VW leaves unlabeled. `_ba` lists the baselines.
import { formatCbLine, formatCcbLine } from '../dsjson/index.js';
import type { EventRecord, LoggedSlot, RewardRecord } from '../store/index.js';

export function eventToDsjson(e: EventRecord, rewards: RewardRecord[]): string {
  if (e.slots !== undefined) return multiSlotToDsjson(e, e.slots, rewards);
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

function multiSlotToDsjson(e: EventRecord, slots: LoggedSlot[], rewards: RewardRecord[]): string {
  const slotRewards = e.join && !e.join.skipLearn ? (e.join.slotRewards ?? null) : null;
  return formatCcbLine({
    eventId: e.eventId,
    timestamp: new Date(e.timestamp).toISOString(),
    context: e.context,
    slots: slots.map((s, k) => ({
      id: s.id,
      actions: s.actions,
      probabilities: s.probabilities,
      // A slot that showed nothing (earlier slots took its candidates) is never labeled.
      cost: slotRewards === null || s.actions.length === 0 ? null : -slotRewards[k]!,
      observations: rewards.filter((r) => r.slotId === s.id).map((r) => ({ value: r.value })),
    })),
    baselineActions: slots.map((s) => s.baseline),
    modelId: e.modelVersion,
    skipLearn: e.join?.skipLearn === true,
  });
}

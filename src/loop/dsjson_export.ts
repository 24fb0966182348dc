// A logged event as the DSJSON line Azure's joiner would have written (vw-learner.md §7.1,
// azure-features-to-vw.md §6): the label once joined (cost = −reward, `_labelIndex` = the chosen `_multi`
// position, probability = its pmf value), every reward received as an observation, `_skipLearn` for a deferred
// event never activated. An event not joined yet has no label fields (VW reads it as predict-only).
//
// A multi-slot event is a CCB line (vw-learner.md §7.3; VW reinforcement_learning external_parser/
// log_converter.cc build_ccb_json): `c` with `_slots`, then `_outcomes`, one per slot: `_label_cost` (−its
// reward), `_id`, `_a` (0-based, shown action first), `_p`, `_o` (the slot's rewards), `_original_label_cost`;
// `_ba` the baseline actions. Outcomes are written once the event is joined: VW makes every outcome with `_a`
// and `_p` a label, and an event without any is not learned (a skipped one says `_skipLearn` as well).
import { formatCbLine, formatFloat } from '../dsjson/index.js';
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
  const eventId = JSON.stringify(e.eventId);
  let out = `{"Timestamp":${JSON.stringify(new Date(e.timestamp).toISOString())},"Version":"1","EventId":${eventId},"c":${e.context}`;
  const join = e.join;
  if (join !== null) {
    const slotRewards = join.skipLearn ? null : (join.slotRewards ?? null);
    out += ',"_outcomes":[';
    out += slots
      .map((s, k) => {
        const id = JSON.stringify(s.id);
        const cost = slotRewards === null ? null : formatFloat(-slotRewards[k]!);
        const observed = rewards.filter((r) => r.slotId === s.id);
        let o = cost === null ? `{"_id":${id}` : `{"_label_cost":${cost},"_id":${id}`;
        o += `,"_a":[${s.actions.join(',')}],"_p":[${s.probabilities.map(formatFloat).join(',')}]`;
        if (observed.length > 0) {
          o += `,"_o":[${observed.map((r) => `{"v":${formatFloat(r.value)},"EventId":${eventId},"Index":${id},"ActionTaken":false}`).join(',')}]`;
        }
        if (cost !== null) o += `,"_original_label_cost":${cost}`;
        return `${o}}`;
      })
      .join(',');
    out += ']';
  }
  out += `,"_ba":[${slots.map((s) => s.baseline).join(',')}],"VWState":{"m":${JSON.stringify(e.modelVersion)}}`;
  if (join?.skipLearn === true) out += ',"_skipLearn":true';
  return `${out}}`;
}

// The DSJSON line logged for a multi-slot (CCB) event, in the shape of the RL joiner's CCB lines
// (VowpalWabbit/reinforcement_learning external_parser/log_converter.cc build_ccb_json; docs/multi-slot-engine.md):
// Timestamp, Version, EventId, c (verbatim, with its `_slots`), `_outcomes` (one per slot: `_label_cost`, `_id`,
// `_a` shown action first, `_p`, `_o`, `_original_label_cost`), `_ba`, VWState, pdrop, `_skipLearn`.
// VW's `--ccb_explore_adf --dsjson` reads it back (parse_ccb_line.ts): a slot with a cost is learned from its
// `_a[0]`/`_p[0]`; a slot without one is written with its id only, so VW leaves it unlabeled.
import { formatFloat } from './format_line.js';

export interface CcbLogSlot {
  /** The slot id (`_slots[i]._id` in the context). */
  id: string;
  /** 0-based `_multi` positions of the slot's candidates, the action shown first. */
  actions: number[];
  /** Their probabilities, aligned with `actions`. */
  probabilities: number[];
  /** −reward once known (or the default reward applied); null ⇒ no outcome, written unlabeled. */
  cost: number | null;
  /** The cost before any transformation (metrics); defaults to `cost`. */
  originalCost?: number;
  /** Observed reward values for this slot (the joiner's `_o`). */
  observations?: { value: number; actionTaken?: boolean }[];
}

export interface CcbLogEvent {
  eventId: string;
  /** ISO-8601 time of the Rank call. */
  timestamp: string;
  /** The context JSON text (`_multi` and `_slots` included), written verbatim as `c`. */
  context: string;
  slots: CcbLogSlot[];
  /** Each slot's baseline action (0-based `_multi` position), `_ba`. */
  baselineActions?: number[];
  /** Model id reported by the RL client (`VWState.m`). */
  modelId?: string;
  version?: string;
  pdrop?: number;
  skipLearn?: boolean;
}

export function formatCcbLine(e: CcbLogEvent): string {
  const eventId = JSON.stringify(e.eventId);
  let out = `{"Timestamp":${JSON.stringify(e.timestamp)},"Version":${JSON.stringify(e.version ?? '1')},`;
  out += `"EventId":${eventId},"c":${e.context},"_outcomes":[`;
  out += e.slots.map((s) => formatSlot(s, eventId)).join(',');
  out += ']';
  if (e.baselineActions !== undefined) out += `,"_ba":[${e.baselineActions.map(checkIndex).join(',')}]`;
  if (e.modelId !== undefined) out += `,"VWState":{"m":${JSON.stringify(e.modelId)}}`;
  if (e.pdrop !== undefined && e.pdrop !== 0) out += `,"pdrop":${formatFloat(e.pdrop)}`;
  if (e.skipLearn) out += ',"_skipLearn":true';
  return out + '}';
}

function formatSlot(s: CcbLogSlot, eventId: string): string {
  const id = JSON.stringify(s.id);
  if (s.cost === null) return `{"_id":${id}}`;
  if (s.actions.length === 0 || s.actions.length !== s.probabilities.length) {
    throw new RangeError(`slot ${s.id}: a rewarded slot needs its actions and as many probabilities`);
  }
  let out = `{"_label_cost":${formatFloat(s.cost)},"_id":${id},`;
  out += `"_a":[${s.actions.map(checkIndex).join(',')}],"_p":[${s.probabilities.map(formatFloat).join(',')}]`;
  if (s.observations && s.observations.length > 0) {
    out += ',"_o":[';
    out += s.observations
      .map((o) => `{"v":${formatFloat(o.value)},"EventId":${eventId},"Index":${id},"ActionTaken":${o.actionTaken === true}}`)
      .join(',');
    out += ']';
  }
  return out + `,"_original_label_cost":${formatFloat(s.originalCost ?? s.cost)}}`;
}

function checkIndex(a: number): string {
  if (!Number.isInteger(a) || a < 0) throw new RangeError(`${a} is not a 0-based action position`);
  return String(a);
}

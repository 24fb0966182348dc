// The DSJSON line Azure's joiner wrote for a CB event (docs/features.md §6; VW reinforcement_learning
// external_parser/log_converter.cc build_cb_json): label fields first, then o, Timestamp, Version, EventId,
// a, c (verbatim), p, VWState, pdrop, _original_label_cost, _skipLearn.

export interface CbLogEvent {
  eventId: string;
  /** ISO-8601 time of the Rank call. */
  timestamp: string;
  /** The context JSON text handed to the ranker, written verbatim as `c`. */
  context: string;
  /** 1-based action ids in served order (chosen first) and their probabilities. */
  a: number[];
  p: number[];
  /** Present once a reward is known (or the default reward applied); absent ⇒ no label fields. */
  label?: { index: number; cost: number; probability: number; action?: number };
  /** Observed outcome values (the joiner's `o`). */
  observations?: { value: number; actionTaken?: boolean }[];
  /** Model id reported by the RL client (`VWState.m`). */
  modelId?: string;
  version?: string;
  pdrop?: number;
  originalLabelCost?: number;
  skipLearn?: boolean;
}

/** Floats as the joiner printed them: integral values keep a ".0" (`-1.0`), others shortest round-trip. */
export function formatFloat(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`cannot write ${x} in JSON`);
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return (Object.is(x, -0) ? '0' : String(x)) + '.0';
  return String(x);
}

export function formatCbLine(e: CbLogEvent): string {
  const eventId = JSON.stringify(e.eventId);
  let out = '{';
  if (e.label) {
    const l = e.label;
    out += `"_label_cost":${formatFloat(l.cost)},"_label_probability":${formatFloat(l.probability)},`;
    out += `"_label_Action":${l.action ?? l.index + 1},"_labelIndex":${l.index},`;
    if (e.observations && e.observations.length > 0) {
      out += '"o":[';
      out += e.observations
        .map((o) => `{"v":${formatFloat(o.value)},"EventId":${eventId},"ActionTaken":${o.actionTaken === true}}`)
        .join(',');
      out += '],';
    }
  }
  out += `"Timestamp":${JSON.stringify(e.timestamp)},"Version":${JSON.stringify(e.version ?? '1')},`;
  out += `"EventId":${eventId},"a":[${e.a.join(',')}],"c":${e.context},`;
  out += `"p":[${e.p.map(formatFloat).join(',')}]`;
  if (e.modelId !== undefined) out += `,"VWState":{"m":${JSON.stringify(e.modelId)}}`;
  if (e.pdrop !== undefined && e.pdrop !== 0) out += `,"pdrop":${formatFloat(e.pdrop)}`;
  if (e.originalLabelCost !== undefined) out += `,"_original_label_cost":${formatFloat(e.originalLabelCost)}`;
  if (e.skipLearn) out += ',"_skipLearn":true';
  return out + '}';
}

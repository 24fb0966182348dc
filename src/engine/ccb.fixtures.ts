// Test-only: the multi-slot reference vectors (VW 9.10 `--ccb_explore_adf --dsjson` runs) and a tiny reader of
// their lines that does not depend on the DSJSON module, so the engine's tests check the engine alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText, vectorsDir } from '../testing/fixtures.js';
import type { SlotDecision, SlotOutcome } from './ccb.js';
import { printedAs } from './learner.fixtures.js';

export function ccbDir(): string | undefined {
  const v = vectorsDir();
  return v === undefined ? undefined : join(v, 'ccb');
}

export interface CcbLine {
  eventId: string;
  /** The `c` object, as JSON text. */
  context: string;
  slotIds: string[];
  outcomes: (SlotOutcome | null)[];
}

interface RawOutcome {
  _label_cost?: number;
  _a?: number[];
  _p?: number[];
}

/** The events of a CCB DSJSON text, with VW's label rule (a slot is labeled when `_a` and `_p` are non-empty). */
export function ccbLines(text: string): CcbLine[] {
  const out: CcbLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const o = JSON.parse(line) as { EventId: string; c: { _slots?: { _id?: string }[] }; _outcomes?: RawOutcome[] };
    out.push({
      eventId: o.EventId,
      context: JSON.stringify(o.c),
      slotIds: (o.c._slots ?? []).map((s) => s._id ?? ''),
      outcomes: (o._outcomes ?? []).map((x) =>
        x._a && x._a.length > 0 && x._p && x._p.length > 0 ? { action: x._a[0]!, cost: x._label_cost ?? 0, probability: x._p[0]! } : null,
      ),
    });
  }
  return out;
}

/** VW `-p` CCB output → per event, per slot, [action, probability] pairs. */
export function readDecisions(text: string): [number, number][][][] {
  const events: [number, number][][][] = [];
  let cur: [number, number][][] = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      if (cur.length > 0) events.push(cur);
      cur = [];
      continue;
    }
    cur.push(line.split(',').map((t) => t.split(':').map(Number) as [number, number]));
  }
  if (cur.length > 0) events.push(cur);
  return events;
}

/** Whether one event's decisions equal VW's: same actions in the same order, probabilities printed as VW did. */
export function sameDecisions(ours: readonly SlotDecision[], vw: [number, number][][]): boolean {
  if (ours.length !== vw.length) return false;
  return ours.every((d, s) => {
    const ref = vw[s]!;
    return d.actions.length === ref.length && d.actions.every((a, i) => a === ref[i]![0] && printedAs(d.probabilities[i]!, ref[i]![1]));
  });
}

export const readCcb = (name: string): string => readText(join(ccbDir()!, name));
export const readCcbBytes = (name: string): Uint8Array => new Uint8Array(readFileSync(join(ccbDir()!, name)));

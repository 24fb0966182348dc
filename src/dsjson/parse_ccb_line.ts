// One CCB (multi-slot) DSJSON line → CcbEvent, as VW 9.10 reads it under `--ccb_explore_adf --dsjson`
// (json_parser/src/parse_example_json.cc DecisionServiceState, SlotOutcomeList, LabelObjectState::EndObject,
// parse_line_json; docs/multi-slot-engine.md):
// - `_outcomes[i]` labels slot i; it is a label only when `_a` and `_p` are both non-empty (different lengths are
//   an error), and only `_a[0]`, `_p[0]` and `_label_cost` are learned from;
// - a line whose slots are all unlabeled is dropped (the DS parser needs the labeled outcomes' actions);
// - a line with a single-slot label (`_label_cost`…) and no `_outcomes` is one slot labeled `_label_Action − 1`;
// - `pdrop` weighs the event 1/(1 − pdrop); `_skipLearn: true` skips it.
// `c` is skipped here and handed to the featurizer as a span of the same line.
import { fail, readNumber, readString, skipContext, skipValue, skipWs, scanNumber, scanEnd } from './scan.js';
import type { CcbEvent, CcbOutcome, CcbParseResult, CcbSlotLabel } from './types.js';
import { pdropWeight, readLine, readSkipLearn, readStringValue, setLabelProperty, type LabelParts } from './line.js';

/** The reason of a line with no labeled slot. */
export const NO_LABELED_SLOT = 'no labeled slot (no "_outcomes" entry with "_a" and "_p"): VW drops the event';

export function parseCcbLine(line: string, lineNumber: number): CcbParseResult {
  return readLine(line, lineNumber, parseObject);
}

function parseObject(s: string, lineNumber: number): CcbParseResult {
  let eventId = '';
  let timestamp = '';
  let contextStart = -1;
  let contextEnd = -1;
  let pdrop = 0;
  let skipLearn = false;
  let outcomes: CcbOutcome[] | undefined;
  let baselineActions: number[] | undefined;
  const cb: LabelParts = {};
  let i = objectStart(s, 0);
  if (s.charCodeAt(i) !== 125) {
    for (;;) {
      const k = readKey(s, i);
      i = k.end;
      switch (k.key) {
        case 'c':
          if (s.charCodeAt(i) !== 123) fail('"c" must be an object');
          contextStart = i;
          i = contextEnd = skipContext(s, i);
          break;
        case '_outcomes': {
          const r = readOutcomes(s, i);
          outcomes = r.value;
          i = r.end;
          break;
        }
        case '_ba': {
          const r = readIndexList(s, i, '_ba');
          baselineActions = r.value;
          i = r.end;
          break;
        }
        case 'EventId':
        case 'Timestamp': {
          const r = readStringValue(s, i, k.key);
          if (k.key === 'EventId') eventId = r.value;
          else timestamp = r.value;
          i = r.end;
          break;
        }
        case 'pdrop': {
          const r = readNumber(s, i);
          pdrop = r.value;
          i = r.end;
          break;
        }
        case '_skipLearn': {
          const r = readSkipLearn(s, i);
          skipLearn = r.value;
          i = r.end;
          break;
        }
        case '_labelIndex': {
          const r = readNumber(s, i);
          cb.index = r.value;
          i = r.end;
          break;
        }
        default:
          if (k.key.length > 7 && k.key.startsWith('_label_')) {
            const r = readNumber(s, i);
            setLabelProperty(cb, k.key.slice(7), r.value);
            i = r.end;
          } else i = skipValue(s, i);
      }
      const n = next(s, i);
      if (n < 0) break;
      i = n;
    }
  }
  if (contextStart < 0) fail('missing "c"');
  const weight = pdropWeight(pdrop);

  let labels: (CcbSlotLabel | null)[];
  if (outcomes !== undefined) labels = outcomes.map(outcomeLabel);
  else if (cb.cost !== undefined) labels = [singleSlotLabel(cb)];
  else labels = [];
  const event: CcbEvent = {
    lineNumber,
    eventId,
    timestamp,
    contextStart,
    contextEnd,
    outcomes: outcomes ?? [],
    labels,
    pdrop,
    weight,
    skipLearn,
  };
  if (baselineActions !== undefined) event.baselineActions = baselineActions;
  if (!skipLearn && !labels.some((l) => l !== null)) return { skipped: true, lineNumber, reason: NO_LABELED_SLOT };
  return event;
}

function objectStart(s: string, i: number): number {
  if (s.charCodeAt(i) !== 123) fail('expected an object');
  return skipWs(s, i + 1);
}

/** A key and the ':' after it; returns the position of the value. */
function readKey(s: string, i: number): { key: string; end: number } {
  if (s.charCodeAt(i) !== 34) fail(`expected a key at column ${i + 1}`);
  const r = readString(s, i);
  const j = skipWs(s, r.end);
  if (s.charCodeAt(j) !== 58) fail(`expected ':' after "${r.value}"`);
  return { key: r.value, end: skipWs(s, j + 1) };
}

/** After a member: the next key's position, or −1 past the closing '}' (which must end the object). */
function next(s: string, i: number): number {
  i = skipWs(s, i);
  const c = s.charCodeAt(i);
  if (c === 44) return skipWs(s, i + 1);
  if (c === 125) {
    if (skipWs(s, i + 1) !== s.length) fail(`unexpected text after the object at column ${i + 2}`);
    return -1;
  }
  return fail(`expected ',' or '}' at column ${i + 1}`);
}

/** A number or an array of numbers (VW reads `_a`/`_p` either way). */
function readNumbers(s: string, i: number, what: string): { value: number[]; end: number } {
  if (s.charCodeAt(i) !== 91) {
    const r = readNumber(s, i);
    return { value: [r.value], end: r.end };
  }
  const value: number[] = [];
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === 93) return { value, end: j + 1 };
  for (;;) {
    if (s.charCodeAt(j) === 110) fail(`"${what}" must hold numbers, not null`);
    value.push(scanNumber(s, j));
    j = skipWs(s, scanEnd);
    const c = s.charCodeAt(j);
    if (c === 44) j = skipWs(s, j + 1);
    else if (c === 93) return { value, end: j + 1 };
    else fail(`expected ',' or ']' in "${what}" at column ${j + 1}`);
  }
}

function readIndexList(s: string, i: number, what: string): { value: number[]; end: number } {
  const r = readNumbers(s, i, what);
  for (const a of r.value) {
    if (!Number.isInteger(a) || a < 0 || a > 0xffffffff) fail(`"${what}" holds ${a}: action positions are integers from 0`);
  }
  return r;
}

function readOutcomes(s: string, i: number): { value: CcbOutcome[]; end: number } {
  if (s.charCodeAt(i) !== 91) fail('"_outcomes" must be an array of objects');
  const value: CcbOutcome[] = [];
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === 93) return { value, end: j + 1 };
  for (;;) {
    const r = readOutcome(s, j, value.length);
    value.push(r.value);
    j = skipWs(s, r.end);
    const c = s.charCodeAt(j);
    if (c === 44) j = skipWs(s, j + 1);
    else if (c === 93) return { value, end: j + 1 };
    else fail(`expected ',' or ']' in "_outcomes" at column ${j + 1}`);
  }
}

function readOutcome(s: string, i: number, slot: number): { value: CcbOutcome; end: number } {
  if (s.charCodeAt(i) !== 123) fail(`"_outcomes"[${slot}] must be an object`);
  const o: CcbOutcome = { actions: [], probabilities: [] };
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === 125) return { value: o, end: j + 1 };
  for (;;) {
    const k = readKey(s, j);
    j = k.end;
    switch (k.key) {
      case '_label_cost': {
        const r = readNumber(s, j);
        o.cost = r.value;
        j = r.end;
        break;
      }
      case '_original_label_cost': {
        const r = readNumber(s, j);
        o.originalCost = r.value;
        j = r.end;
        break;
      }
      case '_id':
        if (s.charCodeAt(j) === 34) {
          const r = readString(s, j);
          o.id = r.value;
          j = r.end;
        } else j = skipValue(s, j);
        break;
      case '_a': {
        const r = readIndexList(s, j, `_outcomes[${slot}]._a`);
        o.actions = r.value;
        j = r.end;
        break;
      }
      case '_p': {
        const r = readNumbers(s, j, `_outcomes[${slot}]._p`);
        o.probabilities = r.value;
        j = r.end;
        break;
      }
      default:
        j = skipValue(s, j);
    }
    j = skipWs(s, j);
    const c = s.charCodeAt(j);
    if (c === 44) j = skipWs(s, j + 1);
    else if (c === 125) return { value: o, end: j + 1 };
    else fail(`expected ',' or '}' in "_outcomes"[${slot}] at column ${j + 1}`);
  }
}

/** LabelObjectState::EndObject for a slot: a label only with both `_a` and `_p`. */
function outcomeLabel(o: CcbOutcome, slot: number): CcbSlotLabel | null {
  if (o.actions.length === 0 || o.probabilities.length === 0) return null;
  if (o.actions.length !== o.probabilities.length) {
    fail(`"_outcomes"[${slot}]: "_a" has ${o.actions.length} actions but "_p" ${o.probabilities.length} probabilities`);
  }
  if (o.cost === undefined) fail(`"_outcomes"[${slot}] has "_a" and "_p" but no "_label_cost"`);
  if (!Number.isFinite(o.cost)) fail(`"_outcomes"[${slot}]: the cost is not finite`);
  const p = o.probabilities[0]!;
  // A probability outside (0, 1] would learn with an infinite or negative importance weight.
  if (!(p > 0 && p <= 1)) fail(`"_outcomes"[${slot}]: the probability of the shown action must be in (0, 1], got ${p}`);
  return { action: o.actions[0]!, cost: o.cost, probability: p };
}

/** A single-slot label on a CCB policy: one slot, labeled with `_label_Action − 1` (or `_labelIndex`). */
function singleSlotLabel(l: LabelParts): CcbSlotLabel {
  if (!Number.isFinite(l.cost)) fail('label cost is not finite');
  if (l.probability === undefined || !(l.probability > 0 && l.probability <= 1)) fail('label probability must be in (0, 1]');
  const action = l.action !== undefined ? l.action - 1 : l.index;
  if (action === undefined || !Number.isInteger(action) || action < 0) fail('label has no valid _label_Action or _labelIndex');
  return { action, cost: l.cost!, probability: l.probability };
}

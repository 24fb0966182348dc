// One DSJSON line → CbEvent, following VW 9.10's `--dsjson` rules (docs/learner.md §7.1):
// json_parser/src/parse_example_json.cc (DecisionServiceState, LabelObjectState, LabelSinglePropertyState,
// apply_pdrop) and parse_line_json (line filters). Only the top level is read here; `c` is skipped and
// handed to the featurizer as a span of the same line.
import { fail, readNumber, readNumberArray, readString, skipString, skipValue, skipWs, skipContext, contextHasSlots } from './scan.js';
import { DsjsonError, type CbEvent, type DsjsonLabel, type DsjsonParseResult } from './types.js';
import { pdropWeight, readLine, readSkipLearn, readStringValue, setLabelProperty, type LabelParts } from './line.js';

export { EMPTY_LINE } from './line.js';

/**
 * Parses one line. Returns the event, a DsjsonSkip for lines VW ignores silently
 * (not starting with `{`, empty `a`), or a DsjsonError with the reason.
 */
/** The reason given for a CCB or slates line (with what marked it as one). */
export const MULTI_SLOT_UNSUPPORTED = 'a multi-slot event (CCB or slates)';

export function parseCbLine(line: string, lineNumber: number): DsjsonParseResult {
  return readLine(line, lineNumber, parseObject);
}

function parseObject(s: string, lineNumber: number): DsjsonParseResult {
  const label: LabelParts = {};
  let eventId = '';
  let timestamp = '';
  let a: number[] | undefined;
  let p: number[] | undefined;
  let contextStart = -1;
  let contextEnd = -1;
  let pdrop = 0;
  let skipLearn = false;
  let originalLabelCost: number | undefined;
  let outcomes: string | undefined;
  let slots = false;
  let multiSlotType: string | undefined;

  let i = skipWs(s, 1);
  if (s.charCodeAt(i) === 125) i++;
  else {
    for (;;) {
      if (s.charCodeAt(i) !== 34) fail(`expected a key at column ${i + 1}`);
      // Keys are matched in place (no string per key); only an escaped key is decoded.
      const keyEnd = skipString(s, i);
      const key = knownKey(s, i + 1, keyEnd - 1) ?? readString(s, i).value;
      i = skipWs(s, keyEnd);
      if (s.charCodeAt(i) !== 58) fail(`expected ':' after "${key}"`);
      i = skipWs(s, i + 1);
      switch (key) {
        case 'c': {
          if (s.charCodeAt(i) !== 123) fail('"c" must be an object');
          contextStart = i;
          i = contextEnd = skipContext(s, i);
          slots = contextHasSlots;
          break;
        }
        case 'a': {
          const r = readNumberArray(s, i);
          a = r.value;
          i = r.end;
          break;
        }
        case 'p':
        case '_p': {
          const r = readNumberArray(s, i);
          p = r.value;
          i = r.end;
          break;
        }
        case 'EventId': {
          const r = readStringValue(s, i, key);
          eventId = r.value;
          i = r.end;
          break;
        }
        case 'Timestamp': {
          const r = readStringValue(s, i, key);
          timestamp = r.value;
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
        case '_original_label_cost': {
          const r = readNumber(s, i);
          originalLabelCost = r.value;
          i = r.end;
          break;
        }
        case '_labelIndex': {
          const r = readNumber(s, i);
          label.index = r.value;
          i = r.end;
          break;
        }
        case '_label': {
          i = readLabelObject(s, i, label);
          break;
        }
        case '_type': {
          // Some multi-slot logs name their kind at the top level ("_type":"ccb" / "slates").
          if (s.charCodeAt(i) === 34) {
            const r = readString(s, i);
            if (/^(ccb|slates)$/i.test(r.value)) multiSlotType = r.value;
            i = r.end;
          } else i = skipValue(s, i);
          break;
        }
        case '_outcomes': {
          const end = skipValue(s, i);
          outcomes = s.slice(i, end);
          i = end;
          break;
        }
        default: {
          // `_label_cost`, `_label_probability`, `_label_Action`: LabelSinglePropertyState matches the
          // part after `_label_` case-insensitively. Every other key (o, Version, VWState, _ba, …) is skipped.
          if (key.length > 7 && key.startsWith('_label_')) {
            const r = readNumber(s, i);
            setLabelProperty(label, key.slice(7), r.value);
            i = r.end;
          } else i = skipValue(s, i);
        }
      }
      i = skipWs(s, i);
      const c = s.charCodeAt(i);
      if (c === 44) i = skipWs(s, i + 1);
      else if (c === 125) {
        i++;
        break;
      } else fail(`expected ',' or '}' at column ${i + 1}`);
    }
  }
  if (skipWs(s, i) !== s.length) fail(`unexpected text after the object at column ${i + 1}`);

  // VW reads a CCB or slates line only with --ccb_explore_adf / --slates and stops with a parse error otherwise;
  // CCB lines are read by parseCcbLine (parse_ccb_line.ts)
  // (parse_example_json.cc SlotsState: "label type is not CB, CB_WITH_OBSERVATIONS, CCB or slates").
  if (outcomes !== undefined || slots || multiSlotType !== undefined) {
    const what = multiSlotType !== undefined ? `"_type":"${multiSlotType}"` : outcomes !== undefined ? '"_outcomes"' : '"_slots" in "c"';
    return new DsjsonError(lineNumber, `${MULTI_SLOT_UNSUPPORTED}: ${what}, which a single-slot policy does not read`, true);
  }
  const weight = pdropWeight(pdrop);
  if (contextStart < 0) fail('missing "c"');

  const event: CbEvent = {
    lineNumber,
    eventId,
    timestamp,
    label: buildLabel(label),
    a: a ?? [],
    p: p ?? [],
    contextStart,
    contextEnd,
    pdrop,
    weight,
    skipLearn,
    originalLabelCost,
    outcomes,
  };
  // parse_line_json: skip_learn events are dropped before the empty-actions check, so report them as events.
  if (!skipLearn && event.a.length === 0) return { skipped: true, lineNumber, reason: 'empty "a"' };
  return event;
}

// In the joiner's field order (docs/features.md §6), so the usual key is found after few length checks.
const KNOWN_KEYS = ['_label_cost', '_label_probability', '_label_Action', '_labelIndex', 'o', 'Timestamp', 'Version', 'EventId', 'a', 'c', 'p', 'VWState', 'pdrop', '_original_label_cost', '_skipLearn', '_p', '_label', '_outcomes'];

/** KNOWN_KEYS by length, so a key is compared with one or two candidates only. */
const KEYS_BY_LENGTH: string[][] = (() => {
  const t: string[][] = [];
  for (const k of KNOWN_KEYS) (t[k.length] ??= []).push(k);
  return t;
})();

/** The interned name of the key text [start, end) when it is one of the usual top-level keys. */
function knownKey(s: string, start: number, end: number): string | undefined {
  const len = end - start;
  const names = KEYS_BY_LENGTH[len];
  if (names === undefined) return undefined;
  if (len === 1) {
    const c = s.charCodeAt(start);
    return c === 99 ? 'c' : c === 97 ? 'a' : c === 112 ? 'p' : c === 111 ? 'o' : undefined;
  }
  for (let k = 0; k < names.length; k++) {
    const name = names[k]!;
    if (s.startsWith(name, start)) return name;
  }
  return undefined;
}

/** `"_label":{"Cost":..,"Probability":..,"Action":..}` (LabelObjectState; property names case-insensitive). */
function readLabelObject(s: string, i: number, label: LabelParts): number {
  if (s.charCodeAt(i) !== 123) fail('"_label" must be an object');
  i = skipWs(s, i + 1);
  if (s.charCodeAt(i) === 125) return i + 1;
  for (;;) {
    if (s.charCodeAt(i) !== 34) fail(`expected a key at column ${i + 1}`);
    const k = readString(s, i);
    i = skipWs(s, k.end);
    if (s.charCodeAt(i) !== 58) fail(`expected ':' after "${k.value}"`);
    const r = readNumber(s, skipWs(s, i + 1));
    setLabelProperty(label, k.value, r.value);
    i = skipWs(s, r.end);
    const c = s.charCodeAt(i);
    if (c === 44) i = skipWs(s, i + 1);
    else if (c === 125) return i + 1;
    else fail(`expected ',' or '}' at column ${i + 1}`);
  }
}

function buildLabel(l: LabelParts): DsjsonLabel | undefined {
  // No cost ⇒ no label: VW predicts on the event but does not learn (docs/learner.md §7.1).
  if (l.cost === undefined) return undefined;
  if (!Number.isFinite(l.cost)) fail('label cost is not finite');
  if (l.probability === undefined) fail('label has a cost but no probability');
  // A p outside (0, 1] would learn with an infinite or negative importance weight.
  if (!(l.probability > 0 && l.probability <= 1)) fail(`label probability must be in (0, 1], got ${l.probability}`);
  // _labelIndex selects the labelled _multi element; without it, fall back to the 1-based _label_Action.
  const index = l.index ?? (l.action !== undefined ? l.action - 1 : undefined);
  if (index === undefined) fail('label has no _labelIndex or _label_Action');
  if (!Number.isInteger(index) || index < 0) fail(`label index ${index} is not a valid _multi index`);
  const out: DsjsonLabel = { index, cost: l.cost, probability: l.probability };
  if (l.action !== undefined) out.action = l.action;
  return out;
}

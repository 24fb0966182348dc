// The context JSON Azure built for a single-slot Rank call and logged verbatim as DSJSON `c`
// (docs/features.md §0, §2): {"FromUrl":[<contextFeatures…>],"_multi":[{"_tag":id,
// "i":{"constant":1,"id":id},"j":[<features…>]}…]} with only the non-excluded actions, in request order.
// No FromUrl when contextFeatures is absent (§2.1). Key order inside `_multi` documents is fixed (`_tag`, `i`, `j`;
// `constant` before `id`) because VW's self-interactions pair features in parse order (§2.2).
//
// The feature arrays are copied from the request's JSON text when the caller has it (featureSpans): the features
// keep the client's key order and spelling, as the service logged them, and copying costs less than
// re-serializing. Without the text, or for text this copy does not handle, they are re-serialized with
// JSON.stringify, which keeps key order except that integer-like keys ("0", "42") move first, as in every JS object.
import type { ValidRank } from './validate_rank.js';

type ContextParts = Pick<ValidRank, 'contextFeatures' | 'actions' | 'included'>;

export function buildContext(req: ContextParts, source?: string): string {
  const spans = source === undefined ? null : featureSpans(source, req);
  const slice = (s: Span | undefined, value: unknown): string => {
    // Only an array is copied (a validated request has arrays there; anything else is re-serialized).
    if (s === undefined || source!.charCodeAt(s[0]) !== 0x5b) return JSON.stringify(value);
    const text = source!.slice(s[0], s[1]);
    // Line breaks can only be whitespace between tokens: dropping them keeps the DSJSON line one line.
    return s[2] ? text.replace(/[\r\n]/g, '') : text;
  };
  let out = '{';
  if (req.contextFeatures !== undefined) {
    out += `"FromUrl":${slice(spans?.context, req.contextFeatures)},`;
  }
  out += '"_multi":[';
  for (let k = 0; k < req.included.length; k++) {
    const i = req.included[k]!;
    const a = req.actions[i]!;
    const id = JSON.stringify(a.id);
    out += `${k === 0 ? '' : ','}{"_tag":${id},"i":{"constant":1,"id":${id}},"j":${slice(spans?.actions[i], a.features)}}`;
  }
  return out + ']}';
}

/** [start, end) of a feature array in the source, whether it holds a line break, and the keys written in it. */
type Span = [number, number, boolean, number];

interface Spans {
  context: Span | undefined;
  /** The `features` value of each action, by position; undefined where the action has none. */
  actions: (Span | undefined)[];
}

class Unsupported extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/**
 * Where contextFeatures and each action's features are in `text`, a JSON document that JSON.parse accepted and
 * validateRankRequest found valid. Null (re-serialize instead) when the text could be read differently than
 * JSON.parse read it: an escaped key where a name is looked for, a repeated key inside the features (JSON.parse
 * keeps the last, a copy would keep both: seen as more keys in the text than in the parsed features), or another
 * number of actions than was validated.
 */
export function featureSpans(text: string, req: Pick<ValidRank, 'contextFeatures' | 'actions'>): Spans | null {
  try {
    const spans = new SpanReader(text).document();
    if (spans.actions.length !== req.actions.length) return null;
    if (spans.context && spans.context[3] !== keyCount(req.contextFeatures)) return null;
    for (let i = 0; i < spans.actions.length; i++) {
      const s = spans.actions[i];
      if (s && s[3] !== keyCount(req.actions[i]!.features)) return null;
    }
    return spans;
  } catch (e) {
    if (e instanceof Unsupported) return null;
    throw e;
  }
}

/** Own keys of every object in a feature list, nested ones included (arrays in features hold numbers only). */
function keyCount(v: unknown): number {
  let n = 0;
  if (Array.isArray(v)) {
    for (const x of v) if (typeof x === 'object' && x !== null) n += keyCount(x);
  } else if (typeof v === 'object' && v !== null) {
    for (const k in v) {
      n++;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null) n += keyCount(x);
    }
  }
  return n;
}

/** Reads the top two levels (the request, its actions) member by member; their values are skipped whole. */
class SpanReader {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): Spans {
    let context: Span | undefined;
    let actions: (Span | undefined)[] = [];
    this.ws();
    this.expect(OPEN_BRACE);
    this.members((key) => {
      if (key === 'contextFeatures') context = this.value();
      else if (key === 'actions') actions = this.actionList();
      else this.value();
    });
    return { context, actions };
  }

  private actionList(): (Span | undefined)[] {
    if (this.peek() !== OPEN_BRACKET) {
      this.value();
      return [];
    }
    const out: (Span | undefined)[] = [];
    this.i++;
    this.ws();
    if (this.peek() === CLOSE_BRACKET) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      this.expect(OPEN_BRACE);
      let features: Span | undefined;
      this.members((key) => {
        if (key === 'features') features = this.value();
        else this.value();
      });
      out.push(features);
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === CLOSE_BRACKET) return out;
      if (c !== COMMA) throw new Unsupported();
    }
  }

  /** Reads the members of an object whose `{` was just read, through its `}`; `onKey` reads each value. */
  private members(onKey: (key: string) => void): void {
    this.ws();
    if (this.peek() === CLOSE_BRACE) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.peek() !== QUOTE) throw new Unsupported();
      const start = this.i + 1;
      if (this.skipString()) throw new Unsupported();
      const key = this.s.slice(start, this.i - 1);
      this.ws();
      this.expect(COLON);
      this.ws();
      onKey(key);
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw new Unsupported();
    }
  }

  /** Skips one value (feature arrays, and anything else the top two levels hold), counting keys and line breaks. */
  private value(): Span {
    const start = this.i;
    const { s } = this;
    let depth = 0;
    let keys = 0;
    let breaks = false;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i++);
      if (c === QUOTE) {
        for (;;) {
          const d = s.charCodeAt(i++);
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
          else if (d !== d) throw new Unsupported(); // NaN: past the end
        }
        if (depth === 0) break;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) {
          // A scalar ended (only for a value that is not an array).
          i--;
          break;
        }
        if (--depth === 0) break;
      } else if (c === COLON) {
        keys++;
      } else if (c === 0x0a || c === 0x0d) {
        breaks = true;
      } else if (c !== c) {
        throw new Unsupported();
      } else if (c === COMMA && depth === 0) {
        i--;
        break;
      }
    }
    this.i = i;
    return [start, i, breaks, keys];
  }

  /** Skips a string whose `"` is next; true when it holds an escape. */
  private skipString(): boolean {
    let escaped = false;
    this.i++;
    for (;;) {
      const c = this.s.charCodeAt(this.i++);
      if (c === QUOTE) return escaped;
      if (c === BACKSLASH) {
        escaped = true;
        this.i++;
      } else if (c !== c) {
        throw new Unsupported();
      }
    }
  }

  private ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else return;
    }
  }

  private peek(): number {
    return this.s.charCodeAt(this.i);
  }

  private expect(c: number): void {
    if (this.s.charCodeAt(this.i++) !== c) throw new Unsupported();
  }
}

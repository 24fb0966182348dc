// The logged context (DSJSON `c`) stored without repeating itself. A loop's Rank calls repeat the same pieces
// over and over: the same actions with the same features (a catalogue's items), the same device or time
// namespaces. Each element of the context's top-level arrays (`FromUrl`'s namespaces, `_multi`'s actions) that
// has been seen before is stored once, as a row of `context_parts`, and the event keeps the rest of its text and
// where each part goes back in (`context_refs`). Reading puts the text together again, byte for byte.
//
// Cost: one pass over the text (finding the elements and hashing them), a few microseconds on the main thread,
// in place of a general-purpose compressor (zlib's deflate or brotli cost 15–25 µs per 2.5 KB event there, more
// than the whole durable insert). A part is stored only from its second sighting, so that a piece never seen
// again (a user's own features) costs nothing but its hash.
//
// Parts are grouped in epochs: the packer forgets every part at the start of an epoch (at open, after an error,
// and when it has remembered PACKER_CAPACITY pieces), so that an event only refers to parts of its own epoch,
// and epochs only grow with the event order. Deleting the events before E therefore frees every part of an
// epoch older than the oldest remaining event's (prunableBefore), which keeps the retention purge a real purge.

/** Pieces (hashes of elements, seen once or stored) the packer remembers before it starts a new epoch. */
export const PACKER_CAPACITY = 16_384;

/** Elements shorter than this stay in the event's text: a reference (`,123:45`) would save little. */
const MIN_PART = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * An element of a top-level array: [start, end) in the text, and the elements of the arrays among its own members
 * (an action's `j` namespaces), which are parts of their own when the whole element is not one (an action whose
 * features change from call to call in one namespace keeps the others as parts).
 */
interface Element {
  start: number;
  end: number;
  inner: Element[] | null;
}

class NotPackable extends Error {}

/**
 * The elements of `text`'s top-level arrays, when `text` is a JSON object (as the loop logs it); null for any
 * other text, which is then stored whole.
 */
export function elementsOf(text: string): Element[] | null {
  try {
    return new Scanner(text).document();
  } catch (e) {
    if (e instanceof NotPackable) return null;
    throw e;
  }
}

/** FNV-1a over the UTF-16 code units of [start, end); a hash only finds candidates, texts are compared. */
export function hashOf(s: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

class Scanner {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): Element[] {
    const out: Element[] = [];
    this.ws();
    this.object(out, 0);
    this.ws();
    if (this.i !== this.s.length) throw new NotPackable();
    return out;
  }

  /** Reads an object whose `{` is next; the elements of its member arrays go to `out` (with theirs if level 0). */
  private object(out: Element[], level: number): void {
    this.expect(OPEN_BRACE);
    this.ws();
    if (this.s.charCodeAt(this.i) === CLOSE_BRACE) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s.charCodeAt(this.i) !== QUOTE) throw new NotPackable();
      this.skip();
      this.ws();
      this.expect(COLON);
      this.ws();
      if (this.s.charCodeAt(this.i) === OPEN_BRACKET) this.array(out, level);
      else this.skip();
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === CLOSE_BRACE) return;
      if (c !== COMMA) throw new NotPackable();
    }
  }

  private array(out: Element[], level: number): void {
    this.i++;
    this.ws();
    if (this.s.charCodeAt(this.i) === CLOSE_BRACKET) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const start = this.i;
      let inner: Element[] | null = null;
      if (level === 0 && this.s.charCodeAt(this.i) === OPEN_BRACE) {
        inner = [];
        this.object(inner, 1);
      } else {
        this.skip();
      }
      if (this.i - start >= MIN_PART) out.push({ start, end: this.i, inner: inner !== null && inner.length > 0 ? inner : null });
      this.ws();
      const c = this.s.charCodeAt(this.i++);
      if (c === CLOSE_BRACKET) return;
      if (c !== COMMA) throw new NotPackable();
    }
  }

  /** Skips one JSON value (its syntax was checked when the request was parsed). */
  private skip(): void {
    const { s } = this;
    let i = this.i;
    let depth = 0;
    for (;;) {
      const c = s.charCodeAt(i++);
      if (c !== c) throw new NotPackable(); // NaN: past the end
      if (c === QUOTE) {
        for (;;) {
          const d = s.charCodeAt(i++);
          if (d !== d) throw new NotPackable();
          if (d === QUOTE) break;
          if (d === BACKSLASH) i++;
        }
        if (depth === 0) break;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (depth === 0) {
          // A scalar ended at its container's close.
          i--;
          break;
        }
        if (--depth === 0) break;
      } else if (depth === 0 && (c === COMMA || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) {
        i--;
        break;
      }
    }
    this.i = i;
  }

  private ws(): void {
    for (;;) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else return;
    }
  }

  private expect(c: number): void {
    if (this.s.charCodeAt(this.i++) !== c) throw new NotPackable();
  }
}

/** An event's context as stored: `text` in the `context` column, `refs` in `context_refs`. */
export interface Packed {
  text: string;
  refs: string;
}

/** Where the packer stores a new part (in the caller's transaction) and learns the current epoch. */
export interface PartSink {
  /** Starts a new epoch (persisting it) and returns its number. */
  newEpoch(): number;
  /** Stores a part of `epoch`; returns its id (ids are never reused). */
  insertPart(epoch: number, text: string): number;
}

/**
 * Packs contexts on the store's writing connection. `refs` is `<epoch>;` followed by `<offset>:<id>` pairs,
 * comma-separated, in text order: the part `id` goes back in at `offset` of the stored text.
 */
export class ContextPacker {
  /** Hash of an element → 0 (seen once, not stored) or the id of its stored part. */
  private readonly seen = new Map<number, number>();
  /** Text of the parts stored in this epoch (to compare, hashes may collide). */
  private readonly parts = new Map<number, string>();
  private epoch = -1;

  constructor(private readonly sink: PartSink) {}

  pack(context: string): Packed {
    if (this.epoch < 0 || this.seen.size >= PACKER_CAPACITY) this.startEpoch();
    const elements = elementsOf(context);
    const refs = `${this.epoch};`;
    if (elements === null || elements.length === 0) return { text: context, refs };
    const out = { text: '', from: 0, refs, n: 0 };
    for (const e of elements) {
      if (!this.refer(context, e, out) && e.inner !== null) for (const x of e.inner) this.refer(context, x, out);
    }
    if (out.n === 0) return { text: context, refs };
    return { text: out.text + context.slice(out.from), refs: out.refs };
  }

  /** Replaces the element by a reference when it is a known part (storing it at its second sighting). */
  private refer(context: string, e: Element, out: { text: string; from: number; refs: string; n: number }): boolean {
    const hash = hashOf(context, e.start, e.end);
    const known = this.seen.get(hash);
    if (known === undefined) {
      this.seen.set(hash, 0);
      return false;
    }
    const piece = context.slice(e.start, e.end);
    let id = known;
    if (id === 0) {
      // Second sighting: stored from now on. A copy, so that the map does not keep this whole context alive.
      const own = Buffer.from(piece, 'utf8').toString('utf8');
      id = this.sink.insertPart(this.epoch, own);
      this.seen.set(hash, id);
      this.parts.set(id, own);
    } else if (this.parts.get(id) !== piece) {
      return false; // another text with the same hash: it stays in the event's text
    }
    out.text += context.slice(out.from, e.start);
    out.refs += `${out.n++ === 0 ? '' : ','}${out.text.length}:${id}`;
    out.from = e.end;
    return true;
  }

  /** Forgets every part: the next pack starts a new epoch (after a failed write, or once the logs are emptied). */
  reset(): void {
    this.epoch = -1;
  }

  private startEpoch(): void {
    this.seen.clear();
    this.parts.clear();
    this.epoch = this.sink.newEpoch();
  }
}

/** The epoch a stored refs string belongs to (null for an event stored before parts existed). */
export function epochOf(refs: string | null): number | null {
  return refs === null ? null : Number(refs.slice(0, refs.indexOf(';')));
}

/** Puts stored contexts together again, with a bounded cache of part texts (part ids are never reused). */
export class ContextUnpacker {
  private readonly cache = new Map<number, string>();

  constructor(private readonly load: (id: number) => string | undefined) {}

  unpack(text: string, refs: string | null): string {
    if (refs === null) return text; // stored before parts existed
    let at = refs.indexOf(';') + 1;
    if (at === refs.length) return text;
    let out = '';
    let from = 0;
    while (at < refs.length) {
      const colon = refs.indexOf(':', at);
      let comma = refs.indexOf(',', colon);
      if (comma < 0) comma = refs.length;
      const offset = Number(refs.slice(at, colon));
      out += text.slice(from, offset) + this.part(Number(refs.slice(colon + 1, comma)));
      from = offset;
      at = comma + 1;
    }
    return out + text.slice(from);
  }

  private part(id: number): string {
    let t = this.cache.get(id);
    if (t === undefined) {
      t = this.load(id);
      if (t === undefined) throw new Error(`store: context part ${id} is missing`);
      if (this.cache.size >= PACKER_CAPACITY) this.cache.clear();
      this.cache.set(id, t);
    }
    return t;
  }
}

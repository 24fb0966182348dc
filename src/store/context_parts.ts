// The logged context (DSJSON `c`) stored without repeating itself. A loop's Rank calls repeat the same pieces
// over and over: the same actions with the same features (a catalogue's items), often the same context. Each
// piece that has been seen before is stored once, as a row of `context_parts`, and the event keeps the rest of
// its text and where each part goes back in (`context_refs`). Reading puts the text together again, byte for byte.
//
// The pieces are cut where the loop starts each action (`{"_tag":`, context.ts): before the first action (the
// context's own features), and each action with its features. Cutting needs no JSON parsing: whatever the
// cuts, the pieces put together give the same text, so a text of another shape is stored exactly too, just
// without savings. Cost: a native `indexOf` per action, a comparison of each piece with its action's last one,
// and a Map lookup of those that differ (V8 hashes and compares strings natively): less, on the main thread,
// than writing the bytes it saves costs (bench/store.bench.ts). A general-purpose compressor costs far more
// there: zlib's deflate or brotli took 15–25 µs per 2.5 KB event, as much as the whole durable insert. A JSON
// scan of the text to cut finer (each namespace) took as long. A piece is stored only from its second sighting,
// so that one never seen again (a user's own context) costs nothing but a lookup.
//
// Parts are grouped in epochs: the packer forgets every part at the start of an epoch (at open, after an error,
// and once it remembers PACKER_CAPACITY pieces or PACKER_BYTES characters of them), so that an
// event only refers to parts of its own epoch, and epochs only grow with the event order. Deleting the events
// before E therefore frees every part of an epoch older than the oldest remaining event's (sqlite.ts
// purgeEventsBefore), which keeps the retention purge a real purge.
//
// Several processes may write one store (Workers=N on SQLite, whose writers take turns). Each has its own packer,
// so "epochs only grow with the event order" holds across them only if no process keeps writing in an epoch older
// than one another has started: at the first pack of each transaction the packer reads the store's current epoch
// (PartSink.currentEpoch; writers are serialized, so it cannot move until the commit) and, if another process
// moved it, joins that epoch, forgetting what it remembered. The store moves the epoch too when it deletes parts
// that a packer may remember (every part, when the logs are emptied), so that no process refers to them again.

/**
 * Pieces (seen once, or stored) the packer remembers before it starts a new epoch: with a new context per Rank
 * (each user's own), an epoch lasts about this many Ranks, and the parts of a catalogue are stored again in each.
 */
export const PACKER_CAPACITY = 65_536;

/** Characters of the remembered pieces before a new epoch starts (their memory: twice this many bytes at most). */
export const PACKER_BYTES = 8 * 1024 * 1024;

/** Pieces shorter than this stay in the event's text: a reference (`,1234:567`) would save little. */
const MIN_PART = 32;

/** Where the loop starts each action of `_multi` (context.ts buildContext). */
const ACTION = '{"_tag":';

/**
 * A copy of a slice of a string: V8 keeps a whole string alive while a slice of it is referenced, and the packer
 * remembers one piece of most contexts it sees. Slicing a concatenation flattens it into a new string first.
 */
function own(piece: string): string {
  return (' ' + piece).slice(1);
}

/**
 * [start, end) of the pieces of `text`: before the first action, then each action (without the `,` after it, or
 * the `]}` closing the last one, so that an action is the same piece wherever it is in the list).
 */
export function piecesOf(text: string): number[] {
  let at = text.indexOf(ACTION);
  if (at < 0) return [0, text.length];
  const cuts: number[] = [0, at];
  for (;;) {
    const next = text.indexOf(ACTION, at + ACTION.length);
    if (next < 0) break;
    cuts.push(at, text.charCodeAt(next - 1) === 0x2c ? next - 1 : next);
    at = next;
  }
  cuts.push(at, text.endsWith(']}') ? text.length - 2 : text.length);
  return cuts;
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
  /** The store's current epoch (the newest any process started), read in the caller's transaction. */
  currentEpoch(): number;
  /**
   * Stores a part of `epoch`; returns its id. Committed ids are never reused; those of a transaction that rolls
   * back are, so the packer must be reset then (ContextPacker.reset).
   */
  insertPart(epoch: number, text: string): number;
}

/**
 * Packs contexts on the store's writing connection. `refs` is `<epoch>;` followed by `<offset>:<id>` pairs,
 * comma-separated, in text order: the part `id` goes back in at `offset` of the stored text.
 */
export class ContextPacker {
  /** A piece seen in this epoch → 0 (seen once, not stored) or the id of its stored part. */
  private readonly seen = new Map<string, number>();
  /** Characters of the remembered pieces. */
  private kept = 0;
  /**
   * The last stored piece of each action (by its `_tag`; '' for the context's own features): an action mostly
   * comes back with the same features, and comparing a piece with its action's last one costs less than hashing
   * it for `seen`. Each entry is a copy (own), made when an action's piece changes.
   */
  private readonly recent = new Map<string, { piece: string; id: number }>();
  private epoch = -1;
  /** The epoch was compared with the store's in the current transaction. */
  private checked = false;

  constructor(private readonly sink: PartSink) {}

  pack(context: string): Packed {
    if (this.epoch >= 0 && !this.checked) {
      const current = this.sink.currentEpoch();
      if (current !== this.epoch) this.joinEpoch(current);
    }
    this.checked = true;
    if (this.epoch < 0 || this.seen.size >= PACKER_CAPACITY || this.kept >= PACKER_BYTES) this.startEpoch();
    const refs = `${this.epoch};`;
    const cuts = piecesOf(context);
    let text = '';
    let from = 0;
    let more = refs;
    let n = 0;
    for (let k = 0; k < cuts.length; k += 2) {
      const start = cuts[k]!;
      const end = cuts[k + 1]!;
      if (end - start < MIN_PART) continue;
      const piece = context.slice(start, end);
      // The action's id as the loop wrote it (`"article-3"`; cut short by a comma inside it, still a key).
      const comma = context.indexOf(',', start + ACTION.length);
      const tag = k === 0 ? '' : context.slice(start + ACTION.length, comma < 0 || comma > end ? end : comma);
      const before = this.recent.get(tag);
      let id = before !== undefined && before.piece === piece ? before.id : this.seen.get(piece);
      if (id === undefined) {
        this.seen.set(own(piece), 0);
        this.kept += piece.length;
        continue;
      }
      if (id === 0) {
        // Second sighting: stored from now on.
        id = this.sink.insertPart(this.epoch, piece);
        this.seen.set(piece, id);
      }
      if (before?.id !== id) {
        if (this.recent.size >= PACKER_CAPACITY) this.recent.clear();
        this.recent.set(tag, { piece: own(piece), id });
        this.kept += piece.length;
      }
      text += context.slice(from, start);
      more += `${n++ === 0 ? '' : ','}${text.length}:${id}`;
      from = end;
    }
    if (n === 0) return { text: context, refs };
    return { text: text + context.slice(from), refs: more };
  }

  /** Forgets every part: the next pack starts a new epoch (after a failed write, or once the logs are emptied). */
  reset(): void {
    this.epoch = -1;
    this.checked = false;
  }

  /** The transaction committed: the next pack compares its epoch with the store's again. */
  committed(): void {
    this.checked = false;
  }

  private startEpoch(): void {
    this.joinEpoch(this.sink.newEpoch());
  }

  /** Parts of `epoch` stored by other processes are unknown here: they are stored again when seen twice. */
  private joinEpoch(epoch: number): void {
    this.seen.clear();
    this.recent.clear();
    this.kept = 0;
    this.epoch = epoch;
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

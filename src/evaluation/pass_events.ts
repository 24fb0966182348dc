// What a replay pass reads of the logged events: four numeric columns and each event's context text. Two forms:
// over a LoggedEvent[] (in process), and over a packed copy in SharedArrayBuffers that every worker thread of the
// pool reads in place (pool.ts): the contexts are UTF-8 bytes decoded a block of events at a time, so a worker
// keeps no copy of the log and the log crosses to the workers once, however many passes read it.
import type { LoggedEvent } from './types.js';

/** Positions on one event's context: it is text[start, end) (the featurizer reads the span in place). */
export interface ContextCursor {
  seek(t: number): void;
  text: string;
  start: number;
  end: number;
}

export interface PassEvents {
  readonly length: number;
  readonly chosenIndex: ArrayLike<number>;
  readonly chosenProbability: ArrayLike<number>;
  readonly reward: ArrayLike<number>;
  readonly actionCount: ArrayLike<number>;
  readonly contexts: ContextCursor;
}

class ArrayCursor implements ContextCursor {
  text = '';
  start = 0;
  end = 0;
  constructor(private readonly events: readonly LoggedEvent[]) {}
  seek(t: number): void {
    this.text = this.events[t]!.context;
    this.end = this.text.length;
  }
}

export function eventsFromArray(events: readonly LoggedEvent[]): PassEvents {
  const n = events.length;
  const chosenIndex = new Int32Array(n);
  const chosenProbability = new Float64Array(n);
  const reward = new Float64Array(n);
  const actionCount = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    const e = events[t]!;
    chosenIndex[t] = e.chosenIndex;
    chosenProbability[t] = e.chosenProbability;
    reward[t] = e.reward;
    actionCount[t] = e.actionCount;
  }
  return { length: n, chosenIndex, chosenProbability, reward, actionCount, contexts: new ArrayCursor(events) };
}

/** The events in SharedArrayBuffers: what the pool posts to its workers (structured clone shares, never copies, them). */
export interface PackedEvents {
  length: number;
  /** The contexts' UTF-8 bytes, one after another. */
  bytes: SharedArrayBuffer;
  /** Float64 × (n + 1): where event t's bytes start (the last entry: the total). */
  byteOffsets: SharedArrayBuffer;
  /** Float64 × (n + 1): where event t's context starts in the concatenated JS string (UTF-16 units). */
  charOffsets: SharedArrayBuffer;
  chosenIndex: SharedArrayBuffer;
  chosenProbability: SharedArrayBuffer;
  reward: SharedArrayBuffer;
  actionCount: SharedArrayBuffer;
}

export function packEvents(events: readonly LoggedEvent[]): PackedEvents {
  const packer = new Packer(events);
  while (!packer.step(Infinity));
  return packer.result();
}

/** Text packed between two turns of the event loop (packEventsAsync): a few milliseconds of work. */
const SLICE_CHARS = 4 << 20;

/**
 * packEvents in slices, giving the event loop a turn between them: on the server's thread, packing a large log
 * (hundreds of MB of context) in one go would hold up the Rank calls waiting behind it.
 */
export async function packEventsAsync(events: readonly LoggedEvent[], slice = SLICE_CHARS): Promise<PackedEvents> {
  const packer = new Packer(events);
  while (!packer.step(slice)) await new Promise((resolve) => setImmediate(resolve));
  return packer.result();
}

class Packer {
  private readonly n: number;
  private readonly byteOffsets: SharedArrayBuffer;
  private readonly charOffsets: SharedArrayBuffer;
  private readonly bo: Float64Array;
  private readonly co: Float64Array;
  private data: SharedArrayBuffer | undefined;
  private buf: Buffer | undefined;
  /** Phase 0 measures the contexts, phase 1 writes them; t: the next event of the phase. */
  private phase = 0;
  private t = 0;
  private bytes = 0;
  private chars = 0;

  constructor(private readonly events: readonly LoggedEvent[]) {
    this.n = events.length;
    this.byteOffsets = new SharedArrayBuffer(8 * (this.n + 1));
    this.charOffsets = new SharedArrayBuffer(8 * (this.n + 1));
    this.bo = new Float64Array(this.byteOffsets);
    this.co = new Float64Array(this.charOffsets);
  }

  /** Packs up to about `budget` characters; true when done. */
  step(budget: number): boolean {
    const { events, n, bo, co } = this;
    let spent = 0;
    if (this.phase === 0) {
      for (; this.t < n && spent < budget; this.t++) {
        const c = events[this.t]!.context;
        bo[this.t] = this.bytes;
        co[this.t] = this.chars;
        // A lone surrogate encodes as U+FFFD (3 bytes) and decodes as one UTF-16 unit again: offsets stay aligned.
        this.bytes += Buffer.byteLength(c, 'utf8');
        this.chars += c.length;
        spent += c.length;
      }
      if (this.t < n) return false;
      bo[n] = this.bytes;
      co[n] = this.chars;
      this.data = new SharedArrayBuffer(this.bytes);
      this.buf = Buffer.from(this.data);
      this.phase = 1;
      this.t = 0;
    }
    for (; this.t < n && spent < budget; this.t++) {
      const c = events[this.t]!.context;
      this.buf!.write(c, bo[this.t]!, 'utf8');
      spent += c.length;
    }
    return this.t >= n;
  }

  result(): PackedEvents {
    const { events, n } = this;
    const chosenIndex = new SharedArrayBuffer(4 * n);
    const chosenProbability = new SharedArrayBuffer(8 * n);
    const reward = new SharedArrayBuffer(8 * n);
    const actionCount = new SharedArrayBuffer(4 * n);
    const ci = new Int32Array(chosenIndex);
    const cp = new Float64Array(chosenProbability);
    const rw = new Float64Array(reward);
    const ac = new Int32Array(actionCount);
    for (let t = 0; t < n; t++) {
      const e = events[t]!;
      ci[t] = e.chosenIndex;
      cp[t] = e.chosenProbability;
      rw[t] = e.reward;
      ac[t] = e.actionCount;
    }
    return { length: n, bytes: this.data!, byteOffsets: this.byteOffsets, charOffsets: this.charOffsets, chosenIndex, chosenProbability, reward, actionCount };
  }
}

/** Events decoded per block: at most this many, and about this many bytes (one string per block, no copy per event). */
const BLOCK_EVENTS = 512;
const BLOCK_BYTES = 1 << 20;

class BlockCursor implements ContextCursor {
  text = '';
  start = 0;
  end = 0;
  private b0 = 0;
  private b1 = 0;
  private readonly buf: Buffer;
  private readonly bo: Float64Array;
  private readonly co: Float64Array;
  constructor(private readonly p: PackedEvents) {
    this.buf = Buffer.from(p.bytes);
    this.bo = new Float64Array(p.byteOffsets);
    this.co = new Float64Array(p.charOffsets);
  }
  seek(t: number): void {
    if (t < this.b0 || t >= this.b1) {
      const bo = this.bo;
      let b1 = t + 1;
      const limit = Math.min(this.p.length, t + BLOCK_EVENTS);
      while (b1 < limit && bo[b1 + 1]! - bo[t]! <= BLOCK_BYTES) b1++;
      this.b0 = t;
      this.b1 = b1;
      this.text = this.buf.toString('utf8', bo[t]!, bo[b1]!);
    }
    const base = this.co[this.b0]!;
    this.start = this.co[t]! - base;
    this.end = this.co[t + 1]! - base;
  }
}

export function unpackEvents(p: PackedEvents): PassEvents {
  return {
    length: p.length,
    chosenIndex: new Int32Array(p.chosenIndex),
    chosenProbability: new Float64Array(p.chosenProbability),
    reward: new Float64Array(p.reward),
    actionCount: new Int32Array(p.actionCount),
    contexts: new BlockCursor(p),
  };
}

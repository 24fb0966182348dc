// The bounded queue between a parse worker and the learner of `personalizer replay`: a ring of SLOTS
// SharedArrayBuffers that the worker fills with batches (replay_batch.ts) and the learner reads in place, with two
// counters for hand-over (no message, no copy, no allocation per batch). The worker waits while the ring is full,
// the learner while it is empty, as VW's parser and learner threads do on their example queue
// (vowpalwabbit/core/include/vw/core/parse_example.h, vowpalwabbit/core/src/parser.cc). A batch that does not
// fit a slot (a line of megabytes) or carries error texts, and the end of the input, travel as messages instead;
// their ring position says so.
import type { Batch } from './replay_batch.js';

export const SLOTS = 4;

/** A slot holds a 128 KiB block of the sim log (~185 events of 275 features, ~450 KB) with room to spare. */
export const SLOT_BYTES = 1 << 20;

const WRITTEN = 0;
const READ = 1;
/** 1 while the worker waits for a free slot. */
const WRITER_WAITS = 2;
/** Per slot in `meta`: words, lines, bytesRead, via (0: in the slot, 1: by message), block number. */
const META = 5;

/** In the pool shared by all workers: the next block to claim, and the batches published (a learner waits on it). */
const CLAIMED = 0;
const PUBLISHED = 1;
/** 1 while the learner waits for a block. A notify costs as much as parsing a few events: only a waiter gets one. */
const READER_WAITS = 2;

export interface Ring {
  control: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  slots: SharedArrayBuffer[];
  /** Shared by every worker of a run. */
  pool: SharedArrayBuffer;
}

export function createPool(): SharedArrayBuffer {
  return new SharedArrayBuffer(12);
}

export function createRing(pool: SharedArrayBuffer): Ring {
  const slots: SharedArrayBuffer[] = [];
  for (let i = 0; i < SLOTS; i++) slots.push(new SharedArrayBuffer(SLOT_BYTES));
  return { control: new SharedArrayBuffer(12), meta: new SharedArrayBuffer(8 * META * SLOTS), slots, pool };
}

/** The worker's end. */
export class RingWriter {
  private readonly ctl: Int32Array;
  private readonly meta: Float64Array;
  private readonly pool: Int32Array;

  constructor(
    private readonly ring: Ring,
    private readonly post: (value: unknown, transfer?: ArrayBuffer[]) => void,
  ) {
    this.ctl = new Int32Array(ring.control);
    this.meta = new Float64Array(ring.meta);
    this.pool = new Int32Array(ring.pool);
  }

  /**
   * The next block of the input no worker has taken yet. Workers take blocks as they get to them, so one that the
   * OS runs less (a busy machine) simply parses fewer; a worker claims a block only once it has a free slot.
   */
  claim(): number {
    return Atomics.add(this.pool, CLAIMED, 1);
  }

  /** The next slot's buffer, once the learner has freed it (blocks the worker until then). */
  acquire(): SharedArrayBuffer {
    const written = this.ctl[WRITTEN]!;
    const ctl = this.ctl;
    for (;;) {
      const read = Atomics.load(ctl, READ);
      if (written - read < SLOTS) break;
      // Announce the wait, then look again: a release between the two is seen, one after it notifies.
      Atomics.store(ctl, WRITER_WAITS, 1);
      if (Atomics.load(ctl, READ) === read) Atomics.wait(ctl, READ, read);
      Atomics.store(ctl, WRITER_WAITS, 0);
    }
    return this.ring.slots[written % SLOTS]!;
  }

  /** Publishes block `block`'s batch, written into the acquired slot (or, when it did not fit, a buffer of its own). */
  publish(batch: Batch, block: number): void {
    const i = this.acquireIndex();
    this.meta[i * META + 4] = block;
    if (batch.buffer === this.ring.slots[i] && batch.messages.length === 0) {
      const m = this.meta;
      m[i * META] = batch.words;
      m[i * META + 1] = batch.lines;
      m[i * META + 2] = batch.bytesRead;
      m[i * META + 3] = 0;
    } else {
      const own = batch.buffer === this.ring.slots[i] ? { ...batch, buffer: batch.buffer.slice(0, Math.ceil(batch.words / 2) * 8) } : batch;
      this.post({ batch: own }, own.buffer instanceof ArrayBuffer ? [own.buffer] : []);
      this.meta[i * META + 3] = 1;
    }
    this.advance();
  }

  /** A message in place of block `block` (the end of the input, a failure). */
  signal(message: unknown, block: number): void {
    const i = this.acquireIndex();
    this.meta[i * META + 4] = block;
    this.post(message);
    this.meta[i * META + 3] = 1;
    this.advance();
  }

  private acquireIndex(): number {
    this.acquire();
    return this.ctl[WRITTEN]! % SLOTS;
  }

  private advance(): void {
    Atomics.store(this.ctl, WRITTEN, this.ctl[WRITTEN]! + 1);
    Atomics.add(this.pool, PUBLISHED, 1);
    if (Atomics.load(this.pool, READER_WAITS) === 1) Atomics.notify(this.pool, PUBLISHED);
  }
}

/** The learner's end: finds block b at the head of one of the workers' rings. */
export class RingReader {
  private readonly ctl: Int32Array[];
  private readonly meta: Float64Array[];
  private readonly pool: Int32Array;
  private current = 0;

  constructor(private readonly rings: Ring[]) {
    this.ctl = rings.map((r) => new Int32Array(r.control));
    this.meta = rings.map((r) => new Float64Array(r.meta));
    this.pool = new Int32Array(rings[0]!.pool);
  }

  /**
   * Block `block`, or the number of the worker whose next message holds it (a batch too large for a slot, the end,
   * a failure). Each worker publishes its blocks in increasing order, so block b, once published, is at the head
   * of its worker's ring. `alive` is checked every 50 ms of waiting (a worker that crashed publishes nothing).
   */
  async next(block: number, alive: () => void): Promise<Batch | { worker: number }> {
    for (;;) {
      const seen = Atomics.load(this.pool, PUBLISHED);
      for (let w = 0; w < this.rings.length; w++) {
        const ctl = this.ctl[w]!;
        const read = ctl[READ]!;
        if (Atomics.load(ctl, WRITTEN) === read) continue;
        const i = read % SLOTS;
        const m = this.meta[w]!;
        if (m[i * META + 4] !== block) continue;
        this.current = w;
        if (m[i * META + 3] === 1) return { worker: w };
        return { buffer: this.rings[w]!.slots[i]!, words: m[i * META]!, lines: m[i * META + 1]!, bytesRead: m[i * META + 2]!, messages: [] };
      }
      // A blocking wait: waking a thread parked in Atomics.wait costs the worker far less than resolving an
      // Atomics.waitAsync promise on this thread's event loop (measured: ~10% of a worker's time). After a while
      // without a block, the event loop gets a turn (a worker's failure message or crash arrives there).
      Atomics.store(this.pool, READER_WAITS, 1);
      const r = Atomics.load(this.pool, PUBLISHED) === seen ? Atomics.wait(this.pool, PUBLISHED, seen, 50) : 'not-equal';
      Atomics.store(this.pool, READER_WAITS, 0);
      if (r === 'timed-out') {
        await new Promise((resolve) => setImmediate(resolve));
        alive();
      }
    }
  }

  /** The learner is done with the block last returned by next(): its slot may be refilled. */
  release(): void {
    const ctl = this.ctl[this.current]!;
    Atomics.store(ctl, READ, ctl[READ]! + 1);
    if (Atomics.load(ctl, WRITER_WAITS) === 1) Atomics.notify(ctl, READ);
  }
}

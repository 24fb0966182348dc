// The compact form in which parsed, featurized DSJSON events travel from the reading side of `personalizer replay`
// (a parse worker, or the same thread) to the learner: one buffer per batch, written by a parse worker into a slot of a ring of
// SharedArrayBuffers and read in place by the learner (replay_ring.ts). VW hands its parser thread's examples to the
// learner the same way, through a bounded queue of ready examples (vowpalwabbit/core/src/parser.cc,
// vowpalwabbit/core/include/vw/core/parse_example.h ready_parsed_examples).
//
// Records, in line order, in 32-bit words:
//   EVENT:        kind, line, flags, nActions, labelIndex, sharedFeatures, (pad to 8 bytes), weight f64, cost f64, probability f64,
//                 count[nActions], linear[nActions] (FeatureVector.linear), index u32[Σcount], value f32[Σcount]
//   SKIP_LEARN:   kind, line                       (`_skipLearn`: a valid event, neither predicted nor counted)
//   LINE_ERROR:   kind, line, message#, flags      (message# indexes Batch.messages; flags: 1 a valid event all the
//                                                  same, 2 a line replay must stop at, DsjsonError.unsupported)
import type { FeatureVector, MultiExample } from '../engine/example.js';

export const EVENT = 1;
export const SKIP_LEARN = 2;
export const LINE_ERROR = 3;

const HAS_LABEL = 1;
const LINE_IS_EVENT = 1;
const LINE_STOPS = 2;

const EMPTY_U32 = new Uint32Array(0);
const EMPTY_F32 = new Float32Array(0);

/** What one batch message carries; `buffer` is transferred. */
export interface Batch {
  buffer: ArrayBufferLike;
  /** Words used. */
  words: number;
  /** Texts of the LINE_ERROR records. */
  messages: string[];
  /** Lines the batch covers (its line numbers are relative to the batch's first line when `relative`). */
  lines: number;
  /** Bytes of the input file consumed once this batch is learned (for the progress bar). */
  bytesRead: number;
}

export interface EventLabel {
  index: number;
  cost: number;
  probability: number;
}

/**
 * Appends records to a buffer (the producer side): begin() with a buffer (a worker's shared ring slot, or a spare
 * one), then finish(). A batch that outgrows its buffer moves on to a larger private one.
 */
export class BatchWriter {
  private buf: ArrayBufferLike = new ArrayBuffer(0);
  private u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  words = 0;
  messages: string[] = [];

  begin(buffer: ArrayBufferLike): void {
    this.view(buffer);
    this.words = 0;
    this.messages = [];
  }

  private view(buffer: ArrayBufferLike): void {
    this.buf = buffer;
    this.u32 = new Uint32Array(buffer);
    this.f32 = new Float32Array(buffer);
    this.f64 = new Float64Array(buffer);
  }

  private ensure(extra: number): void {
    const need = this.words + extra;
    if (need <= this.u32.length) return;
    let size = Math.max(this.u32.length * 2, 1024);
    while (size < need) size *= 2;
    const old = this.u32;
    this.view(new ArrayBuffer(size * 4));
    this.u32.set(old.subarray(0, this.words));
  }

  event(line: number, weight: number, label: EventLabel | undefined, ex: MultiExample): void {
    const actions = ex.actions;
    const k = actions.length;
    let total = 0;
    for (let a = 0; a < k; a++) total += actions[a]!.count;
    this.ensure(14 + 2 * k + 2 * total);
    const u = this.u32;
    let w = this.words;
    u[w] = EVENT;
    u[w + 1] = line;
    u[w + 2] = label ? HAS_LABEL : 0;
    u[w + 3] = k;
    u[w + 4] = label ? label.index : 0;
    u[w + 5] = ex.sharedFeatures ?? 0;
    w += 6;
    if (w & 1) w++; // f64 alignment
    const d = this.f64;
    d[w >> 1] = weight;
    d[(w >> 1) + 1] = label ? label.cost : 0;
    d[(w >> 1) + 2] = label ? label.probability : 0;
    w += 6;
    for (let a = 0; a < k; a++) u[w++] = actions[a]!.count;
    for (let a = 0; a < k; a++) u[w++] = actions[a]!.linear ?? actions[a]!.count;
    // TypedArray.set copies a block at once (a memcpy); element loops cost several times more here.
    const f = this.f32;
    let v = w + total;
    for (let a = 0; a < k; a++) {
      const fv = actions[a]!;
      const n = fv.count;
      u.set(n === fv.index.length ? fv.index : fv.index.subarray(0, n), w);
      f.set(n === fv.value.length ? fv.value : fv.value.subarray(0, n), v);
      w += n;
      v += n;
    }
    this.words = v;
  }

  skipLearn(line: number): void {
    this.ensure(2);
    this.u32[this.words++] = SKIP_LEARN;
    this.u32[this.words++] = line;
  }

  /**
   * A line that is not learned, with why; isEvent: a valid DSJSON event all the same (counted in `events`); stop: a
   * line replay must stop at instead of skipping (replay_stop.ts).
   */
  lineError(line: number, message: string, isEvent: boolean, stop = false): void {
    this.ensure(4);
    const u = this.u32;
    u[this.words++] = LINE_ERROR;
    u[this.words++] = line;
    u[this.words++] = this.messages.length;
    u[this.words++] = (isEvent ? LINE_IS_EVENT : 0) | (stop ? LINE_STOPS : 0);
    this.messages.push(message);
  }

  /** The records written since begin(). */
  finish(lines: number, bytesRead: number): Batch {
    return { buffer: this.buf, words: this.words, messages: this.messages, lines, bytesRead };
  }
}

/**
 * Reads a batch's records in place (the learner side). `example` is one MultiExample whose FeatureVectors view
 * each event in turn (the learner finishes an event before the next is read, and a batch before its slot is
 * refilled).
 */
export class BatchReader {
  kind = 0;
  line = 0;
  weight = 1;
  label: EventLabel | undefined;
  message = '';
  isEvent = false;
  stop = false;
  readonly example: MultiExample = { actions: [], tags: [] };
  private readonly labelObj: EventLabel = { index: 0, cost: 0, probability: 0 };
  private vectors: FeatureVector[] = [];
  private u32: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
  private f32: Float32Array<ArrayBufferLike> = new Float32Array(0);
  private f64: Float64Array<ArrayBufferLike> = new Float64Array(0);
  private buffer: ArrayBufferLike = new ArrayBuffer(0);
  private w = 0;
  private end = 0;
  private messages: string[] = [];

  reset(batch: Batch): void {
    this.buffer = batch.buffer;
    this.u32 = new Uint32Array(batch.buffer);
    this.f32 = new Float32Array(batch.buffer);
    this.f64 = new Float64Array(batch.buffer);
    this.w = 0;
    this.end = batch.words;
    this.messages = batch.messages;
  }

  /** Moves to the next record; false at the end of the batch. */
  next(): boolean {
    if (this.w >= this.end) return false;
    const u = this.u32;
    let w = this.w;
    this.kind = u[w]!;
    this.line = u[w + 1]!;
    if (this.kind === SKIP_LEARN) {
      this.w = w + 2;
      return true;
    }
    if (this.kind === LINE_ERROR) {
      this.message = this.messages[u[w + 2]!]!;
      this.isEvent = (u[w + 3]! & LINE_IS_EVENT) !== 0;
      this.stop = (u[w + 3]! & LINE_STOPS) !== 0;
      this.w = w + 4;
      return true;
    }
    const flags = u[w + 2]!;
    const k = u[w + 3]!;
    const labelIndex = u[w + 4]!;
    this.example.sharedFeatures = u[w + 5]!;
    w += 6;
    if (w & 1) w++;
    const d = this.f64;
    this.weight = d[w >> 1]!;
    if (flags & HAS_LABEL) {
      const l = this.labelObj;
      l.index = labelIndex;
      l.cost = d[(w >> 1) + 1]!;
      l.probability = d[(w >> 1) + 2]!;
      this.label = l;
    } else this.label = undefined;
    w += 6;
    const ex = this.example;
    const actions = ex.actions;
    actions.length = k;
    ex.tags.length = k;
    let at = w + 2 * k;
    let total = 0;
    for (let a = 0; a < k; a++) total += u[w + a]!;
    // Views into the batch, not copies: creating two typed arrays costs less than copying out of shared memory
    // (V8 copies from a SharedArrayBuffer element by element).
    const buf = this.buffer;
    for (let a = 0; a < k; a++) {
      const n = u[w + a]!;
      let fv = this.vectors[a];
      if (fv === undefined) {
        fv = { index: EMPTY_U32, value: EMPTY_F32, count: 0 };
        this.vectors[a] = fv;
      }
      fv.index = new Uint32Array(buf, at * 4, n);
      fv.value = new Float32Array(buf, (at + total) * 4, n);
      fv.count = n;
      fv.linear = u[w + k + a]!;
      actions[a] = fv;
      at += n;
    }
    this.w = at + total;
    return true;
  }
}

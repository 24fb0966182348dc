// The reading side of `personalizer replay`: DSJSON lines → parsed, featurized events in the compact batch form
// (replay_batch.ts). The same code runs in a parse worker (replay_worker.ts) or on the learner's own thread, so the
// two paths learn from identical records. A line's fate follows VW's `--dsjson` reader (parse_line_json in
// vowpalwabbit/json_parser/src/parse_example_json.cc): not a JSON object → skipped, `_skipLearn` → dropped unread,
// malformed → reported and skipped.
import { closeSync, openSync, readSync } from 'node:fs';
import { createFeaturizer, type Featurizer, type PolicyConfig } from '../engine/index.js';
import { EMPTY_LINE, parseCbLine, readLineBatches, DsjsonError } from '../dsjson/index.js';
import { BatchWriter, type Batch } from './replay_batch.js';

/** A batch of the streaming reader is handed over once it holds this many bytes (~150 events of 275 features). */
const BATCH_BYTES = 384 << 10;

export class BatchProducer {
  readonly writer = new BatchWriter();
  private readonly featurize: Featurizer;

  constructor(config: PolicyConfig) {
    // reuse: each event is copied into the batch before the next one is featurized.
    this.featurize = createFeaturizer(config, { reuse: true });
  }

  get full(): boolean {
    return this.writer.words * 4 >= BATCH_BYTES;
  }

  /** One line; `line` is its number relative to the batch's first line (1-based). */
  add(text: string, line: number): void {
    const w = this.writer;
    const r = parseCbLine(text, line);
    if (r instanceof DsjsonError) return w.lineError(line, r.reason, false, r.unsupported);
    if ('skipped' in r) {
      // VW skips these without a word; replay reports them. An empty line carries nothing and is not reported.
      if (r.reason !== EMPTY_LINE) w.lineError(line, r.reason, false);
      return;
    }
    // _skipLearn: VW drops the event before prediction, so it is neither predicted nor counted.
    if (r.skipLearn) return w.skipLearn(line);
    let ex;
    try {
      ex = this.featurize(text, r.contextStart, r.contextEnd);
    } catch (e) {
      return w.lineError(line, (e as Error).message, true);
    }
    const label = r.label;
    if (label && label.index >= ex.actions.length) {
      // VW: "_labelIndex must be smaller than number of actions" — the line is a parse error.
      return w.lineError(line, `_labelIndex ${label.index} is out of range for ${ex.actions.length} actions`, true);
    }
    w.event(line, r.weight, label, ex);
  }
}

/**
 * The whole file in order, in batches, with its line numbers relative to each batch (plain or gzip, through the
 * streaming reader). `buffer` gives the buffer for the next batch (called once the previous one is consumed).
 */
export async function* sequentialBatches(path: string, config: PolicyConfig, buffer: () => ArrayBufferLike): AsyncGenerator<Batch> {
  const p = new BatchProducer(config);
  let lines = 0;
  let bytesRead = 0;
  p.writer.begin(buffer());
  for await (const chunk of readLineBatches(path, { onProgress: (read) => (bytesRead = read) })) {
    for (let i = 0; i < chunk.length; i++) p.add(chunk[i]!, ++lines);
    if (p.full) {
      yield p.writer.finish(lines, bytesRead);
      lines = 0;
      p.writer.begin(buffer());
    }
  }
  if (lines > 0) yield p.writer.finish(lines, bytesRead);
}

/** Bytes of a plain file per block (the unit a parse worker claims; replay_ring.ts). */
export const BLOCK_BYTES = 128 << 10;

const LF = 10;

/** The bytes of the block being parsed, reused from block to block (a long line makes it grow). */
let readBuffer = Buffer.alloc(0);

/**
 * The lines that start inside byte block `b` of a plain file (a line belongs to the block its first byte is in;
 * the last one is read past the block's end up to its newline), as one batch. Blocks can be parsed by different
 * threads at once: the learner numbers their lines by adding up the `lines` of the blocks before.
 */
export function blockBatch(fd: number, size: number, b: number, p: BatchProducer, target: ArrayBufferLike): Batch {
  p.writer.begin(target);
  const start = b * BLOCK_BYTES;
  const end = Math.min(size, start + BLOCK_BYTES);
  const from = start === 0 ? 0 : start - 1;
  let buf = readBuffer;
  if (buf.length < end - from + (1 << 16)) buf = readBuffer = Buffer.allocUnsafe(end - from + (1 << 16));
  let n = readFully(fd, buf, 0, end - from, from);
  let first = 0;
  if (start > 0) {
    // Byte start-1 is the previous block's: a line starts at `start` only if it is a newline.
    const nl = buf.indexOf(LF, 0);
    first = nl < 0 || nl >= n ? n : nl + 1;
  }
  if (first < n && buf[n - 1] !== LF) {
    // The block's last line runs on into the next block(s): read up to its newline or the end of the file.
    let pos = from + n;
    for (;;) {
      if (buf.length - n < 1 << 16) {
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, n);
        buf = readBuffer = bigger;
      }
      const got = readFully(fd, buf, n, 1 << 16, pos);
      if (got === 0) break;
      const nl = buf.indexOf(LF, n);
      if (nl >= 0 && nl < n + got) {
        n = nl + 1;
        break;
      }
      n += got;
      pos += got;
    }
  }
  let lines = 0;
  let at = first;
  while (at < n) {
    let nl = buf.indexOf(LF, at);
    if (nl < 0 || nl >= n) nl = n;
    let stop = nl;
    if (stop > at && buf[stop - 1] === 13) stop--; // CRLF files
    p.add(buf.toString('utf8', at, stop), ++lines);
    at = nl + 1;
  }
  return p.writer.finish(lines, end);
}

function readFully(fd: number, buf: Buffer, offset: number, length: number, position: number): number {
  let got = 0;
  while (got < length) {
    const r = readSync(fd, buf, offset + got, length - got, position + got);
    if (r === 0) break;
    got += r;
  }
  return got;
}

export function openForBlocks(path: string): number {
  return openSync(path, 'r');
}

export function closeBlocks(fd: number): void {
  closeSync(fd);
}

// Where the learner of `personalizer replay` gets its batches (replay_batch.ts): from parse workers, as VW parses
// on a thread of its own while it learns (vowpalwabbit/core/src/vw.cc start_parser), or, for small files and
// when asked to, from the same thread.
//   plain file: PARSE_THREADS workers; byte block b (BLOCK_BYTES) is parsed by worker b mod N, learned in order;
//   gzip file:  one worker inflates and parses it in order (a gzip stream cannot be split).
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { isGzipFile } from '../dsjson/index.js';
import type { PolicyConfig } from '../engine/index.js';
import type { Batch } from './replay_batch.js';
import { BLOCK_BYTES, sequentialBatches } from './replay_producer.js';
import type { WorkerData, WorkerMessage } from './replay_worker.js';

/** Below this size a worker's start-up (~30 ms) costs more than parsing on the learner's thread. */
const SMALL_FILE = 2 << 20;

/**
 * Parse threads for a file: PERSONALIZER_REPLAY_THREADS when set (0: parse on the learner's thread), else one per
 * core up to 3 (the learner's own thread needs a share too), and none for small files or a single core.
 */
export function parseThreads(size: number): number {
  const env = process.env.PERSONALIZER_REPLAY_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 0 && n <= 16) return n;
  }
  if (size < SMALL_FILE) return 0;
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(cores, 3);
}

export interface BatchSource {
  batches: AsyncGenerator<Batch>;
  /** The file's size, for the progress bar. */
  total: number;
  /** The learner is done with this batch's buffer (it may be reused). */
  release(batch: Batch): void;
  /** Stops the workers (a run that ends early, on an error). */
  close(): Promise<void>;
}

export async function openBatchSource(path: string, config: PolicyConfig): Promise<BatchSource> {
  const total = (await stat(path)).size;
  const gzip = await isGzipFile(path);
  let threads = parseThreads(total);
  if (threads > 0 && gzip) threads = 1;
  if (threads === 0) {
    const spare: ArrayBuffer[] = [];
    return {
      batches: sequentialBatches(path, config, () => spare.pop()),
      total,
      release: (b) => void (spare.length < 2 && spare.push(b.buffer)),
      close: async () => {},
    };
  }
  return workerSource(path, config, total, gzip ? 1 : threads, !gzip);
}

function workerSource(path: string, config: PolicyConfig, total: number, n: number, blocks: boolean): BatchSource {
  const ahead = new SharedArrayBuffer(4 * n);
  const counters = new Int32Array(ahead);
  const queues: WorkerMessage[][] = [];
  const workers: Worker[] = [];
  let wake: (() => void) | undefined;
  let crash: Error | undefined;
  for (let w = 0; w < n; w++) {
    const data: WorkerData = { path, config, ahead };
    if (blocks) data.blocks = { worker: w, workers: n, size: total };
    const worker = new Worker(new URL('./replay_worker.js', import.meta.url), { workerData: data });
    queues.push([]);
    worker.on('message', (m: WorkerMessage) => {
      queues[w]!.push(m);
      wake?.();
    });
    worker.on('error', (e) => {
      crash ??= e;
      wake?.();
    });
    workers.push(worker);
  }
  const next = async (w: number): Promise<WorkerMessage> => {
    const q = queues[w]!;
    while (q.length === 0) {
      if (crash) throw crash;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return q.shift()!;
  };
  const owner = new Map<ArrayBuffer, number>();
  async function* batches(): AsyncGenerator<Batch> {
    const count = blocks ? Math.ceil(total / BLOCK_BYTES) : Infinity;
    for (let b = 0; b < count; b++) {
      const w = b % n;
      const m = await next(w);
      if ('fail' in m) throw Object.assign(new Error(m.fail.message), m.fail.code ? { code: m.fail.code } : {});
      if ('end' in m) break;
      owner.set(m.batch.buffer, w);
      yield m.batch;
    }
  }
  return {
    batches: batches(),
    total,
    release: (batch) => {
      const w = owner.get(batch.buffer);
      if (w === undefined) return;
      owner.delete(batch.buffer);
      workers[w]!.postMessage(batch.buffer, [batch.buffer]);
      Atomics.sub(counters, w, 1);
      Atomics.notify(counters, w);
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

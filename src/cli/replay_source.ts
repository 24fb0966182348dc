// Where the learner of `personalizer replay` gets its batches (replay_batch.ts): from parse workers, as VW parses
// on a thread of its own while it learns (vowpalwabbit/core/src/vw.cc start_parser), or, for small files and
// when asked to, from the same thread.
//   plain file: parseThreads() workers take byte blocks (BLOCK_BYTES) in turn as they get to them; the learner
//               learns the blocks in file order;
//   gzip file:  one worker inflates and parses it in order (a gzip stream cannot be split).
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { isGzipFile } from '../dsjson/index.js';
import type { PolicyConfig } from '../engine/index.js';
import type { Batch } from './replay_batch.js';
import { BLOCK_BYTES, sequentialBatches } from './replay_producer.js';
import { UsageError } from './replay_args.js';
import { createPool, createRing, RingReader, type Ring } from './replay_ring.js';
import type { WorkerData, WorkerMessage } from './replay_worker.js';

/** Below this size a worker's start-up (~30 ms) costs more than parsing on the learner's thread. */
const SMALL_FILE = 2 << 20;

/** PERSONALIZER_REPLAY_THREADS, checked before the run (a UsageError names it); undefined when unset. */
export function threadsSetting(env = process.env.PERSONALIZER_REPLAY_THREADS): number | undefined {
  if (env === undefined || env === '') return undefined;
  const n = Number(env);
  if (!/^\d+$/.test(env.trim()) || n > 16) throw new UsageError(`PERSONALIZER_REPLAY_THREADS must be a whole number from 0 to 16, got '${env}'`);
  return n;
}

/**
 * Parse threads for a file: `setting` when given (0: parse on the learner's thread), else one per core beside the
 * learner's, at most 3, and none for small files or a single core. On 2 cores that is one worker, as VW runs one
 * parser thread beside its learner: a second worker there costs ~20% more CPU and ~17 MB of RSS (its own V8 heap
 * and JIT) and gains little, since the three threads then share two cores.
 */
export function parseThreads(size: number, setting: number | undefined): number {
  if (setting !== undefined) return setting;
  if (size < SMALL_FILE) return 0;
  const cores = availableParallelism();
  return Math.max(0, Math.min(cores - 1, 3));
}

export interface BatchSource {
  batches: AsyncGenerator<Batch>;
  /** The file's size, for the progress bar. */
  total: number;
  /** The learner is done with the batch last yielded (its slot may be refilled). */
  release(): void;
  /** Stops the workers (a run that ends early, on an error). */
  close(): Promise<void>;
}

export async function openBatchSource(path: string, config: PolicyConfig, setting: number | undefined): Promise<BatchSource> {
  const total = (await stat(path)).size;
  const gzip = await isGzipFile(path);
  let threads = parseThreads(total, setting);
  if (threads > 0 && gzip) threads = 1;
  if (threads === 0) {
    // The generator resumes only once the learner is done with the batch it yielded: one buffer serves them all.
    let buffer: ArrayBufferLike = new ArrayBuffer(1 << 20);
    return {
      batches: (async function* () {
        for await (const b of sequentialBatches(path, config, () => buffer)) {
          buffer = b.buffer; // kept if it had to grow
          yield b;
        }
      })(),
      total,
      release: () => {},
      close: async () => {},
    };
  }
  return workerSource(path, config, total, threads, !gzip);
}

function workerSource(path: string, config: PolicyConfig, total: number, n: number, blocks: boolean): BatchSource {
  const queues: WorkerMessage[][] = [];
  const pool = createPool();
  const rings: Ring[] = [];
  const workers: Worker[] = [];
  let wake: (() => void) | undefined;
  let crash: Error | undefined;
  for (let w = 0; w < n; w++) {
    const ring = createRing(pool);
    rings.push(ring);
    const data: WorkerData = { path, config, ring };
    if (blocks) data.blocks = { size: total };
    // A small young generation: the worker's garbage is short-lived line strings (peak RSS, not speed).
    const worker = new Worker(new URL('./replay_worker.js', import.meta.url), { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
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
  const alive = () => {
    if (crash) throw crash;
  };
  const message = async (w: number): Promise<WorkerMessage> => {
    const q = queues[w]!;
    while (q.length === 0) {
      alive();
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
    return q.shift()!;
  };
  const reader = new RingReader(rings);
  async function* batches(): AsyncGenerator<Batch> {
    const count = blocks ? Math.ceil(total / BLOCK_BYTES) : Infinity;
    for (let b = 0; b < count; b++) {
      const next = await reader.next(b, alive);
      if (!('worker' in next)) {
        yield next;
        continue;
      }
      const m = await message(next.worker);
      if ('fail' in m) throw Object.assign(new Error(m.fail.message), m.fail.code ? { code: m.fail.code } : {});
      if ('end' in m) break;
      yield m.batch;
    }
  }
  return {
    batches: batches(),
    total,
    release: () => reader.release(),
    close: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

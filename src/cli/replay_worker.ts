// A parse worker of `personalizer replay` (replay_source.ts starts it): reads its share of the DSJSON file, parses
// and featurizes it (replay_producer.ts) and posts the batches to the learner's thread, transferring their
// buffers. It runs at most MAX_AHEAD batches ahead of the learner, waiting on a shared counter the learner
// decrements, so memory stays bounded however fast it parses (VW's parser thread blocks the same way on its
// bounded example queue).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { PolicyConfig } from '../engine/index.js';
import type { Batch } from './replay_batch.js';
import { BatchProducer, BLOCK_BYTES, blockBatch, closeBlocks, openForBlocks, sequentialBatches } from './replay_producer.js';

export interface WorkerData {
  path: string;
  config: PolicyConfig;
  /** Block mode: this worker's number and the number of workers; sequential mode (gzip): absent. */
  blocks?: { worker: number; workers: number; size: number };
  /** Int32Array over a SharedArrayBuffer: per worker, the batches posted and not yet learned. */
  ahead: SharedArrayBuffer;
}

export type WorkerMessage = { batch: Batch } | { end: true } | { fail: { message: string; code?: string } };

export const MAX_AHEAD = 4;

const port = parentPort!;
const data = workerData as WorkerData;
const ahead = new Int32Array(data.ahead);
const me = data.blocks?.worker ?? 0;
/** Buffers the learner has finished with, sent back for reuse. */
const spare: ArrayBuffer[] = [];

function recycled(): ArrayBuffer | undefined {
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (!m) break;
    spare.push(m.message as ArrayBuffer);
  }
  return spare.pop();
}

function post(batch: Batch): void {
  // Wait while MAX_AHEAD batches are queued (Atomics.wait returns at once when the value has changed meanwhile).
  for (;;) {
    const n = Atomics.load(ahead, me);
    if (n < MAX_AHEAD) break;
    Atomics.wait(ahead, me, n);
  }
  Atomics.add(ahead, me, 1);
  port.postMessage({ batch } satisfies WorkerMessage, [batch.buffer]);
}

async function main(): Promise<void> {
  const b = data.blocks;
  if (b) {
    const fd = openForBlocks(data.path);
    try {
      const producer = new BatchProducer(data.config);
      const blocks = Math.ceil(b.size / BLOCK_BYTES);
      for (let k = b.worker; k < blocks; k += b.workers) post(blockBatch(fd, b.size, k, producer, recycled()));
    } finally {
      closeBlocks(fd);
    }
  } else {
    for await (const batch of sequentialBatches(data.path, data.config, recycled)) post(batch);
  }
  port.postMessage({ end: true } satisfies WorkerMessage);
}

main().catch((e: NodeJS.ErrnoException) => {
  const fail: { message: string; code?: string } = { message: e instanceof Error ? e.message : String(e) };
  if (e?.code) fail.code = e.code;
  port.postMessage({ fail } satisfies WorkerMessage);
});

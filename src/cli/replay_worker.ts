// A parse worker of `personalizer replay` (replay_source.ts starts it): reads its share of the DSJSON file, parses
// and featurizes it (replay_producer.ts), block after block as it claims them, into the slots of its ring (replay_ring.ts), which the learner's thread
// reads in place. The ring bounds how far it runs ahead, so memory stays flat however fast it parses.
import { parentPort, workerData } from 'node:worker_threads';
import type { PolicyConfig } from '../engine/index.js';
import type { Batch } from './replay_batch.js';
import { BatchProducer, BLOCK_BYTES, blockBatch, closeBlocks, openForBlocks, sequentialBatches } from './replay_producer.js';
import { RingWriter, type Ring } from './replay_ring.js';

export interface WorkerData {
  path: string;
  config: PolicyConfig;
  /** Block mode: the file's size (blocks are claimed from the shared pool); sequential mode (gzip): absent. */
  blocks?: { size: number };
  ring: Ring;
}

export type WorkerMessage = { batch: Batch } | { end: true } | { fail: { message: string; code?: string } };

const port = parentPort!;
const data = workerData as WorkerData;
const ring = new RingWriter(data.ring, (value, transfer) => port.postMessage(value, transfer ?? []));

/** The block this worker is on (a failure is reported in its place). */
let block = -1;

async function main(): Promise<void> {
  const b = data.blocks;
  if (b) {
    const fd = openForBlocks(data.path);
    try {
      const producer = new BatchProducer(data.config);
      const blocks = Math.ceil(b.size / BLOCK_BYTES);
      for (;;) {
        const slot = ring.acquire();
        block = ring.claim();
        if (block >= blocks) return;
        ring.publish(blockBatch(fd, b.size, block, producer, slot), block);
      }
    } finally {
      closeBlocks(fd);
    }
  }
  // Sequential (gzip): the only worker, its batches numbered in order, then the end.
  block = 0;
  for await (const batch of sequentialBatches(data.path, data.config, () => ring.acquire())) ring.publish(batch, block++);
  ring.signal({ end: true } satisfies WorkerMessage, block);
}

main().catch((e: NodeJS.ErrnoException) => {
  const fail: { message: string; code?: string } = { message: e instanceof Error ? e.message : String(e) };
  if (e?.code) fail.code = e.code;
  // In place of the block it failed on, or of the next one no worker has taken (the learner waits for it).
  ring.signal({ fail } satisfies WorkerMessage, block >= 0 ? block : ring.claim());
});

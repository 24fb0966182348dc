// The worker thread of export_rank.bench.ts's store measurement: saves a model of `bytes` random bytes every
// `everyMs`, on its own connection to the store, as the trainer worker does, until told to stop.
import { randomBytes } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../src/store/index.js';

const { url, bytes, everyMs } = workerData as { url: string; bytes: number; everyMs: number };
const store = await openStore(url);
const model = new Uint8Array(randomBytes(bytes));
let saved = 0;
let stop = false;
parentPort!.on('message', () => (stop = true));
let cursor = 0;
while (!stop) {
  const t = Date.now();
  await store.saveModel({ bytes: model, policy: 'bench', createdAt: 1, modifiedAt: t, cursor: ++cursor, eventsLearned: cursor });
  saved++;
  await new Promise((r) => setTimeout(r, Math.max(0, everyMs - (Date.now() - t))));
}
await store.close();
parentPort!.postMessage(saved);

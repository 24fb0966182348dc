// A worker thread of the pass pool (pool.ts): keeps the packed events it is sent (views on shared memory, no
// copy) and runs its share of each pass's policies over them with runPassOver, posting progress as it goes and
// its per-event columns at the end (transferred, not copied).
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PassCancelled, runPassOver } from './pass.js';
import { unpackEvents, type PackedEvents, type PassEvents } from './pass_events.js';
import type { PassPolicy, PassResult } from './types.js';

export interface WorkerData {
  lowPriority: boolean;
}

export type ToWorker =
  | { type: 'events'; id: number; packed: PackedEvents }
  | { type: 'drop'; id: number }
  | {
      type: 'pass';
      call: number;
      events: number;
      policies: PassPolicy[];
      rewardModel: string;
      progressEvery: number;
      cancelCheckEvery: number;
      topActions: boolean;
      /**
       * The reward table (Float64 on shared memory) to fill or to read, and while it is being filled, the count of
       * events it holds (Int32 on shared memory); absent: train the reward model here.
       */
      table?: { q: SharedArrayBuffer; fill: boolean; filled?: SharedArrayBuffer };
      /** Int32 × 1 on shared memory: set to 1 when the caller cancels. */
      cancel: SharedArrayBuffer;
      /** Whether to send qLogged/qMean/qFirst back (one worker does). */
      withQ: boolean;
    };

export type FromWorker =
  | { type: 'progress'; call: number; done: number }
  | { type: 'result'; call: number; result: PassResult }
  | { type: 'cancelled'; call: number }
  | { type: 'failed'; call: number; message: string };

// Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, 0) (os.setPriority's default pid 0) sets the
// calling thread's only: this worker yields the cores to the server's event loop, so an evaluation running beside
// the service never slows its Rank calls (man 2 setpriority, "BUGS": the nice value is a per-thread attribute).
// (A command-line evaluation, the only work of its process, keeps the normal priority: PassPoolOptions.lowPriority.)
if ((workerData as WorkerData | undefined)?.lowPriority !== false) {
  try {
    setPriority(19);
  } catch {
    // Not permitted (some containers): the evaluation still runs, at normal priority.
  }
}

const port = parentPort!;
const events = new Map<number, PassEvents>();

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'events':
      events.set(m.id, unpackEvents(m.packed));
      return;
    case 'drop':
      events.delete(m.id);
      return;
    case 'pass':
      runOne(m);
      return;
  }
});

function runOne(m: Extract<ToWorker, { type: 'pass' }>): void {
  const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  const ev = events.get(m.events);
  if (!ev) return post({ type: 'failed', call: m.call, message: 'the events of this pass were not sent to the worker' });
  const flag = new Int32Array(m.cancel);
  try {
    const result = runPassOver(ev, m.policies, {
      rewardModel: m.rewardModel,
      progressEvery: m.progressEvery,
      cancelCheckEvery: m.cancelCheckEvery,
      topActions: m.topActions,
      onProgress: (done) => post({ type: 'progress', call: m.call, done }),
      cancelled: () => Atomics.load(flag, 0) !== 0,
      ...(m.table
        ? { rewardTable: { q: new Float64Array(m.table.q), fill: m.table.fill, ...(m.table.filled ? { filled: new Int32Array(m.table.filled) } : {}) } }
        : {}),
    });
    const transfer: ArrayBuffer[] = [];
    for (const p of result.policies) {
      transfer.push(p.pi.buffer as ArrayBuffer, p.dm.buffer as ArrayBuffer);
      if (p.top) transfer.push(p.top.buffer as ArrayBuffer);
    }
    if (!m.withQ) {
      const empty = new Float64Array(0);
      result.qLogged = result.qMean = result.qFirst = empty;
    } else transfer.push(result.qLogged.buffer as ArrayBuffer, result.qMean.buffer as ArrayBuffer, result.qFirst.buffer as ArrayBuffer);
    post({ type: 'result', call: m.call, result }, transfer);
  } catch (e) {
    if (e instanceof PassCancelled) post({ type: 'cancelled', call: m.call });
    else post({ type: 'failed', call: m.call, message: e instanceof Error ? e.message : String(e) });
  }
}

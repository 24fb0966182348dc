// The replay passes of evaluations, on worker threads (one per core by default), so that an evaluation runs off
// the thread that serves Rank and uses every core. A pass's policies are split across the threads by estimated
// cost (pool_balance.ts); each thread runs runPassOver on its share and sends back its columns, and the result is
// the one runPassInProcess gives, bit for bit (every policy's model is independent, and the reward model is the
// same deterministic computation wherever it runs).
// The log crosses to the threads once: packed into shared memory (pass_events.ts) per events array, kept while
// the array lives. The shared reward model is trained by one thread only, which writes q̂ of every action into a
// table in shared memory as it goes; the other threads read each event's q̂ from it as soon as it is there. The
// table is kept beside the events, so later passes over them (optimization discovery runs several) only read it.
import { availableParallelism } from 'node:os';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { RunPasses } from './evaluate.js';
import { PassCancelled, summarizeQ, type PassOptions } from './pass.js';
import { packEventsAsync, type PackedEvents } from './pass_events.js';
import type { FromWorker, ToWorker, WorkerData } from './pass_worker.js';
import { splitPolicies, type Share } from './pool_balance.js';
import type { LoggedEvent, PassOutput, PassPolicy, PassResult } from './types.js';

export interface PassPoolOptions {
  /** Worker threads (default: os.availableParallelism()). */
  threads?: number;
  /** Limits of each worker's heap (node:worker_threads); a worker past them fails its pass, never the process. */
  resourceLimits?: ResourceLimits;
  /**
   * Run the workers at the lowest priority (nice 19), so that they take only the CPU time the process's other
   * threads leave, e.g. the server's Rank calls (default true).
   */
  lowPriority?: boolean;
}

export interface PassPool {
  runPasses: RunPasses;
  readonly threads: number;
  /** Stops the workers; a pass still running rejects. */
  close(): Promise<void>;
}

/** How often a worker looks at the cancel flag (events), and the caller's cancelled() is polled (ms). */
const CANCEL_CHECK_EVENTS = 64;
const CANCEL_POLL_MS = 100;

interface Slot {
  worker: Worker;
  /** Ids of the packed event sets this worker holds. */
  sent: Set<number>;
  /** The running call's listeners. */
  onMessage?: (m: FromWorker) => void;
  onDeath?: (reason: string) => void;
}

interface Packed {
  id: number;
  length: number;
  data: PackedEvents;
  /** Per reward-model arguments: q̂ of every action of every event, complete once `ready`. */
  tables: Map<string, { q: Float64Array; ready: boolean }>;
}

export function createPassPool(options: PassPoolOptions = {}): PassPool {
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const slots: (Slot | undefined)[] = new Array(threads).fill(undefined);
  const packs = new WeakMap<readonly LoggedEvent[], Packed>();
  let nextId = 1;
  let nextCall = 1;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  // An events array no longer referenced anywhere: its shared copy is released by the workers too.
  const registry = new FinalizationRegistry<number>((id) => {
    for (const s of slots) {
      if (s?.sent.delete(id)) s.worker.postMessage({ type: 'drop', id } satisfies ToWorker);
    }
  });

  function slot(i: number): Slot {
    const existing = slots[i];
    if (existing) return existing;
    const workerData: WorkerData = { lowPriority: options.lowPriority !== false };
    const worker = new Worker(new URL('./pass_worker.js', import.meta.url), {
      workerData,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    worker.unref();
    const s: Slot = { worker, sent: new Set() };
    let reason: string | undefined;
    worker.on('message', (m: FromWorker) => s.onMessage?.(m));
    worker.on('error', (e) => (reason = e.message));
    worker.on('exit', (code) => {
      if (slots[i] === s) slots[i] = undefined;
      s.onDeath?.(reason ?? `exit code ${code}`);
    });
    slots[i] = s;
    return s;
  }

  async function packFor(events: readonly LoggedEvent[]): Promise<Packed> {
    let p = packs.get(events);
    // The array grew or shrank since it was packed (a caller reusing it): pack it again.
    if (p && p.length !== events.length) p = undefined;
    if (!p) {
      p = { id: nextId++, length: events.length, data: await packEventsAsync(events), tables: new Map() };
      packs.set(events, p);
      registry.register(events, p.id);
    }
    return p;
  }

  async function run(events: readonly LoggedEvent[], policies: readonly PassPolicy[], opts: PassOptions): Promise<PassResult> {
    if (closed) throw new Error('the evaluation worker pool is closed');
    const n = events.length;
    const packed = await packFor(events);
    let table = packed.tables.get(opts.rewardModel);
    if (!table) {
      let size = 0;
      for (const e of events) size += e.actionCount;
      table = { q: new Float64Array(new SharedArrayBuffer(8 * size)), ready: false };
      packed.tables.set(opts.rewardModel, table);
    }
    if (policies.length === 0 && table.ready) {
      const r = fromTable(events, table.q);
      opts.onProgress?.(n);
      return r;
    }
    const shares = splitPolicies(events, policies, table.ready ? undefined : opts.rewardModel, threads);
    return runShares(events, packed, policies, shares, table, opts);
  }

  function runShares(
    events: readonly LoggedEvent[],
    packed: Packed,
    policies: readonly PassPolicy[],
    shares: Share[],
    table: { q: Float64Array; ready: boolean },
    opts: PassOptions,
  ): Promise<PassResult> {
    const n = events.length;
    const call = nextCall++;
    const cancel = new SharedArrayBuffer(4);
    const filled = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    const filling = !table.ready;
    const used = shares.map((_, i) => slot(i));
    const done = new Float64Array(shares.length);
    const totalCost = shares.reduce((s, x) => s + x.cost, 0) || 1;
    const outputs: PassOutput[] = new Array(policies.length);
    let q: Pick<PassResult, 'qLogged' | 'qMean' | 'qFirst'> | undefined;
    let reported = 0;
    let settled = 0;
    let failure: Error | undefined;
    let cancelled = false;
    return new Promise<PassResult>((resolve, reject) => {
      const checkCancel = () => {
        if (!cancelled && opts.cancelled?.()) {
          cancelled = true;
          Atomics.store(flag, 0, 1);
        }
      };
      const timer = opts.cancelled ? setInterval(checkCancel, CANCEL_POLL_MS) : undefined;
      const settle = (i: number, error?: Error) => {
        const s = used[i]!;
        s.onMessage = s.onDeath = undefined;
        s.worker.unref();
        if (error && !failure) {
          failure = error;
          // The other threads stop at their next check rather than finish a pass that has already failed.
          Atomics.store(flag, 0, 1);
        }
        if (++settled < used.length) return;
        if (timer) clearInterval(timer);
        if (failure) return reject(failure);
        if (cancelled) return reject(new PassCancelled());
        if (filling) table.ready = true;
        opts.onProgress?.(n);
        resolve({ ...q!, policies: outputs });
      };
      used.forEach((s, i) => {
        const share = shares[i]!;
        s.worker.ref();
        s.onMessage = (m) => {
          if (m.call !== call) return;
          switch (m.type) {
            case 'progress': {
              done[i] = m.done;
              let sum = 0;
              for (let k = 0; k < shares.length; k++) sum += shares[k]!.cost * done[k]!;
              const now = Math.floor(sum / totalCost);
              checkCancel();
              if (now > reported && now < n) {
                reported = now;
                opts.onProgress?.(now);
              }
              return;
            }
            case 'result':
              share.policies.forEach((p, j) => (outputs[p] = m.result.policies[j]!));
              if (i === 0) q = m.result;
              return settle(i);
            case 'cancelled':
              return settle(i, cancelled ? undefined : new PassCancelled());
            case 'failed':
              return settle(i, new Error(`evaluation pass failed: ${m.message}`));
          }
        };
        s.onDeath = (reason) =>
          settle(i, new Error(closed ? 'the evaluation worker pool was closed' : `an evaluation worker stopped unexpectedly (${reason})`));
        if (!s.sent.has(packed.id)) {
          s.worker.postMessage({ type: 'events', id: packed.id, packed: packed.data } satisfies ToWorker);
          s.sent.add(packed.id);
        }
        s.worker.postMessage({
          type: 'pass',
          call,
          events: packed.id,
          policies: share.policies.map((p) => policies[p]!),
          rewardModel: opts.rewardModel,
          progressEvery: opts.progressEvery ?? 1000,
          cancelCheckEvery: CANCEL_CHECK_EVENTS,
          topActions: opts.topActions === true,
          // The first worker fills the table (trains the reward model); the others read each event's q̂ from it as
          // soon as it is there. Once complete, every later pass over these events reads it.
          table: { q: table.q.buffer as SharedArrayBuffer, fill: filling && i === 0, ...(filling ? { filled } : {}) },
          cancel,
          withQ: i === 0,
        } satisfies ToWorker);
      });
    });
  }

  const runPasses: RunPasses = (events, policies, opts) => {
    // One pass at a time: each uses every thread.
    const result = queue.then(() => run(events, policies, opts));
    queue = result.catch(() => undefined);
    return result;
  };

  return {
    runPasses,
    threads,
    close: async () => {
      closed = true;
      await Promise.all(slots.map((s) => s?.worker.terminate()));
    },
  };
}

/** qLogged/qMean/qFirst from a complete reward table (a pass of no policy needs nothing else). */
function fromTable(events: readonly LoggedEvent[], q: Float64Array): PassResult {
  const n = events.length;
  const r: PassResult = { qLogged: new Float64Array(n), qMean: new Float64Array(n), qFirst: new Float64Array(n), policies: [] };
  let o = 0;
  for (let t = 0; t < n; t++) {
    const e = events[t]!;
    summarizeQ(q, o, e.actionCount, e.chosenIndex, t, r.qLogged, r.qMean, r.qFirst);
    o += e.actionCount;
  }
  return r;
}

// `Workers=N`: N server processes on one machine, one port (node:cluster: the primary process owns the listening
// socket and hands connections to the workers in turn, nodejs.org/api/cluster.html "How it works"), one store.
// The primary serves nothing itself:
// - it opens the store once, as a single server would (one-process lock, integrity check, migrations: a bad store
//   is refused here with the same one line), closes it and keeps its SQLite lock held, so that a second
//   `personalizer serve` on the same file is still refused while the workers share it (sqlite.ts retainLock);
// - it starts the workers (each runs the ordinary server with the store shared, cli/serve.ts) and starts again one
//   that dies, after a back-off that grows while they keep dying young;
// - SIGTERM or SIGINT: it sends SIGTERM to every worker, each of which finishes its requests and closes its loop,
//   and exits once they all have (0 when each exited 0);
// - a worker that fails to start (its port taken, its store refused) stops the whole server: it exits 1, as a
//   single server would, the worker having said why on stderr;
// - if the primary itself dies, even by kill -9, the workers go with it: a cluster worker exits as soon as its
//   channel to the primary closes (node's cluster child, "disconnect").
// Which worker trains is the loop's business (its trainer lease).
import cluster, { type Worker } from 'node:cluster';
import type { ServerLogger } from '../api/logger.js';
import type { Settings } from '../settings/index.js';
import { SqliteStore, StoreOpenError, openStore } from '../store/index.js';
import type { StoreLock } from '../store/store_lock.js';

/** How long the workers get to stop after the stop signal, before they are killed (serve.ts gives itself 30 s). */
const STOP_TIMEOUT_MS = 35_000;
/** Back-off before a dead worker is started again: doubles for each worker that dies young, up to the maximum. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that lived this long died of something other than its start: the back-off starts over. */
const YOUNG_MS = 30_000;

/** What a worker tells the primary (process.send). */
export interface WorkerMessage {
  type: 'ready';
}

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'ready';
}

interface Slot {
  /** 1…N: the worker's number in logs, kept by its replacements. */
  n: number;
  worker: Worker | null;
  startedAt: number;
  ready: boolean;
}

export type Refuse = (line: string) => number;

export async function runPrimary(settings: Settings, log: ServerLogger, refuse: Refuse, earlySignal?: NodeJS.Signals): Promise<number> {
  const logger = log.logger.child({ component: 'workers', pid: process.pid });
  // A stop signal while the store is being checked: the stop happens as soon as the workers exist.
  let early = earlySignal;
  const remember = (signal: NodeJS.Signals): void => void (early ??= signal);
  process.on('SIGTERM', remember);
  process.on('SIGINT', remember);
  let lock: StoreLock | null = null;
  try {
    const store = await openStore(settings.store);
    if (store instanceof SqliteStore) lock = store.retainLock();
    await store.close();
  } catch (err) {
    log.flush();
    if (err instanceof StoreOpenError) return refuse(`Store: ${err.message}`);
    return refuse(`Store: the store could not be opened (${err instanceof Error ? err.message : String(err)})`);
  }

  const slots: Slot[] = Array.from({ length: settings.workers }, (_, i) => ({ n: i + 1, worker: null, startedAt: 0, ready: false }));
  let backoff = RESTART_MIN_MS;
  let stopping = false;
  let failed = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const codes: number[] = [];

  const start = (slot: Slot): void => {
    const worker = cluster.fork({ PERSONALIZER_WORKER: String(slot.n) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.ready = false;
    worker.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      slot.ready = true;
      if (slots.every((s) => s.ready)) logger.info({ workers: slots.map((s) => s.worker?.process.pid) }, `${slots.length} workers serving`);
    });
    worker.once('exit', (code, signal) => {
      slot.worker = null;
      const how = signal ? `signal ${signal}` : `code ${code}`;
      if (stopping) {
        codes.push(code ?? 1);
        if (slots.every((s) => s.worker === null)) finish(failed || codes.some((c) => c !== 0) ? 1 : 0);
        return;
      }
      if (!slot.ready && code === 1) {
        // Refused at start (it said why on stderr): so would every other, as a single server would be.
        logger.error(`worker ${slot.n} (pid ${worker.process.pid}) could not start; stopping`);
        failed = true;
        stop();
        return;
      }
      const young = Date.now() - slot.startedAt < YOUNG_MS;
      backoff = young ? Math.min(backoff * 2, RESTART_MAX_MS) : RESTART_MIN_MS;
      const delay = young ? backoff : RESTART_MIN_MS;
      logger.warn(`worker ${slot.n} (pid ${worker.process.pid}) exited with ${how}; starting it again in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) start(slot);
      }, delay);
    });
  };

  const stop = (signal?: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    if (signal) logger.info({ signal }, 'stopping the workers');
    // SIGTERM whatever the signal: a terminal's Ctrl+C has already sent SIGINT to every process of the group, and
    // a second SIGINT would end a worker at once instead of letting it finish (serve.ts).
    for (const s of slots) s.worker?.process.kill('SIGTERM');
    if (slots.every((s) => s.worker === null)) finish(failed ? 1 : 0);
    setTimeout(() => {
      logger.error('the workers did not stop in time; killing them');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
    }, STOP_TIMEOUT_MS).unref();
  };

  for (const slot of slots) start(slot);
  logger.info({ workers: settings.workers }, `starting ${settings.workers} workers`);
  process.off('SIGTERM', remember);
  process.off('SIGINT', remember);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (early !== undefined) stop(early);

  const code = await finished;
  lock?.release();
  logger.info({ code }, 'stopped');
  log.flush();
  return code;
}

/** In a worker process: its number (1…N), or undefined in a process that serves alone. */
export function workerNumber(): number | undefined {
  if (!cluster.isWorker) return undefined;
  const n = Number(process.env['PERSONALIZER_WORKER']);
  return Number.isInteger(n) && n > 0 ? n : cluster.worker!.id;
}

/** Tells the primary that this worker listens (it then counts as started). */
export function announceReady(): void {
  if (cluster.isWorker) process.send!({ type: 'ready' } satisfies WorkerMessage);
}

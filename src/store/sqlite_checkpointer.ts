// WAL checkpoints off the main thread. SQLite's automatic checkpoint runs inside the COMMIT that pushes the WAL
// past 1000 pages, on the connection that committed: for the main thread's connection, a stall of several
// milliseconds every thousand or so ranked events, about 40% of the cost of an insert on average. The main
// connection turns it off (wal_autocheckpoint=0) and this worker, with its own connection, checkpoints instead.
//
// PASSIVE checkpoints never block the writer; the WAL rewinds when a write transaction finds it fully
// checkpointed. Under sustained writes a passive checkpoint may keep missing the last few frames, so past
// MAX_WAL_FRAMES the worker uses RESTART, which waits (busy_timeout) for the writer and rewinds the WAL: a brief
// pause for writers, and the bound on the WAL's size.
//
// Also the worker's entry point (this file runs as the worker when workerData.checkpointer is set).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** How often the worker looks at the WAL while the main connection writes. */
const CHECKPOINT_MS = 200;
/** ~16 MB of 4 KiB pages: past this, RESTART. */
const MAX_WAL_FRAMES = 4096;

interface CheckpointerInit {
  checkpointer: true;
  file: string;
}

export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private lastNotice = 0;

  constructor(file: string) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { checkpointer: true, file } satisfies CheckpointerInit });
    this.worker.unref();
    // A failing checkpointer costs only the WAL's growth (SQLite checkpoints at close), never data.
    this.worker.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Tells the worker that the main connection has committed (at most one message per interval). */
  written(): void {
    const t = Date.now();
    if (t - this.lastNotice < CHECKPOINT_MS) return;
    this.lastNotice = t;
    this.worker.postMessage('written');
  }

  /** Lets the worker finish a checkpoint under way and close its connection. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function workerMain(init: CheckpointerInit): void {
  const db = new Database(init.file);
  db.pragma('busy_timeout = 5000');
  let dirty = false;
  const timer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    try {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      if (r && r.log > MAX_WAL_FRAMES) db.pragma('wal_checkpoint(RESTART)');
    } catch {
      dirty = true; // SQLITE_BUSY and the like: try again next time
    }
  }, CHECKPOINT_MS);
  parentPort!.on('message', (m: string) => {
    if (m !== 'stop') {
      dirty = true;
      return;
    }
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}

if (!isMainThread && (workerData as Partial<CheckpointerInit> | null)?.checkpointer === true) {
  workerMain(workerData as CheckpointerInit);
}

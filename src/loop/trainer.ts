// Main-thread handle on the trainer worker: request/reply over postMessage, notices without reply, and the
// snapshots the worker publishes. Ranking never waits on any of this.
import { Worker } from 'node:worker_threads';
import type { FromWorker, PublishedModel, ToWorker, TrainerInit, TrainerNotice, TrainerRequest } from './trainer_protocol.js';
import { StoreFullError } from '../store/index.js';

export interface TrainerEvents {
  model(m: PublishedModel): void;
  progress(cursor: number, eventsLearned: number): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
  /** A fenced export was refused: this process no longer holds the trainer lease (the worker stopped learning). */
  leaseLost(message: string): void;
  /** The worker ended (after stop(), or on its own: a crash). */
  exit(code: number): void;
}

export class TrainerHandle {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(): void; reject(e: Error): void }>();
  private exited = false;

  constructor(init: TrainerInit, events: TrainerEvents) {
    this.worker = new Worker(new URL('./trainer_worker.js', import.meta.url), { workerData: init });
    this.worker.on('message', (m: FromWorker) => {
      switch (m.type) {
        case 'model':
          return events.model(m.model);
        case 'progress':
          return events.progress(m.cursor, m.eventsLearned);
        case 'log':
          return events.log(m.level, m.message);
        case 'leaseLost':
          return events.leaseLost(m.message);
        case 'reply': {
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          if (m.error === undefined) p?.resolve();
          else p?.reject(m.full === true ? new StoreFullError(m.error) : new Error(m.error));
        }
      }
    });
    this.worker.on('error', (err) => events.log('error', `trainer worker failed: ${err.stack ?? err.message}`));
    this.worker.on('exit', (code) => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error(`trainer worker exited (code ${code})`));
      this.pending.clear();
      events.exit(code);
    });
  }

  get running(): boolean {
    return !this.exited;
  }

  request(r: TrainerRequest): Promise<void> {
    if (this.exited) return Promise.reject(new Error('trainer worker is not running'));
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...r, id } satisfies ToWorker);
    });
  }

  notify(n: TrainerNotice): void {
    if (!this.exited) this.worker.postMessage(n satisfies ToWorker);
  }

  /** Asks the worker to stop (after a flush when asked) and waits for it to exit. */
  async stop(flush: boolean): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    try {
      await this.request({ op: 'stop', flush });
    } catch {
      await this.worker.terminate();
    }
    await exited;
  }

  /** Ends the worker at once, as a crash would (tests; and a trainer that failed a request, which is restarted). */
  async kill(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
  }
}

// Group commit for the SQLite store: the writes requested during one turn of the event loop run together in
// one transaction, and each caller's promise settles only once that transaction has committed (and, when
// `durable` is given, once it has made the commit durable). Concurrent requests thus share one COMMIT and one
// fsync instead of paying one each, and a 2xx built on a resolved write still means "committed".
//
// Each write runs inside its own SAVEPOINT when it shares the transaction with others, so that one write
// failing (a constraint, a bug in a decide function) rolls back that write alone and rejects only its caller.
// A write made of a single statement needs none (`atomic`): SQLite undoes a failed statement by itself, and two
// statements less (SAVEPOINT, RELEASE) are a fifth of the cost of logging a ranked event.
// `beforeCommit` runs last inside each group's transaction: the store applies there what it accumulated in
// memory during the group (counter increments), one UPDATE per group instead of one per write.
// A failing COMMIT rejects every write of the group. Writes run in the order they were requested. `mapError` turns
// each error a caller gets into the store's own (a full disk into StoreFullError, disk_full.ts).
import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  atomic: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  ok: boolean;
  value: unknown;
}

/** Makes the commits so far durable, then calls back (an fsync off the main thread); null = nothing to do. */
export type Durability = ((done: (err: Error | null) => void) => void) | null;

export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  /** Groups committed but waiting for the durability step (at most one step runs at a time). */
  private awaitingSync: Pending[][] = [];
  private syncing = false;
  private idle: (() => void)[] = [];
  private readonly runAll: (batch: Pending[]) => void;
  private readonly runOne: (fn: () => unknown) => unknown;

  constructor(
    db: Database.Database,
    private readonly durable: Durability,
    /** Called after each COMMIT (before the durability step). */
    private readonly committed: () => void = () => undefined,
    /** Called inside each group's transaction after its writes; throwing fails the whole group. */
    beforeCommit: () => void = () => undefined,
    private readonly mapError: (e: unknown) => unknown = (e) => e,
  ) {
    // IMMEDIATE: take the write lock at BEGIN, so a busy database (the trainer's connection exporting a model)
    // is waited for by busy_timeout before anything runs, never half-way through the group.
    this.runOne = db.transaction((fn: () => unknown) => {
      const value = fn();
      beforeCommit();
      return value;
    }).immediate;
    const savepoint = db.transaction((fn: () => unknown) => fn());
    this.runAll = db.transaction((batch: Pending[]) => {
      for (const p of batch) {
        try {
          p.value = p.atomic ? p.fn() : savepoint(p.fn);
          p.ok = true;
        } catch (e) {
          p.value = e;
        }
      }
      beforeCommit();
    }).immediate;
  }

  /**
   * Runs `fn` in the next group's transaction; resolves with its result after the commit. `atomic`: `fn` runs
   * a single SQL statement and nothing after it that can throw, so it needs no savepoint of its own.
   */
  write<T>(fn: () => T, atomic = false): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, atomic, resolve: resolve as (v: unknown) => void, reject, ok: false, value: undefined });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (also called by the timer set in write). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    try {
      if (batch.length === 1) {
        const p = batch[0]!;
        try {
          p.value = this.runOne(p.fn);
          p.ok = true;
        } catch (e) {
          p.value = e;
        }
      } else {
        this.runAll(batch);
      }
    } catch (e) {
      // BEGIN or COMMIT failed: nothing of the group is committed.
      const error = this.mapError(e);
      for (const p of batch) p.reject(error);
      this.settleIdle();
      return;
    }
    this.committed();
    if (this.durable === null) {
      this.settle(batch);
      this.settleIdle();
      return;
    }
    this.awaitingSync.push(batch);
    this.sync();
  }

  private sync(): void {
    if (this.syncing || this.awaitingSync.length === 0 || this.durable === null) return;
    this.syncing = true;
    // Every group waiting now was committed before the step starts, so the step covers all of them.
    const groups = this.awaitingSync;
    this.awaitingSync = [];
    this.durable((err) => {
      this.syncing = false;
      const error = err ? this.mapError(err) : null;
      for (const g of groups) {
        if (error) for (const p of g) p.reject(error);
        else this.settle(g);
      }
      this.sync();
      this.settleIdle();
    });
  }

  /** Resolves once nothing is queued, committing or waiting for durability. */
  drain(): Promise<void> {
    if (this.scheduled) this.flush();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private settle(batch: Pending[]): void {
    for (const p of batch) {
      if (p.ok) p.resolve(p.value);
      else p.reject(this.mapError(p.value));
    }
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && !this.syncing && this.awaitingSync.length === 0;
  }

  private settleIdle(): void {
    if (!this.isIdle() || this.idle.length === 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const w of waiting) w();
  }
}


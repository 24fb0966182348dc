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
//
// Waiting for the write lock: SQLite's busy_timeout waits inside BEGIN, synchronously, sleeping 1, 2, 5, 10… ms
// between tries (sqlite3 main.c, sqliteDefaultBusyCallback), and better-sqlite3 runs on the calling thread, so on
// the main thread every request waits while another connection writes (the trainer's export, a checkpoint's
// RESTART, another server process of Workers=N). With `waitAsync`, the connection's busy_timeout is 0 instead:
// BEGIN IMMEDIATE answers SQLITE_BUSY at once, before any write of the group has run, and the group is tried again
// on a timer (WAIT_STEP_MS, up to WAIT_MAX_MS in all, as busy_timeout would) while the event loop serves requests,
// whose writes join the group.
import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  atomic: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  ok: boolean;
  value: unknown;
}

/** Between tries of a group whose BEGIN found the database locked by another connection. */
const WAIT_STEP_MS = 1;
/** How long a group waits for the write lock before its writes fail with SQLITE_BUSY (busy_timeout's 5 s). */
export const WAIT_MAX_MS = 5000;

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_BUSY_RECOVERY';
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
  /** The group's writes have started running (so a failure is not a BEGIN that found the database locked). */
  private started = false;
  /** A group waiting for the write lock: since when, and its timer. */
  private waitingSince: number | null = null;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    db: Database.Database,
    private readonly durable: Durability,
    /** Called after each COMMIT (before the durability step). */
    private readonly committed: () => void = () => undefined,
    /** Called inside each group's transaction after its writes; throwing fails the whole group. */
    beforeCommit: () => void = () => undefined,
    private readonly mapError: (e: unknown) => unknown = (e) => e,
    /** Wait for the write lock on a timer, never inside SQLite (see the top); the connection's busy_timeout must be 0. */
    private readonly waitAsync = false,
  ) {
    // IMMEDIATE: take the write lock at BEGIN, so a busy database (the trainer's connection exporting a model)
    // is waited for by busy_timeout before anything runs, never half-way through the group.
    this.runOne = db.transaction((fn: () => unknown) => {
      this.started = true;
      const value = fn();
      beforeCommit();
      return value;
    }).immediate;
    const savepoint = db.transaction((fn: () => unknown) => fn());
    this.runAll = db.transaction((batch: Pending[]) => {
      this.started = true;
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
      if (!this.scheduled && this.retry === null) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (also called by the timer set in write). */
  flush(): void {
    this.scheduled = false;
    if (this.retry !== null) return; // a group waits for the lock; its timer flushes
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.started = false;
    try {
      if (batch.length === 1) {
        const p = batch[0]!;
        try {
          p.value = this.runOne(p.fn);
          p.ok = true;
        } catch (e) {
          if (!this.started) throw e; // BEGIN failed: the group's failure (below), not the write's
          p.value = e;
        }
      } else {
        this.runAll(batch);
      }
    } catch (e) {
      if (this.waitAsync && !this.started && isBusy(e)) {
        // BEGIN found another connection writing: nothing ran. The group (and what is requested meanwhile) is
        // tried again shortly, unless it has waited as long as busy_timeout would have.
        const since = (this.waitingSince ??= Date.now());
        if (Date.now() - since < WAIT_MAX_MS) {
          this.queue = batch.concat(this.queue);
          this.retry = setTimeout(() => {
            this.retry = null;
            this.flush();
          }, WAIT_STEP_MS);
          return;
        }
      }
      this.waitingSince = null;
      // BEGIN or COMMIT failed: nothing of the group is committed.
      const error = this.mapError(e);
      for (const p of batch) p.reject(error);
      this.settleIdle();
      return;
    }
    this.waitingSince = null;
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
    if (this.scheduled && this.retry === null) this.flush();
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


// Group commit for the PostgreSQL store: the writes requested during one turn of the event loop share one
// transaction (one BEGIN, one COMMIT, one WAL flush), and each caller's promise settles only after that COMMIT,
// so a 2xx built on it still means "committed". The writes of one kind (ranked events, rewards) run as one
// statement for the whole group (a Batcher): a round trip per group instead of one per write.
//
// One failing write rejects only its caller, without a SAVEPOINT per write: a savepoint is two more round trips,
// and a group of more than 64 writing subtransactions overflows each backend's subtransaction cache and slows
// every other connection's snapshots (PostgreSQL docs §66.3 "Subtransactions"). Failures are rare (input the
// database refuses, a bug), so the group is optimistic: when a write throws, the transaction is rolled back and
// the group runs again without it (a failing multi-row INSERT runs again row by row, to find the row). A deadlock
// or serialization failure runs the group again as it was. Unavailability or a failing COMMIT rejects every
// write of the group with the store's error (postgres_pool.ts).
//
// Counter increments and joins a write makes are collected in its WriteEffects and written once per group, just
// before COMMIT (the `finish` step), so that the rows they lock are held for the shortest time.
import { isRetryable, isUnavailable, type Client, type PgConnection } from './postgres_pool.js';
import { StoreFullError, StoreUnavailableError } from './errors.js';

/** A join decided by a write; its join_seq is handed out when the group commits (postgres_events.ts finishJoins). */
export interface PendingJoin {
  seq: number;
  joinedAt: number;
  reward: number | null;
  skipLearn: boolean;
  /** A multi-slot join's rewards per slot, JSON (slots.ts); null otherwise. */
  slotRewards: string | null;
}

/** What one write adds to its group besides its statements. */
export class WriteEffects {
  readonly counts = new Map<string, number>();
  readonly joins: PendingJoin[] = [];

  count(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }
}

export type GroupWrite<T> = (client: Client, effects: WriteEffects) => Promise<T>;

/** A kind of write a group batches into one statement (in request order), and the same write for one item alone. */
export interface Batcher<I> {
  many(client: Client, items: I[], effects: WriteEffects[]): Promise<unknown[]>;
  one(item: I): GroupWrite<unknown>;
}

export type Finish = (client: Client, effects: WriteEffects[]) => Promise<void>;

interface Pending {
  write: GroupWrite<unknown> | null;
  /** The batched kind this write is of (with `item`), when `write` is null. */
  batcher: Batcher<unknown> | null;
  item: unknown;
  /** A batched item that runs alone: its group's multi-row statement failed once. */
  alone: boolean;
  effects: WriteEffects;
  value: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** 'begin': the connection failed before anything of the group was sent (a pooled connection that died idle). */
type Attempt = { ok: true } | { ok: false; culprit: Pending | Batcher<unknown> | 'group' | 'begin'; error: unknown };

/** Times a group is run again after a deadlock or a serialization failure before its writes are rejected. */
const RETRIES = 3;

export class PgGroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private running = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly conn: PgConnection,
    private readonly finish: Finish,
    /** Groups in flight at once, each on its own connection. */
    private readonly parallel: number,
  ) {}

  write<T>(fn: GroupWrite<T>): Promise<T> {
    return this.push(fn, null, undefined) as Promise<T>;
  }

  /** A write of a batched kind. */
  add<I>(batcher: Batcher<I>, item: I): Promise<unknown> {
    return this.push(null, batcher as Batcher<unknown>, item);
  }

  private push(write: GroupWrite<unknown> | null, batcher: Batcher<unknown> | null, item: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ write, batcher, item, alone: false, effects: new WriteEffects(), value: undefined, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    if (this.running >= this.parallel || this.queue.length === 0) return;
    const group = this.queue;
    this.queue = [];
    this.running++;
    void this.run(group).finally(() => {
      this.running--;
      this.flush();
      if (this.running === 0 && this.queue.length === 0) for (const w of this.idle.splice(0)) w();
    });
  }

  /** Resolves once nothing is queued or running. */
  drain(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async run(group: Pending[]): Promise<void> {
    let live = group;
    let retries = 0;
    let reconnected = false;
    while (live.length > 0) {
      const a = await this.attempt(live);
      if (a.ok) {
        for (const p of live) p.resolve(p.value);
        return;
      }
      // After a database restart the pool may still hold connections that died idle: one more try, on a new one.
      if (a.culprit === 'begin' && !reconnected) {
        reconnected = true;
        continue;
      }
      if (isRetryable(a.error) && retries < RETRIES) {
        retries++;
        continue;
      }
      if (a.culprit === 'group' || a.culprit === 'begin' || isUnavailable(a.error) || (a.error as { code?: unknown })?.code === '53100') {
        const error = this.conn.map(a.error);
        for (const p of live) p.reject(error);
        return;
      }
      if (typeof a.culprit === 'object' && 'many' in a.culprit) {
        const batcher = a.culprit;
        for (const p of live) if (p.batcher === batcher) p.alone = true;
        continue;
      }
      const culprit = a.culprit as Pending;
      culprit.reject(this.conn.map(a.error));
      live = live.filter((p) => p !== culprit);
    }
  }

  private async attempt(live: Pending[]): Promise<Attempt> {
    for (const p of live) {
      p.effects = new WriteEffects();
      p.value = undefined;
    }
    let client: Client;
    try {
      client = await this.conn.connect();
    } catch (error) {
      return { ok: false, culprit: 'group', error };
    }
    let outcome: Attempt | undefined;
    try {
      outcome = await this.inTransaction(client, live);
      return outcome;
    } finally {
      const failed = outcome === undefined || (!outcome.ok && isUnavailable(outcome.error));
      // A client whose connection failed is dropped rather than handed to the next group.
      client.release(failed ? new Error('connection failed') : undefined);
    }
  }

  private async inTransaction(client: Client, live: Pending[]): Promise<Attempt> {
    try {
      await client.query('BEGIN');
    } catch (error) {
      return { ok: false, culprit: isUnavailable(error) ? 'begin' : 'group', error };
    }
    try {
      const batches = new Map<Batcher<unknown>, Pending[]>();
      for (const p of live) {
        if (p.batcher === null || p.alone) continue;
        let list = batches.get(p.batcher);
        if (!list) batches.set(p.batcher, (list = []));
        list.push(p);
      }
      for (const [batcher, batched] of batches) {
        try {
          const values = await batcher.many(client, batched.map((p) => p.item), batched.map((p) => p.effects));
          batched.forEach((p, i) => (p.value = values[i]));
        } catch (error) {
          return await this.abort(client, batcher, error);
        }
      }
      for (const p of live) {
        if (p.batcher !== null && !p.alone) continue;
        try {
          p.value = await (p.write ?? p.batcher!.one(p.item))(client, p.effects);
        } catch (error) {
          return await this.abort(client, p, error);
        }
      }
      await this.finish(client, live.map((p) => p.effects));
      await client.query('COMMIT');
      this.conn.succeeded(true);
      return { ok: true };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      return { ok: false, culprit: 'group', error };
    }
  }

  private async abort(client: Client, culprit: Pending | Batcher<unknown>, error: unknown): Promise<Attempt> {
    // The store's own errors thrown by a write (a unavailable connection seen by it) are group-wide.
    if (error instanceof StoreUnavailableError || error instanceof StoreFullError) return { ok: false, culprit: 'group', error };
    await client.query('ROLLBACK').catch(() => undefined);
    return { ok: false, culprit, error };
  }
}

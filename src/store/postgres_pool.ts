// The PostgreSQL store's connection: a small pg.Pool, the mapping of what goes wrong to the store's typed errors,
// and the store's health as callers see it (/ready).
//
// Unavailability: a call that fails because the server cannot be reached (connection refused or cut, the server
// shutting down or restarting, a connection that cannot be made in time) rejects with StoreUnavailableError and
// marks the store unreachable; the pool makes new connections by itself, and the next call that succeeds marks it
// reachable again. While nothing calls (an orchestrator sends no traffic to an unready server), a small probe
// does. Which SQLSTATEs mean "cannot reach": class 08 (connection exception), 57P01-57P03 (admin, crash
// shutdown; cannot connect now), 53300 (too many connections) — PostgreSQL docs, Appendix A "PostgreSQL Error
// Codes". A constraint violation or a bug in a statement is not unavailability and passes through unchanged.
// 53100 disk_full becomes StoreFullError (507), as SQLite's SQLITE_FULL does (disk_full.ts).
import pg from 'pg';
import { StoreFullError, StoreUnavailableError } from './errors.js';
import type { StoreHealth } from './disk_full.js';

/** How often the store tries `SELECT 1` while it is unreachable or full and nothing else calls. */
const PROBE_MS = 1000;
/** A connection that cannot be made within this long counts as unavailability, not a hang. */
const CONNECT_TIMEOUT_MS = 5000;

const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
/** node-postgres's own words for a connection that ended or could not be made (it sets no code on these). */
const UNAVAILABLE_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|not queryable|Connection ended/i;

export function isUnavailable(e: unknown): boolean {
  if (e instanceof StoreUnavailableError) return true;
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_ERRNOS.has(code)) return true;
  if (e instanceof AggregateError) return e.errors.some(isUnavailable);
  return code === '' && e instanceof Error && UNAVAILABLE_MESSAGES.test(e.message);
}

/** 40P01 deadlock_detected, 40001 serialization_failure: the transaction may simply be run again. */
export function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

function isDiskFull(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '53100';
}

/** int8 (bigint, count(*)) as a JavaScript number: every value the store keeps is far below 2^53. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as unknown as pg.CustomTypesConfig;

export type Client = pg.PoolClient;

/** BEGIN failed for want of a connection: nothing of the transaction was sent. */
class DeadConnection extends Error {
  constructor(override readonly cause: unknown) {
    super('the connection failed before the transaction began');
  }
}

export class PgConnection {
  readonly pool: pg.Pool;
  private unreachableSince: number | null = null;
  private fullSince: number | null = null;
  private probe: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(url: string, max: number) {
    this.pool = new pg.Pool({
      connectionString: url,
      max,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      types,
    });
    // An idle client whose connection dies emits 'error' on the pool; a checked-out one on itself. Either, unheard,
    // would end the process: the calls that use them fail and are mapped instead.
    this.pool.on('error', (e) => this.failed(e));
    this.pool.on('connect', (client) => client.on('error', (e) => this.failed(e)));
  }

  health(): StoreHealth {
    const health: StoreHealth = this.fullSince === null ? { writable: true } : { writable: false, since: this.fullSince };
    if (this.unreachableSince !== null) health.reachable = false;
    return health;
  }

  /** One statement on any pooled connection. */
  async query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      const r = await this.pool.query<R>(text, values);
      this.succeeded(false);
      return r;
    } catch (e) {
      throw this.map(e);
    }
  }

  /**
   * Runs `fn` in one transaction on one connection; run again when PostgreSQL asks for it (deadlock, serialization),
   * and once on a new connection when a pooled one turns out dead before anything was sent (after a restart).
   */
  async transaction<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (e) {
        if (e instanceof DeadConnection) {
          if (attempt === 1) continue;
          throw this.map(e.cause);
        }
        if (!isRetryable(e) || attempt >= 3) throw this.map(e);
      }
    }
  }

  private async once<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.connect();
    try {
      await client.query('BEGIN');
    } catch (e) {
      client.release(e as Error);
      throw isUnavailable(e) ? new DeadConnection(e) : e;
    }
    let broken: unknown;
    try {
      const value = await fn(client);
      await client.query('COMMIT');
      this.succeeded(true);
      return value;
    } catch (e) {
      broken = e;
      await client.query('ROLLBACK').catch((rollback: unknown) => (broken = rollback));
      throw e;
    } finally {
      // A client whose connection failed is dropped rather than handed to the next caller.
      client.release(broken !== undefined && isUnavailable(broken) ? (broken as Error) : undefined);
    }
  }

  /** A pooled client (unavailability mapped); the caller releases it. */
  async connect(): Promise<Client> {
    try {
      return await this.pool.connect();
    } catch (e) {
      throw this.map(e);
    }
  }

  /** The error a caller gets, and the health it implies. */
  map(e: unknown): unknown {
    if (e instanceof StoreUnavailableError || e instanceof StoreFullError) return e;
    if (isUnavailable(e)) {
      this.unreachableSince ??= Date.now();
      this.startProbe();
      return new StoreUnavailableError(e);
    }
    if (isDiskFull(e)) {
      this.fullSince ??= Date.now();
      this.startProbe();
      return new StoreFullError(e);
    }
    return e;
  }

  /** A call reached the server (and, when `wrote`, committed a write: the disk has room again). */
  succeeded(wrote: boolean): void {
    this.unreachableSince = null;
    if (wrote) this.fullSince = null;
  }

  private failed(e: unknown): void {
    if (isUnavailable(e)) {
      this.unreachableSince ??= Date.now();
      this.startProbe();
    }
  }

  private startProbe(): void {
    if (this.probe !== null || this.closed) return;
    this.probe = setInterval(() => {
      if ((this.unreachableSince === null && this.fullSince === null) || this.closed) {
        clearInterval(this.probe!);
        this.probe = null;
        return;
      }
      // A full disk ends when a write commits, so that probe writes: an UPDATE of a small row of the store's
      // own still writes a new row version and its WAL.
      const probe =
        this.fullSince !== null
          ? this.transaction((c) => c.query(`UPDATE state SET value = value WHERE name = 'settings_revision'`))
          : this.query('SELECT 1');
      probe.catch(() => undefined);
    }, PROBE_MS);
    this.probe.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    await this.pool.end();
  }
}

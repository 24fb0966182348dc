// PostgreSQL implementation of the store (`Store=postgres://user:password@host:port/database`), for loops served
// by several processes or machines from one database (docs/postgres.md). The parts, one job each:
// postgres_pool.ts (connections, error mapping, health), postgres_schema.ts (migrations), postgres_group.ts
// (group commit), postgres_events.ts (events, rewards, joins), postgres_state.ts (models, settings, counters,
// leases), postgres_evaluations.ts (evaluation jobs and reads).
// A resolved write has committed in PostgreSQL; with the server's default synchronous_commit = on, COMMIT returns
// once the commit's WAL is flushed to disk (PostgreSQL docs §20.5.1 "synchronous_commit"), so neither a kill -9 of
// this process nor a crash of the database server loses it.
import { isMainThread } from 'node:worker_threads';
import { StoreOpenError } from './errors.js';
import { activate, addSlotRewards, eventBatcher, finishGroup, PgEventReads, rewardBatcher, sweepStep } from './postgres_events.js';
import { PgEvaluations } from './postgres_evaluations.js';
import { PgGroupCommit, WriteEffects } from './postgres_group.js';
import { isUnavailable, PgConnection } from './postgres_pool.js';
import { migratePg } from './postgres_schema.js';
import { PgState } from './postgres_state.js';
import type {
  ActivateOutcome,
  Counters,
  Decide,
  EvaluationEventRow,
  EvaluationEventsEstimate,
  EvaluationEventsExtent,
  EvaluationRecord,
  EvaluationUpdate,
  EventRecord,
  JoinedEvent,
  LeaseGrant,
  ModelRecord,
  NewEvaluation,
  NewEvent,
  NewModel,
  PurgeOptions,
  RewardOutcome,
  RewardRecord,
  SlotRewardInput,
  SlotRewardOutcome,
  Store,
  StoreHealth,
  MinuteBucket,
} from './types.js';

/**
 * Connections per process: the main thread serves requests (up to RANK_GROUPS group commits of ranked events and
 * one of rewards and activations at once, reads and the maintenance beside them); a worker thread (trainer,
 * evaluation job) opens its own small pool.
 */
const MAIN_POOL = 6;
const WORKER_POOL = 2;
/**
 * Groups of ranked events commit side by side (PostgreSQL flushes their WAL together). Groups that may join go one
 * at a time: each holds the join_seq row to its COMMIT (postgres_events.ts), so a second one in flight would only
 * wait for it, and would have taken requests the next group could have carried in the same flush.
 */
const RANK_GROUPS = 3;

export class PostgresStore implements Store {
  private readonly ranks: PgGroupCommit;
  private readonly joins: PgGroupCommit;
  private readonly reads: PgEventReads;
  private readonly state: PgState;
  private readonly evaluations: PgEvaluations;
  private closed = false;

  private constructor(private readonly conn: PgConnection) {
    this.ranks = new PgGroupCommit(conn, finishGroup, isMainThread ? RANK_GROUPS : 1);
    this.joins = new PgGroupCommit(conn, finishGroup, 1);
    this.reads = new PgEventReads(conn);
    this.state = new PgState(conn);
    this.evaluations = new PgEvaluations(conn);
  }

  /** Connects and migrates; any failure is a StoreOpenError whose one-line message names the cause, never a password. */
  static async open(url: string): Promise<PostgresStore> {
    const conn = new PgConnection(url, isMainThread ? MAIN_POOL : WORKER_POOL);
    try {
      const client = await conn.pool.connect();
      try {
        await migratePg(client);
      } finally {
        client.release();
      }
    } catch (e) {
      await conn.close().catch(() => undefined);
      throw e instanceof StoreOpenError ? e : new StoreOpenError(openFailure(e, url));
    }
    return new PostgresStore(conn);
  }

  health(): StoreHealth {
    return this.conn.health();
  }

  async insertEvent(event: NewEvent): Promise<boolean> {
    return (await this.ranks.add(eventBatcher, event)) as boolean;
  }

  getEvent(eventId: string): Promise<EventRecord | null> {
    return this.reads.getEvent(eventId);
  }

  getRewards(eventId: string): Promise<RewardRecord[]> {
    return this.reads.getRewards(eventId);
  }

  addReward(eventId: string, value: number, at: number, decide: Decide): Promise<RewardOutcome> {
    return this.joins.add(rewardBatcher, { eventId, value, at, decide }) as Promise<RewardOutcome>;
  }

  addSlotRewards(eventId: string, rewards: SlotRewardInput[], at: number, decide: Decide): Promise<SlotRewardOutcome> {
    return this.joins.write(addSlotRewards(eventId, rewards, at, decide));
  }

  activate(eventId: string, at: number, decide: Decide): Promise<ActivateOutcome> {
    return this.joins.write(activate(eventId, at, decide));
  }

  // A transaction per step, so that a long backlog is joined in bounded pieces while requests are served.
  async joinDue(rankedBefore: number, at: number, decide: Decide, limit = 1000): Promise<number> {
    let joined = 0;
    for (;;) {
      const step = await this.conn.transaction(async (c) => {
        const fx = new WriteEffects();
        const s = await sweepStep(c, fx, rankedBefore, at, decide, limit - joined);
        await finishGroup(c, [fx]);
        return s;
      });
      joined += step.joined;
      if (step.done || joined >= limit) return joined;
    }
  }

  readJoined(after: number, limit: number): Promise<JoinedEvent[]> {
    return this.reads.readJoined(after, limit);
  }

  headJoinSeq(): Promise<number> {
    return this.reads.headJoinSeq();
  }

  saveModel(model: NewModel, fence?: LeaseGrant): Promise<ModelRecord> {
    return this.state.saveModel(model, fence);
  }

  latestModel(): Promise<ModelRecord | null> {
    return this.state.latestModel();
  }

  latestModelId(): Promise<number | null> {
    return this.state.latestModelId();
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.state.acquireLease(name, holder, ttlMs);
  }

  renewLease(grant: LeaseGrant, ttlMs: number): Promise<LeaseGrant | null> {
    return this.state.renewLease(grant, ttlMs);
  }

  releaseLease(grant: LeaseGrant): Promise<void> {
    return this.state.releaseLease(grant);
  }

  sizeBytes(): Promise<number | null> {
    return this.state.sizeBytes();
  }

  getSetting<T>(key: string): Promise<T | undefined> {
    return this.state.getSetting<T>(key);
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    await this.state.putSettings({ [key]: value });
  }

  putSettings(entries: Record<string, unknown>, expectedRevision?: number): Promise<number> {
    return this.state.putSettings(entries, expectedRevision);
  }

  settingsRevision(): Promise<number> {
    return this.state.settingsRevision();
  }

  setAsideSetting(key: string, replacement: unknown, reason: string, at: number): Promise<void> {
    return this.state.setAsideSetting(key, replacement, reason, at);
  }

  setAsideModel(id: number, reason: string, at: number): Promise<void> {
    return this.state.setAsideModel(id, reason, at);
  }

  counters(): Promise<Counters> {
    return this.state.counters();
  }

  // TRUNCATE empties the tables at once whatever their size (PostgreSQL docs, TRUNCATE); the join sequence, the
  // counters and the identity sequences go on, so numbers handed out before are never handed out again.
  async deleteLogs(): Promise<void> {
    await this.conn.transaction((c) => c.query('TRUNCATE unjoined, rewards, joins, events, dashboard_minutes'));
  }

  // Rewards, joins and unjoined rows go with their events (ON DELETE CASCADE). The oldest first (events_ts);
  // LIMIT NULL is no limit (PostgreSQL docs, SELECT's LIMIT clause).
  async purgeEventsBefore(before: number, options: PurgeOptions = {}): Promise<number> {
    const limit = options.limit ?? null;
    return this.conn.transaction(async (c) => {
      const r =
        options.learnedThrough === undefined
          ? await c.query('DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE ts < $1 ORDER BY ts, seq LIMIT $2)', [before, limit])
          : await c.query(
              `DELETE FROM events WHERE seq IN (SELECT e.seq FROM events e JOIN joins j ON j.seq = e.seq
                 WHERE e.ts < $1 AND j.join_seq <= $2 ORDER BY e.ts, e.seq LIMIT $3)`,
              [before, options.learnedThrough, limit],
            );
      // The dashboard's rows wholly before the cut (dashboard_minutes.ts); a row holding the cut keeps its figures.
      await c.query('DELETE FROM dashboard_minutes WHERE minute + level <= $1', [Math.floor(before / 60000)]);
      return r.rowCount ?? 0;
    });
  }

  logsDateRange(): Promise<{ from: number; to: number } | null> {
    return this.reads.logsDateRange();
  }

  dashboardMinutes(from: number, to: number, interval: number): Promise<MinuteBucket[]> {
    return this.reads.dashboardMinutes(from, to, interval);
  }

  estimateEvaluationEvents(from: number, to: number): Promise<EvaluationEventsEstimate | null> {
    return this.evaluations.estimate(from, to);
  }

  evaluationEventsExtent(from: number, to: number): Promise<EvaluationEventsExtent | null> {
    return this.evaluations.extent(from, to);
  }

  readEvaluationEvents(from: number, to: number, afterSeq: number, lastSeq: number, limit: number): Promise<EvaluationEventRow[]> {
    return this.evaluations.read(from, to, afterSeq, lastSeq, limit);
  }

  insertEvaluation(evaluation: NewEvaluation): Promise<void> {
    return this.evaluations.insert(evaluation);
  }

  updateEvaluation(id: string, update: EvaluationUpdate, onlyIfStatus?: readonly string[]): Promise<boolean> {
    return this.evaluations.update(id, update, onlyIfStatus);
  }

  getEvaluation(id: string, options: { result?: boolean } = {}): Promise<EvaluationRecord | null> {
    return this.evaluations.get(id, options.result === true);
  }

  listEvaluations(): Promise<EvaluationRecord[]> {
    return this.evaluations.list();
  }

  deleteEvaluation(id: string): Promise<boolean> {
    return this.evaluations.delete(id);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.ranks.drain(), this.joins.drain()]);
    await this.conn.close();
  }
}

/** Why the database cannot be used at start, in one line: the server's address and its own words, no password. */
export function openFailure(e: unknown, url: string): string {
  const where = serverOf(url);
  const code = String((e as { code?: unknown } | null)?.code ?? '');
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'ECONNREFUSED') return `cannot reach PostgreSQL at ${where}: connection refused (is the server running there?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot reach PostgreSQL at ${where}: the host name does not resolve`;
  if (/timeout/i.test(message)) return `cannot reach PostgreSQL at ${where}: no answer within the connection timeout`;
  // SQLSTATE class 28 (authentication: unknown role, wrong password) and 3D000 (unknown database): the server's
  // message names the role or the database, never the password.
  if (/^28/.test(code)) return `PostgreSQL at ${where} refused the login: ${message}`;
  if (code === '3D000') return `PostgreSQL at ${where}: ${message}`;
  if (isUnavailable(e)) return `cannot reach PostgreSQL at ${where}: ${code || message}`;
  return `PostgreSQL at ${where} cannot be used as the store: ${code ? `${code} ` : ''}${message}`;
}

/** host:port/database of a connection URL, without user or password. */
function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || ''}`;
  } catch {
    return 'the configured server';
  }
}

// SQLite implementation of the store (better-sqlite3, synchronous under an async face).
//
// Durability: WAL journal. Writes are group-committed (group_commit.ts): those requested during one turn of the
// event loop share one transaction, and each promise resolves only after that COMMIT. The project's standard
// is "a 2xx means the data is durable: a kill -9 right after it loses nothing", and SQLite's WAL mode with
// synchronous=NORMAL (the default here) meets exactly that: COMMIT returns once the transaction's WAL frames
// have been written to the file, i.e. handed to the OS, which keeps them whatever happens to the process
// (sqlite.org/pragma.html#pragma_synchronous; checked by conformance/durability.test.ts). What NORMAL does not
// survive is a crash of the OS or a power cut before the OS has written those pages out: the latest commits
// may then be lost (never corrupted: the WAL's checksums stop recovery at the last complete commit).
// `sqlite:<file>?synchronous=full` adds that power-loss durability: the store fsyncs the WAL file after each
// group, off the main thread (libuv's pool), before resolving the group's promises — the guarantee of
// SQLite's FULL (WAL synced before a commit is acknowledged) at one fsync per group, without blocking ranking
// during the fsync. Its cost is throughput: writers wait for the fsync, so with C concurrent clients a store
// acknowledges at most about C / (fsync latency) writes per second.
// Concurrency: one writer at a time (SQLite); the trainer worker opens its own connection and reads while the
// main thread writes (WAL readers never block the writer). Overlapping writes wait: the trainer's with
// busy_timeout, the main thread's on a timer, never blocking the event loop (group_commit.ts).
// Every write transaction begins IMMEDIATE: a deferred one that reads first and then writes cannot upgrade its
// lock while the worker writes, and SQLite answers that with SQLITE_BUSY at once, without busy_timeout
// (sqlite.org/lang_transaction.html, "deferred, immediate and exclusive").
// Start-up (main thread): one process per file (store_lock.ts), and a file that is damaged, foreign or not
// writable is refused with one line (sqlite_open.ts) rather than failing every write later. A full disk turns
// writes into StoreFullError and the store unhealthy until a write commits again (disk_full.ts).
// Size: a ranked event's context is stored in parts, each piece it shares with earlier events once
// (context_parts.ts, schema 6); reads put it together again within one snapshot.
// Models: a large model's bytes go to a companion file first (sqlite_models.ts), so that an export holds this
// database's write lock only for a small row, never while megabytes are written.
import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DiskFull, type StoreHealth } from './disk_full.js';
import { StaleSettingsError } from './errors.js';
import { GroupCommit, type Durability } from './group_commit.js';
import { ContextPacker, ContextUnpacker, epochOf } from './context_parts.js';
import { Checkpointer } from './sqlite_checkpointer.js';
import { checkIntegrity, checkOwnSchema, checkWritable, checkWriteLock, ensureDirectory } from './sqlite_open.js';
import { SqliteEvaluations } from './sqlite_evaluations.js';
import { expireAllLeases, SqliteLeases } from './sqlite_lease.js';
import { INLINE_MAX_BYTES, ModelBytes } from './sqlite_models.js';
import { migrate } from './sqlite_schema.js';
import { StoreLock } from './store_lock.js';
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
  JoinDecision,
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
} from './types.js';
import { joinedSlots, parseSlots, slotIds, slotRewardsText, slotsText } from './slots.js';
import { addFigures, emptyDelta, joinFigures, LEVELS, levelFor, minuteOf, type MinuteBucket, type MinuteDelta } from './dashboard_minutes.js';

/** Group commits before the checkpointer thread starts (until then the WAL just grows; close checkpoints it). */
const CHECKPOINTER_AFTER_COMMITS = 200;

/** Events (rowids) the window-close sweep walks per transaction (joinDue): a bounded pause for the writer. */
const SWEEP_STEP = 1024;

/** Model versions kept besides the latest (older ones are deleted in the same transaction as an export). */
const MODELS_KEPT = 3;

export interface SqliteOptions {
  /** `normal` (default): kill -9 safe; `full`: also power-loss safe, one fsync per group commit. */
  synchronous?: 'full' | 'normal';
  readonly?: boolean;
  /**
   * Owns the file for this process: takes its lock and checks it at open (default: on the main thread, unless
   * read-only). Worker threads share their process's ownership.
   */
  exclusive?: boolean;
}

/** While the disk is full, how often the store tries a small write to find out that space is back. */
const PROBE_MS = 1000;

interface EventRow {
  seq: number;
  event_id: string;
  ts: number;
  context: string;
  context_refs: string | null;
  actions: string;
  probabilities: string;
  chosen_index: number;
  chosen_prob: number;
  model_version: string;
  defer_activation: number;
  activated_at: number | null;
  join_seq: number | null;
  joined_at: number | null;
  join_reward: number | null;
  skip_learn: number | null;
  slots: string | null;
  slot_rewards: string | null;
}

/** The columns a join decision and a join need (JoinEvent): no context, no arrays to parse. join_seq: null while
 * the event is not joined. */
interface JoinRow {
  seq: number;
  ts: number;
  defer_activation: number;
  activated_at: number | null;
  join_seq: number | null;
  /** A multi-slot event's slots (slots.ts); null: single-slot. */
  slots: string | null;
  // The decision as logged, for the dashboard's per-minute figures (dashboard_minutes.ts).
  chosen_index: number;
  chosen_prob: number;
  actions: string;
  probabilities: string;
}

interface ModelRow {
  id: number;
  bytes: Buffer;
  policy: string;
  created_at: number;
  modified_at: number;
  cursor: number;
  events_learned: number;
  /** The bytes in the companion file (sqlite_models.ts); NULL: in `bytes`. */
  bytes_id: number | null;
}

/** How many of the newest models latestModel looks through for one whose bytes it can read. */
const LATEST_TRIES = MODELS_KEPT + 1;

function toEvent(r: EventRow, context: string): EventRecord {
  const event: EventRecord = {
    seq: r.seq,
    eventId: r.event_id,
    timestamp: r.ts,
    context,
    actions: JSON.parse(r.actions) as number[],
    probabilities: JSON.parse(r.probabilities) as number[],
    chosenIndex: r.chosen_index,
    chosenProbability: r.chosen_prob,
    modelVersion: r.model_version,
    deferActivation: r.defer_activation === 1,
    activatedAt: r.activated_at,
    join:
      r.join_seq === null
        ? null
        : { joinSeq: r.join_seq, reward: r.join_reward, skipLearn: r.skip_learn === 1, joinedAt: r.joined_at ?? 0 },
  };
  if (r.slots !== null) event.slots = parseSlots(r.slots);
  if (event.join && r.slot_rewards !== null) event.join.slotRewards = JSON.parse(r.slot_rewards) as number[];
  return event;
}

function toReward(r: { value: number; ts: number; slot_id: string | null }): RewardRecord {
  return r.slot_id === null ? { value: r.value, timestamp: r.ts } : { value: r.value, timestamp: r.ts, slotId: r.slot_id };
}

/** DSJSON `a`/`p` as compact JSON text: `[3,1,2]`, the numbers as JavaScript prints them. */
function compactArray(xs: number[]): string {
  let out = '[';
  for (let i = 0; i < xs.length; i++) out += (i === 0 ? '' : ',') + String(xs[i]);
  return out + ']';
}

function toModel(r: ModelRow, bytes: Buffer): ModelRecord {
  return {
    id: r.id,
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    policy: r.policy,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
    cursor: r.cursor,
    eventsLearned: r.events_learned,
  };
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly q;
  private readonly group: GroupCommit;
  private walFd: { fd: number; ino: number } | null = null;
  private checkpointer: Checkpointer | null = null;
  private commits = 0;
  private lock: StoreLock | null;
  private readonly disk: DiskFull;
  private probe: NodeJS.Timeout | null = null;
  private readonly packer: ContextPacker;
  private readonly unpacker: ContextUnpacker;
  private readonly readJoinedTx: (after: number, limit: number) => JoinedEvent[];
  private readonly eventByIdTx: (eventId: string) => EventRecord | null;
  private readonly evaluations: SqliteEvaluations;
  private readonly leases: SqliteLeases;
  /** Large models' bytes (null: an in-memory store, which keeps them inline). */
  private readonly modelBytes: ModelBytes | null;

  constructor(file: string, options: SqliteOptions = {}) {
    const memory = file === ':memory:';
    const owner = options.exclusive ?? (isMainThread && !options.readonly && !memory);
    if (!memory) ensureDirectory(path.dirname(path.resolve(file)));
    if (owner) checkWritable(file);
    this.lock = owner ? StoreLock.acquire(file) : null;
    this.disk = new DiskFull(memory ? '.' : path.dirname(path.resolve(file)));
    try {
      this.db = openDatabase(file, options, owner);
    } catch (e) {
      this.lock?.release();
      throw e;
    }
    try {
      this.modelBytes = memory ? null : new ModelBytes(file, { readonly: options.readonly ?? false, check: owner });
    } catch (e) {
      this.db.close();
      this.lock?.release();
      throw e;
    }
    const db = this.db;
    if (owner) expireAllLeases(db);
    this.q = {
      insertEvent: db.prepare<[string, number, string, string, string, string, number, number, string, number, string | null]>(
        `INSERT INTO events (event_id, ts, context, context_refs, actions, probabilities, chosen_index, chosen_prob,
           model_version, defer_activation, slots) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (event_id) DO NOTHING`,
      ),
      insertPart: db.prepare<[number, string]>(`INSERT INTO context_parts (epoch, text) VALUES (?, ?)`),
      part: db.prepare<[number], string>(`SELECT text FROM context_parts WHERE id = ?`).pluck(),
      deleteParts: db.prepare(`DELETE FROM context_parts`),
      pruneParts: db.prepare(`DELETE FROM context_parts WHERE epoch < ?`),
      oldestRefs: db.prepare<[], { context_refs: string | null }>(`SELECT context_refs FROM events ORDER BY seq LIMIT 1`),
      eventById: db.prepare<[string], EventRow>(
        `SELECT e.*, j.join_seq, j.joined_at, j.reward AS join_reward, j.skip_learn, j.slot_rewards
         FROM events e LEFT JOIN joins j ON j.seq = e.seq WHERE e.event_id = ?`,
      ),
      // What a reward or an activation needs: never the context, which is kilobytes (JoinRow).
      joinHead: db.prepare<[string], JoinRow>(
        `SELECT e.seq, e.ts, e.defer_activation, e.activated_at, j.join_seq, e.slots, e.chosen_index, e.chosen_prob, e.actions, e.probabilities
         FROM events e LEFT JOIN joins j ON j.seq = e.seq WHERE e.event_id = ?`,
      ),
      rewardsOf: db.prepare<[number], { value: number; ts: number; slot_id: string | null }>(
        `SELECT value, ts, slot_id FROM rewards WHERE event_seq = ? ORDER BY id`,
      ),
      insertReward: db.prepare(`INSERT INTO rewards (event_seq, value, ts) VALUES (?, ?, ?)`),
      insertSlotReward: db.prepare(`INSERT INTO rewards (event_seq, value, ts, slot_id) VALUES (?, ?, ?, ?)`),
      activate: db.prepare(`UPDATE events SET activated_at = ? WHERE seq = ? AND activated_at IS NULL`),
      bump: db.prepare(`UPDATE counters SET value = value + ? WHERE name = ?`),
      setCounter: db.prepare(`UPDATE counters SET value = ? WHERE name = ?`),
      counter: db.prepare<[string], { value: number }>(`SELECT value FROM counters WHERE name = ?`),
      allCounters: db.prepare<[], { name: string; value: number }>(`SELECT name, value FROM counters`),
      // A new row: joining never rewrites the event's row (schema migration 4).
      join: db.prepare(`INSERT INTO joins (join_seq, seq, joined_at, reward, skip_learn, slot_rewards) VALUES (?, ?, ?, ?, ?, ?)`),
      // The sweep's step (joinDue): which events of seq (from, to] are joined, from the joins index alone (the
      // events' pages, kilobytes each, are read only for the unjoined ones), and what a decision needs of those.
      joinedIn: db.prepare<[number, number], number>(`SELECT seq FROM joins WHERE seq > ? AND seq <= ? ORDER BY seq`).pluck(),
      eventAt: db.prepare<[number], JoinRow>(
        `SELECT seq, ts, defer_activation, activated_at, NULL AS join_seq, slots, chosen_index, chosen_prob, actions, probabilities
         FROM events WHERE seq = ?`,
      ),
      lastSeq: db.prepare<[], { seq: number | null }>(`SELECT MAX(seq) AS seq FROM events`),
      minuteRanked: db.prepare(
        `INSERT INTO dashboard_minutes (level, minute, ranked) VALUES (?, ?, ?)
         ON CONFLICT (level, minute) DO UPDATE SET ranked = ranked + excluded.ranked`,
      ),
      minuteJoined: db.prepare(
        `INSERT INTO dashboard_minutes (level, minute, joined, skipped, rewarded, explored, reward_sum, reward_sq, baseline_ips, baseline_ips_sq, random_ips, random_ips_sq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (level, minute) DO UPDATE SET joined = joined + excluded.joined, skipped = skipped + excluded.skipped,
           rewarded = rewarded + excluded.rewarded, explored = explored + excluded.explored,
           reward_sum = reward_sum + excluded.reward_sum, reward_sq = reward_sq + excluded.reward_sq,
           baseline_ips = baseline_ips + excluded.baseline_ips, baseline_ips_sq = baseline_ips_sq + excluded.baseline_ips_sq,
           random_ips = random_ips + excluded.random_ips, random_ips_sq = random_ips_sq + excluded.random_ips_sq`,
      ),
      // Buckets of `interval` minutes (UTC multiples) from the rows of one level: a range of the primary key,
      // summed by SQLite (the CASTs: a bound JavaScript number is a REAL, and the bucket needs integer division).
      minutes: db.prepare<[number, number, number, number, number], MinuteBucket>(
        `SELECT (minute / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS minute, SUM(ranked) AS ranked, SUM(joined) AS joined,
           SUM(skipped) AS skipped, SUM(rewarded) AS rewarded, SUM(explored) AS explored, SUM(reward_sum) AS rewardSum,
           SUM(reward_sq) AS rewardSq, SUM(baseline_ips) AS baselineIps, SUM(baseline_ips_sq) AS baselineIpsSq,
           SUM(random_ips) AS randomIps, SUM(random_ips_sq) AS randomIpsSq
         FROM dashboard_minutes WHERE level = ? AND minute >= CAST(? AS INTEGER) AND minute < CAST(? AS INTEGER) GROUP BY 1 ORDER BY 1`,
      ),
      deleteMinutes: db.prepare(`DELETE FROM dashboard_minutes`),
      // Rows wholly before the cut's minute.
      purgeMinutes: db.prepare(`DELETE FROM dashboard_minutes WHERE minute + level <= ?`),
      readJoined: db.prepare<[number, number], { join_seq: number; event_id: string; context: string; context_refs: string | null; chosen_index: number; chosen_prob: number; reward: number | null; skip_learn: number; model_version: string; slots: string | null; slot_rewards: string | null }>(
        `SELECT j.join_seq, e.event_id, e.context, e.context_refs, e.chosen_index, e.chosen_prob, j.reward, j.skip_learn, e.model_version,
           e.slots, j.slot_rewards
         FROM joins j JOIN events e ON e.seq = j.seq WHERE j.join_seq > ? ORDER BY j.join_seq LIMIT ?`,
      ),
      insertModel: db.prepare(
        `INSERT INTO models (bytes, policy, created_at, modified_at, cursor, events_learned, bytes_id)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      pruneModels: db.prepare(`DELETE FROM models WHERE id <= ?`),
      latestModels: db.prepare<[number], ModelRow>(`SELECT * FROM models ORDER BY id DESC LIMIT ?`),
      modelById: db.prepare<[number], ModelRow>(`SELECT * FROM models WHERE id = ?`),
      // The oldest bytes a kept model names: older ones in the companion file are no model's.
      oldestBytesId: db.prepare<[], { id: number | null }>(`SELECT MIN(bytes_id) AS id FROM models`),
      latestModelId: db.prepare<[], { id: number }>(`SELECT id FROM models ORDER BY id DESC LIMIT 1`),
      getSetting: db.prepare<[string], { value: string }>(`SELECT value FROM settings WHERE key = ?`),
      putSetting: db.prepare(
        `INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      ),
      // Counters that need no migration: absent until first written.
      upsertCounter: db.prepare(
        `INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
      ),
      deleteRewards: db.prepare(`DELETE FROM rewards`),
      deleteJoins: db.prepare(`DELETE FROM joins`),
      deleteEvents: db.prepare(`DELETE FROM events`),
      // A purge's events, oldest first (events_ts), then deleted by seq: the same set from each table. LIMIT -1 is
      // no limit (SQLite's LIMIT clause).
      purgeAny: db.prepare<[number, number], number>(`SELECT seq FROM events WHERE ts < ? ORDER BY ts LIMIT ?`).pluck(),
      purgeLearned: db.prepare<[number, number, number], number>(
        `SELECT e.seq FROM events e JOIN joins j ON j.seq = e.seq WHERE e.ts < ? AND j.join_seq <= ? ORDER BY e.ts LIMIT ?`,
      ).pluck(),
      purgeRewards: db.prepare(`DELETE FROM rewards WHERE event_seq IN (SELECT value FROM json_each(?))`),
      purgeJoins: db.prepare(`DELETE FROM joins WHERE seq IN (SELECT value FROM json_each(?))`),
      purgeEvents: db.prepare(`DELETE FROM events WHERE seq IN (SELECT value FROM json_each(?))`),
      range: db.prepare<[], { from: number | null; to: number | null }>(
        // Two subqueries: SQLite answers a lone MIN or MAX from the index's ends, both in one SELECT by a scan.
        `SELECT (SELECT MIN(ts) FROM events) AS "from", (SELECT MAX(ts) FROM events) AS "to"`,
      ),
    };
    // Packing runs inside the insert's transaction: a new epoch is persisted before any part of it is stored.
    this.packer = new ContextPacker({
      newEpoch: () => this.newEpoch(),
      currentEpoch: () => this.q.counter.get('context_epoch')!.value,
      insertPart: (epoch, text) => Number(this.q.insertPart.run(epoch, text).lastInsertRowid),
    });
    this.unpacker = new ContextUnpacker((id) => this.q.part.get(id));
    // A context and its parts are read in one snapshot: the retention purge may delete parts meanwhile, on the
    // writing connection, and a reader must see either the event with its parts or neither.
    this.readJoinedTx = db.transaction((after: number, limit: number) =>
      this.q.readJoined.all(after, limit).map((r) => {
        const joined: JoinedEvent = {
          joinSeq: r.join_seq,
          eventId: r.event_id,
          context: this.unpacker.unpack(r.context, r.context_refs),
          chosenIndex: r.chosen_index,
          chosenProbability: r.chosen_prob,
          reward: r.reward,
          skipLearn: r.skip_learn === 1,
          modelVersion: r.model_version,
        };
        if (r.slots !== null) joined.slots = joinedSlots(r.slots, r.slot_rewards);
        return joined;
      }),
    );
    this.eventByIdTx = db.transaction((eventId: string) => {
      const row = this.q.eventById.get(eventId);
      return row ? toEvent(row, this.unpacker.unpack(row.context, row.context_refs)) : null;
    });
    const durable: Durability =
      options.synchronous === 'full' && !options.readonly && file !== ':memory:' ? (done) => this.syncWal(done) : null;
    // Checkpoints off the main thread (sqlite_checkpointer.ts), started once the store has seen some writes so
    // that short-lived stores (tests, tools) do not start a thread. Connections in worker threads (the trainer's)
    // keep SQLite's automatic checkpoints: they write little, and not on the request path.
    const background = isMainThread && !options.readonly && file !== ':memory:';
    if (background) db.pragma('wal_autocheckpoint = 0');
    // The request path never sleeps inside SQLite waiting for another connection's write (group_commit.ts).
    if (background) db.pragma('busy_timeout = 0');
    this.group = new GroupCommit(
      db,
      durable,
      () => {
        this.packer.committed();
        this.disk.committed();
        if (background) this.onCommit();
      },
      () => this.writeCounters(),
      (e) => this.mapError(e),
      background,
    );
    this.evaluations = new SqliteEvaluations(db, this.group, this.unpacker);
    this.leases = new SqliteLeases(db, this.group);
  }

  /**
   * Hands this store's one-process lock to the caller, who keeps it after close(): the process that starts the
   * server's worker processes (cli/workers.ts) opens the store once to check and migrate it, closes it, and holds
   * the lock while its workers share the file.
   */
  retainLock(): StoreLock | null {
    const lock = this.lock;
    this.lock = null;
    return lock;
  }

  health(): StoreHealth {
    return this.disk.health();
  }

  private mapError(e: unknown): unknown {
    // A group that failed may have taken parts the packer remembers with it.
    this.packer.reset();
    const mapped = this.disk.map(e);
    if (this.disk.full && this.probe === null) {
      // Without traffic (an orchestrator stops sending it to an unready server) nothing else would find out that
      // space is back.
      this.probe = setInterval(() => {
        if (!this.disk.full || !this.db.open) {
          clearInterval(this.probe!);
          this.probe = null;
          return;
        }
        if ((this.disk.freeBytes() ?? 1) === 0) return;
        this.group.write(() => this.q.upsertCounter.run('store_probe', Date.now()), true).catch(() => undefined);
      }, PROBE_MS);
      this.probe.unref();
    }
    return mapped;
  }

  // Counter increments of the group under way, written once per group just before its COMMIT (writeCounters).
  // Each write adds its increments after its last statement, so a write that fails adds none.
  private readonly pending = new Map<string, number>();
  /** join_seq as this group has moved it (null: not read yet in this group). */
  private joinSeq: number | null = null;

  /** Events ranked per minute in the group under way, written with the counters (writeCounters). */
  private readonly pendingRanked = new Map<number, number>();

  private count(name: string): void {
    this.pending.set(name, (this.pending.get(name) ?? 0) + 1);
  }

  /** For writes of several statements: a failing one (rolled back to its savepoint) leaves no increments. */
  private undoable<T>(fn: () => T): () => T {
    return () => {
      const joinSeq = this.joinSeq;
      const pending = this.pending.size === 0 ? null : new Map(this.pending);
      try {
        return fn();
      } catch (e) {
        this.joinSeq = joinSeq;
        this.pending.clear();
        if (pending) for (const [k, v] of pending) this.pending.set(k, v);
        throw e;
      }
    };
  }

  private writeCounters(): void {
    const joinSeq = this.joinSeq;
    this.joinSeq = null;
    if (this.pendingRanked.size > 0) {
      const ranked = [...this.pendingRanked];
      this.pendingRanked.clear();
      const rows = new Map<string, [number, number, number]>();
      for (const [minute, n] of ranked) {
        for (const level of LEVELS) {
          const start = Math.floor(minute / level) * level;
          const row = rows.get(`${level}:${start}`);
          if (row) row[2] += n;
          else rows.set(`${level}:${start}`, [level, start, n]);
        }
      }
      for (const [level, start, n] of rows.values()) this.q.minuteRanked.run(level, start, n);
    }
    if (this.pending.size === 0) return;
    const pending = [...this.pending];
    this.pending.clear();
    for (const [name, n] of pending) this.q.bump.run(n, name);
    if (joinSeq !== null) this.q.setCounter.run(joinSeq, 'join_seq');
  }

  /** Inside a write transaction: a new context epoch, persisted (context_parts.ts). */
  private newEpoch(): number {
    const epoch = this.q.counter.get('context_epoch')!.value + 1;
    this.q.setCounter.run(epoch, 'context_epoch');
    return epoch;
  }

  private onCommit(): void {
    if (this.checkpointer) this.checkpointer.written();
    else if (++this.commits >= CHECKPOINTER_AFTER_COMMITS) this.checkpointer = new Checkpointer(this.db.name);
  }

  // The WAL file keeps its inode while the connection is open (SQLite rewinds it after a checkpoint, it does not
  // replace it); the inode is checked anyway, so that a replaced file is never left unsynced.
  private syncWal(done: (err: Error | null) => void): void {
    const walPath = this.db.name + '-wal';
    try {
      const ino = fs.statSync(walPath).ino;
      if (this.walFd?.ino !== ino) {
        if (this.walFd) fs.closeSync(this.walFd.fd);
        this.walFd = null;
        const fd = fs.openSync(walPath, 'r');
        this.walFd = { fd, ino: fs.fstatSync(fd).ino };
      }
    } catch (e) {
      done(e as Error);
      return;
    }
    fs.fsync(this.walFd!.fd, done);
  }

  // Runs `decide` on an unjoined event and writes the join, inside the caller's transaction.
  // The join_seq counter is written with the group's other counters (join_seq is always counted with
  // events_joined or events_skipped, so `pending` is never empty when it moved).
  private tryJoin(row: JoinRow, decide: Decide, at: number): JoinDecision {
    const rewards: RewardRecord[] = this.q.rewardsOf.all(row.seq).map(toReward);
    const event = { timestamp: row.ts, deferActivation: row.defer_activation === 1, activatedAt: row.activated_at };
    const decision = decide(row.slots === null ? { event, rewards } : { event, rewards, slots: slotIds(row.slots) });
    if (decision === null) return null;
    const seq = (this.joinSeq ?? this.q.counter.get('join_seq')!.value) + 1;
    const slotRewards = decision.skipLearn ? null : slotRewardsText(decision.slotRewards);
    this.q.join.run(seq, row.seq, at, decision.reward, decision.skipLearn ? 1 : 0, slotRewards);
    this.addJoinMinute(row, decision, rewards);
    this.joinSeq = seq;
    this.count(decision.skipLearn ? 'events_skipped' : 'events_joined');
    return decision;
  }

  // The join's figures into its rank minute, in the join's transaction (rolled back with it).
  private addJoinMinute(row: JoinRow, decision: NonNullable<JoinDecision>, rewards: RewardRecord[]): void {
    const f = joinFigures(
      {
        ts: row.ts,
        chosenIndex: row.chosen_index,
        chosenProbability: row.chosen_prob,
        actions: row.actions,
        probabilities: row.probabilities,
        slots: row.slots === null ? null : parseSlots(row.slots),
      },
      decision,
      rewards,
    );
    const d: MinuteDelta = emptyDelta();
    addFigures(d, f);
    for (const level of LEVELS) {
      const start = Math.floor(f.minute / level) * level;
      this.q.minuteJoined.run(level, start, d.joined, d.skipped, d.rewarded, d.explored, d.rewardSum, d.rewardSq, d.baselineIps, d.baselineIpsSq, d.randomIps, d.randomIpsSq);
    }
  }

  async dashboardMinutes(from: number, to: number, interval: number): Promise<MinuteBucket[]> {
    return this.q.minutes.all(interval, interval, levelFor(interval), from, to);
  }

  async insertEvent(e: NewEvent): Promise<boolean> {
    const actions = compactArray(e.actions);
    const probabilities = compactArray(e.probabilities);
    const slots = e.slots === undefined ? null : slotsText(e.slots);
    // No savepoint (group_commit.ts): the event is one statement; parts stored before it fails stay behind
    // unreferenced, harmless, and go with their epoch (purgeEventsBefore).
    return this.group.write(() => {
      let info: Database.RunResult;
      try {
        const packed = this.packer.pack(e.context);
        info = this.q.insertEvent.run(
          e.eventId,
          e.timestamp,
          packed.text,
          packed.refs,
          actions,
          probabilities,
          e.chosenIndex,
          e.chosenProbability,
          e.modelVersion,
          e.deferActivation ? 1 : 0,
          slots,
        );
      } catch (error) {
        // The statement may have taken the whole transaction with it, parts included (SQLITE_FULL).
        this.packer.reset();
        throw error;
      }
      if (info.changes === 0) return false;
      this.count('events_ranked');
      const minute = minuteOf(e.timestamp);
      this.pendingRanked.set(minute, (this.pendingRanked.get(minute) ?? 0) + 1);
      return true;
    }, true);
  }

  async getEvent(eventId: string): Promise<EventRecord | null> {
    return this.eventByIdTx(eventId);
  }

  async getRewards(eventId: string): Promise<RewardRecord[]> {
    const row = this.q.eventById.get(eventId);
    if (!row) return [];
    return this.q.rewardsOf.all(row.seq).map(toReward);
  }

  async addReward(eventId: string, value: number, at: number, decide: Decide): Promise<RewardOutcome> {
    return this.group.write(this.undoable((): RewardOutcome => {
      const head = this.q.joinHead.get(eventId);
      if (!head) {
        this.count('rewards_unknown_event');
        return 'unknown';
      }
      this.q.insertReward.run(head.seq, value, at);
      const outcome = head.join_seq === null && this.tryJoin(head, decide, at) ? 'joined' : 'recorded';
      this.count('rewards_received');
      return outcome;
    }));
  }

  async addSlotRewards(eventId: string, rewards: SlotRewardInput[], at: number, decide: Decide): Promise<SlotRewardOutcome> {
    return this.group.write(this.undoable((): SlotRewardOutcome => {
      const head = this.q.joinHead.get(eventId);
      if (!head) {
        for (let i = 0; i < rewards.length; i++) this.count('rewards_unknown_event');
        return { outcome: 'unknown' };
      }
      if (head.slots === null) return { outcome: 'notMultiSlot' };
      const ids = new Set(slotIds(head.slots));
      const unknown = rewards.find((r) => !ids.has(r.slotId));
      if (unknown) return { outcome: 'unknownSlot', slotId: unknown.slotId };
      for (const r of rewards) {
        this.q.insertSlotReward.run(head.seq, r.value, at, r.slotId);
        this.count('rewards_received');
      }
      return { outcome: head.join_seq === null && this.tryJoin(head, decide, at) ? 'joined' : 'recorded' };
    }));
  }

  async activate(eventId: string, at: number, decide: Decide): Promise<ActivateOutcome> {
    return this.group.write(this.undoable((): ActivateOutcome => {
      const row = this.q.joinHead.get(eventId);
      if (!row) {
        this.count('activations_unknown_event');
        return 'unknown';
      }
      if (row.activated_at !== null) return 'already';
      this.q.activate.run(at, row.seq);
      const outcome = row.join_seq === null && this.tryJoin({ ...row, activated_at: at }, decide, at) ? 'joined' : 'recorded';
      this.count('activations');
      return outcome;
    }));
  }

  // Every event at or before swept_seq is joined. The sweep walks on in rank order from there, past the events
  // joined early (by a reward), joining the due ones, and stops at the first event ranked after `rankedBefore` or
  // left undecided: each event is walked over once, after its window. An event whose clock stepped back (ranked
  // earlier than one before it) waits for that one to be due. The walk goes SWEEP_STEP events per transaction,
  // so that requests are served between steps however many events were rewarded since the last sweep.
  async joinDue(rankedBefore: number, at: number, decide: Decide, limit = 1000): Promise<number> {
    let joined = 0;
    for (;;) {
      const step = await this.group.write(this.undoable(() => this.sweepStep(rankedBefore, at, decide, limit - joined)));
      joined += step.joined;
      if (step.done || joined >= limit) return joined;
    }
  }

  private sweepStep(rankedBefore: number, at: number, decide: Decide, limit: number): { joined: number; done: boolean } {
    const from = this.q.counter.get('swept_seq')!.value;
    const last = this.q.lastSeq.get()!.seq ?? 0;
    const to = Math.min(from + SWEEP_STEP, last);
    const joinedSeqs = to > from ? this.q.joinedIn.all(from, to) : [];
    let swept = from;
    let joined = 0;
    let done = false;
    for (let seq = from + 1, k = 0; seq <= to; seq++) {
      if (joinedSeqs[k] === seq) {
        k++;
      } else {
        const row = this.q.eventAt.get(seq); // undefined: no such event (purged, or a rank that was refused)
        if (row !== undefined) {
          if (row.ts > rankedBefore || joined === limit || !this.tryJoin(row, decide, at)) {
            done = true;
            break;
          }
          joined++;
        }
      }
      swept = seq;
    }
    if (swept !== from) this.q.setCounter.run(swept, 'swept_seq');
    return { joined, done: done || swept >= last };
  }

  async readJoined(after: number, limit: number): Promise<JoinedEvent[]> {
    return this.readJoinedTx(after, limit);
  }

  async headJoinSeq(): Promise<number> {
    return this.q.counter.get('join_seq')!.value;
  }

  // Large bytes first, committed and synced in the companion file (the exporting thread waits for that, not the
  // main database's writers); then the row naming them, with the cursor and the fence check, in one small
  // transaction (sqlite_models.ts).
  async saveModel(m: NewModel, fence?: LeaseGrant): Promise<ModelRecord> {
    const bytes = Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
    let bytesId: number | null = null;
    if (this.modelBytes !== null && bytes.byteLength > INLINE_MAX_BYTES) {
      try {
        bytesId = this.modelBytes.put(bytes);
      } catch (e) {
        throw this.mapError(e);
      }
    }
    const saved = await this.group.write(() => {
      if (fence) this.leases.check(fence);
      const info = this.q.insertModel.run(bytesId === null ? bytes : EMPTY, m.policy, m.createdAt, m.modifiedAt, m.cursor, m.eventsLearned, bytesId);
      const id = Number(info.lastInsertRowid);
      this.q.pruneModels.run(id - MODELS_KEPT);
      return { ...m, id };
    });
    // Bytes no kept model names: older than the oldest kept model's (an export refused above leaves its bytes
    // for a later one to delete). Housekeeping: a failure (a full disk) leaves them for the next export.
    if (this.modelBytes !== null) {
      const oldest = this.q.oldestBytesId.get()?.id ?? null;
      if (oldest !== null) {
        try {
          this.modelBytes.pruneBelow(oldest);
        } catch {
          /* the next export */
        }
      }
    }
    return saved;
  }

  // Newest first, the first model whose bytes can be read: the bytes of a row are committed before the row, so
  // only a row pruned meanwhile by another process's export can lack them, and then a newer one exists.
  async latestModel(): Promise<ModelRecord | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      for (const row of this.q.latestModels.all(LATEST_TRIES)) {
        const bytes = this.bytesOf(row);
        if (bytes !== undefined) return toModel(row, bytes);
      }
      if (this.q.latestModelId.get() === undefined) return null;
    }
    return null;
  }

  private bytesOf(row: ModelRow): Buffer | undefined {
    if (row.bytes_id === null) return row.bytes;
    return this.modelBytes?.get(row.bytes_id);
  }

  async latestModelId(): Promise<number | null> {
    return this.q.latestModelId.get()?.id ?? null;
  }

  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.leases.acquire(name, holder, ttlMs);
  }

  renewLease(grant: LeaseGrant, ttlMs: number): Promise<LeaseGrant | null> {
    return this.leases.renew(grant, ttlMs);
  }

  releaseLease(grant: LeaseGrant): Promise<void> {
    return this.leases.release(grant);
  }

  /** The database, its WAL and shared-memory files, and the same of the models' companion file. */
  async sizeBytes(): Promise<number | null> {
    if (this.db.memory) return null;
    const file = this.db.name;
    return fileSize(file) + fileSize(`${file}-wal`) + fileSize(`${file}-shm`) + (this.modelBytes?.sizeBytes() ?? 0);
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    const row = this.q.getSetting.get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async putSetting(key: string, value: unknown): Promise<void> {
    await this.putSettings({ [key]: value });
  }

  // Every settings write moves the revision, so that a writer holding an older copy is told (compare-and-set).
  async putSettings(entries: Record<string, unknown>, expectedRevision?: number): Promise<number> {
    const rows = Object.entries(entries).map(([k, v]) => [k, JSON.stringify(v)] as const);
    return this.group.write(() => {
      const revision = this.revision();
      if (expectedRevision !== undefined && expectedRevision !== revision) throw new StaleSettingsError(expectedRevision, revision);
      for (const [k, v] of rows) this.q.putSetting.run(k, v);
      this.q.upsertCounter.run('settings_revision', revision + 1);
      return revision + 1;
    });
  }

  async settingsRevision(): Promise<number> {
    return this.revision();
  }

  private revision(): number {
    return this.q.counter.get('settings_revision')?.value ?? 0;
  }

  async setAsideSetting(key: string, replacement: unknown, reason: string, at: number): Promise<void> {
    const json = JSON.stringify(replacement);
    const db = this.db;
    await this.group.write(() => {
      db.prepare(
        `INSERT INTO set_aside (kind, at, reason, value) SELECT 'setting:' || key, ?, ?, value FROM settings WHERE key = ?`,
      ).run(at, reason, key);
      this.q.putSetting.run(key, json);
      // A setting replaced here is a settings write like any other: writers holding the old copy are told.
      this.q.upsertCounter.run('settings_revision', this.revision() + 1);
    });
  }

  // The bytes are copied into set_aside whole (they are kept for inspection; the companion's copy goes with the
  // next export's pruning). Set-aside happens at start-up, off the request path.
  async setAsideModel(id: number, reason: string, at: number): Promise<void> {
    const db = this.db;
    const row = this.q.modelById.get(id);
    const bytes = row ? (this.bytesOf(row) ?? null) : null;
    await this.group.write(() => {
      db.prepare(
        `INSERT INTO set_aside (kind, at, reason, value, bytes)
         SELECT 'model', ?, ?, json_object('id', id, 'policy', policy, 'created_at', created_at,
           'modified_at', modified_at, 'cursor', cursor, 'events_learned', events_learned), ?
         FROM models WHERE id = ?`,
      ).run(at, reason, bytes, id);
      db.prepare(`DELETE FROM models WHERE id = ?`).run(id);
    });
  }

  async counters(): Promise<Counters> {
    const m = new Map(this.q.allCounters.all().map((r) => [r.name, r.value]));
    return {
      eventsRanked: m.get('events_ranked') ?? 0,
      rewardsReceived: m.get('rewards_received') ?? 0,
      rewardsUnknownEvent: m.get('rewards_unknown_event') ?? 0,
      activations: m.get('activations') ?? 0,
      activationsUnknownEvent: m.get('activations_unknown_event') ?? 0,
      eventsJoined: m.get('events_joined') ?? 0,
      eventsSkipped: m.get('events_skipped') ?? 0,
    };
  }

  async deleteLogs(): Promise<void> {
    await this.group.write(() => {
      this.q.deleteRewards.run();
      this.q.deleteJoins.run();
      this.q.deleteEvents.run();
      this.q.deleteMinutes.run();
      this.q.deleteParts.run();
      // Other processes' packers remember parts just deleted: a new epoch tells them (context_parts.ts).
      this.newEpoch();
      this.packer.reset();
      // The next event is seq 1 again (plain rowids): the sweep starts over.
      this.q.setCounter.run(0, 'swept_seq');
    });
  }

  async purgeEventsBefore(before: number, options: PurgeOptions = {}): Promise<number> {
    const limit = options.limit ?? -1;
    return this.group.write(() => {
      const seqs =
        options.learnedThrough === undefined
          ? this.q.purgeAny.all(before, limit)
          : this.q.purgeLearned.all(before, options.learnedThrough, limit);
      if (seqs.length === 0) return 0;
      const list = JSON.stringify(seqs);
      this.q.purgeRewards.run(list);
      this.q.purgeJoins.run(list);
      const purged = this.q.purgeEvents.run(list).changes;
      // The dashboard's rows wholly before the cut (dashboard_minutes.ts); a row holding the cut keeps its figures.
      this.q.purgeMinutes.run(minuteOf(before));
      // Emptied, the table numbers from 1 again; otherwise the newest events (the highest seqs) were kept.
      const oldest = this.q.oldestRefs.get();
      if (oldest === undefined) {
        this.q.setCounter.run(0, 'swept_seq');
        this.q.deleteParts.run();
        this.newEpoch();
        this.packer.reset();
      } else {
        // Epochs grow with the event order, across the processes writing the store too, and an event refers to
        // parts of its own epoch only (context_parts.ts): the parts of older epochs belonged to purged events, and
        // a process still remembering some moves to the current epoch at its next write. An event stored before parts existed (no epoch)
        // is older than every part: nothing can go yet.
        const epoch = epochOf(oldest.context_refs);
        if (epoch !== null) this.q.pruneParts.run(epoch);
      }
      return purged;
    });
  }

  async logsDateRange(): Promise<{ from: number; to: number } | null> {
    const r = this.q.range.get()!;
    return r.from === null || r.to === null ? null : { from: r.from, to: r.to };
  }

  async estimateEvaluationEvents(from: number, to: number): Promise<EvaluationEventsEstimate | null> {
    return this.evaluations.estimate(from, to);
  }

  async evaluationEventsExtent(from: number, to: number): Promise<EvaluationEventsExtent | null> {
    return this.evaluations.extent(from, to);
  }

  async readEvaluationEvents(from: number, to: number, afterSeq: number, lastSeq: number, limit: number): Promise<EvaluationEventRow[]> {
    return this.evaluations.read(from, to, afterSeq, lastSeq, limit);
  }

  insertEvaluation(evaluation: NewEvaluation): Promise<void> {
    return this.evaluations.insert(evaluation);
  }

  updateEvaluation(id: string, update: EvaluationUpdate, onlyIfStatus?: readonly string[]): Promise<boolean> {
    return this.evaluations.update(id, update, onlyIfStatus);
  }

  async getEvaluation(id: string, options: { result?: boolean } = {}): Promise<EvaluationRecord | null> {
    return this.evaluations.get(id, options.result === true);
  }

  async listEvaluations(): Promise<EvaluationRecord[]> {
    return this.evaluations.list();
  }

  deleteEvaluation(id: string): Promise<boolean> {
    return this.evaluations.delete(id);
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.group.drain();
    await this.checkpointer?.stop();
    this.checkpointer = null;
    if (this.walFd) fs.closeSync(this.walFd.fd);
    this.walFd = null;
    if (this.probe) clearInterval(this.probe);
    this.probe = null;
    if (this.db.open) this.db.close();
    this.modelBytes?.close();
    this.lock?.release();
  }
}

const EMPTY = Buffer.alloc(0);

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Opens the file; its owner checks it first, before anything is written to it (sqlite_open.ts). */
function openDatabase(file: string, options: SqliteOptions, owner: boolean): Database.Database {
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    if (owner) checkIntegrity(db, file, fileSize(file));
    if (owner) checkOwnSchema(db, file);
    db.pragma('journal_mode = WAL');
    // NORMAL in both modes: with `full`, the store syncs the WAL after each group itself (see the top).
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    if (!options.readonly) migrate(db);
    if (owner) checkWriteLock(db, file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

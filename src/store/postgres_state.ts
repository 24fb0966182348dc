// Models, settings, counters, leases and set-aside state on PostgreSQL. None of these is on the request path of a
// Rank or a Reward, so each runs in a transaction of its own rather than in the group commit: a model export of
// megabytes never holds up the group that logs ranked events. Leases use the database server's clock
// (clock_timestamp(), PostgreSQL docs §9.9.5 "Current Date/Time"), the one clock every process sharing the
// database agrees on.
import { LeaseLostError, StaleSettingsError } from './errors.js';
import type { Client, PgConnection } from './postgres_pool.js';
import type { Counters, LeaseGrant, ModelRecord, NewModel } from './types.js';

/** Model versions kept, the latest included (older ones are deleted in the export's transaction), as SQLite. */
const MODELS_KEPT = 3;

/** Now, in ms since epoch, on the database server's clock. */
const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

interface ModelRow {
  id: number;
  bytes: Buffer;
  policy: string;
  created_at: number;
  modified_at: number;
  cursor: number;
  events_learned: number;
}

function toModel(r: ModelRow): ModelRecord {
  return {
    id: r.id,
    bytes: new Uint8Array(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
    policy: r.policy,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
    cursor: r.cursor,
    eventsLearned: r.events_learned,
  };
}

interface LeaseRow {
  holder: string;
  epoch: number;
  expires_at: number;
}

export class PgState {
  constructor(private readonly conn: PgConnection) {}

  saveModel(m: NewModel, fence?: LeaseGrant): Promise<ModelRecord> {
    return this.conn.transaction(async (c) => {
      if (fence) await checkLease(c, fence);
      const r = await c.query<{ id: number }>(
        `INSERT INTO models (bytes, policy, created_at, modified_at, cursor, events_learned)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength), m.policy, m.createdAt, m.modifiedAt, m.cursor, m.eventsLearned],
      );
      await c.query(`DELETE FROM models WHERE id < (SELECT min(id) FROM (SELECT id FROM models ORDER BY id DESC LIMIT ${MODELS_KEPT}) k)`);
      return { ...m, id: r.rows[0]!.id };
    });
  }

  async latestModel(): Promise<ModelRecord | null> {
    const r = await this.conn.query<ModelRow>('SELECT * FROM models ORDER BY id DESC LIMIT 1');
    return r.rows[0] ? toModel(r.rows[0]) : null;
  }

  async latestModelId(): Promise<number | null> {
    const r = await this.conn.query<{ id: number }>('SELECT id FROM models ORDER BY id DESC LIMIT 1');
    return r.rows[0]?.id ?? null;
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    // A new holder (or the same one after its lease ran out) moves the epoch; a live holder renews at its own.
    const r = await this.conn.query<LeaseRow>(
      `INSERT INTO leases AS l (name, holder, epoch, expires_at) VALUES ($1, $2, 1, ${NOW_MS} + $3)
       ON CONFLICT (name) DO UPDATE SET
         epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > ${NOW_MS} THEN l.epoch ELSE l.epoch + 1 END,
         holder = excluded.holder, expires_at = excluded.expires_at
       WHERE l.holder = excluded.holder OR l.expires_at <= ${NOW_MS}
       RETURNING holder, epoch, expires_at`,
      [name, holder, Math.round(ttlMs)],
    );
    const row = r.rows[0];
    return row ? { name, holder, epoch: row.epoch, expiresAt: row.expires_at } : null;
  }

  async renewLease(grant: LeaseGrant, ttlMs: number): Promise<LeaseGrant | null> {
    const r = await this.conn.query<{ expires_at: number }>(
      `UPDATE leases SET expires_at = ${NOW_MS} + $4
       WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > ${NOW_MS} RETURNING expires_at`,
      [grant.name, grant.holder, grant.epoch, Math.round(ttlMs)],
    );
    const row = r.rows[0];
    return row ? { ...grant, expiresAt: row.expires_at } : null;
  }

  async releaseLease(grant: LeaseGrant): Promise<void> {
    await this.conn.query('UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2 AND epoch = $3', [grant.name, grant.holder, grant.epoch]);
  }

  async sizeBytes(): Promise<number | null> {
    const r = await this.conn.query<{ size: number }>('SELECT pg_database_size(current_database()) AS size');
    return r.rows[0]?.size ?? null;
  }

  async getSetting<T>(key: string): Promise<T | undefined> {
    const r = await this.conn.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return r.rows[0] ? (JSON.parse(r.rows[0].value) as T) : undefined;
  }

  // Compare-and-set: the revision row is locked (FOR UPDATE) until COMMIT, so of two processes writing from the
  // same revision the second sees the first's and is refused.
  putSettings(entries: Record<string, unknown>, expectedRevision?: number): Promise<number> {
    const rows = Object.entries(entries).map(([k, v]) => [k, JSON.stringify(v)] as const);
    return this.conn.transaction(async (c) => {
      const r = await c.query<{ value: number }>(`SELECT value FROM state WHERE name = 'settings_revision' FOR UPDATE`);
      const revision = r.rows[0]!.value;
      if (expectedRevision !== undefined && expectedRevision !== revision) throw new StaleSettingsError(expectedRevision, revision);
      for (const [k, v] of rows) await putSetting(c, k, v);
      await c.query(`UPDATE state SET value = $1 WHERE name = 'settings_revision'`, [revision + 1]);
      return revision + 1;
    });
  }

  async settingsRevision(): Promise<number> {
    const r = await this.conn.query<{ value: number }>(`SELECT value FROM state WHERE name = 'settings_revision'`);
    return r.rows[0]?.value ?? 0;
  }

  async setAsideSetting(key: string, replacement: unknown, reason: string, at: number): Promise<void> {
    const json = JSON.stringify(replacement);
    await this.conn.transaction(async (c) => {
      await c.query(
        `INSERT INTO set_aside (kind, at, reason, value) SELECT 'setting:' || key, $1, $2, value FROM settings WHERE key = $3`,
        [at, reason, key],
      );
      await putSetting(c, key, json);
      // A setting replaced here is a settings write like any other: writers holding the old copy are told.
      await c.query(`UPDATE state SET value = value + 1 WHERE name = 'settings_revision'`);
    });
  }

  async setAsideModel(id: number, reason: string, at: number): Promise<void> {
    await this.conn.transaction(async (c) => {
      await c.query(
        `INSERT INTO set_aside (kind, at, reason, value, bytes)
         SELECT 'model', $1, $2, json_build_object('id', id, 'policy', policy, 'created_at', created_at,
           'modified_at', modified_at, 'cursor', cursor, 'events_learned', events_learned)::text, bytes
         FROM models WHERE id = $3`,
        [at, reason, id],
      );
      await c.query('DELETE FROM models WHERE id = $1', [id]);
    });
  }

  async counters(): Promise<Counters> {
    const r = await this.conn.query<{ name: string; value: number }>('SELECT name, sum(value)::bigint AS value FROM counters GROUP BY name');
    const m = new Map(r.rows.map((x) => [x.name, x.value]));
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
}

function putSetting(c: Client, key: string, json: string): Promise<unknown> {
  return c.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, json]);
}

/** In the export's transaction: the lease row, locked until COMMIT, must still be `grant`'s and unexpired. */
async function checkLease(c: Client, grant: LeaseGrant): Promise<void> {
  const r = await c.query<LeaseRow & { live: boolean }>(
    `SELECT holder, epoch, expires_at, expires_at > ${NOW_MS} AS live FROM leases WHERE name = $1 FOR UPDATE`,
    [grant.name],
  );
  const row = r.rows[0];
  if (!row || row.holder !== grant.holder || row.epoch !== grant.epoch || !row.live) throw new LeaseLostError(grant.name, grant.epoch);
}

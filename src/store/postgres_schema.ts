// Versioned schema for the PostgreSQL store (docs/postgres.md). `personalizer_schema` lists the migrations
// applied; start-up applies the missing ones in one transaction, under a transaction-level advisory lock so that
// several processes starting together on an empty database migrate it once (PostgreSQL docs §9.27.10 "Advisory
// Lock Functions"; DDL is transactional, so a failed upgrade leaves the previous version intact). A database
// whose version is newer than this build is refused. Append new migrations; never edit a released one.
//
// Versus SQLite (sqlite_schema.ts): the context is stored whole (PostgreSQL compresses large values itself, TOAST,
// docs §73.2); unjoined events are rows of `unjoined`, so that the window-close sweep cannot miss one whose insert
// committed after a later-numbered one; counters are sharded rows summed on read, so that the writers of several
// processes do not queue on one row; join_seq and the settings revision are single rows of `state`, locked by
// the transaction that moves them until it commits (join order = commit order).
import { StoreOpenError } from './errors.js';
import type { Client } from './postgres_pool.js';

/** Any constant: the key of the advisory lock taken while migrating ("pers" in ASCII). */
const MIGRATION_LOCK = 0x70657273;

export const PG_MIGRATIONS: readonly string[] = [
  // 1: everything the SQLite store has reached by its migration 8, in PostgreSQL's terms.
  `
  CREATE TABLE events (
    seq              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         text             NOT NULL UNIQUE,
    ts               bigint           NOT NULL,   -- rank time, ms since epoch
    context          text             NOT NULL,   -- DSJSON "c", whole
    actions          text             NOT NULL,   -- DSJSON "a" (JSON array, 1-based)
    probabilities    text             NOT NULL,   -- DSJSON "p" (JSON array)
    chosen_index     integer          NOT NULL,   -- _labelIndex (0-based into _multi)
    chosen_prob      double precision NOT NULL,   -- _label_probability
    model_version    text             NOT NULL,
    defer_activation boolean          NOT NULL,
    activated_at     bigint
  );
  CREATE INDEX events_ts ON events (ts, seq);

  -- The events not joined yet: inserted with the event, deleted by its join (same transactions).
  CREATE TABLE unjoined (
    seq bigint PRIMARY KEY REFERENCES events (seq) ON DELETE CASCADE
  );

  CREATE TABLE rewards (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq bigint           NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    value     double precision NOT NULL,
    ts        bigint           NOT NULL
  );
  CREATE INDEX rewards_event ON rewards (event_seq, id);

  CREATE TABLE joins (
    join_seq   bigint  PRIMARY KEY,               -- learning order
    seq        bigint  NOT NULL UNIQUE REFERENCES events (seq) ON DELETE CASCADE,
    joined_at  bigint  NOT NULL,
    reward     double precision,                  -- aggregated or default reward; NULL when skip_learn
    skip_learn boolean NOT NULL
  );

  CREATE TABLE settings (
    key   text PRIMARY KEY,
    value text NOT NULL                           -- JSON
  );

  CREATE TABLE models (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bytes          bytea  NOT NULL,
    policy         text   NOT NULL,
    created_at     bigint NOT NULL,
    modified_at    bigint NOT NULL,
    cursor         bigint NOT NULL,               -- highest join_seq the model includes
    events_learned bigint NOT NULL
  );

  -- Sharded: each group commit adds its increments to one shard; a counter is the sum of its shards.
  CREATE TABLE counters (
    name  text    NOT NULL,
    shard integer NOT NULL,
    value bigint  NOT NULL,
    PRIMARY KEY (name, shard)
  );

  CREATE TABLE state (
    name  text PRIMARY KEY,
    value bigint NOT NULL
  );
  INSERT INTO state (name, value) VALUES ('join_seq', 0), ('settings_revision', 0);

  CREATE TABLE set_aside (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind   text   NOT NULL,                       -- 'setting:<key>' or 'model'
    at     bigint NOT NULL,                       -- ms since epoch
    reason text   NOT NULL,
    value  text,                                  -- a setting's JSON; a model's other columns as JSON
    bytes  bytea                                  -- a model's bytes
  );

  CREATE TABLE evaluations (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text    NOT NULL UNIQUE,
    name           text    NOT NULL,
    kind           text    NOT NULL,              -- Manual | Auto (Evaluation.evaluationType)
    status         text    NOT NULL,
    contract       text    NOT NULL,              -- JSON
    created_at     bigint  NOT NULL,
    started_at     bigint,
    finished_at    bigint,
    attempts       integer NOT NULL DEFAULT 0,
    progress       double precision NOT NULL DEFAULT 0,
    stage          text,
    failure_reason text,
    summary        text,                          -- JSON: the result without the per-bin summaries
    result         text                           -- JSON: the whole result
  );

  CREATE TABLE leases (
    name       text   PRIMARY KEY,
    holder     text   NOT NULL,
    epoch      bigint NOT NULL,
    expires_at bigint NOT NULL                    -- ms since epoch, on the database server's clock
  );
  `,
  // 2: multi-slot events (docs/multi-slot.md), as the SQLite store's migration 10: an event's per-slot decisions,
  // a reward's slot, a join's reward per slot. NULL on single-slot rows (adding a nullable column rewrites nothing).
  `
  ALTER TABLE events ADD COLUMN slots text;         -- JSON [{"id","a","p","b"}…] (slots.ts); NULL: single-slot
  ALTER TABLE rewards ADD COLUMN slot_id text;      -- SlotReward.slotId; NULL: a single-slot reward
  ALTER TABLE joins ADD COLUMN slot_rewards text;   -- JSON [reward per slot]; NULL: single-slot or skip_learn
  `,
  // 3: the dashboard's aggregates (dashboard_minutes.ts, docs/dashboard.md), as the SQLite store's migration 11:
  // per minute of rank time and rolled up to 5, 15 and 60 minutes, kept with each rank and each join, filled here from
  // what is already stored.
  `
  CREATE TABLE dashboard_minutes (
    level           integer NOT NULL,              -- the row's width in minutes: 1, 5, 15 or 60
    minute          bigint  NOT NULL,              -- its first minute (ts / 60000, a multiple of level)
    ranked          bigint  NOT NULL DEFAULT 0,
    joined          bigint  NOT NULL DEFAULT 0,    -- joined, learnable
    skipped         bigint  NOT NULL DEFAULT 0,    -- joined with skip_learn
    rewarded        bigint  NOT NULL DEFAULT 0,    -- joined with a reward received
    explored        bigint  NOT NULL DEFAULT 0,    -- joined, chosen action not the top one
    reward_sum      double precision NOT NULL DEFAULT 0,
    reward_sq       double precision NOT NULL DEFAULT 0,
    baseline_ips    double precision NOT NULL DEFAULT 0,  -- Σ reward·1[chosen = baseline]/p
    baseline_ips_sq double precision NOT NULL DEFAULT 0,
    random_ips      double precision NOT NULL DEFAULT 0,  -- Σ reward/(K·p)
    random_ips_sq   double precision NOT NULL DEFAULT 0,
    PRIMARY KEY (level, minute)
  );
  INSERT INTO dashboard_minutes (level, minute, ranked)
  SELECT l.level, (ts / 60000 / l.level) * l.level, count(*) FROM events, (VALUES (1), (5), (15), (60)) AS l(level) GROUP BY 1, 2;
  WITH f AS (
    SELECT e.ts / 60000 AS minute, j.skip_learn AS skip,
      EXISTS (SELECT 1 FROM rewards r WHERE r.event_seq = e.seq) AS rewarded,
      e.chosen_prob < (SELECT max(x::float8) FROM json_array_elements_text(coalesce(e.slots::json -> 0 -> 'p', e.probabilities::json)) x) - 1e-9 AS explored,
      coalesce(j.reward, 0) AS r,
      CASE WHEN e.chosen_index = coalesce((e.slots::json -> 0 ->> 'b')::int, 0) THEN coalesce(j.reward, 0) / e.chosen_prob ELSE 0 END AS b,
      coalesce(j.reward, 0) / e.chosen_prob / json_array_length(coalesce(e.slots::json -> 0 -> 'a', e.actions::json)) AS u
    FROM joins j JOIN events e ON e.seq = j.seq
  )
  INSERT INTO dashboard_minutes AS d (level, minute, joined, skipped, rewarded, explored, reward_sum, reward_sq, baseline_ips, baseline_ips_sq, random_ips, random_ips_sq)
  SELECT l.level, (minute / l.level) * l.level, count(*) FILTER (WHERE NOT skip), count(*) FILTER (WHERE skip),
    count(*) FILTER (WHERE NOT skip AND rewarded), count(*) FILTER (WHERE NOT skip AND explored),
    sum(r), sum(r * r), sum(b), sum(b * b), sum(u), sum(u * u)
  FROM f, (VALUES (1), (5), (15), (60)) AS l(level) GROUP BY 1, 2
  ON CONFLICT (level, minute) DO UPDATE SET joined = excluded.joined, skipped = excluded.skipped, rewarded = excluded.rewarded,
    explored = excluded.explored, reward_sum = excluded.reward_sum, reward_sq = excluded.reward_sq,
    baseline_ips = excluded.baseline_ips, baseline_ips_sq = excluded.baseline_ips_sq,
    random_ips = excluded.random_ips, random_ips_sq = excluded.random_ips_sq;
  `,
];

/** Applies the missing migrations; returns the schema version. Throws StoreOpenError for a newer database. */
export async function migratePg(client: Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS personalizer_schema (
      version    integer PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM personalizer_schema');
    const current = r.rows[0]?.v ?? 0;
    if (current > PG_MIGRATIONS.length) {
      throw new StoreOpenError(
        `the PostgreSQL database has store schema version ${current}, newer than this build understands (${PG_MIGRATIONS.length}); run a newer personalizer`,
      );
    }
    for (let v = current; v < PG_MIGRATIONS.length; v++) {
      await client.query(PG_MIGRATIONS[v]!);
      await client.query('INSERT INTO personalizer_schema (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
    return PG_MIGRATIONS.length;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

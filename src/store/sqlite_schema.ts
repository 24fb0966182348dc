// Versioned schema for the SQLite store. PRAGMA user_version holds the number of migrations applied; each
// migration runs in its own transaction, so a crash mid-upgrade leaves the previous version intact.
// Append new migrations; never edit a released one.
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: events, rewards, settings, models, counters.
  `
  CREATE TABLE events (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id          TEXT    NOT NULL UNIQUE,
    ts                INTEGER NOT NULL,          -- rank time, ms since epoch
    context           TEXT    NOT NULL,          -- DSJSON "c"
    actions           TEXT    NOT NULL,          -- DSJSON "a" (JSON array, 1-based)
    probabilities     TEXT    NOT NULL,          -- DSJSON "p" (JSON array)
    chosen_index      INTEGER NOT NULL,          -- _labelIndex (0-based into _multi)
    chosen_prob       REAL    NOT NULL,          -- _label_probability
    model_version     TEXT    NOT NULL,
    defer_activation  INTEGER NOT NULL,
    activated_at      INTEGER,
    join_seq          INTEGER UNIQUE,            -- learning order; NULL until joined
    joined_at         INTEGER,
    join_reward       REAL,                      -- aggregated or default reward; NULL when skip_learn
    skip_learn        INTEGER
  );
  CREATE INDEX events_unjoined ON events (seq) WHERE join_seq IS NULL;
  CREATE INDEX events_ts ON events (ts);

  CREATE TABLE rewards (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    value     REAL    NOT NULL,
    ts        INTEGER NOT NULL
  );
  CREATE INDEX rewards_event ON rewards (event_seq, id);

  CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL                          -- JSON
  );

  CREATE TABLE models (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    bytes          BLOB    NOT NULL,
    policy         TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    modified_at    INTEGER NOT NULL,
    cursor         INTEGER NOT NULL,             -- highest join_seq the model includes
    events_learned INTEGER NOT NULL
  );

  CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  INSERT INTO counters (name, value) VALUES
    ('events_ranked', 0), ('rewards_received', 0), ('rewards_unknown_event', 0),
    ('activations', 0), ('activations_unknown_event', 0),
    ('events_joined', 0), ('events_skipped', 0), ('join_seq', 0);
  `,
  // 2: the window-close sweep looks for unjoined events by rank time; an index on seq made it scan every
  // unjoined event (all those still inside their reward window) at each sweep.
  `
  DROP INDEX events_unjoined;
  CREATE INDEX events_unjoined_ts ON events (ts, seq) WHERE join_seq IS NULL;
  `,
  // 3: less written per ranked event and per reward. join_seq's UNIQUE column constraint indexed every event
  // (as NULL) at insert; a partial unique index holds the joined ones only. AUTOINCREMENT on events and rewards
  // updated sqlite_sequence at every insert; plain rowids suffice (nothing outside a row's own table and its
  // cascade keeps a seq or a reward id, and new rows still sort after every existing one). Models keep it:
  // their ids are versions and must never repeat. The tables are rebuilt (sqlite.org/lang_altertable.html,
  // "other kinds of table schema changes"), with foreign keys off around the migration (see migrate).
  `
  CREATE TABLE events_v3 (
    seq               INTEGER PRIMARY KEY,
    event_id          TEXT    NOT NULL UNIQUE,
    ts                INTEGER NOT NULL,          -- rank time, ms since epoch
    context           TEXT    NOT NULL,          -- DSJSON "c"
    actions           TEXT    NOT NULL,          -- DSJSON "a" (JSON array, 1-based)
    probabilities     TEXT    NOT NULL,          -- DSJSON "p" (JSON array)
    chosen_index      INTEGER NOT NULL,          -- _labelIndex (0-based into _multi)
    chosen_prob       REAL    NOT NULL,          -- _label_probability
    model_version     TEXT    NOT NULL,
    defer_activation  INTEGER NOT NULL,
    activated_at      INTEGER,
    join_seq          INTEGER,                   -- learning order; NULL until joined (unique: events_join_seq)
    joined_at         INTEGER,
    join_reward       REAL,                      -- aggregated or default reward; NULL when skip_learn
    skip_learn        INTEGER
  );
  INSERT INTO events_v3 SELECT seq, event_id, ts, context, actions, probabilities, chosen_index, chosen_prob,
    model_version, defer_activation, activated_at, join_seq, joined_at, join_reward, skip_learn FROM events;
  CREATE TABLE rewards_v3 (
    id        INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
    value     REAL    NOT NULL,
    ts        INTEGER NOT NULL
  );
  INSERT INTO rewards_v3 SELECT id, event_seq, value, ts FROM rewards;
  DROP TABLE rewards;
  DROP TABLE events;
  ALTER TABLE events_v3 RENAME TO events;
  ALTER TABLE rewards_v3 RENAME TO rewards;
  DELETE FROM sqlite_sequence WHERE name IN ('events', 'rewards');
  CREATE UNIQUE INDEX events_join_seq ON events (join_seq) WHERE join_seq IS NOT NULL;
  CREATE INDEX events_unjoined_ts ON events (ts, seq) WHERE join_seq IS NULL;
  CREATE INDEX events_ts ON events (ts);
  CREATE INDEX rewards_event ON rewards (event_seq, id);
  `,
  // 4: a join is a row of its own, not columns of the event. Joining wrote the event's row again, context
  // included (a 4 KiB page per reward, and a delete in the unjoined index); now it appends a small row, and a
  // ranked event is written to one index less. The window-close sweep walks the events in rank order from
  // `swept_seq` (every event at or before it is joined) instead of using a partial index of the unjoined ones.
  `
  CREATE TABLE events_v4 (
    seq               INTEGER PRIMARY KEY,
    event_id          TEXT    NOT NULL UNIQUE,
    ts                INTEGER NOT NULL,          -- rank time, ms since epoch
    context           TEXT    NOT NULL,          -- DSJSON "c"
    actions           TEXT    NOT NULL,          -- DSJSON "a" (JSON array, 1-based)
    probabilities     TEXT    NOT NULL,          -- DSJSON "p" (JSON array)
    chosen_index      INTEGER NOT NULL,          -- _labelIndex (0-based into _multi)
    chosen_prob       REAL    NOT NULL,          -- _label_probability
    model_version     TEXT    NOT NULL,
    defer_activation  INTEGER NOT NULL,
    activated_at      INTEGER
  );
  INSERT INTO events_v4 SELECT seq, event_id, ts, context, actions, probabilities, chosen_index, chosen_prob,
    model_version, defer_activation, activated_at FROM events;
  CREATE TABLE joins (
    join_seq   INTEGER PRIMARY KEY,              -- learning order
    seq        INTEGER NOT NULL UNIQUE REFERENCES events (seq) ON DELETE CASCADE,
    joined_at  INTEGER NOT NULL,
    reward     REAL,                             -- aggregated or default reward; NULL when skip_learn
    skip_learn INTEGER NOT NULL
  );
  INSERT INTO joins SELECT join_seq, seq, joined_at, join_reward, skip_learn FROM events WHERE join_seq IS NOT NULL;
  INSERT INTO counters (name, value) VALUES ('swept_seq', COALESCE(
    (SELECT MIN(seq) - 1 FROM events WHERE join_seq IS NULL), (SELECT MAX(seq) FROM events), 0));
  DROP TABLE events;
  ALTER TABLE events_v4 RENAME TO events;
  CREATE INDEX events_ts ON events (ts);
  `,
  // 5: stored state that could not be used at start (a policy that no longer parses, a configuration that no
  // longer validates, a model that cannot be loaded) is moved here, never deleted, so it can be inspected.
  `
  CREATE TABLE set_aside (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    kind   TEXT    NOT NULL,                     -- 'setting:<key>' or 'model'
    at     INTEGER NOT NULL,                     -- ms since epoch
    reason TEXT    NOT NULL,
    value  TEXT,                                 -- a setting's JSON; a model's other columns as JSON
    bytes  BLOB                                  -- a model's bytes
  );
  `,
  // 6: the logged context stored without repeating itself (context_parts.ts): pieces an event shares with
  // earlier ones (the same action with the same features, the same namespace) are rows of context_parts, and
  // context_refs says where they go back in. Events stored before keep their whole text (context_refs NULL), so
  // nothing is rewritten: adding a column only changes the schema (sqlite.org/lang_altertable.html).
  `
  ALTER TABLE events ADD COLUMN context_refs TEXT; -- '<epoch>;<offset>:<part id>,…'; NULL: context is whole
  CREATE TABLE context_parts (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,    -- never reused once committed: readers cache parts by id
    epoch INTEGER NOT NULL,                     -- only events of the same epoch refer to it
    text  TEXT    NOT NULL
  );
  INSERT INTO counters (name, value) VALUES ('context_epoch', 0);
  `,
  // 7: offline evaluations (POST /evaluations, auto-optimization). The loop owns what a row means; contract,
  // summary and result are its JSON texts. `result` holds every policy's 5-minute bins and can be megabytes, so
  // `summary` keeps the same without the bins for lists. seq orders the job queue (FIFO) and the list.
  `
  CREATE TABLE evaluations (
    seq            INTEGER PRIMARY KEY,
    id             TEXT    NOT NULL UNIQUE,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,            -- Manual | Auto (Evaluation.evaluationType)
    status         TEXT    NOT NULL,            -- pending | running | completed | failed | optimalPolicyApplied | …
    contract       TEXT    NOT NULL,            -- JSON: the accepted EvaluationContract and the online policy
    created_at     INTEGER NOT NULL,            -- ms since epoch
    started_at     INTEGER,
    finished_at    INTEGER,
    attempts       INTEGER NOT NULL DEFAULT 0,  -- job starts (a restart mid-run starts it again)
    progress       REAL    NOT NULL DEFAULT 0,  -- 0 … 1
    stage          TEXT,
    failure_reason TEXT,
    summary        TEXT,                        -- JSON: the result without the per-bin summaries
    result         TEXT                         -- JSON: the whole result
  );
  `,
  // 8: leases (sqlite_lease.ts): which process of those sharing the store runs the trainer (Workers=N). epoch
  // moves with each new holder and fences its model exports.
  `
  CREATE TABLE leases (
    name       TEXT    PRIMARY KEY,
    holder     TEXT    NOT NULL,
    epoch      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL                 -- ms since epoch
  );
  `,
  // 9: a model's bytes may live in the companion file <store>.models (sqlite_models.ts), so that writing them
  // never holds this database's write lock; bytes_id names them there, and bytes is then empty. Rows before keep
  // their bytes inline (bytes_id NULL): nothing is rewritten.
  `
  ALTER TABLE models ADD COLUMN bytes_id INTEGER;
  `,
  // 10: multi-slot events (docs/multi-slot.md). Their per-slot decisions are one JSON text on the event, a
  // reward names its slot, a join keeps each slot's reward. Single-slot rows keep NULL there: nothing rewritten.
  `
  ALTER TABLE events ADD COLUMN slots TEXT;        -- JSON [{"id","a","p","b"}…] (slots.ts); NULL: single-slot
  ALTER TABLE rewards ADD COLUMN slot_id TEXT;     -- SlotReward.slotId; NULL: a single-slot reward
  ALTER TABLE joins ADD COLUMN slot_rewards TEXT;  -- JSON [reward per slot]; NULL: single-slot or skip_learn
  `,
  // 11: the dashboard's aggregates (dashboard_minutes.ts, docs/dashboard.md), per UTC minute of rank time and
  // rolled up to 5, 15 and 60 minutes, kept with each rank and each join; filled here from the events and joins
  // already stored, by the same rules.
  `
  CREATE TABLE dashboard_minutes (
    level           INTEGER NOT NULL,             -- the row's width in minutes: 1, 5, 15 or 60
    minute          INTEGER NOT NULL,             -- its first minute (floor(ts / 60000), a multiple of level)
    ranked          INTEGER NOT NULL DEFAULT 0,
    joined          INTEGER NOT NULL DEFAULT 0,   -- joined, learnable
    skipped         INTEGER NOT NULL DEFAULT 0,   -- joined with skip_learn
    rewarded        INTEGER NOT NULL DEFAULT 0,   -- joined with a reward received
    explored        INTEGER NOT NULL DEFAULT 0,   -- joined, chosen action not the top one
    reward_sum      REAL    NOT NULL DEFAULT 0,
    reward_sq       REAL    NOT NULL DEFAULT 0,
    baseline_ips    REAL    NOT NULL DEFAULT 0,   -- Σ reward·1[chosen = baseline]/p
    baseline_ips_sq REAL    NOT NULL DEFAULT 0,
    random_ips      REAL    NOT NULL DEFAULT 0,   -- Σ reward/(K·p)
    random_ips_sq   REAL    NOT NULL DEFAULT 0,
    PRIMARY KEY (level, minute)
  ) WITHOUT ROWID;
  WITH levels(level) AS (VALUES (1), (5), (15), (60))
  INSERT INTO dashboard_minutes (level, minute, ranked)
  SELECT level, (ts / 60000 / level) * level, COUNT(*) FROM events, levels GROUP BY 1, 2;
  WITH levels(level) AS (VALUES (1), (5), (15), (60)),
  f AS (
    SELECT e.ts / 60000 AS minute, j.skip_learn AS skip,
      EXISTS (SELECT 1 FROM rewards r WHERE r.event_seq = e.seq) AS rewarded,
      e.chosen_prob < (SELECT MAX(value) FROM json_each(COALESCE(json_extract(e.slots, '$[0].p'), e.probabilities))) - 1e-9 AS explored,
      COALESCE(j.reward, 0) AS r,
      CASE WHEN e.chosen_index = COALESCE(json_extract(e.slots, '$[0].b'), 0) THEN COALESCE(j.reward, 0) / e.chosen_prob ELSE 0 END AS b,
      COALESCE(j.reward, 0) / e.chosen_prob / json_array_length(COALESCE(json_extract(e.slots, '$[0].a'), e.actions)) AS u
    FROM joins j JOIN events e ON e.seq = j.seq
  )
  INSERT INTO dashboard_minutes (level, minute, joined, skipped, rewarded, explored, reward_sum, reward_sq, baseline_ips, baseline_ips_sq, random_ips, random_ips_sq)
  SELECT level, (minute / level) * level, SUM(skip = 0), SUM(skip = 1), SUM(skip = 0 AND rewarded), SUM(skip = 0 AND explored),
    SUM(r), SUM(r * r), SUM(b), SUM(b * b), SUM(u), SUM(u * u)
  FROM f, levels GROUP BY 1, 2
  ON CONFLICT (level, minute) DO UPDATE SET joined = excluded.joined, skipped = excluded.skipped, rewarded = excluded.rewarded,
    explored = excluded.explored, reward_sum = excluded.reward_sum, reward_sq = excluded.reward_sq,
    baseline_ips = excluded.baseline_ips, baseline_ips_sq = excluded.baseline_ips_sq,
    random_ips = excluded.random_ips, random_ips_sq = excluded.random_ips_sq;
  `,
];

export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`store schema version ${current} is newer than this build understands (${MIGRATIONS.length})`);
  }
  if (current === MIGRATIONS.length) return current;
  // Foreign keys off while tables are rebuilt (dropping a referenced table would otherwise cascade), checked
  // before each migration commits. The pragma is a no-op inside a transaction, hence out here.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  db.pragma('foreign_keys = OFF');
  try {
    for (let v = current; v < MIGRATIONS.length; v++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[v]!);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`store migration ${v + 1} left ${broken.length} broken foreign keys`);
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  }
  return MIGRATIONS.length;
}

// Events, rewards, activations and joins on PostgreSQL (schema: postgres_schema.ts; design: docs/postgres.md).
//
// Several processes write one database at once, so what SQLite gets from its single writer is made explicit:
// - eventId is unique by constraint: ON CONFLICT DO NOTHING answers "duplicate" race-free.
// - A join takes its event's `unjoined` row (FOR UPDATE) and deletes it, in one transaction: two processes can
//   never both join one event; the one that comes second finds the row gone and records its reward only.
// - join_seq is handed out by an UPDATE of one `state` row just before COMMIT; its row lock is held to COMMIT, so
//   joins commit in join_seq order and a reader that sees join N has seen every join below N (the trainer reads
//   `readJoined(after)` and moves its cursor to headJoinSeq()).
// - The window-close sweep walks `unjoined` in rank order with FOR UPDATE SKIP LOCKED (PostgreSQL docs, SELECT,
//   "The Locking Clause"): an event whose insert committed after a later-numbered one is still found, and rows a
//   reward is joining at that moment are left to it.
// - Counter increments are added to one of COUNTER_SHARDS rows per counter, chosen per group.
import type { Client, PgConnection } from './postgres_pool.js';
import type { Batcher, WriteEffects } from './postgres_group.js';
import type {
  ActivateOutcome,
  Decide,
  EventRecord,
  JoinedEvent,
  JoinCandidate,
  JoinDecision,
  JoinEvent,
  NewEvent,
  RewardOutcome,
  RewardRecord,
  SlotRewardInput,
  SlotRewardOutcome,
} from './types.js';
import { joinedSlots, parseSlots, slotIds, slotRewardsText, slotsText } from './slots.js';
import { levelFor, type MinuteBucket } from './dashboard_minutes.js';
import type { GroupWrite } from './postgres_group.js';

const COUNTER_SHARDS = 16;
/** Unjoined events the sweep takes per transaction (joinDue). */
const SWEEP_STEP = 256;

/**
 * An eventId as stored. PostgreSQL text cannot hold U+0000 (SQLSTATE 22021; docs §8.3 "Character Types"), which a
 * client may send in an eventId as SQLite accepts it; so U+0000 and the escape character U+0001 are written as two
 * characters each (U+0001 U+0002, U+0001 U+0001). Injective, and every other id is stored as it is.
 */
export function encodeId(id: string): string {
  return id.includes('\u0000') || id.includes('\u0001') ? id.replace(/[\u0000\u0001]/g, (c) => (c === '\u0000' ? '\u0001\u0002' : '\u0001\u0001')) : id;
}

export function decodeId(stored: string): string {
  return stored.includes('\u0001') ? stored.replace(/\u0001([\u0001\u0002])/g, (_, c: string) => (c === '\u0002' ? '\u0000' : '\u0001')) : stored;
}

/** DSJSON `a`/`p` as compact JSON text, the numbers as JavaScript prints them (as the SQLite store keeps them). */
function compactArray(xs: number[]): string {
  let out = '[';
  for (let i = 0; i < xs.length; i++) out += (i === 0 ? '' : ',') + String(xs[i]);
  return out + ']';
}

const INSERT_EVENTS = `
  WITH ins AS (
    INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob, model_version, defer_activation, slots)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::float8[], $8::text[], $9::boolean[], $10::text[])
    ON CONFLICT (event_id) DO NOTHING
    RETURNING seq, event_id, ts),
  u AS (INSERT INTO unjoined (seq) SELECT seq FROM ins),
  m AS (INSERT INTO dashboard_minutes AS d (level, minute, ranked)
    SELECT l.level, (ts / 60000 / l.level) * l.level, count(*) FROM ins, (VALUES (1), (5), (15), (60)) AS l(level) GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (level, minute) DO UPDATE SET ranked = d.ranked + excluded.ranked)
  SELECT event_id FROM ins`;

/** The rewards of an event so far, in arrival order, as a JSON array of [value, ts, slot_id]. */
const REWARDS_OF = `(SELECT coalesce(json_agg(json_build_array(r.value, r.ts, r.slot_id) ORDER BY r.id), '[]'::json)
  FROM rewards r WHERE r.event_seq = e.seq)`;

// One round trip for all the rewards of a group: finds their events, stores the rewards (in request order), takes
// the unjoined rows of those events (FOR UPDATE, in seq order so that two groups lock them in the same order),
// and reads the rewards each had before (the statement's snapshot does not see its own inserts).
const ADD_REWARDS = `
  WITH input AS (SELECT * FROM unnest($1::text[], $2::float8[], $3::bigint[]) WITH ORDINALITY AS i(event_id, value, ts, o)),
  e AS (SELECT i.o, ev.seq, ev.ts, ev.defer_activation, ev.activated_at, ev.slots FROM input i JOIN events ev ON ev.event_id = i.event_id),
  r AS (INSERT INTO rewards (event_seq, value, ts) SELECT e.seq, i.value, i.ts FROM e JOIN input i ON i.o = e.o ORDER BY e.o RETURNING id),
  u AS (SELECT seq FROM unjoined WHERE seq IN (SELECT seq FROM e) ORDER BY seq FOR UPDATE)
  SELECT e.o, e.seq, e.ts, e.defer_activation, e.activated_at, e.slots, (SELECT count(*) FROM r) AS stored,
    e.seq IN (SELECT seq FROM u) AS unjoined,
    CASE WHEN e.seq IN (SELECT seq FROM u) THEN ${REWARDS_OF} END AS rewards
  FROM e ORDER BY e.o`;

// The UPDATE decides "first activation" race-free: a concurrent one waits for this row and then finds it set.
const ACTIVATE = `
  WITH e AS (SELECT seq, ts, defer_activation, slots FROM events WHERE event_id = $1),
  a AS (UPDATE events SET activated_at = $2 WHERE seq = (SELECT seq FROM e) AND activated_at IS NULL RETURNING seq),
  u AS (SELECT seq FROM unjoined WHERE seq = (SELECT seq FROM a) FOR UPDATE)
  SELECT e.seq, e.ts, e.defer_activation, e.slots, EXISTS (SELECT 1 FROM a) AS activated, EXISTS (SELECT 1 FROM u) AS unjoined,
    CASE WHEN EXISTS (SELECT 1 FROM u) THEN ${REWARDS_OF} END AS rewards
  FROM e`;

const SWEEP = `
  SELECT u.seq, e.ts, e.defer_activation, e.activated_at, e.slots FROM unjoined u JOIN events e ON e.seq = u.seq
  ORDER BY u.seq LIMIT $1 FOR UPDATE OF u SKIP LOCKED`;

interface EventRow {
  seq: number;
  event_id: string;
  ts: number;
  context: string;
  actions: string;
  probabilities: string;
  chosen_index: number;
  chosen_prob: number;
  model_version: string;
  defer_activation: boolean;
  activated_at: number | null;
  join_seq: number | null;
  joined_at: number | null;
  join_reward: number | null;
  skip_learn: boolean | null;
  slots: string | null;
  slot_rewards: string | null;
}

function toEvent(r: EventRow): EventRecord {
  const event: EventRecord = {
    seq: r.seq,
    eventId: decodeId(r.event_id),
    timestamp: r.ts,
    context: r.context,
    actions: JSON.parse(r.actions) as number[],
    probabilities: JSON.parse(r.probabilities) as number[],
    chosenIndex: r.chosen_index,
    chosenProbability: r.chosen_prob,
    modelVersion: r.model_version,
    deferActivation: r.defer_activation,
    activatedAt: r.activated_at,
    join:
      r.join_seq === null
        ? null
        : { joinSeq: r.join_seq, reward: r.join_reward, skipLearn: r.skip_learn === true, joinedAt: r.joined_at ?? 0 },
  };
  if (r.slots !== null) event.slots = parseSlots(r.slots);
  if (event.join && r.slot_rewards !== null) event.join.slotRewards = JSON.parse(r.slot_rewards) as number[];
  return event;
}

function reward(value: number, timestamp: number, slotId: string | null | undefined): RewardRecord {
  return slotId === null || slotId === undefined ? { value, timestamp } : { value, timestamp, slotId };
}

function rewardList(json: [number, number, string | null][] | null): RewardRecord[] {
  return (json ?? []).map(([value, timestamp, slotId]) => reward(value, timestamp, slotId));
}

/** A join candidate: a multi-slot event's carries its slot ids. */
function candidate(event: JoinEvent, rewards: RewardRecord[], slots: string | null): JoinCandidate {
  return slots === null ? { event, rewards } : { event, rewards, slots: slotIds(slots) };
}

/** Runs `decide` on an unjoined event whose row the caller holds; on a decision, deletes the row and adds the join. */
async function tryJoin(client: Client, fx: WriteEffects, seq: number, candidate: JoinCandidate, decide: Decide, at: number): Promise<boolean> {
  const decision = decide(candidate);
  if (decision === null) return false;
  await client.query('DELETE FROM unjoined WHERE seq = $1', [seq]);
  join(fx, seq, at, decision);
  return true;
}

function join(fx: WriteEffects, seq: number, at: number, decision: NonNullable<JoinDecision>): void {
  const slotRewards = decision.skipLearn ? null : slotRewardsText(decision.slotRewards);
  fx.joins.push({ seq, joinedAt: at, reward: decision.reward, skipLearn: decision.skipLearn, slotRewards });
  fx.count(decision.skipLearn ? 'events_skipped' : 'events_joined');
}

/** Ranked events, many per statement. A second event with an eventId already in the group is refused at once. */
export const eventBatcher: Batcher<NewEvent> = {
  async many(client, items, effects) {
    const first = new Map<string, number>();
    const rows: NewEvent[] = [];
    items.forEach((e, i) => {
      if (!first.has(e.eventId)) {
        first.set(e.eventId, i);
        rows.push(e);
      }
    });
    const r = await client.query<{ event_id: string }>(INSERT_EVENTS, [
      rows.map((e) => encodeId(e.eventId)),
      rows.map((e) => e.timestamp),
      rows.map((e) => e.context),
      rows.map((e) => compactArray(e.actions)),
      rows.map((e) => compactArray(e.probabilities)),
      rows.map((e) => e.chosenIndex),
      rows.map((e) => e.chosenProbability),
      rows.map((e) => e.modelVersion),
      rows.map((e) => e.deferActivation),
      rows.map((e) => (e.slots === undefined ? null : slotsText(e.slots))),
    ]);
    const inserted = new Set(r.rows.map((row) => decodeId(row.event_id)));
    return items.map((e, i) => {
      const ok = first.get(e.eventId) === i && inserted.has(e.eventId);
      if (ok) effects[i]!.count('events_ranked');
      return ok;
    });
  },
  one(item) {
    return (client, fx) => eventBatcher.many(client, [item], [fx]).then((v) => v[0]);
  },
};

export interface RewardInput {
  eventId: string;
  value: number;
  at: number;
  decide: Decide;
}

interface RewardRow {
  o: number;
  seq: number;
  ts: number;
  defer_activation: boolean;
  activated_at: number | null;
  slots: string | null;
  unjoined: boolean;
  rewards: [number, number, string | null][] | null;
}

/** Rewards, a group's in one statement; a later reward of the group for the same event sees the earlier ones. */
export const rewardBatcher: Batcher<RewardInput> = {
  async many(client, items, effects) {
    const r = await client.query<RewardRow>(ADD_REWARDS, [items.map((x) => encodeId(x.eventId)), items.map((x) => x.value), items.map((x) => x.at)]);
    const rows = new Map(r.rows.map((row) => [row.o, row]));
    /** Per event of this group: the rewards so far (null once joined by this group). */
    const seen = new Map<number, RewardRecord[] | null>();
    const joined: number[] = [];
    const outcomes = items.map((x, i): RewardOutcome => {
      const fx = effects[i]!;
      const row = rows.get(i + 1);
      if (row === undefined) {
        fx.count('rewards_unknown_event');
        return 'unknown';
      }
      fx.count('rewards_received');
      if (!seen.has(row.seq)) seen.set(row.seq, row.unjoined ? rewardList(row.rewards) : null);
      const rewards = seen.get(row.seq);
      if (!rewards) return 'recorded';
      rewards.push({ value: x.value, timestamp: x.at });
      const event = { timestamp: row.ts, deferActivation: row.defer_activation, activatedAt: row.activated_at };
      const decision = x.decide(candidate(event, [...rewards], row.slots));
      if (decision === null) return 'recorded';
      seen.set(row.seq, null);
      joined.push(row.seq);
      join(fx, row.seq, x.at, decision);
      return 'joined';
    });
    if (joined.length > 0) await client.query('DELETE FROM unjoined WHERE seq = ANY($1::bigint[])', [joined]);
    return outcomes;
  },
  one(item) {
    return (client, fx) => rewardBatcher.many(client, [item], [fx]).then((v) => v[0]);
  },
};

export function activate(eventId: string, at: number, decide: Decide): GroupWrite<ActivateOutcome> {
  return async (client, fx) => {
    const r = await client.query(ACTIVATE, [encodeId(eventId), at]);
    const row = r.rows[0];
    if (row === undefined) {
      fx.count('activations_unknown_event');
      return 'unknown';
    }
    if (!row.activated) return 'already';
    fx.count('activations');
    if (!row.unjoined) return 'recorded';
    const event = { timestamp: row.ts, deferActivation: row.defer_activation, activatedAt: at };
    return (await tryJoin(client, fx, row.seq, candidate(event, rewardList(row.rewards), row.slots), decide, at)) ? 'joined' : 'recorded';
  };
}

/**
 * A multi-slot reward call, alone in its statements (they are rare next to Ranks): checks the slot ids against the
 * event's, stores the rewards, then takes the event's `unjoined` row (FOR UPDATE) and reads the activation and the
 * rewards under that lock, so that a concurrent activation or reward is seen whole.
 */
export function addSlotRewards(eventId: string, rewards: SlotRewardInput[], at: number, decide: Decide): GroupWrite<SlotRewardOutcome> {
  return async (client, fx) => {
    const head = await client.query<{ seq: number; slots: string | null }>('SELECT seq, slots FROM events WHERE event_id = $1', [encodeId(eventId)]);
    const row = head.rows[0];
    if (row === undefined) {
      fx.count('rewards_unknown_event', rewards.length);
      return { outcome: 'unknown' };
    }
    if (row.slots === null) return { outcome: 'notMultiSlot' };
    const ids = new Set(slotIds(row.slots));
    const unknown = rewards.find((r) => !ids.has(r.slotId));
    if (unknown) return { outcome: 'unknownSlot', slotId: unknown.slotId };
    await client.query(
      `INSERT INTO rewards (event_seq, value, ts, slot_id)
       SELECT $1, v, $2, s FROM unnest($3::float8[], $4::text[]) WITH ORDINALITY AS t(v, s, o) ORDER BY o`,
      [row.seq, at, rewards.map((r) => r.value), rewards.map((r) => r.slotId)],
    );
    fx.count('rewards_received', rewards.length);
    const locked = await client.query('SELECT seq FROM unjoined WHERE seq = $1 FOR UPDATE', [row.seq]);
    if (locked.rows.length === 0) return { outcome: 'recorded' };
    const ev = await client.query<{ ts: number; defer_activation: boolean; activated_at: number | null; rewards: [number, number, string | null][] }>(
      `SELECT e.ts, e.defer_activation, e.activated_at, ${REWARDS_OF} AS rewards FROM events e WHERE e.seq = $1`,
      [row.seq],
    );
    const e = ev.rows[0]!;
    const event = { timestamp: e.ts, deferActivation: e.defer_activation, activatedAt: e.activated_at };
    return { outcome: (await tryJoin(client, fx, row.seq, candidate(event, rewardList(e.rewards), row.slots), decide, at)) ? 'joined' : 'recorded' };
  };
}

/**
 * One step of the window-close sweep, in the caller's transaction: the unjoined events in rank order, up to the
 * first ranked after `rankedBefore` or left undecided (it holds back those after it), at most `limit` joined.
 */
export async function sweepStep(client: Client, fx: WriteEffects, rankedBefore: number, at: number, decide: Decide, limit: number): Promise<{ joined: number; done: boolean }> {
  const r = await client.query<{ seq: number; ts: number; defer_activation: boolean; activated_at: number | null; slots: string | null }>(SWEEP, [SWEEP_STEP]);
  const due = [];
  for (const row of r.rows) {
    if (row.ts > rankedBefore) break;
    due.push(row);
  }
  let stopped = due.length < r.rows.length;
  const rewards = new Map<number, RewardRecord[]>();
  if (due.length > 0) {
    const rr = await client.query<{ event_seq: number; value: number; ts: number; slot_id: string | null }>(
      'SELECT event_seq, value, ts, slot_id FROM rewards WHERE event_seq = ANY($1::bigint[]) ORDER BY event_seq, id',
      [due.map((d) => d.seq)],
    );
    for (const x of rr.rows) {
      let list = rewards.get(x.event_seq);
      if (!list) rewards.set(x.event_seq, (list = []));
      list.push(reward(x.value, x.ts, x.slot_id));
    }
  }
  const joined: number[] = [];
  for (const row of due) {
    if (joined.length >= limit) {
      stopped = true;
      break;
    }
    const event = { timestamp: row.ts, deferActivation: row.defer_activation, activatedAt: row.activated_at };
    const decision = decide(candidate(event, rewards.get(row.seq) ?? [], row.slots));
    if (decision === null) {
      stopped = true;
      break;
    }
    join(fx, row.seq, at, decision);
    joined.push(row.seq);
  }
  if (joined.length > 0) await client.query('DELETE FROM unjoined WHERE seq = ANY($1::bigint[])', [joined]);
  return { joined: joined.length, done: stopped || r.rows.length < SWEEP_STEP };
}

/**
 * The group's end (postgres_group.ts Finish): its counter increments into one shard, then its joins with the
 * join_seq range it takes — last, so that the join_seq row is locked only for the INSERT and the COMMIT.
 */
/** Adds the joins of CTE `ins` (seq, reward, skip_learn) to their minutes. */
const JOIN_MINUTES = `f AS (
    SELECT e.ts / 60000 AS minute, ins.skip_learn AS skip,
      EXISTS (SELECT 1 FROM rewards r WHERE r.event_seq = e.seq) AS rewarded,
      e.chosen_prob < (SELECT max(x::float8) FROM json_array_elements_text(coalesce(e.slots::json -> 0 -> 'p', e.probabilities::json)) x) - 1e-9 AS explored,
      coalesce(ins.reward, 0) AS r,
      CASE WHEN e.chosen_index = coalesce((e.slots::json -> 0 ->> 'b')::int, 0) THEN coalesce(ins.reward, 0) / e.chosen_prob ELSE 0 END AS b,
      coalesce(ins.reward, 0) / e.chosen_prob / json_array_length(coalesce(e.slots::json -> 0 -> 'a', e.actions::json)) AS u
    FROM ins JOIN events e ON e.seq = ins.seq)
  INSERT INTO dashboard_minutes AS d (level, minute, joined, skipped, rewarded, explored, reward_sum, reward_sq, baseline_ips, baseline_ips_sq, random_ips, random_ips_sq)
  SELECT l.level, (minute / l.level) * l.level, count(*) FILTER (WHERE NOT skip), count(*) FILTER (WHERE skip),
    count(*) FILTER (WHERE NOT skip AND rewarded), count(*) FILTER (WHERE NOT skip AND explored),
    sum(r), sum(r * r), sum(b), sum(b * b), sum(u), sum(u * u)
  FROM f, (VALUES (1), (5), (15), (60)) AS l(level) GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (level, minute) DO UPDATE SET joined = d.joined + excluded.joined, skipped = d.skipped + excluded.skipped,
    rewarded = d.rewarded + excluded.rewarded, explored = d.explored + excluded.explored,
    reward_sum = d.reward_sum + excluded.reward_sum, reward_sq = d.reward_sq + excluded.reward_sq,
    baseline_ips = d.baseline_ips + excluded.baseline_ips, baseline_ips_sq = d.baseline_ips_sq + excluded.baseline_ips_sq,
    random_ips = d.random_ips + excluded.random_ips, random_ips_sq = d.random_ips_sq + excluded.random_ips_sq`;

export async function finishGroup(client: Client, effects: WriteEffects[]): Promise<void> {
  const counts = new Map<string, number>();
  const joins = [];
  for (const fx of effects) {
    for (const [name, n] of fx.counts) counts.set(name, (counts.get(name) ?? 0) + n);
    joins.push(...fx.joins);
  }
  if (counts.size > 0) {
    // Sorted, so that two groups on one shard lock its rows in the same order (no deadlock).
    const names = [...counts.keys()].sort();
    await client.query(
      `INSERT INTO counters (name, shard, value) SELECT n, $1, v FROM unnest($2::text[], $3::bigint[]) AS t(n, v)
       ON CONFLICT (name, shard) DO UPDATE SET value = counters.value + excluded.value`,
      [Math.floor(Math.random() * COUNTER_SHARDS), names, names.map((n) => counts.get(n)!)],
    );
  }
  if (joins.length > 0) {
    // The joins' figures go into their rank minutes in the same statement (dashboard_minutes.ts; the rules as
    // the SQLite store applies them in JavaScript: joinFigures).
    await client.query(
      `WITH h AS (UPDATE state SET value = value + $1 WHERE name = 'join_seq' RETURNING value),
       ins AS (INSERT INTO joins (join_seq, seq, joined_at, reward, skip_learn, slot_rewards)
         SELECT h.value - $1 + j.o, j.seq, j.at, j.reward, j.skip, j.slot_rewards
         FROM h, unnest($2::bigint[], $3::bigint[], $4::float8[], $5::boolean[], $6::text[]) WITH ORDINALITY AS j(seq, at, reward, skip, slot_rewards, o)
         RETURNING seq, reward, skip_learn),
       ${JOIN_MINUTES}`,
      [joins.length, joins.map((j) => j.seq), joins.map((j) => j.joinedAt), joins.map((j) => j.reward), joins.map((j) => j.skipLearn), joins.map((j) => j.slotRewards)],
    );
  }
}

export class PgEventReads {
  constructor(private readonly conn: PgConnection) {}

  async getEvent(eventId: string): Promise<EventRecord | null> {
    const r = await this.conn.query<EventRow>(
      `SELECT e.*, j.join_seq, j.joined_at, j.reward AS join_reward, j.skip_learn, j.slot_rewards
       FROM events e LEFT JOIN joins j ON j.seq = e.seq WHERE e.event_id = $1`,
      [encodeId(eventId)],
    );
    return r.rows[0] ? toEvent(r.rows[0]) : null;
  }

  async getRewards(eventId: string): Promise<RewardRecord[]> {
    const r = await this.conn.query<{ value: number; ts: number; slot_id: string | null }>(
      'SELECT r.value, r.ts, r.slot_id FROM rewards r JOIN events e ON e.seq = r.event_seq WHERE e.event_id = $1 ORDER BY r.id',
      [encodeId(eventId)],
    );
    return r.rows.map((x) => reward(x.value, x.ts, x.slot_id));
  }

  async readJoined(after: number, limit: number): Promise<JoinedEvent[]> {
    const r = await this.conn.query<{ join_seq: number; event_id: string; context: string; chosen_index: number; chosen_prob: number; reward: number | null; skip_learn: boolean; model_version: string; slots: string | null; slot_rewards: string | null }>(
      `SELECT j.join_seq, e.event_id, e.context, e.chosen_index, e.chosen_prob, j.reward, j.skip_learn, e.model_version, e.slots, j.slot_rewards
       FROM joins j JOIN events e ON e.seq = j.seq WHERE j.join_seq > $1 ORDER BY j.join_seq LIMIT $2`,
      [after, limit],
    );
    return r.rows.map((x) => {
      const joined: JoinedEvent = {
        joinSeq: x.join_seq,
        eventId: decodeId(x.event_id),
        context: x.context,
        chosenIndex: x.chosen_index,
        chosenProbability: x.chosen_prob,
        reward: x.reward,
        skipLearn: x.skip_learn,
        modelVersion: x.model_version,
      };
      if (x.slots !== null) joined.slots = joinedSlots(x.slots, x.slot_rewards);
      return joined;
    });
  }

  async headJoinSeq(): Promise<number> {
    const r = await this.conn.query<{ value: number }>(`SELECT value FROM state WHERE name = 'join_seq'`);
    return r.rows[0]?.value ?? 0;
  }

  async dashboardMinutes(from: number, to: number, interval: number): Promise<MinuteBucket[]> {
    const r = await this.conn.query<MinuteBucket>(
      `SELECT (minute / $3::bigint) * $3::bigint AS minute, sum(ranked)::float8 AS ranked,
         sum(joined)::float8 AS joined, sum(skipped)::float8 AS skipped, sum(rewarded)::float8 AS rewarded,
         sum(explored)::float8 AS explored, sum(reward_sum) AS "rewardSum", sum(reward_sq) AS "rewardSq",
         sum(baseline_ips) AS "baselineIps", sum(baseline_ips_sq) AS "baselineIpsSq", sum(random_ips) AS "randomIps",
         sum(random_ips_sq) AS "randomIpsSq"
       FROM dashboard_minutes WHERE level = $4 AND minute >= $1 AND minute < $2 GROUP BY 1 ORDER BY 1`,
      [from, to, interval, levelFor(interval)],
    );
    return r.rows.map((x) => ({ ...x, minute: Number(x.minute) }));
  }

  async logsDateRange(): Promise<{ from: number; to: number } | null> {
    // Both ends from the (ts, seq) index (PostgreSQL turns a lone min or max into an index probe each).
    const r = await this.conn.query<{ from: number | null; to: number | null }>(
      'SELECT (SELECT min(ts) FROM events) AS "from", (SELECT max(ts) FROM events) AS "to"',
    );
    const x = r.rows[0]!;
    return x.from === null || x.to === null ? null : { from: x.from, to: x.to };
  }
}

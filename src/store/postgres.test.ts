// What is particular to the PostgreSQL store (the shared contract is store_contract.test.ts): several stores
// (as several processes) writing one database at once, joins in commit order, the sweep and inserts that commit
// late, one refused write in a group, concurrent migrations, and a connection cut and restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore, StoreOpenError, StoreUnavailableError, type Decide, type NewEvent, type Store } from './index.js';
import { isUnavailable } from './postgres_pool.js';
import { PG_MIGRATIONS } from './postgres_schema.js';
import { TcpProxy } from './postgres_test_proxy.js';
import { firstReward, storeEvent } from './store.fixtures.js';
import { freshPostgres } from '../testing/postgres.js';


const event = (eventId: string, timestamp = 1000): NewEvent =>
  storeEvent(eventId, { timestamp, context: `{"FromUrl":[{"u":"${eventId}"}],"_multi":[{"a":1},{"a":2}]}`, actions: [1, 2], probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5 });
const always: Decide = () => ({ skipLearn: false, reward: 0 });

async function sql<T extends pg.QueryResultRow = any>(url: string, text: string, values?: unknown[]): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, values)).rows;
  } finally {
    await c.end();
  }
}

test('four stores migrate one empty database at once: one schema, every store works', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
  try {
    assert.deepEqual((await sql(url, 'SELECT version FROM personalizer_schema')).map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
    assert.deepEqual(await Promise.all(stores.map((s, i) => s.insertEvent(event(`m${i}`)))), [true, true, true, true]);
    assert.equal((await stores[0]!.counters()).eventsRanked, 4);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
  await sql(url, 'INSERT INTO personalizer_schema (version) VALUES (99)');
  await assert.rejects(() => openStore(url), (e: unknown) => e instanceof StoreOpenError && /schema version 99, newer than this build/.test(e.message));
});

test('two stores writing at once: every event joined once, join_seq 1..n without gaps, a reader never sees a hole', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const [a, b] = [await openStore(url), await openStore(url)];
  const N = 600;
  try {
    await Promise.all(Array.from({ length: N }, (_, i) => (i % 2 ? a : b).insertEvent(event(`c${i}`, 1000 + i))));
    // The trainer's view while joins commit: head first, then the joins up to it. With join_seq handed out in
    // commit order, every join at or below the head it read is visible.
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const head = await a.headJoinSeq();
        const rows = await b.readJoined(0, head + 10);
        assert.ok(rows.length >= head, `head ${head} but only ${rows.length} joins visible`);
        assert.deepEqual(rows.slice(0, head).map((r) => r.joinSeq), Array.from({ length: head }, (_, i) => i + 1));
        reads++;
      }
    })();
    // Each event gets two rewards, one through each store, concurrently: only one may join it.
    const outcomes = await Promise.all(
      Array.from({ length: N * 2 }, (_, k) => {
        const i = k >> 1;
        return (k % 2 ? a : b).addReward(`c${i}`, k % 2, 2000 + k, firstReward);
      }),
    );
    // And the sweep of both at once over what is left (nothing: all are joined).
    assert.deepEqual(await Promise.all([a.joinDue(1e9, 3000, always), b.joinDue(1e9, 3000, always)]), [0, 0]);
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.equal(outcomes.filter((o) => o === 'joined').length, N);
    assert.equal(outcomes.filter((o) => o === 'recorded').length, N);
    const joined = await a.readJoined(0, 10 * N);
    assert.deepEqual(joined.map((j) => j.joinSeq), Array.from({ length: N }, (_, i) => i + 1));
    assert.equal(new Set(joined.map((j) => j.eventId)).size, N);
    assert.equal(await b.headJoinSeq(), N);
    const c = await b.counters();
    assert.deepEqual([c.eventsRanked, c.rewardsReceived, c.eventsJoined], [N, 2 * N, N]);
    const shards = await sql(url, `SELECT count(*)::int AS n FROM counters WHERE name = 'events_ranked'`);
    assert.ok(shards[0].n >= 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('an event whose insert commits after a later-numbered one is still swept', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const s = await openStore(url);
  const slow = new pg.Client({ connectionString: url });
  await slow.connect();
  try {
    // A writer (another process) takes a seq, then stalls before COMMIT.
    await slow.query('BEGIN');
    const [late] = (await slow.query(`INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob, model_version, defer_activation)
      VALUES ('late', 1000, '{}', '[1]', '[1]', 0, 1, '1', false) RETURNING seq`)).rows;
    await slow.query('INSERT INTO unjoined (seq) VALUES ($1)', [late.seq]);
    await s.insertEvent(event('early-commit', 1001));
    assert.ok((await s.getEvent('early-commit'))!.seq > late.seq);
    assert.equal(await s.joinDue(5000, 5000, always), 1);
    await slow.query('COMMIT');
    assert.equal(await s.joinDue(5000, 5001, always), 1, 'the late one is joined, not skipped');
    assert.deepEqual((await s.readJoined(0, 10)).map((j) => j.eventId), ['early-commit', 'late']);
  } finally {
    await slow.end();
    await s.close();
  }
});

test('a write the database refuses rejects only its caller; the rest of its group commits', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const s = await openStore(url);
  try {
    // Values PostgreSQL itself refuses (an integer out of range, 22003; a fractional bigint, 22P02), not the store.
    // Ranks and rewards are two group-commit queues on their own connections, so the rewards are sent once the
    // events have committed (as a client does: it has the Rank answer first).
    const ranks = await Promise.allSettled([
      s.insertEvent(event('ok-1')),
      s.insertEvent({ ...event('bad'), chosenIndex: 2 ** 40 }),
      s.insertEvent(event('ok-2')),
      s.insertEvent(event('ok-3')),
    ]);
    assert.deepEqual(ranks.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const rewards = await Promise.allSettled([s.addReward('ok-1', 1, 5.5, firstReward), s.addReward('ok-2', 1, 6, firstReward)]);
    assert.deepEqual(rewards.map((r) => r.status), ['rejected', 'fulfilled']);
    assert.equal((rewards[1] as PromiseFulfilledResult<unknown>).value, 'joined', 'the rest of the group commits');
    for (const r of [ranks[1], rewards[0]]) {
      const reason = (r as PromiseRejectedResult).reason;
      assert.ok(!(reason instanceof StoreUnavailableError) && !isUnavailable(reason), String(reason));
    }
    assert.equal((await s.counters()).eventsRanked, 3);
    assert.deepEqual((await sql(url, 'SELECT event_id FROM events ORDER BY event_id')).map((r) => r.event_id), ['ok-1', 'ok-2', 'ok-3']);
    assert.equal((await sql(url, 'SELECT count(*)::int AS n FROM unjoined'))[0].n, 2);
    assert.deepEqual((await sql(url, 'SELECT ts FROM rewards')).map((r) => r.ts), ['6']);
  } finally {
    await s.close();
  }
});

test('which errors mean "unreachable": connection classes and shutdowns yes, constraint violations no', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  for (const code of ['08006', '08001', '57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET']) assert.equal(isUnavailable(err(code)), true, code);
  for (const code of ['23505', '22021', '42P01', '40P01']) assert.equal(isUnavailable(err(code)), false, code);
  assert.equal(isUnavailable(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isUnavailable(new Error('boom')), false);
});

test('a connection cut: calls reject with StoreUnavailableError and health says unreachable; restored, the store recovers alone', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(url).port || 5432));
  const s: Store = await openStore(proxy.via(url));
  try {
    assert.equal(await s.insertEvent(event('before')), true);
    proxy.cutOff();
    const cut = Date.now();
    await assert.rejects(() => s.insertEvent(event('during')), (e: unknown) => e instanceof StoreUnavailableError);
    await assert.rejects(() => s.getEvent('before'), (e: unknown) => e instanceof StoreUnavailableError);
    assert.equal(s.health().reachable, false);
    assert.ok(Date.now() - cut < 6000, 'refused in bounded time');
    proxy.restore();
    // No call from here on: the store's own probe finds the database again.
    const deadline = Date.now() + 5000;
    while (s.health().reachable === false && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.notEqual(s.health().reachable, false, 'reachable again within 5 s');
    assert.equal(await s.insertEvent(event('after')), true);
    assert.deepEqual((await sql(url, 'SELECT event_id FROM events ORDER BY seq')).map((r) => r.event_id), ['before', 'after']);
  } finally {
    await s.close();
    await proxy.close();
  }
});

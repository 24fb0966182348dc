// Several server processes serving one loop (docs/scale-out.md), as real processes on loopback ports:
// - a lone SQLite server is the trainer leader as soon as it answers, and again at once after a kill -9 (the file's
//   new owner knows the old holder is gone);
// - two servers on one PostgreSQL database: Ranks on one, Rewards on the other, every event joined and learned
//   once, and learning reaches the same bar as the one-process learning test;
// - trainer failover: the leader killed with SIGKILL while the other serves load; the other takes over within the
//   lease's expiry plus a turn, no acknowledged event or reward is lost, none is learned twice (the exported
//   model's eventsLearned and VW's own example counter both equal the store's learnable joins), learning goes on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../engine/index.js';
import { LEASE_RENEW_MS, LEASE_TTL_MS } from '../loop/leadership.js';
import { openStore, type Store } from '../store/index.js';
import { freshPostgres } from '../testing/postgres.js';
import { Api, pool, serverAvailable, serverEntry, show, sleep, startServer, tempDir, testOnPostgres, type RunningServer } from './harness.js';
import { findLeader, leaderView } from './scale_out.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);
// `npm test` runs the conformance suite twice, the second time with TEST_STORE=postgres (scripts/test.mjs): the
// PostgreSQL tests here run in that pass only, the SQLite one in the first, so that neither runs twice.
const inNpmTest = process.env['npm_lifecycle_event'] === 'test';
const sqliteSkip = testOnPostgres() ? 'about a SQLite file: runs in the SQLite pass' : false;
const postgresSkip = inNpmTest && !testOnPostgres() ? 'runs in the PostgreSQL pass (TEST_STORE=postgres)' : false;

const TYPES = ['t0', 't1', 't2'];
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'].map((name, i) => ({ name, group: i < 3 ? 'g0' : 'g1' }));
const BEST: Record<string, string> = { t0: 'bravo', t1: 'echo', t2: 'charlie' };
const ACTIONS = ITEMS.map((it) => ({ id: it.name, features: [{ item: { name: it.name, group: it.group } }] }));
// As in learning.test.ts: a point of Azure's policy-optimization grid that learns this task within ~1,100 events.
const POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';

type Server = RunningServer & { cleanup(): Promise<void> };

async function configure(api: Api): Promise<void> {
  const cfg = (await api.get('/configurations/service')).json;
  const put = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest', explorationPercentage: 0.2 });
  assert.equal(put.status, 200, show(put));
}

/** Events VW's model says it learned (gd's example counter, kept across resumes: docs/learner.md §1). */
function modelExamples(bytes: Uint8Array): bigint {
  return readModel(bytes).resume?.exampleNumber ?? 0n;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms: number, pollMs = 50): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(pollMs);
  }
}

async function stopAll(servers: (Server | undefined)[]): Promise<void> {
  await Promise.all(servers.map((s) => s?.stop()));
  for (const s of servers) await s?.cleanup();
}

describe('several server processes, one loop', { skip }, () => {
  test('a lone SQLite server leads as soon as it answers, and again at once after a kill -9', { skip: sqliteSkip }, async () => {
    const dir = tempDir();
    const first = await startServer({ store: `sqlite:${dir.dir}/personalizer.db` });
    let second: Server | undefined;
    try {
      const before = await leaderView(first);
      assert.equal(before?.leader, true);
      await first.kill9();
      second = await startServer({ store: first.store });
      // No wait for the killed holder's lease to expire: the file's new owner expired it at open. (The epoch is
      // the next one, or later if a start-up stalled past the lease on a loaded machine and took it again.)
      const after = await leaderView(second);
      assert.equal(after?.leader, true);
      assert.ok(after.epoch! > before.epoch!, `epoch ${after.epoch} after ${before.epoch}`);
    } finally {
      await stopAll([second, first]);
      dir.cleanup();
    }
  });

  test('two servers on one PostgreSQL database: Ranks on one, Rewards on the other; all joined, learned once, to the one-process bar', { timeout: 600_000, skip: postgresSkip }, async (t) => {
    const url = await freshPostgres(t);
    if (!url) return;
    const servers: Server[] = [];
    let store: Store | undefined;
    try {
      // One after the other: the first applies the schema migrations.
      servers.push(await startServer({ store: url }));
      servers.push(await startServer({ store: url }));
      const [a, b] = servers.map((s) => new Api(s.base, s.key)) as [Api, Api];
      const leader = await findLeader(servers, LEASE_TTL_MS + LEASE_RENEW_MS);
      // Epoch 1 unless a renewal came too late on a loaded machine (then the lease moved, safely: exports are fenced).
      const leaderLines = (): string => servers.map((s) => s.output().split('\n').filter((l) => /leader/.test(l)).join('\n')).join('\n');
      assert.ok(leader.epoch !== undefined && leader.epoch >= 1, `epoch ${leader.epoch}`);
      if (leader.epoch !== 1) console.log(`the lease moved before the test began:\n${leaderLines()}`);
      assert.deepEqual(await leaderView(servers.find((s) => s !== leader.server)!), { leader: false, epoch: 0 }, 'one leader only');

      // Settings written through one process apply on the other.
      await configure(a);
      const policy = await b.put('/configurations/policy', { name: 'ips', arguments: POLICY });
      assert.equal(policy.status, 200, show(policy));
      const seen = Date.now();
      await until('A to take the policy set on B', async () => (await a.get('/configurations/policy')).json.arguments === POLICY, 2000);
      assert.ok(Date.now() - seen <= 1000, `policy reached the other process after ${Date.now() - seen} ms`);
      await until('B to take the service configuration set on A', async () => (await b.get('/configurations/service')).json.modelExportFrequency === 'PT1S', 2000);

      const rewarded: number[] = [];
      let rng = 12345;
      const nextType = (): string => {
        rng = (rng * 1103515245 + 12345) % 2147483648;
        return TYPES[rng % TYPES.length]!;
      };
      let best = 0;
      while (rewarded.length < 2000 && best < 0.8) {
        const offset = rewarded.length;
        const types = Array.from({ length: 100 }, nextType);
        rewarded.push(
          ...(await pool(types, 4, async (type, i) => {
            const eventId = `two-${offset + i}`;
            const r = await a.rank({ contextFeatures: [{ user: { type } }], actions: ACTIONS, eventId });
            assert.equal(r.status, 201, show(r));
            const hit = r.json.rewardActionId === BEST[type] ? 1 : 0;
            const w = await b.reward(eventId, hit);
            assert.equal(w.status, 204, show(w));
            return hit;
          })),
        );
        // Both processes rank with a model that learned every event so far (exported every second).
        for (const api of [a, b]) {
          await until(`${api.base} to rank with a model of ${rewarded.length} events`, async () => {
            const m = await api.get('/model');
            return m.status === 200 && modelExamples(m.bytes) >= BigInt(rewarded.length);
          }, 10_000, 100);
        }
        if (rewarded.length >= 300) best = Math.max(best, rewarded.slice(-300).reduce((s, x) => s + x, 0) / 300);
      }
      assert.ok(best >= 0.8, `best 300-event share ${best.toFixed(3)} after ${rewarded.length} events`);

      store = await openStore(url);
      const c = await store.counters();
      assert.equal(c.eventsRanked, rewarded.length);
      assert.equal(c.rewardsReceived, rewarded.length);
      assert.equal(c.eventsJoined, rewarded.length);
      const model = (await store.latestModel())!;
      assert.equal(model.eventsLearned, rewarded.length, 'learned once each');
      assert.equal(modelExamples(model.bytes), BigInt(rewarded.length));
    } finally {
      await store?.close();
      await stopAll(servers);
    }
  });

  test('trainer failover: the leader killed under load; the other leads within the lease expiry, nothing lost, nothing learned twice', { timeout: 600_000, skip: postgresSkip }, async (t) => {
    const url = await freshPostgres(t);
    if (!url) return;
    const servers: Server[] = [];
    let store: Store | undefined;
    let running = true;
    try {
      servers.push(await startServer({ store: url }));
      servers.push(await startServer({ store: url }));
      store = await openStore(url);
      const { server: leader, epoch } = await findLeader(servers, LEASE_TTL_MS + LEASE_RENEW_MS);
      const follower = servers.find((s) => s !== leader)!;
      const api = new Api(follower.base, follower.key);
      await configure(api);
      await until('the leader to take the new export frequency', async () => (await new Api(leader.base, leader.key).get('/configurations/service')).json.modelExportFrequency === 'PT1S', 2000);

      // Load on the follower for the whole test: every acknowledged Rank and Reward is recorded.
      const acked: string[] = [];
      const failures: string[] = [];
      let n = 0;
      const load = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (running) {
            const eventId = `fo-${n++}`;
            const type = TYPES[n % 3]!;
            const r = await api.rank({ contextFeatures: [{ user: { type } }], actions: ACTIONS, eventId });
            if (r.status !== 201) {
              failures.push(show(r));
              continue;
            }
            const w = await api.reward(eventId, r.json.rewardActionId === BEST[type] ? 1 : 0);
            if (w.status === 204) acked.push(eventId);
            else failures.push(show(w));
          }
        }),
      );

      const before = await until('a model that learned something', async () => {
        const m = await store!.latestModel();
        return m && m.eventsLearned >= 50 ? m : undefined;
      }, 20_000, 100);
      const killedAt = Date.now();
      await leader.kill9();
      const successor = await findLeader([follower], LEASE_TTL_MS + LEASE_RENEW_MS + 2000, 20);
      const takeover = Date.now() - killedAt;
      assert.ok(takeover <= LEASE_TTL_MS + LEASE_RENEW_MS + 1000, `the follower led ${takeover} ms after the kill`);
      assert.equal(successor.epoch, epoch! + 1);
      const atTakeover = (await store.latestModelId())!;
      const next = await until('a model exported by the successor', async () => {
        const m = await store!.latestModel();
        return m && m.id > atTakeover && m.eventsLearned > before.eventsLearned ? m : undefined;
      }, 10_000, 50);
      console.log(`failover: lease taken ${takeover} ms after kill -9, first export by the successor ${Date.now() - killedAt} ms after (model ${next.id}, ${next.eventsLearned} events)`);
      await sleep(1000);
      running = false;
      await load;
      assert.deepEqual(failures, [], 'the follower answered every request during the failover');

      // Everything acknowledged is in the store, joined; the last export learned each learnable join once.
      const c = await until('the trainer to learn every join', async () => {
        const counters = await store!.counters();
        const m = await store!.latestModel();
        return m && m.cursor >= (await store!.headJoinSeq()) ? counters : undefined;
      }, 15_000, 100);
      assert.equal(c.eventsRanked, acked.length);
      assert.equal(c.rewardsReceived, acked.length);
      assert.equal(c.eventsJoined, acked.length);
      for (const id of acked) assert.ok((await store.getEvent(id))?.join, `${id} joined`);
      const last = (await store.latestModel())!;
      assert.equal(last.eventsLearned, c.eventsJoined, 'each learnable join learned exactly once');
      assert.equal(modelExamples(last.bytes), BigInt(c.eventsJoined), "VW's example counter agrees");
      assert.ok(last.eventsLearned > before.eventsLearned, 'learning went on');
    } finally {
      running = false;
      await store?.close();
      await stopAll(servers);
    }
  });
});

// Two loops serving one SQLite file, as two processes of a Workers=N server do (the file's owner and a shared
// open): one trainer leader, the other following (docs/scale-out.md). Ranks on one and rewards on the other are
// joined and learned once; models, settings, policy changes, resets and evaluations cross over; a leader that
// stops as a crash would is replaced once its lease expires, a cleanly closed one at once; a leader whose lease
// was taken can export nothing more. "Learned once" is checked byte for byte against a learner of our own fed the
// joined events in join order: an event lost or learned twice changes the weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { createLearner, parsePolicyArguments, DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { LEASE_RENEW_MS, LEASE_TTL_MS, TRAINER_LEASE } from './leadership.js';
import { parseLine, T0, tempStoreUrl } from './loop.fixtures.js';
import { openLoop, type LearningLoop } from './loop.js';
import { WATCH_MS } from './store_watch.js';

const ITEMS = ['alpha', 'bravo', 'charlie', 'delta'];
const BEST: Record<string, string> = { t0: 'bravo', t1: 'delta', t2: 'charlie' };

interface Pair {
  a: LearningLoop;
  b: LearningLoop;
  url: string;
  clock: { now: number };
  /** Event ids in the order their rewards were sent (= join order: each reward joins its event at once). */
  joined: string[];
}

async function pair(): Promise<Pair> {
  const url = tempStoreUrl();
  const clock = { now: T0 };
  const a = await openLoop({ store: url, now: () => clock.now });
  const b = await openLoop({ store: url, sharedStore: true, now: () => clock.now });
  return { a, b, url, clock, joined: [] };
}

/** n Rank calls on `ranker`, each rewarded on `rewarder` (1 for the type's best item), one second apart. */
async function traffic(p: Pair, ranker: LearningLoop, rewarder: LearningLoop, n: number): Promise<void> {
  const actions = ITEMS.map((id) => ({ id, features: [{ item: { id } }] }));
  for (let i = 0; i < n; i++) {
    const type = `t${p.joined.length % 3}`;
    const r = await ranker.rank({ contextFeatures: [{ user: { type } }], actions });
    await rewarder.reward(r.eventId, r.rewardActionId === BEST[type] ? 1 : 0);
    p.joined.push(r.eventId);
    p.clock.now += 1000;
  }
}

/** The model a single uninterrupted trainer makes of the joined events, in join order. */
async function reference(loop: LearningLoop, eventIds: string[], args = DEFAULT_POLICY_ARGUMENTS): Promise<Buffer> {
  const learner = createLearner(parsePolicyArguments(args));
  for (const id of eventIds) {
    const line = parseLine(await loop.exportDsjson(id));
    learner.learn(learner.featurize(JSON.stringify(line.c)), {
      index: line._labelIndex as number,
      cost: line._label_cost as number,
      probability: line._label_probability as number,
    });
  }
  return Buffer.from(learner.saveModel());
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

async function closeAll(...loops: LearningLoop[]): Promise<void> {
  for (const l of loops) await l.close({ flush: false }).catch(() => undefined);
}

test('ranks on one process, rewards on the other: all joined and learned once; models, settings, policy and resets reach both', async () => {
  const p = await pair();
  const { a, b } = p;
  try {
    assert.equal(a.status().trainerLeader, true);
    assert.equal((await a.stats()).trainerLeaseEpoch, 1);
    assert.equal(a.status().trainerRunning, true);
    assert.equal(b.status().trainerLeader, false);
    assert.equal((await b.stats()).trainerLeaseEpoch, null);
    assert.equal(b.status().trainerRunning, false);
    assert.equal((await b.stats()).trainerLeader, false);

    await traffic(p, a, b, 60);
    await b.flush(); // asked of the follower: the leader learns and exports, the follower installs the model
    assert.equal(a.status().eventsLearned, 60);
    assert.equal(b.status().eventsLearned, 60);
    assert.equal(b.status().modelVersion, a.status().modelVersion);
    const stats = await b.stats();
    assert.equal(stats.eventsRanked, 60);
    assert.equal(stats.rewardsReceived, 60);
    assert.equal(stats.eventsJoined, 60);
    const expected = await reference(a, p.joined);
    assert.ok(Buffer.from(await a.getModel()).equals(expected), "the leader's model is a single trainer's");
    assert.ok(Buffer.from(await b.getModel()).equals(expected), 'the follower ranks with the same model');

    // A settings change on the follower reaches the leader within a second.
    await b.updateServiceConfiguration({ ...(await b.getServiceConfiguration()), explorationPercentage: 0.35 });
    const settled = await until('the leader to see the new exploration', async () => (await a.getServiceConfiguration()).explorationPercentage === 0.35, 2000);
    assert.ok(settled <= 1000, `settings reached the leader after ${settled} ms`);

    // A policy changed on the follower retrains the leader's model from the log.
    const args = '--cb_explore_adf --epsilon 0.35 -l 0.1 --power_t 0 --cb_type mtr -q ::';
    await b.updatePolicy({ name: 'faster', arguments: args });
    await until('the leader to take the new policy', async () => (await a.getPolicy()).arguments === args, 2000);
    await b.flush();
    assert.equal(a.status().eventsLearned, 60);
    assert.ok(Buffer.from(await b.getModel()).equals(await reference(a, p.joined, args)), 'retrained from the log with the new policy');

    // DELETE /model on the follower resets the leader's model.
    const before = Number(a.status().modelVersion);
    await b.resetModel();
    assert.ok(Number(b.status().modelVersion) > before, 'the follower ranks with the reset model');
    assert.equal(b.status().modelVersion, a.status().modelVersion);
    assert.equal(a.status().eventsLearned, 0);
    await traffic(p, b, a, 9);
    await b.flush();
    assert.equal(a.status().eventsLearned, 9);
    assert.ok(Buffer.from(await a.getModel()).equals(await reference(a, p.joined.slice(60), args)), 'the reset model learns only what came after');
  } finally {
    await closeAll(b, a);
  }
});

test('a leader that stops as a crash would is replaced once its lease expires; nothing lost, nothing learned twice', async () => {
  const p = await pair();
  const { a, b } = p;
  try {
    await traffic(p, a, a, 40);
    await a.flush();
    await traffic(p, b, b, 20); // joined, not yet learned into an export
    const stoppedAt = Date.now();
    await a.close({ flush: false }); // the trainer ends without exporting, the lease is not released
    const waited = await until('the follower to take over', () => b.status().trainerLeader === true, LEASE_TTL_MS + 3 * LEASE_RENEW_MS);
    // The lease was renewed at most LEASE_RENEW_MS before the stop, so it ran at least TTL - RENEW after it.
    assert.ok(Date.now() - stoppedAt >= LEASE_TTL_MS - LEASE_RENEW_MS - 100, `took over ${Date.now() - stoppedAt} ms after the stop, before the lease expired`);
    assert.ok(waited <= LEASE_TTL_MS + LEASE_RENEW_MS + 500, `takeover took ${waited} ms`);
    assert.equal((await b.stats()).trainerLeaseEpoch, 2);
    await until("the new leader's trainer", () => b.status().trainerRunning === true, 2000);

    await traffic(p, b, b, 20);
    await b.flush();
    const stats = await b.stats();
    assert.equal(stats.eventsJoined, 80);
    assert.equal(b.status().eventsLearned, 80);
    assert.ok(Buffer.from(await b.getModel()).equals(await reference(b, p.joined)), 'every joined event learned exactly once, in join order');
  } finally {
    await closeAll(b, a);
  }
});

test('a cleanly closed leader exports, then releases the lease: the follower takes over at once', async () => {
  const p = await pair();
  const { a, b } = p;
  try {
    await traffic(p, b, b, 30);
    await a.close(); // learns the 30, exports, releases
    const waited = await until('the follower to take over', () => b.status().trainerLeader === true, LEASE_TTL_MS);
    assert.ok(waited <= LEASE_RENEW_MS + 300, `takeover after a release took ${waited} ms`);
    await until('the exported model to be installed', () => b.status().eventsLearned === 30, 3 * WATCH_MS);
    assert.ok(Buffer.from(await b.getModel()).equals(await reference(b, p.joined)));
  } finally {
    await closeAll(b, a);
  }
});

test('a leader whose lease another process took exports nothing more and steps down; learning goes on under the next leader', async () => {
  const p = await pair();
  const { a, b } = p;
  const file = p.url.slice('sqlite:'.length).split('?')[0]!;
  try {
    await traffic(p, a, b, 10);
    await a.flush();
    const exported = Number(a.status().modelVersion);
    await traffic(p, a, b, 10);
    // Another process takes the lease over, as one that found it expired while this leader was paused would.
    const db = new Database(file);
    db.prepare(`UPDATE leases SET holder = 'paused-elsewhere', epoch = epoch + 1, expires_at = ? WHERE name = ?`).run(Date.now() + 60_000, TRAINER_LEASE);
    await assert.rejects(a.flush(), 'the export, fenced, is refused (or the trainer already ended)');
    await until('the old leader to step down', () => a.status().trainerLeader === false, 2 * LEASE_RENEW_MS + 500);
    assert.equal(a.status().trainerRunning, false);
    const latest = db.prepare(`SELECT MAX(id) AS id FROM models`).get() as { id: number };
    assert.equal(latest.id, exported, 'no model written after the lease was lost');

    // The other process dies without a release: once its lease expires, one of ours leads again at epoch 3.
    db.prepare(`UPDATE leases SET expires_at = 0 WHERE name = ?`).run(TRAINER_LEASE);
    db.close();
    await until('a new leader', () => a.status().trainerLeader === true || b.status().trainerLeader === true, LEASE_TTL_MS + LEASE_RENEW_MS);
    const leader = a.status().trainerLeader ? a : b;
    assert.equal((await leader.stats()).trainerLeaseEpoch, 3);
    await until("the new leader's trainer", () => leader.status().trainerRunning === true, 2000);
    await leader.flush();
    assert.equal(leader.status().eventsLearned, 20);
    assert.ok(Buffer.from(await leader.getModel()).equals(await reference(leader, p.joined)));
  } finally {
    await closeAll(b, a);
  }
});

test('an evaluation created on the follower is stored pending and run by the leader; both read its result', async () => {
  const p = await pair();
  const { a, b } = p;
  try {
    await traffic(p, b, a, 150);
    const created = await b.createEvaluation({
      name: 'from the follower',
      startTime: new Date(T0).toISOString(),
      endTime: new Date(p.clock.now).toISOString(),
      policies: [],
    });
    assert.equal(created.status, 'pending');
    let done = await b.getEvaluation(created.id);
    await until('the leader to run it', async () => {
      done = await b.getEvaluation(created.id);
      return done.status !== 'pending' && done.status !== 'running';
    }, 60_000);
    assert.equal(done.status, 'completed', done.failureReason);
    assert.equal(done.eventCount, 150);
    assert.deepEqual(await a.getEvaluation(created.id), done);
  } finally {
    await closeAll(b, a);
  }
});

// The Store contract (types.ts), run against both implementations: a SQLite file and a fresh PostgreSQL database.
// Each case states what the loop relies on; sqlite.test.ts and postgres.test.ts keep what is particular to one.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LeaseLostError, openStore, StaleSettingsError, type Decide, type NewEvent, type Store } from './index.js';
import { freshPostgres } from '../testing/postgres.js';
import { firstReward, never, storeEvent } from './store.fixtures.js';
import { joinRule } from '../loop/joiner.js';

interface Kind {
  name: string;
  /** A store URL for this test; undefined when the test was skipped. */
  url(t: TestContext): Promise<string | undefined>;
}

const KINDS: Kind[] = [
  {
    name: 'sqlite',
    async url(t) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-contract-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      return `sqlite:${path.join(dir, 'loop.db')}`;
    },
  },
  { name: 'postgres', url: (t) => freshPostgres(t) },
];


const event = (eventId: string, timestamp = 1000, deferActivation = false): NewEvent =>
  storeEvent(eventId, {
    timestamp,
    deferActivation,
    context: '{"FromUrl":[{"a":1,"s":"é ☃ \\u0000"}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]},{"_tag":"y","i":{"constant":1,"id":"y"},"j":[]}]}',
    probabilities: [0.9000000000000001, 0.09999999999999998],
    chosenProbability: 0.9000000000000001,
    modelVersion: '7',
  });
const model = (cursor: number) => ({ bytes: new Uint8Array([cursor, 1, 2, 255]), policy: 'p', createdAt: 10, modifiedAt: 20 + cursor, cursor, eventsLearned: cursor * 2 });

/** Registers `name` once per store kind; `fn` gets an open store, closed afterwards. */
function contract(name: string, fn: (s: Store, url: string) => Promise<void>): void {
  for (const kind of KINDS) {
    test(`${kind.name}: ${name}`, async (t) => {
      const url = await kind.url(t);
      if (url === undefined) return;
      const s = await openStore(url);
      try {
        await fn(s, url);
      } finally {
        await s.close();
      }
    });
  }
}

contract('events: the first of an eventId is kept (also within one group), records round-trip, only inserts are counted', async (s) => {
  assert.equal(await s.insertEvent(event('a', 1000)), true);
  assert.equal(await s.insertEvent(event('a', 2000)), false);
  // Three at once: one group commit; exactly one wins.
  const same = await Promise.all([s.insertEvent(event('b', 1)), s.insertEvent(event('b', 2)), s.insertEvent(event('c', 3))]);
  assert.deepEqual(same, [true, false, true]);
  const a = (await s.getEvent('a'))!;
  assert.equal(a.timestamp, 1000, 'the first event is kept');
  assert.equal(a.context, event('a').context);
  assert.deepEqual(a.actions, [2, 1]);
  assert.deepEqual(a.probabilities, [0.9000000000000001, 0.09999999999999998]);
  assert.equal(a.chosenProbability, 0.9000000000000001);
  assert.equal(a.chosenIndex, 1);
  assert.equal(a.modelVersion, '7');
  assert.equal(a.deferActivation, false);
  assert.equal(a.activatedAt, null);
  assert.equal(a.join, null);
  assert.equal((await s.getEvent('b'))!.timestamp, 1);
  // Any string is an eventId, control characters included (PostgreSQL text holds no U+0000: postgres_events.ts).
  for (const odd of ['nul\u0000id', 'esc\u0001id', '\u0001\u0002', 'é☃\u{1F600}']) {
    assert.equal(await s.insertEvent(event(odd, 5)), true, JSON.stringify(odd));
    assert.equal(await s.insertEvent(event(odd, 6)), false, JSON.stringify(odd));
    assert.equal((await s.getEvent(odd))?.eventId, odd);
    assert.equal(await s.addReward(odd, 1, 7, firstReward), 'joined');
    assert.deepEqual((await s.getRewards(odd)).map((r) => r.value), [1]);
  }
  assert.equal(await s.getEvent('nul\u0002id'), null, 'ids stay distinct');
  assert.deepEqual((await s.readJoined(0, 10)).map((j) => j.eventId), ['nul\u0000id', 'esc\u0001id', '\u0001\u0002', 'é☃\u{1F600}']);
  assert.equal(await s.getEvent('nope'), null);
  assert.equal((await s.counters()).eventsRanked, 7);
  const h = s.health();
  assert.equal(h.writable, true);
  assert.notEqual(h.reachable, false);
  assert.ok(((await s.sizeBytes()) ?? 0) > 0);
});

contract('rewards: kept in arrival order, decide sees them all while unjoined, never after; unknown ones counted', async (s) => {
  await s.insertEvent(event('e'));
  const seen: number[][] = [];
  const afterTwo: Decide = ({ rewards }) => {
    seen.push(rewards.map((r) => r.value));
    return rewards.length >= 2 ? { skipLearn: false, reward: rewards[0]!.value + rewards[1]!.value } : null;
  };
  assert.equal(await s.addReward('e', 0.25, 1100, afterTwo), 'recorded');
  assert.equal(await s.addReward('e', 0.5, 1200, afterTwo), 'joined');
  assert.equal(await s.addReward('e', 1, 1300, afterTwo), 'recorded');
  assert.deepEqual(seen, [[0.25], [0.25, 0.5]], 'decide is not asked once the event is joined');
  assert.equal(await s.addReward('ghost', 1, 1400, afterTwo), 'unknown');
  assert.deepEqual(await s.getRewards('e'), [
    { value: 0.25, timestamp: 1100 },
    { value: 0.5, timestamp: 1200 },
    { value: 1, timestamp: 1300 },
  ]);
  assert.deepEqual(await s.getRewards('ghost'), []);
  const e = (await s.getEvent('e'))!;
  assert.deepEqual(e.join, { joinSeq: 1, reward: 0.75, skipLearn: false, joinedAt: 1200 });
  const c = await s.counters();
  assert.equal(c.rewardsReceived, 3);
  assert.equal(c.rewardsUnknownEvent, 1);
  assert.equal(c.eventsJoined, 1);
  assert.equal(await s.headJoinSeq(), 1);
  // Three rewards for one event at once (one group commit): each decision sees those before it, one joins.
  await s.insertEvent(event('g'));
  const sums: number[][] = [];
  const sumOfTwo: Decide = ({ rewards }) => {
    sums.push(rewards.map((r) => r.value));
    return rewards.length === 2 ? { skipLearn: false, reward: rewards[0]!.value + rewards[1]!.value } : null;
  };
  const outcomes = await Promise.all([s.addReward('g', 1, 10, sumOfTwo), s.addReward('g', 2, 11, sumOfTwo), s.addReward('g', 4, 12, sumOfTwo)]);
  assert.deepEqual(outcomes, ['recorded', 'joined', 'recorded']);
  assert.deepEqual(sums, [[1], [1, 2]]);
  assert.equal((await s.getEvent('g'))!.join?.reward, 3);
  assert.deepEqual((await s.getRewards('g')).map((r) => r.value), [1, 2, 4]);
});

contract('activation: first one kept, decide sees it, a second is "already", unknown counted', async (s) => {
  await s.insertEvent(event('d', 1000, true));
  await s.insertEvent(event('d2', 1000, true));
  const activated: Decide = ({ event: e }) => (e.activatedAt !== null ? { skipLearn: false, reward: 0 } : null);
  assert.equal(await s.activate('d', 1500, never), 'recorded');
  assert.equal(await s.activate('d', 1600, activated), 'already');
  assert.equal((await s.getEvent('d'))!.activatedAt, 1500);
  assert.equal(await s.activate('d2', 1700, activated), 'joined');
  assert.equal(await s.activate('ghost', 1800, activated), 'unknown');
  const c = await s.counters();
  assert.equal(c.activations, 2);
  assert.equal(c.activationsUnknownEvent, 1);
  assert.equal(c.eventsJoined, 1);
});

contract('joinDue: due events in rank order, an undecided one holds back the rest, limit; joinSeq is the learning order', async (s) => {
  for (let i = 0; i < 6; i++) await s.insertEvent(event(`e${i}`, 1000 + i * 100));
  await s.addReward('e3', 1, 1350, firstReward); // joined early: first in learning order
  const skipOdd: Decide = ({ event: e }) => (e.timestamp % 200 === 100 ? { skipLearn: true, reward: null } : { skipLearn: false, reward: -0.5 });
  assert.equal(await s.joinDue(1250, 2000, skipOdd), 3); // e0, e1, e2 (e3 already, e4 not due)
  assert.equal(await s.joinDue(5000, 2100, skipOdd, 1), 1); // e4 only: the limit
  const holdE5: Decide = () => null;
  assert.equal(await s.joinDue(5000, 2200, holdE5), 0);
  const joined = await s.readJoined(0, 100);
  // The logged modelVersion comes back with each joined event (it carries the learning mode: loop/learning_mode.ts).
  assert.deepEqual(new Set(joined.map((j) => j.modelVersion)), new Set(['7']));
  assert.deepEqual(
    joined.map((j) => [j.joinSeq, j.eventId, j.reward, j.skipLearn]),
    [
      [1, 'e3', 1, false],
      [2, 'e0', -0.5, false],
      [3, 'e1', null, true],
      [4, 'e2', -0.5, false],
      [5, 'e4', -0.5, false],
    ],
  );
  assert.equal(joined[0]!.context, event('x').context);
  assert.equal(joined[0]!.chosenProbability, 0.9000000000000001);
  assert.deepEqual((await s.readJoined(3, 1)).map((j) => j.eventId), ['e2']);
  assert.equal(await s.headJoinSeq(), 5);
  assert.equal((await s.getEvent('e0'))!.join?.joinedAt, 2000);
  const c = await s.counters();
  assert.equal(c.eventsJoined, 4);
  assert.equal(c.eventsSkipped, 1);
  // A clock that stepped back: e6 ranked before e5 but after it in rank order waits for e5.
  await s.insertEvent(event('e6', 1050));
  assert.equal(await s.joinDue(5000, 2300, holdE5), 0);
  assert.equal(await s.joinDue(5000, 2400, skipOdd), 2);
  assert.deepEqual((await s.readJoined(5, 10)).map((j) => j.eventId), ['e5', 'e6']);
});

contract('models: latest wins with its cursor, the last three versions are kept, a set-aside model is no longer latest', async (s) => {
  assert.equal(await s.latestModel(), null);
  assert.equal(await s.latestModelId(), null);
  const ids: number[] = [];
  for (let i = 1; i <= 5; i++) ids.push((await s.saveModel(model(i))).id);
  assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `ids increase: ${ids}`);
  const latest = (await s.latestModel())!;
  assert.equal(latest.id, ids[4]);
  assert.deepEqual([...latest.bytes], [5, 1, 2, 255]);
  assert.deepEqual({ ...latest, bytes: null }, { ...model(5), bytes: null, id: ids[4] });
  assert.equal(await s.latestModelId(), ids[4]);
  await s.setAsideModel(ids[4]!, 'does not load', 99);
  assert.equal(await s.latestModelId(), ids[3]);
  await s.setAsideModel(ids[3]!, 'does not load', 99);
  assert.equal(await s.latestModelId(), ids[2]);
  await s.setAsideModel(ids[2]!, 'does not load', 99);
  assert.equal(await s.latestModel(), null, 'versions older than the last three were pruned');
});

contract('settings: round-trip, every write moves the revision, a stale compare-and-set writes nothing, set-aside replaces', async (s) => {
  assert.equal(await s.getSetting('service'), undefined);
  const r0 = await s.settingsRevision();
  await s.putSetting('service', { rewardWaitTime: 'PT1S', n: 0.1 });
  assert.deepEqual(await s.getSetting('service'), { rewardWaitTime: 'PT1S', n: 0.1 });
  const r1 = await s.settingsRevision();
  assert.equal(r1, r0 + 1);
  const r2 = await s.putSettings({ service: { a: 1 }, policy: { b: 2 } }, r1);
  assert.equal(r2, r1 + 1);
  await assert.rejects(() => s.putSettings({ service: { a: 3 } }, r1), (e: unknown) => e instanceof StaleSettingsError && e.actual === r2);
  assert.deepEqual(await s.getSetting('service'), { a: 1 }, 'the stale write wrote nothing');
  // Two writers from the same revision at once: exactly one wins.
  const both = await Promise.allSettled([s.putSettings({ policy: { x: 1 } }, r2), s.putSettings({ policy: { x: 2 } }, r2)]);
  assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1);
  await s.setAsideSetting('policy', { fresh: true }, 'does not parse', 1234);
  assert.deepEqual(await s.getSetting('policy'), { fresh: true });
  assert.equal(await s.settingsRevision(), r2 + 2);
});

contract('logs: date range, retention purge with rewards and joins, deleteLogs keeps counters and the join sequence', async (s) => {
  assert.equal(await s.logsDateRange(), null);
  for (let i = 0; i < 4; i++) await s.insertEvent(event(`l${i}`, 1000 * (i + 1)));
  await s.addReward('l0', 1, 1500, firstReward);
  await s.addReward('l2', 1, 3500, firstReward);
  assert.deepEqual(await s.logsDateRange(), { from: 1000, to: 4000 });
  assert.equal(await s.purgeEventsBefore(2500), 2);
  assert.equal(await s.getEvent('l0'), null);
  assert.deepEqual(await s.getRewards('l0'), []);
  assert.deepEqual((await s.readJoined(0, 10)).map((j) => j.eventId), ['l2']);
  assert.deepEqual(await s.logsDateRange(), { from: 3000, to: 4000 });
  await s.deleteLogs();
  assert.equal(await s.logsDateRange(), null);
  assert.deepEqual(await s.readJoined(0, 10), []);
  assert.equal(await s.headJoinSeq(), 2, 'the join sequence survives');
  assert.equal((await s.counters()).eventsRanked, 4, 'counters survive');
  await s.insertEvent(event('l9', 9000));
  assert.equal(await s.addReward('l9', 1, 9100, firstReward), 'joined');
  assert.deepEqual((await s.readJoined(2, 10)).map((j) => [j.joinSeq, j.eventId]), [[3, 'l9']]);
  assert.equal(await s.joinDue(20_000, 20_000, firstReward), 0, 'nothing left unjoined after a delete');
});

contract('evaluations: rows (guarded update, with and without result, newest first, delete) and the events of a range', async (s) => {
  await s.insertEvaluation({ id: 'one', name: 'n1', kind: 'Manual', status: 'pending', contract: '{"a":1}', createdAt: 5 });
  await s.insertEvaluation({ id: 'two', name: 'n2', kind: 'Auto', status: 'pending', contract: '{}', createdAt: 6 });
  assert.equal(await s.updateEvaluation('one', { status: 'running', startedAt: 7, attempts: 1, progress: 0.5 }, ['pending']), true);
  assert.equal(await s.updateEvaluation('one', { status: 'failed' }, ['pending']), false, 'guarded by status');
  assert.equal(await s.updateEvaluation('one', { summary: '{"s":1}', result: '{"r":1}', status: 'completed', finishedAt: 9 }), true);
  assert.equal(await s.updateEvaluation('ghost', { status: 'x' }), false);
  const one = (await s.getEvaluation('one'))!;
  assert.deepEqual(
    [one.status, one.startedAt, one.finishedAt, one.attempts, one.progress, one.summary, one.result, one.kind, one.contract],
    ['completed', 7, 9, 1, 0.5, '{"s":1}', null, 'Manual', '{"a":1}'],
  );
  assert.equal((await s.getEvaluation('one', { result: true }))!.result, '{"r":1}');
  assert.deepEqual((await s.listEvaluations()).map((e) => e.id), ['two', 'one']);
  assert.equal(await s.deleteEvaluation('two'), true);
  assert.equal(await s.deleteEvaluation('two'), false);
  assert.equal(await s.getEvaluation('two'), null);

  for (let i = 0; i < 10; i++) await s.insertEvent(event(`v${i}`, 1000 + i));
  const skipV3: Decide = ({ event: e }) => (e.timestamp === 1003 ? { skipLearn: true, reward: null } : { skipLearn: false, reward: e.timestamp - 1000 });
  assert.equal(await s.joinDue(1008, 2000, skipV3), 9); // v9 not due
  assert.equal(await s.estimateEvaluationEvents(5000, 6000), null);
  const est = (await s.estimateEvaluationEvents(1000, 1010))!;
  assert.equal(est.events, 10);
  assert.equal(est.contextBytes, 10 * event('x').context.length);
  const ext = (await s.evaluationEventsExtent(1001, 1010))!;
  assert.equal(ext.count, 7, 'v1..v8 without the skipped v3');
  const rows = await s.readEvaluationEvents(1001, 1010, ext.firstSeq - 1, ext.lastSeq, 4);
  assert.deepEqual(rows.map((r) => [r.eventId, r.reward, r.actionCount, r.timestamp]), [
    ['v1', 1, 2, 1001],
    ['v2', 2, 2, 1002],
    ['v4', 4, 2, 1004],
    ['v5', 5, 2, 1005],
  ]);
  assert.equal(rows[0]!.context, event('x').context);
  const next = await s.readEvaluationEvents(1001, 1010, rows[3]!.seq, ext.lastSeq, 100);
  assert.deepEqual(next.map((r) => r.eventId), ['v6', 'v7', 'v8']);
});

contract('leases: one holder at a time, a new epoch per new holder, renew and release, fenced model exports', async (s) => {
  const a = await s.acquireLease('trainer', 'A', 60_000);
  assert.equal(a?.epoch, 1);
  assert.ok(Math.abs(a!.expiresAt - (Date.now() + 60_000)) < 5_000, 'expiry on a clock close to ours');
  assert.equal(await s.acquireLease('trainer', 'B', 60_000), null);
  assert.equal((await s.acquireLease('trainer', 'A', 60_000))?.epoch, 1, 'the holder renews at its epoch');
  const renewed = await s.renewLease(a!, 60_000);
  assert.ok(renewed && renewed.expiresAt >= a!.expiresAt);
  const saved = await s.saveModel(model(1), a!);
  assert.equal(await s.latestModelId(), saved.id);
  await s.releaseLease(a!);
  const b = await s.acquireLease('trainer', 'B', 60_000);
  assert.equal(b?.epoch, 2);
  assert.equal(await s.renewLease(a!, 60_000), null);
  await assert.rejects(() => s.saveModel(model(2), a!), (e: unknown) => e instanceof LeaseLostError);
  assert.equal(await s.latestModelId(), saved.id, 'the fenced export wrote nothing');
  assert.ok((await s.saveModel(model(3), b!)).id > saved.id);
  // An expired lease is taken over by anyone, at the next epoch.
  const c = await s.acquireLease('other', 'A', 1);
  const deadline = Date.now() + 2000;
  let taken = null;
  while (taken === null && Date.now() < deadline) taken = await s.acquireLease('other', 'B', 60_000);
  assert.equal(taken?.epoch, c!.epoch + 1);
});

// Multi-slot events (docs/multi-slot.md): slots round-trip, rewards name their slot, a join keeps each slot's reward.
const slotsOf = (ids: string[]) => ids.map((id, k) => ({ id, actions: [k, (k + 1) % 3, (k + 2) % 3], probabilities: [0.8666667, 0.06666667, 0.06666667], baseline: k }));
const multi = (eventId: string, ids: string[], timestamp = 1000, deferActivation = false): NewEvent =>
  storeEvent(eventId, { timestamp, deferActivation, slots: slotsOf(ids), actions: [1, 2, 3], probabilities: [0.8666667, 0.06666667, 0.06666667], chosenIndex: 0, chosenProbability: 0.8666667 });
/** The loop's rules (joiner.ts), window 1000 ms, default reward -0.5. */
const rulesAt = (now: number, rewardAggregation: 'earliest' | 'sum' | 'average' = 'earliest'): Decide =>
  joinRule({ rewardWaitMs: 1000, defaultReward: -0.5, rewardAggregation }, now);

contract('multi-slot: slots round-trip; rewards per slot, unknown slot and single-slot events refused whole; joined per slot', async (s) => {
  assert.equal(await s.insertEvent(multi('m1', ['top', 'side', 'foot'])), true);
  assert.equal(await s.insertEvent(event('single')), true);
  const m1 = (await s.getEvent('m1'))!;
  assert.deepEqual(m1.slots, slotsOf(['top', 'side', 'foot']));
  assert.equal((await s.getEvent('single'))!.slots, undefined, 'a single-slot event has no slots');
  // An unknown slot refuses the whole call: nothing stored, nothing counted.
  const before = await s.counters();
  assert.deepEqual(await s.addSlotRewards('m1', [{ slotId: 'top', value: 1 }, { slotId: 'nope', value: 1 }], 1100, rulesAt(1100)), { outcome: 'unknownSlot', slotId: 'nope' });
  assert.deepEqual(await s.addSlotRewards('single', [{ slotId: 'top', value: 1 }], 1100, rulesAt(1100)), { outcome: 'notMultiSlot' });
  assert.deepEqual(await s.getRewards('m1'), []);
  assert.deepEqual(await s.addSlotRewards('ghost', [{ slotId: 'a', value: 1 }, { slotId: 'b', value: 0 }], 1100, rulesAt(1100)), { outcome: 'unknown' });
  const after = await s.counters();
  assert.equal(after.rewardsReceived, before.rewardsReceived);
  assert.equal(after.rewardsUnknownEvent, before.rewardsUnknownEvent + 2);
  // earliest: joined once every slot has its first reward, spread over calls.
  assert.deepEqual(await s.addSlotRewards('m1', [{ slotId: 'top', value: 1 }, { slotId: 'top', value: 0.25 }], 1100, rulesAt(1100)), { outcome: 'recorded' });
  assert.deepEqual(await s.addSlotRewards('m1', [{ slotId: 'side', value: 0 }], 1200, rulesAt(1200)), { outcome: 'recorded' });
  assert.deepEqual(await s.addSlotRewards('m1', [{ slotId: 'foot', value: -1 }], 1300, rulesAt(1300)), { outcome: 'joined' });
  assert.deepEqual(await s.addSlotRewards('m1', [{ slotId: 'side', value: 1 }], 1400, rulesAt(1400)), { outcome: 'recorded' }, 'after the join: kept, not learned');
  assert.equal((await s.counters()).rewardsReceived, after.rewardsReceived + 5);
  assert.deepEqual((await s.getRewards('m1')).map((r) => [r.slotId, r.value, r.timestamp]), [
    ['top', 1, 1100], ['top', 0.25, 1100], ['side', 0, 1200], ['foot', -1, 1300], ['side', 1, 1400],
  ]);
  const joined = (await s.getEvent('m1'))!.join!;
  assert.deepEqual([joined.reward, joined.slotRewards, joined.skipLearn], [1, [1, 0, -1], false]);
  // Window close: a slot without reward gets the default reward; sum aggregates per slot; deferred and never
  // activated is skipped; activated inside the window is learned.
  await s.insertEvent(multi('m2', ['a', 'b'], 2000));
  await s.insertEvent(multi('m3', ['a', 'b'], 2001, true));
  await s.insertEvent(multi('m4', ['a', 'b'], 2002, true));
  await s.addSlotRewards('m2', [{ slotId: 'b', value: 0.5 }, { slotId: 'b', value: 0.25 }], 2100, rulesAt(2100, 'sum'));
  // After m2's window: stored, not aggregated; the call finds the window closed and joins m2.
  assert.deepEqual(await s.addSlotRewards('m2', [{ slotId: 'b', value: 1 }], 3500, rulesAt(3500, 'sum')), { outcome: 'joined' });
  await s.addSlotRewards('m3', [{ slotId: 'a', value: 1 }, { slotId: 'b', value: 1 }], 2100, rulesAt(2100, 'sum'));
  assert.equal(await s.activate('m4', 2500, rulesAt(2500, 'sum')), 'recorded');
  assert.equal(await s.joinDue(2002, 4000, rulesAt(4000, 'sum')), 3, 'single, m3, m4');
  assert.deepEqual((await s.getEvent('m2'))!.join!.slotRewards, [-0.5, 0.75]);
  assert.deepEqual([(await s.getEvent('m3'))!.join!.skipLearn, (await s.getEvent('m3'))!.join!.slotRewards], [true, undefined]);
  assert.deepEqual((await s.getEvent('m4'))!.join!.slotRewards, [-0.5, -0.5]);
  // The trainer reads each slot's decision with its reward.
  const read = (await s.readJoined(0, 10)).filter((r) => r.eventId !== 'single');
  assert.deepEqual(read.map((r) => r.eventId), ['m1', 'm2', 'm3', 'm4'], 'learning order = join order');
  assert.deepEqual(read[0]!.slots, slotsOf(['top', 'side', 'foot']).map((x, k) => ({ ...x, reward: [1, 0, -1][k] })));
  assert.deepEqual(read[2]!.slots!.map((x) => x.reward), [null, null]);
  assert.equal(read[0]!.chosenIndex, 0);
});

contract('retention: a purge in batches of `limit`, oldest first, keeps what no model has learned, whatever its age', async (s) => {
  // 12 events ranked at 1000..12000; a multi-slot one among them (its slot rewards go with it).
  for (let i = 0; i < 12; i++) {
    await s.insertEvent(i === 3 ? multi('p3', ['top', 'side'], 1000 * (i + 1)) : event(`p${i}`, 1000 * (i + 1)));
  }
  // Joined in this order (joinSeq 1..): p1, p0, p3 (multi-slot), p4, p5 … p9; p2 is never rewarded (unjoined).
  await s.addReward('p1', 1, 20_000, firstReward);
  await s.addReward('p0', 0.5, 20_000, firstReward);
  const slotRule: Decide = ({ rewards }) => (rewards.length ? { skipLearn: false, reward: rewards[0]!.value, slotRewards: [rewards[0]!.value, 0] } : null);
  assert.deepEqual(await s.addSlotRewards('p3', [{ slotId: 'top', value: 1 }], 20_000, slotRule), { outcome: 'joined' });
  for (let i = 4; i < 10; i++) await s.addReward(`p${i}`, 1, 20_000, firstReward);
  assert.equal(await s.headJoinSeq(), 9);

  // A model that has learned joinSeq 1..3 (p1, p0, p3): of the events ranked before 9500, only those go, in
  // batches of 2 (the oldest first), never p2 (unjoined) nor p4…p8 (joined, not learned).
  assert.equal(await s.purgeEventsBefore(9500, { learnedThrough: 3, limit: 2 }), 2);
  assert.equal(await s.getEvent('p0'), null);
  assert.equal(await s.getEvent('p1'), null);
  assert.notEqual(await s.getEvent('p3'), null, 'the third waits for the next batch');
  assert.equal(await s.purgeEventsBefore(9500, { learnedThrough: 3, limit: 2 }), 1);
  assert.equal(await s.getEvent('p3'), null);
  assert.deepEqual(await s.getRewards('p3'), []);
  assert.equal(await s.purgeEventsBefore(9500, { learnedThrough: 3, limit: 2 }), 0);
  assert.deepEqual(await s.logsDateRange(), { from: 3000, to: 12_000 });
  assert.notEqual(await s.getEvent('p2'), null, 'unjoined: kept');
  // The trainer reads on from its cursor as before; the joins of deleted events are gone from the learning order.
  assert.deepEqual((await s.readJoined(0, 20)).map((j) => j.eventId), ['p4', 'p5', 'p6', 'p7', 'p8', 'p9']);

  // The model learns up to joinSeq 7 (p4..p7): those ranked before 9500 go, p8 (9000, joinSeq 8) stays.
  assert.equal(await s.purgeEventsBefore(9500, { learnedThrough: 7, limit: 1000 }), 4);
  assert.deepEqual((await s.readJoined(0, 20)).map((j) => j.eventId), ['p8', 'p9']);
  assert.equal(await s.getEvent('p8') !== null && (await s.getEvent('p2')) !== null, true);
  // The events ranked after the cutoff stay whatever was learned; the range reports what is left.
  assert.equal(await s.purgeEventsBefore(9500, { learnedThrough: 1_000_000 }), 1);
  assert.deepEqual(await s.logsDateRange(), { from: 3000, to: 12_000 });
  // Without learnedThrough (DELETE-like, what an operator's tool may ask), the unjoined one goes too.
  assert.equal(await s.purgeEventsBefore(9500), 1);
  assert.deepEqual(await s.logsDateRange(), { from: 10_000, to: 12_000 });
  // An unjoined event still joins after the purge, and the join sequence goes on.
  assert.equal(await s.addReward('p11', 1, 20_000, firstReward), 'joined');
  assert.deepEqual((await s.readJoined(9, 20)).map((j) => [j.joinSeq, j.eventId]), [[10, 'p11']]);
});

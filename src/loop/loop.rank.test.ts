import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GENERATED_EVENT_ID } from './event_id.js';
import { parseLine, testLoop, T0 } from './loop.fixtures.js';
import { LoopError, type RankRequest } from './types.js';

const request = (extra: Partial<RankRequest> = {}): RankRequest => ({
  contextFeatures: [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }],
  actions: [
    { id: 'pasta', features: [{ cuisine: 'italian', spice: 'medium' }, { nutrition: { calories: 800 } }] },
    { id: 'salad', features: [{ cuisine: 'any' }] },
    { id: 'soup', features: [{ cuisine: 'french', spice: 'none' }] },
    { id: 'curry', features: [{ cuisine: 'indian', spice: 'hot' }] },
  ],
  excludedActions: ['salad'],
  ...extra,
});

test('rank: uniform before the first model, excluded → 0, logged as Azure would', async () => {
  const { loop } = await testLoop();
  try {
    const r = await loop.rank(request());
    assert.match(r.eventId, GENERATED_EVENT_ID);
    // Azure's order: the excluded salad keeps its position with 0; the others hold the RL ranking, chosen first.
    assert.equal(r.ranking[1]!.id, 'salad');
    assert.equal(r.ranking[0]!.id, r.rewardActionId);
    assert.deepEqual(r.ranking.map((x) => x.id).sort(), ['curry', 'pasta', 'salad', 'soup']);
    const probs = r.ranking.map((x) => x.probability);
    assert.equal(probs[1], 0);
    for (const i of [0, 2, 3]) assert.ok(Math.abs(probs[i]! - 1 / 3) < 1e-6, `${probs[i]}`);
    assert.notEqual(r.rewardActionId, 'salad');
    assert.equal(loop.status().eventsRanked, 1);

    const line = parseLine(await loop.exportDsjson(r.eventId));
    assert.equal(line.EventId, r.eventId);
    assert.equal(line.Timestamp, new Date(T0).toISOString());
    assert.deepEqual(line.c, {
      FromUrl: [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }],
      _multi: [
        { _tag: 'pasta', i: { constant: 1, id: 'pasta' }, j: [{ cuisine: 'italian', spice: 'medium' }, { nutrition: { calories: 800 } }] },
        { _tag: 'soup', i: { constant: 1, id: 'soup' }, j: [{ cuisine: 'french', spice: 'none' }] },
        { _tag: 'curry', i: { constant: 1, id: 'curry' }, j: [{ cuisine: 'indian', spice: 'hot' }] },
      ],
    });
    const a = line.a as number[];
    assert.deepEqual([...a].sort(), [1, 2, 3]);
    // a[0] is the chosen _multi position; rewardActionId is its request id.
    assert.equal(['pasta', 'soup', 'curry'][a[0]! - 1], r.rewardActionId);
    // The answer's non-excluded positions, in request order, are the logged ranking a (and p), in its order.
    assert.deepEqual([0, 2, 3].map((i) => r.ranking[i]!.id), a.map((k) => ['pasta', 'soup', 'curry'][k - 1]));
    assert.deepEqual([0, 2, 3].map((i) => r.ranking[i]!.probability), line.p);
    assert.equal('_label_cost' in line, false); // not joined yet
  } finally {
    await loop.close();
  }
});

test('rank: with the request text, the logged features keep the client\'s key order (integer-like keys included)', async () => {
  const { loop } = await testLoop();
  try {
    const text = '{"contextFeatures":[{"u":{"b":1,"10":2}}],"actions":[{"id":"a","features":[{"z":"1","2":"y"}]},{"id":"b","features":[]}],"eventId":"kept-order"}';
    const r = await loop.rank(JSON.parse(text) as RankRequest, text);
    assert.equal(r.eventId, 'kept-order');
    const line = (await loop.exportDsjson('kept-order'))!;
    assert.ok(line.includes('"c":{"FromUrl":[{"u":{"b":1,"10":2}}],"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"z":"1","2":"y"}]},'), line);
    // Without the text, JSON.stringify moves integer-like keys first.
    await loop.rank({ ...(JSON.parse(text) as RankRequest), eventId: 'reordered' });
    assert.ok((await loop.exportDsjson('reordered'))!.includes('"FromUrl":[{"u":{"10":2,"b":1}}]'));
  } finally {
    await loop.close();
  }
});

test('rank: duplicate eventId → InvalidRankRequest, the first event kept; same eventId + model ⇒ same choice', async () => {
  const { loop } = await testLoop();
  try {
    const first = await loop.rank(request({ eventId: 'evt-1' }));
    await assert.rejects(
      loop.rank(request({ eventId: 'evt-1', excludedActions: [] })),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidRankRequest' && e.status === 400 && /eventId: 'evt-1' was already used/.test(e.message),
    );
    assert.equal((parseLine(await loop.exportDsjson('evt-1')).c as { _multi: unknown[] })._multi.length, 3);
    assert.equal(loop.status().eventsRanked, 1);
    // After the logs are deleted the id is free again; same model and eventId ⇒ same sampled action.
    await loop.deleteLogs();
    const again = await loop.rank(request({ eventId: 'evt-1' }));
    assert.equal(again.rewardActionId, first.rewardActionId);
    assert.deepEqual(again.ranking, first.ranking);
  } finally {
    await loop.close();
  }
});

test('rank: excluded actions are never chosen; the others about uniformly', async () => {
  const { loop } = await testLoop();
  try {
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = await loop.rank(request({ eventId: `x-${i}` }));
      counts.set(r.rewardActionId, (counts.get(r.rewardActionId) ?? 0) + 1);
    }
    assert.equal(counts.get('salad'), undefined);
    for (const id of ['pasta', 'soup', 'curry']) {
      assert.ok((counts.get(id) ?? 0) > 70 && (counts.get(id) ?? 0) < 130, `${id}: ${counts.get(id)}`);
    }
  } finally {
    await loop.close();
  }
});

test('rank: invalid requests name the field; nothing is logged', async () => {
  const { loop } = await testLoop();
  try {
    await assert.rejects(
      loop.rank({ actions: [{ id: 'a', features: [{ tags: ['x'] }] }] }),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidRankRequest' && e.message.startsWith('actions[0].features[0].tags[0]:'),
    );
    await assert.rejects(loop.rank(request({ excludedActions: ['pasta', 'salad', 'soup', 'curry'] })), /every action is excluded/);
    assert.equal(loop.status().eventsRanked, 0);
    assert.deepEqual(await loop.getLogsProperties(), {});
  } finally {
    await loop.close();
  }
});

test('rank: a request that would expand past the feature limit is a 400, quickly; a large legal one is ranked', async () => {
  const { loop } = await testLoop();
  try {
    // 8,000 context features: with -q :: about 32 million terms per action (4 s and 1.6 GB before the limit).
    const user: Record<string, number> = {};
    for (let i = 0; i < 8000; i++) user[`f${i}`] = 1;
    const t0 = performance.now();
    await assert.rejects(loop.rank(request({ contextFeatures: [{ user }], eventId: 'wide' })), (e: unknown) => {
      assert.ok(e instanceof LoopError);
      assert.equal(e.code, 'InvalidRankRequest');
      assert.match(e.message, /^features: the event expands to more than 2000000 features/);
      return true;
    });
    assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
    assert.equal(loop.status().eventsRanked, 0);

    // 50 actions × 40 features and 40 context features: ~170,000 terms, well inside.
    const actions = Array.from({ length: 50 }, (_, a) => ({
      id: `a${a}`,
      features: [{ item: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, (a + i) % 7])) }],
    }));
    const ctx = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`c${i}`, `v${i}`]));
    const r = await loop.rank({ contextFeatures: [{ user: ctx }], actions, eventId: 'large' });
    assert.equal(r.ranking.length, 50);
    assert.ok(Math.abs(r.ranking.reduce((s, x) => s + x.probability, 0) - 1) < 1e-5);
    assert.equal(loop.status().eventsRanked, 1);
  } finally {
    await loop.close();
  }
});

test('rank: Azure order for every exclusion: excluded keep their positions with 0, the rest hold the logged ranking, chosen first', async () => {
  const { loop } = await testLoop();
  try {
    const ids = ['pasta', 'salad', 'soup', 'curry'];
    let chosenNotFirstInRequest = 0;
    for (const excluded of [[], ['pasta'], ['salad'], ['curry'], ['pasta', 'soup']]) {
      for (let i = 0; i < 12; i++) {
        const eventId = `order-${excluded.join('+')}-${i}`;
        const r = await loop.rank(request({ excludedActions: excluded, eventId }));
        const kept = ids.filter((id) => !excluded.includes(id));
        const positions = ids.flatMap((id, k) => (excluded.includes(id) ? [] : [k]));
        for (const id of excluded) assert.deepEqual(r.ranking[ids.indexOf(id)], { id, probability: 0 });
        // The first non-excluded position holds the chosen action.
        assert.equal(r.ranking[positions[0]!]!.id, r.rewardActionId, eventId);
        if (excluded.length === 0) assert.equal(r.ranking[0]!.id, r.rewardActionId);
        if (r.rewardActionId !== kept[0]) chosenNotFirstInRequest++;
        const line = parseLine(await loop.exportDsjson(eventId));
        assert.deepEqual(positions.map((k) => r.ranking[k]!.id), (line.a as number[]).map((m) => kept[m - 1]));
        assert.deepEqual(positions.map((k) => r.ranking[k]!.probability), line.p);
        assert.ok(Math.abs(r.ranking.reduce((s, x) => s + x.probability, 0) - 1) < 1e-5);
      }
    }
    // Not a vacuous check: the sampled action is often not the first one in request order.
    assert.ok(chosenNotFirstInRequest > 10, `${chosenNotFirstInRequest}`);
  } finally {
    await loop.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, parsePolicyArguments, readModel, DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { parseLine, prng, tempStoreUrl, testLoop } from './loop.fixtures.js';
import { openLoop, type LearningLoop } from './loop.js';
import type { RankRequest } from './types.js';

const USER_TYPES = ['student', 'parent', 'retiree'];
const ITEMS = ['news', 'sports', 'music', 'movies', 'cooking', 'travel'];
const BEST: Record<string, string> = { student: 'music', parent: 'cooking', retiree: 'news' };

function simRequest(eventId: string, type: string): RankRequest {
  return {
    contextFeatures: [{ user: { type } }],
    actions: ITEMS.map((name, i) => ({ id: name, features: [{ item: { name, group: i % 2 === 0 ? 'even' : 'odd' } }] })),
    eventId,
  };
}

/** Ranks and rewards `n` simulated users; returns the share of rewarded choices. */
async function simulate(loop: LearningLoop, from: number, n: number, rng: () => number, flushEvery = 0): Promise<number> {
  let rewarded = 0;
  for (let i = from; i < from + n; i++) {
    const type = USER_TYPES[Math.floor(rng() * USER_TYPES.length)]!;
    const r = await loop.rank(simRequest(`sim-${i}`, type));
    const value = r.rewardActionId === BEST[type] ? 1 : 0;
    rewarded += value;
    await loop.reward(r.eventId, value);
    if (flushEvery > 0 && (i + 1) % flushEvery === 0) await loop.flush();
  }
  return rewarded / n;
}

/** What the loop should have learned: the joined events, learned in order by a learner of our own. */
async function referenceModel(loop: LearningLoop, eventIds: string[], args: string): Promise<Uint8Array> {
  const learner = createLearner(parsePolicyArguments(args));
  for (const id of eventIds) {
    const line = parseLine(await loop.exportDsjson(id));
    if (typeof line._label_cost !== 'number') continue;
    const ex = learner.featurize(JSON.stringify(line.c));
    learner.learn(ex, { index: line._labelIndex as number, cost: line._label_cost, probability: line._label_probability as number });
  }
  return learner.saveModel();
}

function weightsOf(bytes: Uint8Array): Float32Array {
  return readModel(bytes).weights;
}

test('learning improves choices: rewarded share reaches ≥ 80 % of the oracle', async () => {
  const { loop } = await testLoop();
  try {
    // The oracle always picks the type's best action (share 1). With the default policy (ε = 0.2) ε-greedy caps
    // the share at 0.8 + 0.2/6 ≈ 0.833; VW itself gets there after ~1,000 events (docs/learner.md §11).
    const rng = prng(7);
    const first = await simulate(loop, 0, 500, rng, 100);
    await simulate(loop, 500, 500, rng, 100);
    const last = await simulate(loop, 1000, 1000, rng, 100);
    assert.ok(first < 0.6, `first 500 events: ${first}`);
    assert.ok(last >= 0.8, `events 1000-2000: ${last}`);
    assert.equal(loop.status().eventsLearned, 2000);
    assert.equal(loop.status().modelVersion, '21'); // the fresh model + one export per 100 events
    // The learned greedy choice is the best action for every user type.
    for (const type of USER_TYPES) {
      const r = await loop.rank(simRequest(`probe-${type}`, type));
      const top = r.ranking.reduce((a, b) => (b.probability > a.probability ? b : a));
      assert.equal(top.id, BEST[type], type);
      assert.ok(Math.abs(top.probability - (0.8 + 0.2 / 6)) < 1e-6, `${top.probability}`);
    }
  } finally {
    await loop.close();
  }
});

test('an event whose features overflow float is reported and does not stop learning', async () => {
  const warnings: string[] = [];
  const logger = { info: () => undefined, error: () => undefined, warn: (_o: object | string, m?: string) => void warnings.push(m ?? '') };
  const loop = await openLoop({ store: tempStoreUrl(), logger });
  try {
    // A millisecond timestamp as a number: -q :: pairs it with itself, 2.9e24, whose square overflows float.
    const r = await loop.rank({ ...simRequest('huge', 'student'), contextFeatures: [{ user: { type: 'student', seenAt: 1.7e12 } }] });
    await loop.reward(r.eventId, 1);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /event huge made no model update: .*too much magnitude.*1 such event/);

    // Learning goes on: the greedy choice becomes the best action of every user type.
    await simulate(loop, 0, 900, prng(5), 100);
    for (const type of USER_TYPES) {
      const ranked = await loop.rank(simRequest(`probe-${type}`, type));
      const top = ranked.ranking.reduce((a, b) => (b.probability > a.probability ? b : a));
      assert.equal(top.id, BEST[type], type);
    }
    assert.equal(warnings.length, 1);
  } finally {
    await loop.close();
  }
});

test('earliest aggregation learns an event as soon as its reward arrives', async () => {
  const { loop, clock } = await testLoop();
  try {
    const r = await loop.rank(simRequest('e1', 'student'));
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 0);
    clock.now += 1000; // far inside the 10-minute window
    await loop.reward(r.eventId, 1);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 1);
  } finally {
    await loop.close();
  }
});

test('restart resumes: same model and counters; after a crash nothing is lost or learned twice', async () => {
  const t = await testLoop();
  const rng = prng(11);
  await simulate(t.loop, 0, 150, rng, 50);
  const before = t.loop.status();
  await t.loop.close();
  const savedBytes = await (async () => {
    const loop = await t.reopen();
    return loop.getModel();
  })();
  const after = t.loop.status();
  assert.deepEqual(after, before);
  assert.equal(after.eventsLearned, 150);

  // More events, some never rewarded (joined with the default reward when their window closes), then a crash:
  // the trainer is killed without exporting what it learned since its last export.
  await simulate(t.loop, 150, 100, rng);
  for (let i = 0; i < 20; i++) await t.loop.rank(simRequest(`quiet-${i}`, 'parent'));
  t.clock.now += 11 * 60 * 1000;
  await t.loop.maintain();
  await t.loop.close({ flush: false });

  const loop = await t.reopen();
  try {
    assert.deepEqual([...(await loop.getModel())].slice(0, 64), [...savedBytes].slice(0, 64));
    await loop.flush();
    const s = loop.status();
    assert.equal(s.eventsLearned, 270);
    assert.equal(s.eventsRanked, 270);
    assert.equal(s.rewardsReceived, 250);
    // Join order: the rewarded events as their rewards came, then the quiet ones at their window's end.
    const order = [...Array.from({ length: 250 }, (_, i) => `sim-${i}`), ...Array.from({ length: 20 }, (_, i) => `quiet-${i}`)];
    const expected = await referenceModel(loop, order, DEFAULT_POLICY_ARGUMENTS);
    const actual = await loop.getModel();
    assert.deepEqual(weightsOf(actual), weightsOf(expected));
    // Byte for byte, statistics included: the run was resumed, not restarted.
    assert.ok(Buffer.from(actual).equals(Buffer.from(expected)));
  } finally {
    await loop.close();
  }
});

test('a new policy retrains from the log; ranking keeps the old model until it has caught up', async () => {
  const { loop } = await testLoop();
  try {
    await simulate(loop, 0, 120, prng(3), 60);
    const oldVersion = loop.status().modelVersion;
    const oldBytes = await loop.getModel();
    const args = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';
    const p = await loop.updatePolicy({ name: 'faster', arguments: args });
    assert.deepEqual(p, { name: 'faster', arguments: args });
    assert.equal(loop.status().modelVersion, oldVersion);
    assert.equal(await loop.getModel(), oldBytes);
    await loop.flush();
    assert.notEqual(loop.status().modelVersion, oldVersion);
    assert.equal(loop.status().eventsLearned, 120);
    const expected = await referenceModel(loop, Array.from({ length: 120 }, (_, i) => `sim-${i}`), args);
    assert.ok(Buffer.from(await loop.getModel()).equals(Buffer.from(expected)));
  } finally {
    await loop.close();
  }
});

test('model reset: a fresh model, logs kept, learning continues from new events only', async () => {
  const { loop } = await testLoop();
  try {
    await simulate(loop, 0, 60, prng(5), 60);
    const oldVersion = loop.status().modelVersion;
    await loop.resetModel();
    assert.notEqual(loop.status().modelVersion, oldVersion);
    assert.equal(loop.status().eventsLearned, 0);
    assert.ok(weightsOf(await loop.getModel()).every((w) => w === 0));
    assert.ok((await loop.getLogsProperties()).dateRange);
    await simulate(loop, 60, 10, prng(6));
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 10);
  } finally {
    await loop.close();
  }
});

async function waitFor(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('the trainer exports on its own every modelExportFrequency (PT1S) and comes back after a crash', async () => {
  const { loop } = await testLoop();
  try {
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), modelExportFrequency: 'PT1S' });
    await simulate(loop, 0, 5, prng(9));
    const started = Date.now();
    await waitFor('an export', () => loop.status().modelVersion !== '1');
    assert.ok(Date.now() - started < 2500);
    assert.equal(loop.status().eventsLearned, 5);

    // Kill the worker as a crash would: the loop starts a new one, which resumes from the last export.
    await (loop as unknown as { trainer: { kill(): Promise<void> } }).trainer.kill();
    assert.equal(loop.status().trainerRunning, false);
    assert.equal(loop.status().ready, true);
    await simulate(loop, 5, 5, prng(10)); // ranking goes on meanwhile
    await waitFor('the trainer to restart', () => loop.status().trainerRunning === true);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 10);
  } finally {
    await loop.close();
  }
});

// Multi-slot on the loop (docs/multi-slot.md): switching a loop to --ccb_explore_adf, the refusals either way,
// what a multi-slot Rank logs (DSJSON CCB), per-slot joins (reward window, deferred activation, aggregation), the
// trainer learning joined events as the engine's CcbLearner does, and the model surviving a restart.
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runReplay } from '../testing/replay_cli.js';
import assert from 'node:assert/strict';
import { createCcbLearner, DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments, readModel } from '../engine/index.js';
import { parseLine, prng, T0, testLoop, type TestLoop } from './loop.fixtures.js';
import { LoopError, type MultiSlotRankRequest } from './types.js';
import type { LearningLoop } from './loop.js';

const CCB = DEFAULT_CCB_POLICY_ARGUMENTS;
const ARTICLES = ['news', 'sports', 'music', 'movies', 'cooking', 'travel'];

function request(eventId: string, user: string, extra: Partial<MultiSlotRankRequest> = {}): MultiSlotRankRequest {
  return {
    contextFeatures: [{ user: { type: user } }],
    actions: ARTICLES.map((id, i) => ({ id, features: [{ article: { id, even: i % 2 === 0 } }] })),
    slots: [
      { id: 'top', baselineAction: 'news', features: [{ slot: { pos: 'top' } }] },
      { id: 'side', baselineAction: 'sports', features: [{ slot: { pos: 'side' } }], excludedActions: ['travel'] },
    ],
    eventId,
    ...extra,
  };
}

async function refused(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof LoopError && e.code === code && e.status === 400 && (message === undefined || message.test(e.message)));
}

/** Azure's multi-slot policy with a 10× learning rate: it reaches ε-greedy's ceiling within 2,000 events. */
const TUNED = CCB.replace('-l 0.001', '-l 0.01');

async function multiSlotLoop(args = CCB): Promise<TestLoop> {
  const t = await testLoop();
  await t.loop.updateServiceConfiguration({ ...(await t.loop.getServiceConfiguration()), rewardWaitTime: 'PT10M', defaultReward: 0 });
  await t.loop.updatePolicy({ name: 'ccb', arguments: args });
  return t;
}

test('a loop is multi-slot when its policy has --ccb_explore_adf: the refusals either way, auto-optimization off', async () => {
  const { loop } = await testLoop();
  try {
    await refused(loop.rankMultiSlot(request('m0', 'a')), 'InvalidMultiSlotApiAccess', /--ccb_explore_adf/);
    await refused(loop.rewardMultiSlot('m0', { reward: [{ slotId: 'top', value: 1 }] }), 'InvalidMultiSlotApiAccess');
    await refused(loop.activateMultiSlot('m0'), 'InvalidMultiSlotApiAccess');
    const single = await loop.rank({ actions: [{ id: 'x', features: [{ a: 1 }] }, { id: 'y', features: [{ a: 2 }] }], eventId: 's0' });
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), isAutoOptimizationEnabled: true });
    const before = (await loop.getModelProperties()).creationTime;
    await loop.updatePolicy({ name: 'ccb', arguments: CCB });
    assert.equal((await loop.getServiceConfiguration()).isAutoOptimizationEnabled, false, 'switching turns auto-optimization off');
    assert.equal(readModel(await loop.getModel()).options.includes('--ccb_explore_adf'), true, 'the model is a CCB one at once');
    assert.ok((await loop.getModelProperties()).creationTime >= before);
    await assert.rejects(
      loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), isAutoOptimizationEnabled: true }),
      (e: unknown) => e instanceof LoopError && e.code === 'ProblemTypeIncompatibleWithAutoOptimization',
    );
    await refused(loop.rank({ actions: [{ id: 'x', features: [] }] }), 'InvalidSingleSlotApiAccess', /multislot/);
    await refused(loop.reward(single.eventId, 1), 'InvalidSingleSlotApiAccess');
    const r = await loop.rankMultiSlot(request('m1', 'a'));
    assert.equal(r.eventId, 'm1');
    // The single-slot event is kept (logs survive the switch) but is not multi-slot.
    await refused(loop.rewardMultiSlot(single.eventId, { reward: [{ slotId: 'top', value: 1 }] }), 'InvalidRewardRequest', /single-slot Rank/);
    assert.notEqual(await loop.exportDsjson('s0'), null);
    // DELETE keeps a multi-slot loop multi-slot: the default's multi-slot form (here Azure's), the model kept.
    const modelBefore = await loop.getModel();
    assert.deepEqual(await loop.resetPolicy(), { name: 'azure-default', arguments: DEFAULT_CCB_POLICY_ARGUMENTS });
    assert.equal(readModel(await loop.getModel()).options.includes('--ccb_explore_adf'), true);
    assert.equal(await loop.getModel(), modelBefore, 'no switch of kind, no fresh model');
    // And back: single-slot again, a fresh single-slot model.
    await loop.updatePolicy({ name: 'single', arguments: DEFAULT_POLICY_ARGUMENTS });
    assert.equal(readModel(await loop.getModel()).options.includes('--ccb_explore_adf'), false);
    await loop.rank({ actions: [{ id: 'x', features: [] }], eventId: 's1' });
  } finally {
    await loop.close();
  }
});

test('multi-slot Rank: distinct actions per slot, exclusions kept, the CCB context and decisions logged as VW predicts them', async () => {
  const { loop } = await multiSlotLoop();
  try {
    const learner = createCcbLearner(parsePolicyArguments(CCB));
    for (let i = 0; i < 40; i++) {
      const r = await loop.rankMultiSlot(request(`r${i}`, `u${i % 3}`));
      assert.deepEqual(r.slots.map((s) => s.id), ['top', 'side']);
      const [top, side] = r.slots.map((s) => s.rewardActionId!);
      assert.notEqual(top, side, 'an action fills at most one slot');
      assert.notEqual(side, 'travel', 'excluded from the side slot');
      const line = parseLine(await loop.exportDsjson(`r${i}`));
      const c = line.c as { _multi: unknown[]; _slots: { _id: string; sj: unknown[] }[] };
      assert.equal(c._multi.length, 6);
      assert.deepEqual(c._slots[0], { _id: 'top', sj: [{ slot: { pos: 'top' } }] });
      assert.deepEqual(c._slots[1], { _id: 'side', sj: [{ slot: { pos: 'side' } }, { _inc: [0, 1, 2, 3, 4] }] });
      assert.deepEqual(line._ba, [0, 1]);
      assert.deepEqual(line._outcomes, [{ _id: 'top' }, { _id: 'side' }], 'unlabeled before the join');
      // The fresh model's decisions, sampled with seeds eventId + slotId, as the engine predicts them.
      const expected = learner.predict(learner.featurize(JSON.stringify(line.c)), [`r${i}top`, `r${i}side`]);
      assert.equal(ARTICLES[expected[0]!.actions[0]!], top);
      assert.equal(ARTICLES[expected[1]!.actions[0]!], side);
      // Uniform over what is left: the side slot's 5 (travel excluded) minus the top slot's choice.
      const left = 5 - (top === 'travel' ? 0 : 1);
      assert.equal(expected[1]!.actions.length, left);
      assert.deepEqual((line._p1 as undefined) ?? expected[1]!.probabilities.map(Math.fround), Array(left).fill(Math.fround(1 / left)));
    }
  } finally {
    await loop.close();
  }
});

test('per-slot joins: earliest joins once every slot is rewarded; the window closes with defaultReward; deferred never activated is skipped', async () => {
  const t = await multiSlotLoop();
  const { loop, clock } = t;
  try {
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), defaultReward: -0.25 });
    await loop.rankMultiSlot(request('j1', 'a'));
    await loop.rankMultiSlot(request('j2', 'a'));
    await loop.rankMultiSlot(request('j3', 'a', { deferActivation: true }));
    await loop.rankMultiSlot(request('j4', 'a', { deferActivation: true }));
    await refused(loop.rewardMultiSlot('j1', { reward: [{ slotId: 'nope', value: 1 }] }), 'InvalidRewardRequest', /reward\[0\]\.slotId: 'nope' is not a slot/);
    await refused(loop.rewardMultiSlot('j1', { reward: [{ slotId: 'top', value: 2 }] }), 'InvalidRewardRequest', /between -1 and 1/);
    await refused(loop.rewardMultiSlot('j1', { reward: [] }), 'InvalidRewardRequest');
    await loop.rewardMultiSlot('j1', { reward: [{ slotId: 'top', value: 1 }] });
    let line = parseLine(await loop.exportDsjson('j1'));
    assert.deepEqual(line._outcomes, [{ _id: 'top' }, { _id: 'side' }], 'one slot still waits for its reward');
    await loop.rewardMultiSlot('j1', { reward: [{ slotId: 'side', value: 0.5 }, { slotId: 'side', value: 0 }] });
    line = parseLine(await loop.exportDsjson('j1'));
    const outcomes = line._outcomes as { _label_cost: number; _id: string; _a: number[]; _p: number[]; _o?: unknown[] }[];
    assert.deepEqual(outcomes.map((o) => [o._id, o._label_cost]), [['top', -1], ['side', -0.5]]);
    assert.equal(outcomes[1]!._o!.length, 2, 'both side rewards observed');
    await loop.rewardMultiSlot('j2', { reward: [{ slotId: 'side', value: 1 }] });
    await loop.activateMultiSlot('j4');
    await loop.rewardMultiSlot('j3', { reward: [{ slotId: 'top', value: 1 }, { slotId: 'side', value: 1 }] });
    assert.deepEqual(parseLine(await loop.exportDsjson('j3'))._outcomes, [{ _id: 'top' }, { _id: 'side' }], 'deferred and not activated: not joined early');
    clock.now = T0 + 11 * 60_000;
    await loop.maintain();
    const j2 = parseLine(await loop.exportDsjson('j2'))._outcomes as { _label_cost: number }[];
    assert.deepEqual(j2.map((o) => o._label_cost), [0.25, -1], 'top: defaultReward -0.25 (cost 0.25)');
    const j3 = parseLine(await loop.exportDsjson('j3'));
    assert.equal(j3._skipLearn, true);
    const j4 = parseLine(await loop.exportDsjson('j4'))._outcomes as { _label_cost: number }[];
    assert.deepEqual(j4.map((o) => o._label_cost), [0.25, 0.25]);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 3, 'j1, j2, j4 learned; j3 skipped');
  } finally {
    await loop.close();
  }
});

/** A world where each user type has a best article for each slot. Returns the share of rewarded slots. */
async function simulate(loop: LearningLoop, from: number, n: number, rng: () => number, flushEvery: number): Promise<number> {
  const BEST: Record<string, [string, string]> = { student: ['music', 'movies'], parent: ['cooking', 'news'], retiree: ['news', 'travel'] };
  const users = Object.keys(BEST);
  let rewarded = 0;
  for (let i = from; i < from + n; i++) {
    const user = users[Math.floor(rng() * users.length)]!;
    const r = await loop.rankMultiSlot({ ...request(`sim-${i}`, user), slots: [
      { id: 'top', baselineAction: 'news', features: [{ slot: { pos: 'top' } }] },
      { id: 'side', baselineAction: 'sports', features: [{ slot: { pos: 'side' } }] },
    ] });
    const values = r.slots.map((s, k) => (s.rewardActionId === BEST[user]![k] ? 1 : 0));
    rewarded += values[0]! + values[1]!;
    await loop.rewardMultiSlot(r.eventId, { reward: r.slots.map((s, k) => ({ slotId: s.id, value: values[k]! })) });
    if ((i + 1) % flushEvery === 0) await loop.flush();
  }
  return rewarded / (2 * n);
}

test('a multi-slot loop learns: the share of rewarded slots rises far above random, and the model survives a restart', async () => {
  const t = await multiSlotLoop(TUNED);
  try {
    const rng = prng(11);
    // Random: 1/6 for the top slot, 1/5 for the side one (≈ 0.18); ε-greedy's ceiling ≈ 0.84.
    const first = await simulate(t.loop, 0, 250, rng, 50);
    await simulate(t.loop, 250, 1250, rng, 50);
    const last = await simulate(t.loop, 1500, 500, rng, 50);
    assert.ok(first < 0.35, `first 250 events: ${first}`);
    assert.ok(last >= 0.65, `events 1500-2000: ${last}`);
    const learned = t.loop.status().eventsLearned;
    assert.equal(learned, 2000);
    const bytes = await t.loop.getModel();
    // The trainer learned exactly what the engine learns from the exported CCB lines, in join order.
    const reference = createCcbLearner(parsePolicyArguments(TUNED));
    const lines: string[] = [];
    for (let i = 0; i < 2000; i++) {
      lines.push((await t.loop.exportDsjson(`sim-${i}`))!);
      const line = parseLine(lines[i]!);
      const outcomes = (line._outcomes as { _label_cost: number; _a: number[]; _p: number[] }[]).map((o) => ({ action: o._a[0]!, cost: o._label_cost, probability: o._p[0]! }));
      reference.learn(reference.featurize(JSON.stringify(line.c)), outcomes);
    }
    assert.deepEqual(readModel(bytes).weights, readModel(reference.saveModel()).weights, 'weights equal to the reference learner');
    // And `personalizer replay` reads the exported CCB log back into the same model.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-ccb-export-'));
    try {
      fs.writeFileSync(path.join(dir, 'log.dsjson'), lines.join('\n') + '\n');
      const run = await runReplay(['--dsjson', path.join(dir, 'log.dsjson'), '--policy', TUNED, '-f', path.join(dir, 'replayed.vw'), '--quiet']);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(readModel(fs.readFileSync(path.join(dir, 'replayed.vw'))).weights, readModel(bytes).weights, 'replay of the export = the loop model');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    await t.loop.close();
    await t.reopen();
    assert.deepEqual(await t.loop.getModel(), bytes, 'the same model after a restart');
    assert.equal(t.loop.status().eventsLearned, learned);
    const again = await simulate(t.loop, 2000, 300, rng, 50);
    assert.ok(again >= 0.65, `after the restart: ${again}`);
  } finally {
    await t.loop.close();
  }
});

test("Azure's default multi-slot policy learns too, more slowly (seed 11: ≈ 0.4–0.5 after 1,500 events)", async () => {
  const t = await multiSlotLoop(CCB);
  try {
    const rng = prng(11);
    const first = await simulate(t.loop, 0, 250, rng, 50);
    await simulate(t.loop, 250, 1250, rng, 50);
    const last = await simulate(t.loop, 1500, 500, rng, 50);
    assert.ok(first < 0.35, `first 250 events: ${first}`);
    assert.ok(last >= 0.38, `events 1500-2000: ${last} (random ≈ 0.18)`);
  } finally {
    await t.loop.close();
  }
});

test('learning modes: Apprentice and LoggingOnly answer each slot baselineAction; Apprentice learns, LoggingOnly does not; Online keeps the model', async () => {
  const t = await multiSlotLoop(TUNED);
  const { loop } = t;
  try {
    const config = await loop.getServiceConfiguration();
    await loop.updateServiceConfiguration({ ...config, learningMode: 'Apprentice' });
    const rng = prng(3);
    // The baselines are a good policy here: each is rewarded every time it is shown.
    for (let i = 0; i < 60; i++) {
      const r = await loop.rankMultiSlot(request(`ap-${i}`, ['student', 'parent', 'retiree'][Math.floor(rng() * 3)]!));
      assert.deepEqual(r.slots, [{ id: 'top', rewardActionId: 'news' }, { id: 'side', rewardActionId: 'sports' }]);
      await loop.rewardMultiSlot(r.eventId, { reward: [{ slotId: 'top', value: 1 }, { slotId: 'side', value: 1 }] });
    }
    const line = parseLine(await loop.exportDsjson('ap-0'));
    assert.deepEqual((line._outcomes as { _a: number[]; _p: number[] }[]).map((o) => [o._a, o._p]), [[[0], [1]], [[1], [1]]], 'logged as shown, probability 1');
    assert.match((line.VWState as { m: string }).m, /;Apprentice$/);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 60, 'Apprentice learns');
    // The apprentice report scores each event (every slot) before learning it: a fresh model agrees with no slot's
    // baseline (all scores tie), a model that has learned the baselines' rewards agrees with every one.
    const report = await loop.apprenticeReport();
    assert.equal(report.events, 60);
    assert.equal(report.agreement, 59 / 60, 'all but the first event, which the fresh model could not agree with');
    assert.equal(report.averageBaselineReward, 1);
    assert.ok(report.averageEstimatedReward > 0, JSON.stringify(report));
    const apprenticeModel = await loop.getModel();
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), learningMode: 'LoggingOnly' });
    for (let i = 0; i < 20; i++) {
      const r = await loop.rankMultiSlot(request(`lo-${i}`, 'student'));
      assert.deepEqual(r.slots.map((s) => s.rewardActionId), ['news', 'sports']);
      await loop.rewardMultiSlot(r.eventId, { reward: [{ slotId: 'top', value: 1 }, { slotId: 'side', value: 1 }] });
    }
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 60, 'LoggingOnly learns nothing');
    assert.deepEqual(readModel(await loop.getModel()).weights, readModel(apprenticeModel).weights);
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), learningMode: 'Online' });
    assert.deepEqual(readModel(await loop.getModel()).weights, readModel(apprenticeModel).weights, 'switching to Online keeps the model');
    // Online again: the apprentice learned that news fills the top slot; it is now the top slot's greedy choice.
    let news = 0;
    for (let i = 0; i < 50; i++) if ((await loop.rankMultiSlot(request(`on-${i}`, 'parent'))).slots[0]!.rewardActionId === 'news') news++;
    assert.ok(news >= 35, `news on top in ${news} of 50 (1 − ε + ε/6 ≈ 0.83)`);
  } finally {
    await loop.close();
  }
});

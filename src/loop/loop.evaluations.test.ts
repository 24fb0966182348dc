// Evaluations through the loop, in process, on a real SQLite file with the test's clock: a job runs in its worker
// thread and completes with the figures of what was logged; a stop mid-run puts it back to pending and the next
// start runs it again; DELETE stops a running one. Auto-optimization's schedule is stored and kept across a
// restart, and its decisions and the 24-run history are applied to stored evaluations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { openStore, type EvaluationRecord } from '../store/index.js';
import { AutoOptimizer, AUTO_KEPT } from './auto_optimize.js';
import { EvaluationJobs } from './evaluation_jobs.js';
import { DEFAULT_SERVICE_CONFIGURATION } from './service_config.js';
import { tempStoreUrl, testLoop, T0, type TestLoop } from './loop.fixtures.js';
import type { LearningLoop } from './loop.js';
import { LoopError, type Evaluation } from './types.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta'];
const BEST: Record<string, string> = { t0: 'bravo', t1: 'delta', t2: 'charlie' };

interface Logged {
  first: boolean;
  p: number;
  reward: number;
}

/** n Rank + Reward calls one second apart on the test clock; the reward is 1 for the type's best item. */
async function logEvents(t: TestLoop, n: number, reward?: (type: string, chosen: string) => number): Promise<Logged[]> {
  const out: Logged[] = [];
  const actions = ITEMS.map((id) => ({ id, features: [{ item: { id } }] }));
  for (let i = 0; i < n; i++) {
    const type = `t${i % 3}`;
    const r = await t.loop.rank({ contextFeatures: [{ user: { type } }], actions });
    const value = reward ? reward(type, r.rewardActionId) : r.rewardActionId === BEST[type] ? 1 : 0;
    await t.loop.reward(r.eventId, value);
    out.push({ first: r.rewardActionId === ITEMS[0], p: r.ranking.find((a) => a.id === r.rewardActionId)!.probability, reward: value });
    t.clock.now += 1000;
  }
  return out;
}

async function settle(loop: LearningLoop, id: string, timeoutMs = 60_000): Promise<Evaluation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await loop.getEvaluation(id);
    if (e.status !== 'pending' && e.status !== 'running') return e;
    if (Date.now() > deadline) assert.fail(`evaluation ${id} still ${e.status} after ${timeoutMs} ms: ${JSON.stringify(e.progress)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

test('an evaluation runs in its worker and completes with the logged figures; listed, deleted, then 404', async () => {
  const t = await testLoop();
  try {
    const logged = await logEvents(t, 300);
    const created = await t.loop.createEvaluation({
      name: 'first',
      startTime: iso(T0),
      endTime: iso(t.clock.now),
      policies: [{ name: 'fast', arguments: '--cb_explore_adf --epsilon 0.2 -l 0.05 --cb_type ips -q ::' }],
    });
    assert.equal(created.status, 'pending');
    assert.equal(created.creationTime, iso(t.clock.now));
    assert.deepEqual(created.policyResults, [{ name: 'fast', arguments: '--cb_explore_adf --epsilon 0.2 -l 0.05 --cb_type ips -q ::', policySource: 'Custom' }]);
    assert.deepEqual(created.progress, { fraction: 0, stage: 'queued' });

    const done = await settle(t.loop, created.id);
    assert.equal(done.status, 'completed', done.failureReason);
    assert.equal(done.eventCount, 300);
    assert.deepEqual(done.policyResults.map((p) => [p.name, p.policySource]), [
      ['Online', 'Online'], ['Baseline1', 'Baseline'], ['BaselineRand', 'Random'], ['fast', 'Custom'],
    ]);
    const total = (name: string) => done.policyResults.find((p) => p.name === name)!.totalSummary!;
    const mean = logged.reduce((s, e) => s + e.reward, 0) / logged.length;
    assert.ok(Math.abs(total('Online').averageReward - mean) < 1e-12, `${total('Online').averageReward} vs ${mean}`);
    const b1 = logged.reduce((s, e) => s + (e.first ? e.reward / e.p : 0), 0);
    assert.ok(Math.abs(total('Baseline1').ipsEstimatorNumerator - b1) < 1e-9 * Math.max(1, b1));
    assert.equal(total('Baseline1').nonZeroProbability, logged.filter((e) => e.first).length);
    // 300 events in 5 minutes from midnight: one bin, equal to the total.
    assert.equal(done.policyResults[0]!.summary!.length, 1);
    assert.equal(done.policyResults[0]!.summary![0]!.ipsEstimatorNumerator, total('Online').ipsEstimatorNumerator);
    assert.equal(done.progress, undefined);

    const list = await t.loop.listEvaluations();
    assert.deepEqual(list.map((e) => [e.id, e.status]), [[created.id, 'completed']]);
    assert.equal(list[0]!.policyResults[3]!.summary, undefined, 'lists carry no bins');
    assert.deepEqual(list[0]!.policyResults[3]!.totalSummary, total('fast'));

    await t.loop.deleteEvaluation(created.id);
    for (const op of [() => t.loop.getEvaluation(created.id), () => t.loop.deleteEvaluation(created.id)]) {
      await assert.rejects(op(), (e: unknown) => e instanceof LoopError && e.code === 'EvaluationNotFound' && e.status === 404);
    }
  } finally {
    await t.loop.close();
  }
});

test('a stop mid-run puts the evaluation back to pending, the next start runs it; DELETE stops a running one', async () => {
  const t = await testLoop();
  try {
    await logEvents(t, 400);
    const policies = Array.from({ length: 40 }, (_, i) => ({ name: `p${i}`, arguments: `--cb_explore_adf --epsilon 0.2 -l ${0.001 * (i + 1)} -q ::` }));
    const body = { name: 'long', startTime: iso(T0), endTime: iso(t.clock.now), policies };
    const a = await t.loop.createEvaluation(body);
    const b = await t.loop.createEvaluation({ ...body, name: 'queued behind' });
    // One job at a time, in order.
    assert.equal((await t.loop.getEvaluation(b.id)).status, 'pending');
    await t.loop.close();
    const loop = await t.reopen();
    const again = await loop.getEvaluation(a.id);
    assert.ok(again.status === 'pending' || again.status === 'running', again.status);
    assert.equal((await settle(loop, a.id)).status, 'completed');
    assert.equal((await settle(loop, b.id)).status, 'completed');

    const c = await loop.createEvaluation({ ...body, name: 'deleted while running' });
    for (let i = 0; i < 400 && (await loop.getEvaluation(c.id)).status === 'pending'; i++) await new Promise((r) => setTimeout(r, 10));
    await loop.deleteEvaluation(c.id);
    await assert.rejects(loop.getEvaluation(c.id), /EvaluationNotFound|no evaluation/);
    // The queue goes on after a deletion.
    const d = await loop.createEvaluation({ ...body, policies: [], name: 'after' });
    assert.equal((await settle(loop, d.id)).status, 'completed');
  } finally {
    await t.loop.close();
  }
});

test('auto-optimization: the next due time is stored; a restart neither repeats nor skips a run; an empty range stores nothing', async () => {
  const t = await testLoop();
  try {
    const base = await t.loop.getServiceConfiguration();
    await t.loop.updateServiceConfiguration({
      ...base,
      isAutoOptimizationEnabled: true,
      autoOptimizationFrequency: 'P1D',
      autoOptimizationStartDate: iso(T0 + HOUR),
    });
    assert.equal(await t.loop.nextAutoOptimizationAt(), T0 + HOUR);
    // Due: no logs in the last 14 days, so nothing is evaluated and the next run is a period later.
    t.clock.now = T0 + 2 * HOUR;
    await t.loop.maintain();
    assert.equal(await t.loop.nextAutoOptimizationAt(), T0 + HOUR + DAY);
    assert.deepEqual(await t.loop.listEvaluations(), []);

    await t.loop.close();
    let loop = await t.reopen();
    assert.equal(await loop.nextAutoOptimizationAt(), T0 + HOUR + DAY, 'kept across the restart');
    // Rewards independent of the action: no policy can do better than the online one.
    await logEvents(t, 200, () => 0);
    t.clock.now = T0 + HOUR + DAY + 60_000;
    await loop.maintain();
    assert.equal(await loop.nextAutoOptimizationAt(), T0 + HOUR + 2 * DAY);
    const [auto] = await loop.listEvaluations();
    assert.ok(auto);
    assert.equal(auto.evaluationType, 'Auto');
    assert.equal(auto.name, `Auto-${iso(t.clock.now)}`);
    assert.equal(auto.startTime, iso(t.clock.now - 14 * DAY));
    const decided = await settle(loop, auto.id);
    assert.equal(decided.status, 'onlinePolicyRetained', decided.failureReason);
    assert.ok(decided.decisionReason && decided.decisionReason.length > 0);
    assert.equal(decided.policyResults.find((p) => p.name === 'Online')!.totalSummary!.averageReward, 0);

    // Not due again, even after a restart: still one Auto evaluation.
    await loop.maintain();
    await loop.close();
    loop = await t.reopen();
    await loop.maintain();
    assert.equal((await loop.listEvaluations()).length, 1);
    // Three periods later, one run (not three).
    t.clock.now = T0 + HOUR + 4 * DAY + 5;
    await loop.maintain();
    assert.equal(await loop.nextAutoOptimizationAt(), T0 + HOUR + 5 * DAY);
    assert.equal((await loop.listEvaluations()).length, 2);
    await settle(loop, (await loop.listEvaluations())[0]!.id);
  } finally {
    await t.loop.close();
  }
});

test('auto-optimization decides on a completed Auto evaluation: applies a clearly better policy, keeps 24 Auto runs', async () => {
  const store = await openStore(tempStoreUrl());
  try {
    const summary = (candidate: number, ci: number) =>
      JSON.stringify({
        events: 1000,
        featureImportance: [],
        featureScores: [],
        optimalPolicy: 'Hyper1',
        policyResults: [
          { name: 'Online', arguments: '--cb_explore_adf --epsilon 0.2', policySource: 'Online', totalSummary: { averageReward: 0.3, confidenceInterval: 0.01 } },
          { name: 'Hyper1', arguments: '--cb_explore_adf --epsilon 0.1 -l 0.3 --cb_type ips', policySource: 'OfflineExperimentation', totalSummary: { averageReward: candidate, confidenceInterval: ci } },
        ],
      });
    await store.insertEvaluation({ id: 'manual', name: 'm', kind: 'Manual', status: 'pending', contract: '{}', createdAt: 0 });
    await store.updateEvaluation('manual', { status: 'completed', summary: summary(0.9, 0) });
    for (let i = 0; i < AUTO_KEPT + 2; i++) {
      await store.insertEvaluation({ id: `auto${i}`, name: `Auto-${i}`, kind: 'Auto', status: 'pending', contract: '{}', createdAt: i });
      await store.updateEvaluation(`auto${i}`, { status: i < AUTO_KEPT + 1 ? 'onlinePolicyRetained' : 'completed', summary: summary(0.4, 0.05) });
    }
    const applied: unknown[] = [];
    const auto = new AutoOptimizer({
      store,
      now: () => T0,
      service: () => ({ ...DEFAULT_SERVICE_CONFIGURATION }),
      policy: () => ({ name: 'default', arguments: '--cb_explore_adf --epsilon 0.2' }),
      createAuto: async () => assert.fail('not due'),
      applyPolicy: async (p) => void applied.push(p),
    });
    // At start, the completed Auto run not yet decided on is decided: 0.4 − 0.05 > 0.3 − 0.01.
    await auto.recover();
    assert.deepEqual(applied, [{ name: 'Hyper1', arguments: '--cb_explore_adf --epsilon 0.1 -l 0.3 --cb_type ips' }]);
    const last = (await store.getEvaluation(`auto${AUTO_KEPT + 1}`)) as EvaluationRecord;
    assert.equal(last.status, 'optimalPolicyApplied');
    assert.match(last.stage ?? '', /'Hyper1' estimates 0\.4000/);
    const left = await store.listEvaluations();
    assert.equal(left.filter((r) => r.kind === 'Auto').length, AUTO_KEPT);
    assert.deepEqual(left.filter((r) => r.kind === 'Auto').map((r) => r.id).slice(-1), ['auto2'], 'the oldest two are gone');
    assert.ok(left.some((r) => r.id === 'manual'), 'manual evaluations are not pruned');
    // A candidate whose interval does not clear the online one's is not applied.
    await store.insertEvaluation({ id: 'auto-wide', name: 'w', kind: 'Auto', status: 'pending', contract: '{}', createdAt: 99 });
    await store.updateEvaluation('auto-wide', { status: 'completed', summary: summary(0.4, 0.2) });
    await auto.completed((await store.getEvaluation('auto-wide'))!);
    assert.equal((await store.getEvaluation('auto-wide'))?.status, 'onlinePolicyRetained');
    assert.equal(applied.length, 1);
  } finally {
    await store.close();
  }
});

test('LogsSizeExceedAllowedLimit: a range over the event or feature-size limit is refused before anything is stored', async () => {
  const t = await testLoop();
  await logEvents(t, 50);
  const end = t.clock.now;
  await t.loop.close();
  const store = await openStore(t.storeUrl);
  try {
    const contract = { name: 'big', startTime: T0, endTime: end, policies: [], enableOfflineExperimentation: false, featureImportance: true, onlinePolicy: '--cb_explore_adf' };
    const jobs = (limits: { maxEvents: number; maxContextBytes: number }) =>
      new EvaluationJobs({ store, storeUrl: t.storeUrl, now: () => end, limits });
    await assert.rejects(
      jobs({ maxEvents: 49, maxContextBytes: 2 ** 30 }).create(contract, 'Manual'),
      (e: unknown) => e instanceof LoopError && e.code === 'LogsSizeExceedAllowedLimit' && /about 50 events; an evaluation takes at most 49/.test(e.message),
    );
    await assert.rejects(
      jobs({ maxEvents: 1000, maxContextBytes: 1000 }).create(contract, 'Manual'),
      (e: unknown) => e instanceof LoopError && e.code === 'LogsSizeExceedAllowedLimit' && /MiB of logged features/.test(e.message),
    );
    assert.deepEqual(await store.listEvaluations(), []);
    // Within the limits it is stored as pending.
    const ok = jobs({ maxEvents: 50, maxContextBytes: 2 ** 20 });
    const record = await ok.create(contract, 'Manual');
    assert.equal(record.status, 'pending');
    await ok.close();
  } finally {
    await store.close();
  }
});

test('a job that cannot be resumed is failed with the reason at start, never left running', async () => {
  const t = await testLoop();
  await logEvents(t, 30);
  const body = { name: 'x', startTime: iso(T0), endTime: iso(t.clock.now), policies: [] };
  const a = await t.loop.createEvaluation(body);
  const b = await t.loop.createEvaluation({ ...body, name: 'y' });
  await t.loop.close();
  // As a process killed three times mid-run leaves it, and a contract an older build wrote differently.
  const store = await openStore(t.storeUrl);
  await store.updateEvaluation(a.id, { status: 'running', attempts: 3 });
  await store.updateEvaluation(b.id, { status: 'pending', attempts: 0 });
  await store.close();
  const db = new Database(t.storeUrl.slice('sqlite:'.length).split('?')[0]!);
  db.prepare(`UPDATE evaluations SET contract = '{"name":' WHERE id = ?`).run(b.id);
  db.close();
  const loop = await t.reopen();
  try {
    const failedA = await settle(loop, a.id);
    assert.equal(failedA.status, 'failed');
    assert.match(failedA.failureReason ?? '', /interrupted 3 times/);
    const failedB = await settle(loop, b.id);
    assert.equal(failedB.status, 'failed');
    assert.match(failedB.failureReason ?? '', /cannot be resumed/);
  } finally {
    await loop.close();
  }
});

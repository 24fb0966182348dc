// The store's evaluation part on a real SQLite file: jobs (insert, guarded updates, get with and without the
// result, list newest first, delete, kept across a reopen) and the joined events of a rank-time range as a
// replay reads them (rank order, skipped and unjoined events left out, contexts whole again, paging, estimate).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Decide, type NewEvent, type Store } from './index.js';

function tempUrl(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-store-eval-'));
  return `sqlite:${path.join(dir, 'loop.db')}?synchronous=normal`;
}

/** An event whose context shares its actions with the others' (stored in parts) and has its own user. */
function event(i: number, timestamp: number, actions = 3): NewEvent {
  const multi = Array.from({ length: actions }, (_, a) => `{"_tag":"a${a}","i":{"constant":1,"id":"a${a}"},"j":[{"item":{"k":"v${a}"}}]}`);
  const order = Array.from({ length: actions }, (_, a) => ((a + i) % actions) + 1);
  return {
    eventId: `e${i}`,
    timestamp,
    context: `{"FromUrl":[{"user":{"id":"u${i}"}}],"_multi":[${multi.join(',')}]}`,
    actions: order,
    probabilities: order.map((_, k) => (k === 0 ? 0.8 : 0.2 / (actions - 1))),
    chosenIndex: order[0]! - 1,
    chosenProbability: 0.8,
    modelVersion: '1',
    deferActivation: false,
  };
}

const reward = (value: number): Decide => () => ({ skipLearn: false, reward: value });
const skip: Decide = () => ({ skipLearn: true, reward: null });

async function withStore(url: string, fn: (s: Store) => Promise<void>): Promise<void> {
  const s = await openStore(url);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test('evaluations: insert, guarded update, get with and without the result, list newest first, delete; kept on reopen', async () => {
  const url = tempUrl();
  await withStore(url, async (s) => {
    await s.insertEvaluation({ id: 'a', name: 'first', kind: 'Manual', status: 'pending', contract: '{"x":1}', createdAt: 1000 });
    await s.insertEvaluation({ id: 'b', name: 'second', kind: 'Auto', status: 'pending', contract: '{"x":2}', createdAt: 1000 });
    await assert.rejects(s.insertEvaluation({ id: 'a', name: 'again', kind: 'Manual', status: 'pending', contract: '{}', createdAt: 1 }));

    assert.equal(await s.updateEvaluation('a', { status: 'running', startedAt: 2000, attempts: 1, progress: 0.25, stage: 'replaying' }, ['pending']), true);
    // The guard: a job's progress never turns a finished evaluation back.
    assert.equal(await s.updateEvaluation('a', { status: 'running' }, ['pending']), false);
    assert.equal(await s.updateEvaluation('ghost', { status: 'failed' }), false);
    const big = JSON.stringify({ bins: Array.from({ length: 20_000 }, (_, i) => ({ i, v: i / 7 })) });
    assert.equal(
      await s.updateEvaluation('a', { status: 'completed', finishedAt: 3000, progress: 1, summary: '{"s":1}', result: big, stage: null }, ['running']),
      true,
    );

    const a = await s.getEvaluation('a');
    assert.ok(a);
    assert.deepEqual({ ...a }, {
      id: 'a', name: 'first', kind: 'Manual', status: 'completed', contract: '{"x":1}', createdAt: 1000, startedAt: 2000,
      finishedAt: 3000, attempts: 1, progress: 1, stage: null, failureReason: null, summary: '{"s":1}', result: null,
    });
    assert.equal((await s.getEvaluation('a', { result: true }))?.result, big);
    assert.equal(await s.getEvaluation('ghost'), null);

    // Newest first (insertion order, whatever the creation times), never with the result.
    const list = await s.listEvaluations();
    assert.deepEqual(list.map((e) => [e.id, e.kind, e.status, e.result]), [['b', 'Auto', 'pending', null], ['a', 'Manual', 'completed', null]]);
  });
  await withStore(url, async (s) => {
    assert.equal((await s.getEvaluation('a', { result: true }))?.result?.length, JSON.stringify({ bins: Array.from({ length: 20_000 }, (_, i) => ({ i, v: i / 7 })) }).length);
    assert.equal(await s.deleteEvaluation('a'), true);
    assert.equal(await s.deleteEvaluation('a'), false);
    assert.deepEqual((await s.listEvaluations()).map((e) => e.id), ['b']);
    await s.updateEvaluation('b', { status: 'failed', failureReason: 'out of memory', finishedAt: 5 });
    const b = await s.getEvaluation('b');
    assert.deepEqual([b?.status, b?.failureReason, b?.finishedAt], ['failed', 'out of memory', 5]);
  });
});

test('evaluation events: joined and learnable ones of [from, to) in rank order, contexts whole, action counts, paging', async () => {
  await withStore(tempUrl(), async (s) => {
    // 40 events 1 s apart from t = 10,000; a few with 5 actions.
    const events = Array.from({ length: 40 }, (_, i) => event(i, 10_000 + i * 1000, i % 7 === 0 ? 5 : 3));
    for (const e of events) await s.insertEvent(e);
    // Rewards for all but e5 (unjoined) and e6 (skipLearn: a deferred event never activated).
    for (let i = 0; i < 40; i++) {
      if (i === 5) continue;
      if (i === 6) await s.activate('e6', 0, skip);
      else await s.addReward(`e${i}`, i / 100, 20_000 + i, reward(i / 100));
    }
    assert.equal(await s.estimateEvaluationEvents(0, 10_000), null, 'nothing ranked before the first event');
    assert.equal(await s.evaluationEventsExtent(60_000, 90_000), null);

    // [12,000, 32,000): events 2..21 less e5 and e6.
    const from = 12_000;
    const to = 32_000;
    const want = events.map((e, i) => ({ e, i })).filter(({ i }) => i >= 2 && i <= 21 && i !== 5 && i !== 6);
    const extent = await s.evaluationEventsExtent(from, to);
    assert.deepEqual(extent, { count: want.length, firstSeq: 3, lastSeq: 22 });

    const read: Awaited<ReturnType<Store['readEvaluationEvents']>> = [];
    for (let after = 0; ; ) {
      const page = await s.readEvaluationEvents(from, to, after, extent!.lastSeq, 7);
      if (page.length === 0) break;
      assert.ok(page.length <= 7);
      read.push(...page);
      after = page[page.length - 1]!.seq;
    }
    assert.deepEqual(
      read.map((r) => [r.eventId, r.timestamp, r.context, r.chosenIndex, r.chosenProbability, r.reward, r.actionCount]),
      want.map(({ e, i }) => [e.eventId, e.timestamp, e.context, e.chosenIndex, 0.8, i / 100, e.actions.length]),
    );

    const estimate = await s.estimateEvaluationEvents(from, to);
    assert.ok(estimate);
    // The seq span of the events ranked in the range (unjoined and skipped included): an upper bound.
    assert.equal(estimate.events, 20);
    const mean = want.reduce((sum, { e }) => sum + e.context.length, 0) / want.length;
    assert.ok(Math.abs(estimate.contextBytes - mean * 20) < 0.02 * mean * 20, `${estimate.contextBytes} vs ${mean * 20}`);

    // A range holding only the unjoined and the skipped events has nothing to evaluate.
    assert.equal(await s.estimateEvaluationEvents(15_000, 17_000), null);
    assert.equal(await s.evaluationEventsExtent(15_000, 17_000), null);
  });
});

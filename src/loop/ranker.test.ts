// The ranker worker answers exactly what the engine answers on the main thread, follows model and epsilon
// changes in order, and a crash of the worker never fails a Rank. Typical Ranks are ranked on the main thread,
// heavy ones in the worker. The worker's own tests send it every Rank (inlineMaxFeatures 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, DEFAULT_POLICY_ARGUMENTS, loadLearner, parsePolicyArguments, sampleAction } from '../engine/index.js';
import { prng } from './loop.fixtures.js';
import { RankEngine } from './rank_engine.js';
import { INLINE_MAX_CHARS, INLINE_MAX_FEATURES, Ranker, type RankOutcome } from './ranker.js';
import type { RankResult } from './ranker_protocol.js';

const MAX_FEATURES = 2_000_000;

function context(rand: () => number, k: number): string {
  const user = { tier: ['gold', 'silver', 'bronze'][Math.floor(rand() * 3)], visits: Math.floor(rand() * 40) };
  const multi = Array.from({ length: k }, (_, i) => ({
    _tag: `a${i}`,
    i: { constant: 1, id: `a${i}` },
    j: [{ item: { category: ['news', 'sports', 'music'][i % 3], price: 1 + i * 0.5 } }],
  }));
  return JSON.stringify({ FromUrl: [{ user }], _multi: multi });
}

/** A model with non-zero weights: 300 events learned, rewarding action (tier index) for each user. */
function trainedModel(): Uint8Array {
  const learner = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS));
  const rand = prng(7);
  for (let n = 0; n < 300; n++) {
    const text = context(rand, 5);
    const ex = learner.featurize(text);
    const chosen = Math.floor(rand() * 5);
    const best = ['gold', 'silver', 'bronze'].indexOf((JSON.parse(text) as { FromUrl: [{ user: { tier: string } }] }).FromUrl[0].user.tier);
    learner.learn(ex, { index: chosen, cost: chosen === best ? -1 : 0, probability: 0.2 });
  }
  return learner.saveModel();
}

function ok(r: RankOutcome): RankResult {
  assert.ok('modelId' in r, `rank failed: ${JSON.stringify(r)}`);
  return r;
}

const noLog = (): void => undefined;
/** Every Rank to the worker. */
const WORKER_ONLY = { inlineMaxFeatures: 0 };

test('the worker ranks as the engine does on the main thread: same pmf, same sampled action, per model', async () => {
  const bytes = trainedModel();
  const ranker = new Ranker({ appId: 'app', maxFeatures: MAX_FEATURES, model: { id: 4, bytes, epsilon: 0.2 } }, noLog, WORKER_ONLY);
  const reference = loadLearner(bytes, '', { maxFeatures: MAX_FEATURES });
  try {
    assert.equal(ranker.workerRunning, true);
    const rand = prng(11);
    const jobs = Array.from({ length: 200 }, (_, n) => ({ text: context(rand, 2 + (n % 9)), eventId: `ev-${n}` }));
    // All sent in one turn: one batch each way.
    const results = (await Promise.all(jobs.map((j) => ranker.rank(j.text, j.eventId)))).map(ok);
    let notFirst = 0;
    for (const [n, r] of results.entries()) {
      const sampled = sampleAction(reference.predict(reference.featurize(jobs[n]!.text)), jobs[n]!.eventId, 'app');
      assert.equal(r.modelId, 4);
      assert.deepEqual(r.index, sampled.ranking.map((a) => a.index));
      assert.deepEqual(r.probability, sampled.ranking.map((a) => a.probability));
      if (r.probability[0]! < 0.5) notFirst++;
    }
    // The trained model is not uniform: the greedy action carries 1 − ε + ε/k, and exploration sometimes picks another.
    assert.ok(results.some((r) => Math.abs(r.probability.reduce((m, p) => Math.max(m, p), 0) - (0.8 + 0.2 / r.index.length)) < 1e-6));
    assert.ok(notFirst > 0 && notFirst < 200, `explored ${notFirst} of 200`);
  } finally {
    await ranker.stop();
  }
});

test('model and epsilon changes apply to the jobs sent after them; a bad model is refused and the old one kept', async () => {
  const fresh = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS)).saveModel();
  const ranker = new Ranker({ appId: '', maxFeatures: MAX_FEATURES, model: { id: 1, bytes: fresh, epsilon: 0.2 } }, noLog, WORKER_ONLY);
  try {
    const text = context(prng(3), 4);
    // A fresh model scores every action 0: uniform.
    assert.deepEqual(ok(await ranker.rank(text, 'e1')).probability, [0.25, 0.25, 0.25, 0.25]);
    ranker.install({ id: 2, bytes: trainedModel(), epsilon: 0.2 });
    ranker.setEpsilon(0.6);
    const r = ok(await ranker.rank(text, 'e2'));
    assert.equal(r.modelId, 2);
    // ε = 0.6 over 4 actions: 0.15 each, and 1 − 0.6 + 0.15 for the greedy one.
    const sorted = [...r.probability].sort((a, b) => a - b);
    for (const [i, p] of [0.15, 0.15, 0.15, 0.55].entries()) assert.ok(Math.abs(sorted[i]! - p) < 1e-6, `${sorted}`);
    assert.throws(() => ranker.install({ id: 3, bytes: new Uint8Array([1, 2, 3]), epsilon: 0.6 }));
    assert.equal(ok(await ranker.rank(text, 'e3')).modelId, 2);
    // What the featurizer refuses is the request's fault, answered as such.
    const refused = await ranker.rank('{"_multi":[{"a":{"x":[[1]]}}]}', 'e4');
    assert.ok('invalid' in refused && typeof refused.invalid === 'string', JSON.stringify(refused));
  } finally {
    await ranker.stop();
  }
});

test('a crashed worker: the main thread answers its jobs and ranks until the worker is back', async () => {
  const bytes = trainedModel();
  const logged: string[] = [];
  const ranker = new Ranker({ appId: '', maxFeatures: MAX_FEATURES, model: { id: 9, bytes, epsilon: 0.2 } }, (_l, m) => logged.push(m), WORKER_ONLY);
  const local = new RankEngine({ id: 9, bytes, epsilon: 0.2 }, '', MAX_FEATURES);
  try {
    const rand = prng(5);
    const texts = Array.from({ length: 50 }, () => context(rand, 6));
    const inFlight = texts.map((t, n) => ranker.rank(t, `c-${n}`));
    await ranker.kill();
    const answered = (await Promise.all(inFlight)).map(ok);
    assert.equal(ranker.workerRunning, false);
    assert.match(logged.join('\n'), /ranker worker exited/);
    const during = ok(await ranker.rank(texts[0]!, 'during'));
    for (const [n, r] of answered.entries()) assert.deepEqual(r, ok(local.rank({ id: r.id, context: texts[n]!, eventId: `c-${n}` })));
    assert.deepEqual(during.probability, ok(local.rank({ id: 0, context: texts[0]!, eventId: 'during' })).probability);
    // Restarted after a second, with the model it had.
    const until = Date.now() + 5000;
    while (!ranker.workerRunning && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    assert.equal(ranker.workerRunning, true);
    const after = ok(await ranker.rank(texts[1]!, 'after'));
    assert.equal(after.modelId, 9);
    assert.deepEqual(after.probability, ok(local.rank({ id: 0, context: texts[1]!, eventId: 'after' })).probability);
  } finally {
    await ranker.stop();
  }
});

test('typical Ranks are ranked on the main thread, heavy ones in the worker, all as the engine ranks them', async () => {
  const bytes = trainedModel();
  const ranker = new Ranker({ appId: 'app', maxFeatures: MAX_FEATURES, model: { id: 5, bytes, epsilon: 0.2 } }, noLog);
  const reference = loadLearner(bytes, '', { maxFeatures: MAX_FEATURES });
  const expected = (text: string, eventId: string) => sampleAction(reference.predict(reference.featurize(text)), eventId, 'app');
  const terms = (text: string) => reference.featurize(text).actions.reduce((s, a) => s + a.count, 0);
  try {
    const rand = prng(13);
    const small = Array.from({ length: 30 }, (_, n) => context(rand, 2 + (n % 9)));
    // 120 context features: -q :: crosses them with each other in each of the 3 actions' examples.
    const user = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`f${i}`, `v${i}`]));
    const heavy = JSON.stringify({ FromUrl: [{ user }], _multi: JSON.parse(context(rand, 3))._multi });
    // Few terms, but more text than the main thread parses.
    const long = JSON.stringify({ FromUrl: [{ user: { note: 'x'.repeat(INLINE_MAX_CHARS) } }], _multi: JSON.parse(context(rand, 3))._multi });
    assert.ok(Math.max(...small.map(terms)) < INLINE_MAX_FEATURES, `${Math.max(...small.map(terms))}`);
    assert.ok(terms(heavy) > INLINE_MAX_FEATURES && heavy.length < INLINE_MAX_CHARS, `${terms(heavy)} terms`);
    assert.ok(terms(long) < 100 && long.length > INLINE_MAX_CHARS);
    for (const [n, text] of small.entries()) {
      const r = ok(await ranker.rank(text, `s-${n}`));
      assert.equal(ranker.rankedByWorker, 0);
      assert.deepEqual(r.index, expected(text, `s-${n}`).ranking.map((a) => a.index));
      assert.deepEqual(r.probability, expected(text, `s-${n}`).ranking.map((a) => a.probability));
    }
    for (const [n, text] of [heavy, long].entries()) {
      const r = ok(await ranker.rank(text, `h-${n}`));
      assert.equal(ranker.rankedByWorker, n + 1);
      assert.equal(r.modelId, 5);
      assert.deepEqual(r.index, expected(text, `h-${n}`).ranking.map((a) => a.index));
      assert.deepEqual(r.probability, expected(text, `h-${n}`).ranking.map((a) => a.probability));
    }
    // The main thread featurizes the next typical Rank exactly after giving up on a heavy one.
    const after = ok(await ranker.rank(small[0]!, 'after'));
    assert.equal(ranker.rankedByWorker, 2);
    assert.deepEqual(after.index, expected(small[0]!, 'after').ranking.map((a) => a.index));
    assert.deepEqual(after.probability, expected(small[0]!, 'after').ranking.map((a) => a.probability));
  } finally {
    await ranker.stop();
  }
});

test('multi-slot Ranks: the worker and the main thread answer what the CCB learner predicts, per slot; kinds never mix', async () => {
  const { createCcbLearner, DEFAULT_CCB_POLICY_ARGUMENTS } = await import('../engine/index.js');
  const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
  const rand = prng(5);
  const ccbContext = (): string => {
    const base = JSON.parse(context(rand, 6)) as Record<string, unknown>;
    return JSON.stringify({ ...base, _slots: [{ _id: 'a', sj: [{ pos: 'top' }] }, { _id: 'b', sj: [{ pos: 'side' }, { _inc: [0, 2, 4] }] }] });
  };
  for (let n = 0; n < 100; n++) learner.learn(learner.featurize(ccbContext()), [{ action: n % 6, cost: -(n % 2), probability: 0.5 }, null]);
  const bytes = learner.saveModel();
  const model = { id: 9, bytes, epsilon: 0.2, ccb: true };
  const inWorker = new Ranker({ appId: '', maxFeatures: MAX_FEATURES, model }, noLog, WORKER_ONLY);
  const inline = new Ranker({ appId: '', maxFeatures: MAX_FEATURES, model }, noLog);
  try {
    const jobs = Array.from({ length: 40 }, (_, n) => ({ text: ccbContext(), eventId: `m-${n}` }));
    const a = (await Promise.all(jobs.map((j) => inWorker.rank(j.text, j.eventId, ['a', 'b'])))).map(ok);
    const b = (await Promise.all(jobs.map((j) => inline.rank(j.text, j.eventId, ['a', 'b'])))).map(ok);
    assert.equal(inWorker.rankedByWorker, 40);
    assert.equal(inline.rankedByWorker, 0);
    for (const [n, j] of jobs.entries()) {
      const expected = learner.predict(learner.featurize(j.text), [`${j.eventId}a`, `${j.eventId}b`]);
      const slots = expected.map((d) => ({ index: d.actions, probability: d.probabilities }));
      assert.deepEqual(a[n]!.slots, slots);
      assert.deepEqual(b[n]!.slots, slots);
      assert.ok([0, 2, 4].includes(slots[1]!.index[0]!), 'the side slot shows only what its _inc allows');
      assert.notEqual(slots[0]!.index[0], slots[1]!.index[0]);
    }
    // A single-slot job on a multi-slot model (and the reverse) is refused, never ranked with the wrong learner.
    assert.deepEqual(await inline.rank(jobs[0]!.text, 'x'), { id: (await inline.rank(jobs[0]!.text, 'y')).id - 1, wrongKind: true });
  } finally {
    await inWorker.stop();
    await inline.stop();
  }
});

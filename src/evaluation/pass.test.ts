// The replay pass against VW 9.10 on the public 20k simulation (../shared/vw-vectors): the progressive `--cb_adf`
// loss that optimization discovery scores by and the top action of every event (offline/), and the pmf of an
// exploring policy on every event (preds-20k-*). Then the pass's own guarantees: policies that share a
// featurizer give exactly what separately featurized learners give, the shared-memory form of the events (what
// the workers read) changes no figure, and a reward table read back equals the reward model it was filled from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createLearner, DEFAULT_POLICY_ARGUMENTS, FeatureError } from '../engine/index.js';
import { NO_SHARED, vectorsDir, absent } from '../testing/fixtures.js';
import { simulatedLog } from '../testing/sim_log.js';
import { readLoggedEvents } from './dsjson_log.js';
import { maskContext } from './mask.js';
import { PassCancelled, replayConfig, rewardModelArguments, rewardTableLength, runPass, runPassOver } from './pass.js';
import { eventsFromArray, packEvents, packEventsAsync, unpackEvents } from './pass_events.js';
import type { LoggedEvent, PassPolicy } from './types.js';
import { assertSameResult, sameBits } from '../testing/pass_compare.js';

const vectors = vectorsDir();
let sim20k: Promise<LoggedEvent[]> | undefined;
const load20k = () => (sim20k ??= readLoggedEvents(join(vectors!, 'sim-20k.dsjson.gz')).then((l) => l.events));
const text = (path: string) => (path.endsWith('.gz') ? gunzipSync(readFileSync(path)) : readFileSync(path)).toString('utf8');
const REWARD = rewardModelArguments(DEFAULT_POLICY_ARGUMENTS);

function vwAverageLoss(summary: string): number {
  const m = /^average loss = (\S+)$/m.exec(summary);
  assert.ok(m, 'no average loss in the VW summary');
  return Number(m[1]);
}

test("--cb_adf ips, dr and mtr in one pass: VW's progressive average loss (1e-6 relative) and its top action on every event", async (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const events = await load20k();
  assert.equal(events.length, 20_000);
  const types = ['ips', 'dr', 'mtr'] as const;
  const r = runPass(events, types.map((ct) => ({ arguments: `--cb_adf --cb_type ${ct} -q :: --power_t 0 -l 0.001` })), { rewardModel: REWARD, topActions: true });
  const results = JSON.parse(text(join(vectors, 'offline', 'results.json'))) as Record<string, { top_equals_logged: number }>;
  types.forEach((ct, i) => {
    const out = r.policies[i]!;
    const vw = vwAverageLoss(text(join(vectors, 'offline', `summary-cbadf-${ct}.txt`)));
    assert.ok(Math.abs(out.averageLoss - vw) <= 1e-6 * Math.abs(vw), `${ct}: ${out.averageLoss} vs VW ${vw}`);
    assert.equal(out.averageLoss.toFixed(6), vw.toFixed(6));
    const tops = text(join(vectors, 'offline', `preds-cbadf-${ct}.txt.gz`)).split('\n').filter((l) => l !== '').map(Number);
    assert.equal(tops.length, 20_000);
    let differ = 0;
    let agree = 0;
    for (let e = 0; e < tops.length; e++) {
      if (out.top![e] !== tops[e]) differ++;
      // Greedy: π(logged) is 1 exactly where the top action is the logged one.
      assert.equal(out.pi[e], out.top![e] === events[e]!.chosenIndex ? 1 : 0);
      agree += out.pi[e]!;
    }
    assert.equal(differ, 0, `${ct}: ${differ} events with another top action than VW's`);
    assert.equal(agree, results[ct]!.top_equals_logged);
    assert.equal(out.refused, 0);
  });
});

test("--cb_explore_adf --epsilon 0.2 (mtr, ips, dr): π of the logged action equals VW's pmf on all 20k events (1e-6)", async (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const events = await load20k();
  const types = ['mtr', 'ips', 'dr'] as const;
  const r = runPass(events, types.map((ct) => ({ arguments: `--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type ${ct} -q ::` })), { rewardModel: REWARD });
  const losses = { mtr: -0.495645, ips: -0.574479, dr: -0.590407 };
  types.forEach((ct, i) => {
    const out = r.policies[i]!;
    const lines = text(join(vectors, `preds-20k-${ct}.txt.gz`)).split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 20_000);
    let worst = 0;
    let pmfSum = 0;
    for (let e = 0; e < lines.length; e++) {
      let p = 0;
      for (const pair of lines[e]!.split(',')) {
        const [a, prob] = pair.split(':').map(Number);
        if (a === events[e]!.chosenIndex) p = prob!;
      }
      worst = Math.max(worst, Math.abs(out.pi[e]! - p));
      pmfSum += out.pi[e]!;
    }
    assert.ok(worst <= 1e-6, `${ct}: largest |π − VW| = ${worst}`);
    // ε-greedy over 5 actions: π ≥ 0.04 everywhere.
    assert.ok(pmfSum >= 0.04 * 20_000);
    const vw = vwAverageLoss(text(join(vectors, `summary-20k-${ct}.txt`)));
    assert.equal(vw, losses[ct]);
    assert.ok(Math.abs(out.averageLoss - vw) <= 1e-6 * Math.abs(vw), `${ct}: ${out.averageLoss} vs ${vw}`);
  });
});

/**
 * The pass done the plain way, one policy at a time: its own learner and featurizer (no sharing, no reuse), the
 * reward model trained separately, π and the direct term computed from the pmf.
 */
function reference(events: readonly LoggedEvent[], policy: PassPolicy, rewardModel: string): { pi: Float64Array; dm: Float64Array; top: Int32Array; loss: number } {
  const reward = createLearner(replayConfig(rewardModel));
  const learner = createLearner(replayConfig(policy.arguments));
  const n = events.length;
  const out = { pi: new Float64Array(n), dm: new Float64Array(n), top: new Int32Array(n), loss: 0 };
  let lo = Infinity;
  let hi = -Infinity;
  events.forEach((e, t) => {
    const label = { index: e.chosenIndex, cost: -e.reward, probability: e.chosenProbability };
    const q = new Float64Array(e.actionCount);
    const rx = reward.featurize(e.context);
    const scores = reward.scores(rx);
    for (let a = 0; a < e.actionCount; a++) q[a] = Math.min(hi === -Infinity ? 0 : hi, Math.max(lo === Infinity ? 0 : lo, -scores[a]!));
    reward.learn(rx, label);
    lo = Math.min(lo, e.reward);
    hi = Math.max(hi, e.reward);
    let ex;
    try {
      ex = learner.featurize(policy.mask ? maskContext(e.context, policy.mask) : e.context);
    } catch (err) {
      if (!(err instanceof FeatureError)) throw err;
      out.top[t] = -1;
      return;
    }
    const pmf = learner.predict(ex);
    out.top[t] = pmf[0]!.index;
    if (learner.config.exploration.kind === 'none') {
      out.pi[t] = pmf[0]!.index === e.chosenIndex ? 1 : 0;
      out.dm[t] = q[pmf[0]!.index]!;
    } else {
      let dm = 0;
      for (const { index, probability } of pmf) {
        if (index === e.chosenIndex) out.pi[t] = probability;
        dm += probability * q[index]!;
      }
      out.dm[t] = dm;
    }
    learner.learn(ex, label);
  });
  out.loss = learner.stats.averageLoss;
  return out;
}

const MIXED: PassPolicy[] = [
  // Three on the loop's features (one featurizer with the reward model), two on others, one on masked contexts.
  { arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::' },
  { arguments: '--cb_explore_adf --epsilon 0.1 --power_t 0 -l 0.01 --cb_type ips -q ::' },
  { arguments: '--cb_adf --cb_type dr -q :: --power_t 0 -l 0.001' },
  { arguments: '--cb_explore_adf --squarecb --cb_type mtr -l 0.1 --power_t 0' },
  { arguments: '--cb_explore_adf --epsilon 0.2 --cb_type mtr -q ui -l 0.05' },
  { arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::', mask: { namespace: 'i' } },
];

test('policies sharing a featurizer give, bit for bit, what separately featurized learners give', () => {
  const events = simulatedLog(1500, 7);
  const r = runPass(events, MIXED, { rewardModel: REWARD, topActions: true });
  MIXED.forEach((p, i) => {
    const ref = reference(events, p, REWARD);
    const out = r.policies[i]!;
    assert.ok(sameBits(out.pi, ref.pi), `policy ${i}: π differs`);
    assert.ok(sameBits(out.dm, ref.dm), `policy ${i}: direct term differs`);
    assert.ok(sameBits(out.top!, ref.top), `policy ${i}: top action differs`);
    assert.ok(Object.is(out.averageLoss, ref.loss), `policy ${i}: ${out.averageLoss} vs ${ref.loss}`);
  });
  // The figures are not trivially equal: the policies disagree with each other.
  assert.ok(!sameBits(r.policies[0]!.pi, r.policies[1]!.pi));
  assert.ok(!sameBits(r.policies[0]!.pi, r.policies[5]!.pi), 'masking a namespace changed nothing');
});

test('the events packed in shared memory (what the workers read) give the same pass, bit for bit, non-ASCII text included', async () => {
  // Feature values with accents, CJK and an astral character (two UTF-16 units): byte and character offsets differ.
  const events = simulatedLog(1300, 3).map((e, i) => ({
    ...e,
    context: e.context.replace(/"news"/g, i % 3 === 0 ? '"nëws 新聞 😀"' : '"news"').replace(/"safari"/g, '"sàfari"'),
  }));
  const packed = unpackEvents(packEvents(events));
  const cursor = packed.contexts;
  for (const t of [0, 1, 511, 512, 513, 1299, 700]) {
    cursor.seek(t);
    assert.equal(cursor.text.slice(cursor.start, cursor.end), events[t]!.context);
  }
  // Packed in slices between turns of the event loop (the pool's way): the same bytes.
  let turns = 0;
  let packing = true;
  const count = () => {
    turns++;
    if (packing) setImmediate(count);
  };
  setImmediate(count);
  const sliced = await packEventsAsync(events, 100_000);
  packing = false;
  const whole = packEvents(events);
  for (const k of ['bytes', 'byteOffsets', 'charOffsets', 'chosenIndex', 'chosenProbability', 'reward', 'actionCount'] as const) {
    assert.ok(sameBits(new Uint8Array(sliced[k]), new Uint8Array(whole[k])), k);
  }
  assert.ok(whole.bytes.byteLength > 1300 * 2000);
  // ~60 slices of 100,000 characters: the event loop had a turn after each.
  assert.ok(turns >= 30, `${turns} turns of the event loop while packing`);
  const policies = MIXED.slice(0, 4);
  assertSameResult(runPassOver(packed, policies, { rewardModel: REWARD, topActions: true }), runPass(events, policies, { rewardModel: REWARD, topActions: true }));
});

test('a reward table filled by one pass and read by the next gives the same figures as the reward model itself', () => {
  const events = simulatedLog(1200, 5);
  const cols = eventsFromArray(events);
  const q = new Float64Array(rewardTableLength(cols));
  assert.equal(q.length, events.reduce((s, e) => s + e.actionCount, 0));
  const policies = MIXED.slice(2, 5);
  const plain = runPass(events, policies, { rewardModel: REWARD });
  const filled = runPass(events, policies, { rewardModel: REWARD, rewardTable: { q, fill: true } });
  const read = runPass(events, policies, { rewardModel: '--cb_adf -b 2', rewardTable: { q, fill: false } });
  assertSameResult(filled, plain);
  assertSameResult(read, plain);
  // The table holds q̂ of every action: the logged one's is qLogged.
  let o = 0;
  events.forEach((e, t) => {
    assert.equal(q[o + e.chosenIndex], plain.qLogged[t]);
    o += e.actionCount;
  });
  // The reward model learns: q̂ is not flat.
  assert.ok(new Set(plain.qLogged).size > 100);
});

test('a cancelled pass stops at its next check with PassCancelled; progress is reported every progressEvery events', () => {
  const events = simulatedLog(600, 2);
  const seen: number[] = [];
  assert.throws(
    () =>
      runPass(events, MIXED.slice(0, 1), {
        rewardModel: REWARD,
        progressEvery: 100,
        onProgress: (d) => seen.push(d),
        cancelled: () => seen.length >= 2,
      }),
    PassCancelled,
  );
  assert.deepEqual(seen, [100, 200]);
  const all: number[] = [];
  runPass(events, [], { rewardModel: REWARD, progressEvery: 250, onProgress: (d) => all.push(d) });
  assert.deepEqual(all, [250, 500, 600]);
});

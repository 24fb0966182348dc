// The worker-thread pool: its results are the in-process pass's bit for bit (first pass, passes that read the
// kept reward table, a pass of no policy, a whole evaluation), its progress climbs to the event count, a cancelled
// or failed pass rejects and leaves the pool usable, a worker that dies rejects the pass instead of hanging it,
// and the workers run at the lowest priority while the calling thread keeps its own.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { assertSameResult } from '../testing/pass_compare.js';
import { simulatedLog } from '../testing/sim_log.js';
import { runEvaluation } from './evaluate.js';
import { PassCancelled, rewardModelArguments, runPass } from './pass.js';
import { createPassPool } from './pool.js';
import type { PassPolicy } from './types.js';

const REWARD = rewardModelArguments(DEFAULT_POLICY_ARGUMENTS);
const POLICIES: PassPolicy[] = [
  { arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::' },
  { arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::' },
  { arguments: '--cb_adf --cb_type dr -q :: --power_t 0 -l 0.001' },
  { arguments: '--cb_explore_adf --epsilon 0.1 --cb_type mtr -l 0.1' },
  { arguments: '--cb_explore_adf --squarecb -q ui -l 0.05 --power_t 0' },
  { arguments: '--cb_explore_adf --epsilon 0.2 --cb_type dr -q ui -q di -l 0.5' },
  { arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::', mask: { namespace: 'i' } },
];

const pool = createPassPool({ threads: 2 });
after(() => pool.close());

test('the pool gives the in-process pass bit for bit: first pass, passes reading the kept reward table, no policy', async () => {
  const events = simulatedLog(1500, 11);
  const expected = runPass(events, POLICIES, { rewardModel: REWARD, topActions: true });
  assertSameResult(await pool.runPasses(events, POLICIES, { rewardModel: REWARD, topActions: true }), expected);
  // The reward model's q̂ is kept after the first pass: the second reads it.
  assertSameResult(await pool.runPasses(events, POLICIES, { rewardModel: REWARD, topActions: true }), expected);
  const some = [POLICIES[4]!, POLICIES[1]!];
  assertSameResult(await pool.runPasses(events, some, { rewardModel: REWARD }), runPass(events, some, { rewardModel: REWARD }));
  assertSameResult(await pool.runPasses(events, [], { rewardModel: REWARD }), runPass(events, [], { rewardModel: REWARD }));
  // Another reward model over the same events is trained, not read from the first one's table.
  const other = rewardModelArguments('--cb_explore_adf --epsilon 0.2 -q ui');
  const r = await pool.runPasses(events, some, { rewardModel: other });
  assertSameResult(r, runPass(events, some, { rewardModel: other }));
  assert.notDeepEqual(r.qLogged, expected.qLogged);
});

test('a whole evaluation through the pool equals the in-process one', async () => {
  const events = simulatedLog(1200, 12);
  const request = {
    onlinePolicy: DEFAULT_POLICY_ARGUMENTS,
    policies: [
      { name: 'fast', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.05 --cb_type mtr -q ::' },
      { name: 'ips', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type ips' },
      { name: 'greedy', arguments: '--cb_adf --cb_type mtr -q ::' },
    ],
    enableOfflineExperimentation: false,
    featureImportance: false,
    startTime: events[0]!.timestamp,
    endTime: events.at(-1)!.timestamp + 1,
  };
  const viaPool = await runEvaluation(events, request, { runPasses: pool.runPasses });
  const inProcess = await runEvaluation(events, request);
  assert.deepEqual(viaPool, inProcess);
  assert.equal(viaPool.policyResults.length, 6);
  const ips = (name: string) => viaPool.policyResults.find((p) => p.name === name)!.totalSummary.averageReward;
  // The three learning policies are really replayed: their estimates differ.
  assert.equal(new Set(['fast', 'ips', 'greedy'].map(ips)).size, 3);
});

test('progress from the workers climbs monotonically to the event count, reported once at the end', async () => {
  const events = simulatedLog(3000, 13);
  const seen: number[] = [];
  await pool.runPasses(events, POLICIES.slice(0, 4), { rewardModel: REWARD, progressEvery: 200, onProgress: (d) => seen.push(d) });
  assert.ok(seen.length >= 5, `only ${seen.length} reports`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `progress went from ${seen[i - 1]} to ${seen[i]}`);
  assert.equal(seen.at(-1), 3000);
  assert.equal(seen.filter((d) => d === 3000).length, 1);
  assert.ok(seen[0]! > 0 && seen[0]! < 3000);
});

test('a cancelled pass rejects with PassCancelled and the pool goes on working', async () => {
  const events = simulatedLog(4000, 14);
  let reports = 0;
  const started = performance.now();
  await assert.rejects(
    pool.runPasses(events, POLICIES, { rewardModel: REWARD, progressEvery: 100, onProgress: () => reports++, cancelled: () => reports >= 2 }),
    PassCancelled,
  );
  const some = POLICIES.slice(3, 5);
  assertSameResult(await pool.runPasses(events, some, { rewardModel: REWARD }), runPass(events, some, { rewardModel: REWARD }));
  assert.ok(performance.now() - started < 120_000);
});

test('a pass that fails in a worker rejects with the reason, and the pool goes on working', async () => {
  const events = simulatedLog(800, 15);
  // An event whose logged action is not among its actions: the learner refuses it (RangeError).
  const bad = events.map((e, t) => (t === 500 ? { ...e, chosenIndex: e.actionCount + 3 } : e));
  await assert.rejects(pool.runPasses(bad, POLICIES.slice(0, 3), { rewardModel: REWARD }), /evaluation pass failed: label index 13 outside 0\.\.9/);
  assertSameResult(await pool.runPasses(events, POLICIES.slice(0, 2), { rewardModel: REWARD }), runPass(events, POLICIES.slice(0, 2), { rewardModel: REWARD }));
});

test('a worker that dies (out of memory) rejects the pass with a clear error instead of hanging', async () => {
  const tiny = createPassPool({ threads: 1, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } });
  try {
    const events = simulatedLog(300, 16);
    await assert.rejects(tiny.runPasses(events, POLICIES.slice(0, 1), { rewardModel: REWARD }), /an evaluation worker stopped unexpectedly \(.*memory.*\)/i);
  } finally {
    await tiny.close();
  }
});

test('a pass running when the pool closes rejects', async () => {
  const p = createPassPool({ threads: 1 });
  const events = simulatedLog(3000, 17);
  const running = p.runPasses(events, POLICIES, { rewardModel: REWARD, onProgress: () => void p.close() });
  await assert.rejects(running, /the evaluation worker pool was closed/);
  await assert.rejects(p.runPasses(events, [], { rewardModel: REWARD }), /closed/);
});

/** Nice values of this process's threads (Linux /proc), main thread first. */
function threadNice(): { main: number; others: number[] } | undefined {
  if (!existsSync('/proc/self/task')) return undefined;
  const nice = (tid: string) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  };
  const tids = readdirSync('/proc/self/task');
  return { main: nice(String(process.pid)), others: tids.filter((t) => t !== String(process.pid)).map(nice) };
}

test('the workers run at nice 19; the calling thread keeps its priority', async (t) => {
  if (!threadNice()) return t.skip('no /proc/self/task on this system');
  const before = threadNice()!;
  const events = simulatedLog(2000, 18);
  let during: ReturnType<typeof threadNice>;
  await pool.runPasses(events, POLICIES.slice(0, 2), { rewardModel: REWARD, progressEvery: 500, onProgress: () => (during ??= threadNice()) });
  assert.ok(during);
  assert.equal(during.main, before.main);
  // Two workers (one per share) at 19, beside Node's own threads at the process's priority.
  assert.equal(during.others.filter((n) => n === 19).length, 2);
  assert.ok(during.others.some((n) => n === before.main));
});

test('with lowPriority: false (a command-line evaluation) the workers keep the process priority', async (t) => {
  if (!threadNice()) return t.skip('no /proc/self/task on this system');
  const normal = createPassPool({ threads: 2, lowPriority: false });
  try {
    const events = simulatedLog(2000, 19);
    let during: ReturnType<typeof threadNice>;
    await normal.runPasses(events, POLICIES.slice(0, 2), { rewardModel: REWARD, progressEvery: 500, onProgress: () => (during ??= threadNice()) });
    assert.ok(during);
    // This pool's two workers are at the main thread's priority; the shared pool's idle ones still at 19.
    assert.equal(during.others.filter((n) => n === 19).length, 2);
    assert.ok(during.others.filter((n) => n === during!.main).length >= 2);
  } finally {
    await normal.close();
  }
});

// A weakness of Azure's default policy that users should know: on the HTTP learning test's task
// (testing/learning_task.ts; conformance/learning.test.ts runs it through a real server), with the model replaced
// every 100 events, `--cb_type mtr -l 0.001` stays stuck below the 0.8 bar for 2,000 events on about one type
// stream in five: an item learned for one user type generalises to the others through the item-only weights, and
// the small steps at -l 0.001 take long to undo it. A point of the grid Azure's offline optimization sweeps,
// `--cb_type ips -l 0.01`, learns on every one of the same streams. Deterministic: the engine in process, the
// action sampling seeded by each eventId as the server's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AZURE_DEFAULT_POLICY, TARGET, TUNED_POLICY, simulateLoop } from '../testing/learning_task.js';

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);
const MAX_EVENTS = 2000;

test(`Azure's default policy stays below ${TARGET} for ${MAX_EVENTS} events on 4 of 20 type streams (seeds 9, 12, 13, 14)`, () => {
  const runs = SEEDS.map((seed) => ({ seed, ...simulateLoop(AZURE_DEFAULT_POLICY, seed, MAX_EVENTS) }));
  console.log('# default policy, events to the bar (best 300-event share): ' + runs.map((r) => `${r.seed}: ${r.events} (${r.bestWindow.toFixed(3)})`).join(', '));
  const stuck = runs.filter((r) => r.bestWindow < TARGET);
  assert.deepEqual(stuck.map((r) => r.seed), [9, 12, 13, 14]);
  // Stuck, not just slow: well below the bar (an item right for one type out of three is about 0.5).
  for (const r of stuck) assert.ok(r.bestWindow < 0.7, `seed ${r.seed}: best share ${r.bestWindow}`);
  // The others do reach it, the slowest after 1,400 events.
  assert.equal(Math.max(...runs.filter((r) => r.bestWindow >= TARGET).map((r) => r.events)), 1400);
});

test(`--cb_type ips -l 0.01 reaches ${TARGET} on every one of the same 20 streams, within 800 events`, () => {
  const runs = SEEDS.map((seed) => ({ seed, ...simulateLoop(TUNED_POLICY, seed, MAX_EVENTS) }));
  console.log('# ips -l 0.01, events to the bar: ' + runs.map((r) => `${r.seed}: ${r.events}`).join(', '));
  assert.deepEqual(runs.filter((r) => r.bestWindow < TARGET).map((r) => r.seed), []);
  assert.equal(Math.max(...runs.map((r) => r.events)), 800);
});

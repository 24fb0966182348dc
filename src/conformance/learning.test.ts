// The whole learning loop through HTTP: rank → explore → log → reward → join → learn → export → rank again.
// A simulated application with three user types and six items; an item is rewarded exactly when it is the
// user type's best one. The model is exported every second and the simulation waits for each export after a
// batch of 100 events, as vw-learner.md §11's reference run republished every 100 events.
//
// Policy: `--cb_type ips -l 0.01`, a point of the grid Azure's offline policy optimization swept (-l 1e-7..10,
// cb_type ips|mtr; vw-learner.md §1), set through PUT /configurations/policy. With the default policy
// (`--cb_type mtr -l 0.001`) VW, and our VW-exact engine, stays stuck on one user type for over 3,000 events on
// about 1 stream in 10 of this task: an action learned for one type generalises to another through the
// action-only weights, and the small steps at -l 0.001 take long to undo it. In a simulation of this loop with
// the engine, ips at -l 0.01 reached 0.8 on 40 of 40 streams within 1,100 events. The default policy's learning
// is covered in-process by src/loop/loop.learning.test.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../engine/index.js';
import { Api, pool, serverAvailable, serverEntry, show, sleep, startServer, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);

const TYPES = ['t0', 't1', 't2'];
const ITEMS = [
  { name: 'alpha', group: 'g0' },
  { name: 'bravo', group: 'g0' },
  { name: 'charlie', group: 'g0' },
  { name: 'delta', group: 'g1' },
  { name: 'echo', group: 'g1' },
  { name: 'foxtrot', group: 'g1' },
];
// None of the best items is the first action: an untrained model's greedy choice is the first action, so a
// best item in first position would make the untrained share look learned.
const BEST: Record<string, string> = { t0: 'bravo', t1: 'echo', t2: 'charlie' };

const BATCH = 100;
const MAX_EVENTS = 2000;
const WINDOW = 300;
const TARGET = 0.8;
/** ε stays at Azure's default 0.2: the ceiling 0.833 leaves the 0.8 bar reachable (σ of a 300-event share ≈ 0.022). */
const EXPLORATION = 0.2;
const POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';

describe('learning through HTTP', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let api: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.base, server.key);
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test(`reaches ≥ ${TARGET} of the oracle over ${WINDOW} events within ${MAX_EVENTS} events`, { timeout: 120_000 }, async () => {
    const cfg = (await api.get('/configurations/service')).json;
    const put = await api.put('/configurations/service', {
      ...cfg,
      modelExportFrequency: 'PT1S',
      rewardAggregation: 'earliest',
      explorationPercentage: EXPLORATION,
    });
    assert.equal(put.status, 200, show(put));
    const policy = await api.put('/configurations/policy', { name: 'ips', arguments: POLICY });
    assert.equal(policy.status, 200, show(policy));
    assert.match(policy.json.arguments, /--cb_type ips/);

    const actions = ITEMS.map((it) => ({ id: it.name, features: [{ item: { name: it.name, group: it.group } }] }));
    const rewarded: number[] = [];
    const typeOf: string[] = [];
    const started = Date.now();
    let learned = 0n;
    let rng = 12345;
    const nextType = (): string => {
      rng = (rng * 1103515245 + 12345) % 2147483648;
      return TYPES[rng % TYPES.length]!;
    };

    const windows: string[] = [];
    let bestWindow = 0;
    while (rewarded.length < MAX_EVENTS) {
      const offset = rewarded.length;
      const types = Array.from({ length: BATCH }, nextType);
      const results = await pool(types, 4, async (type, i) => {
        const eventId = `learn-${offset + i}`;
        const r = await api.rank({ contextFeatures: [{ user: { type } }], actions, eventId });
        assert.equal(r.status, 201, show(r));
        const hit = r.json.rewardActionId === BEST[type] ? 1 : 0;
        // Every event gets an explicit reward (0 or 1): with `earliest`, an event is learned as soon as its
        // first reward arrives instead of waiting rewardWaitTime for the default reward.
        const w = await api.reward(eventId, hit);
        if (w.status !== 204) await sleep(300); // let the server's error line reach its output
        assert.equal(w.status, 204, show(w) + '\n' + server.output().split('\n').filter((l) => /"level":[456]0/.test(l)).join('\n'));
        return hit;
      });
      rewarded.push(...results);
      typeOf.push(...types);

      // Wait until the exported model has learned every event so far.
      const want = BigInt(rewarded.length);
      const deadline = Date.now() + 5000;
      while (learned < want && Date.now() < deadline) {
        await sleep(100);
        const m = await api.get('/model');
        assert.equal(m.status, 200);
        // gd's example counter (save-resume state) counts learned events for every cb_type; cb_adf's
        // event_sum counts only under mtr (VW cb_adf.cc learn_MTR).
        learned = readModel(m.bytes).resume?.exampleNumber ?? 0n;
      }
      // One more export period so that ranking uses the model that learned the batch.
      await sleep(150);

      const share = (from: number, to: number): number => rewarded.slice(from, to).reduce((s, x) => s + x, 0) / (to - from);
      windows.push(`${offset + 1}-${rewarded.length}: ${share(offset, rewarded.length).toFixed(2)} (learned ${learned})`);
      if (rewarded.length >= WINDOW) bestWindow = Math.max(bestWindow, share(rewarded.length - WINDOW, rewarded.length));
      if (bestWindow >= TARGET) break;
    }

    const first = rewarded.slice(0, 100).reduce((s, x) => s + x, 0) / 100;
    console.log(`learning: per-${BATCH} shares of rewarded choices (ε ${EXPLORATION}, oracle 1.0, ceiling ${(1 - EXPLORATION + EXPLORATION / 6).toFixed(3)}):`);
    for (const w of windows) console.log('  ' + w);
    console.log(`  first 100: ${first.toFixed(2)}; best ${WINDOW}-event window: ${bestWindow.toFixed(3)} after ${rewarded.length} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const last = Math.max(0, rewarded.length - WINDOW);
    for (const type of TYPES) {
      const idx = typeOf.map((t, i) => (t === type && i >= last ? i : -1)).filter((i) => i >= 0);
      const r = await api.rank({ contextFeatures: [{ user: { type } }], actions });
      const pmf = r.json.ranking.map((x: any) => `${x.id} ${x.probability.toFixed(3)}`).join(', ');
      console.log(`  ${type} (best ${BEST[type]}): share ${(idx.reduce((s, i) => s + rewarded[i]!, 0) / idx.length).toFixed(2)} over the last ${WINDOW} events; pmf now ${pmf}`);
    }

    assert.ok(first <= 0.4, `share of rewarded choices in the first 100 events is ${first}: not near random (1/6)`);
    assert.ok(learned >= BigInt(rewarded.length) - BigInt(BATCH), `the exported model learned only ${learned} of ${rewarded.length} rewarded events`);
    assert.ok(bestWindow >= TARGET, `best ${WINDOW}-event share ${bestWindow.toFixed(3)} < ${TARGET} after ${rewarded.length} events`);
  });
});

// The whole learning loop through HTTP: rank → explore → log → reward → join → learn → export → rank again, on
// the task of testing/learning_task.ts (three user types, six items; an item is rewarded exactly when it is the
// user type's best one). Each batch of 100 events is ranked first, then rewarded in event order, and the next
// batch waits for the model that learned it, as docs/learner.md §11's reference run republished every 100 events.
// So the run is deterministic, and the server's choices are checked, batch by batch, against the engine's in
// process (simulateLoop): the same model after each batch, the same sampling.
//
// Each test states its policy through PUT /configurations/policy:
// - Azure's default (`--cb_type mtr -l 0.001`) on the type stream of seed 7, where it learns (after 700 events).
//   On about one stream in five it stays stuck instead (seed 12345 is one): loop/learning.stuck.test.ts
//   documents that weakness, seed by seed.
// - `--cb_type ips -l 0.01`, a point of the grid Azure's offline policy optimization swept (-l 1e-7..10, cb_type
//   ips|mtr; docs/learner.md §1), which learns on every stream of that test, here on the stream of seed 12345.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel } from '../engine/index.js';
import { Api, pool, serverAvailable, serverEntry, show, startServer, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { AZURE_DEFAULT_POLICY, BATCH, BEST, TARGET, TUNED_POLICY, TYPES, WINDOW, rankRequest, simulateLoop, typeStream } from '../testing/learning_task.js';
import { waitFor } from '../testing/wait.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);

const MAX_EVENTS = 2000;
/** ε stays at Azure's default 0.2: the ceiling 0.833 leaves the 0.8 bar reachable. */
const EXPLORATION = 0.2;

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

  async function learns(name: string, policyArguments: string, seed: number): Promise<void> {
    const cfg = (await api.get('/configurations/service')).json;
    const put = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest', explorationPercentage: EXPLORATION });
    assert.equal(put.status, 200, show(put));
    // A new policy starts from a fresh model; the log of an earlier test in this file is cleared first so that
    // the fresh model does not retrain on it.
    assert.equal((await api.delete('/logs')).status, 204);
    const policy = await api.put('/configurations/policy', { name, arguments: policyArguments });
    assert.equal(policy.status, 200, show(policy));
    assert.equal(policy.json.arguments, policyArguments);
    const learnedBy = async (): Promise<bigint> => {
      const m = await api.get('/model');
      assert.equal(m.status, 200);
      // gd's example counter (save-resume state) counts learned events for every cb_type; cb_adf's event_sum
      // counts only under mtr (VW cb_adf.cc learn_MTR).
      return readModel(m.bytes).resume?.exampleNumber ?? 0n;
    };
    const cbType = / --cb_type \w+/.exec(policyArguments)![0];
    await waitFor(`a fresh ${cbType} model`, async () => {
      const m = readModel((await api.get('/model')).bytes);
      return (m.resume?.exampleNumber ?? 0n) === 0n && m.options.includes(cbType);
    }, { pollMs: 100 });

    const next = typeStream(seed);
    const rewarded: number[] = [];
    const typeOf: string[] = [];
    const started = performance.now();
    let learned = 0n;
    const windows: string[] = [];
    const batchShares: number[] = [];
    let bestWindow = 0;
    while (rewarded.length < MAX_EVENTS) {
      const offset = rewarded.length;
      const types = Array.from({ length: BATCH }, next);
      // The whole batch is ranked first, by one model: no reward yet, so nothing is joined and nothing exported.
      const ranked = await pool(types, 4, async (type, i) => {
        const request = rankRequest(type, offset + i);
        const r = await api.rank(request);
        assert.equal(r.status, 201, show(r));
        return { eventId: request.eventId, hit: r.json.rewardActionId === BEST[type] ? 1 : 0 };
      });
      // Then every event gets an explicit reward (0 or 1), in event order: with `earliest`, an event is joined as
      // soon as its first reward arrives, so the trainer learns them in that order, as the simulation does.
      const errors = (): string => server.output().split('\n').filter((l) => /"level":[456]0/.test(l)).join('\n');
      for (const { eventId, hit } of ranked) {
        const w = await api.reward(eventId, hit);
        if (w.status !== 204) await waitFor("the server's error line", () => errors() !== '', { boundMs: 5000 }).catch(() => undefined);
        assert.equal(w.status, 204, show(w) + '\n' + errors());
      }
      const results = ranked.map((r) => r.hit);
      rewarded.push(...results);
      typeOf.push(...types);

      // GET /model is the model that ranks (loop.ts getModel): once it has learned every event so far, the
      // next batch ranks with it.
      const want = BigInt(rewarded.length);
      learned = await waitFor(`a model that learned ${want} events`, async () => {
        const n = await learnedBy();
        return n >= want && n;
      }, { pollMs: 100 });

      const share = (from: number, to: number): number => rewarded.slice(from, to).reduce((s, x) => s + x, 0) / (to - from);
      batchShares.push(share(offset, rewarded.length));
      windows.push(`${offset + 1}-${rewarded.length}: ${share(offset, rewarded.length).toFixed(2)} (learned ${learned})`);
      if (rewarded.length >= WINDOW) bestWindow = Math.max(bestWindow, share(rewarded.length - WINDOW, rewarded.length));
      if (bestWindow >= TARGET) break;
    }

    const first = rewarded.slice(0, 100).reduce((s, x) => s + x, 0) / 100;
    console.log(`learning (${name}, seed ${seed}): per-${BATCH} shares of rewarded choices (ε ${EXPLORATION}, oracle 1.0, ceiling ${(1 - EXPLORATION + EXPLORATION / 6).toFixed(3)}):`);
    for (const w of windows) console.log('  ' + w);
    console.log(`  first 100: ${first.toFixed(2)}; best ${WINDOW}-event window: ${bestWindow.toFixed(3)} after ${rewarded.length} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const last = Math.max(0, rewarded.length - WINDOW);
    for (const type of TYPES) {
      const idx = typeOf.map((t, i) => (t === type && i >= last ? i : -1)).filter((i) => i >= 0);
      const r = await api.rank({ contextFeatures: [{ user: { type } }], actions: rankRequest(type, 0).actions });
      const pmf = r.json.ranking.map((x: any) => `${x.id} ${x.probability.toFixed(3)}`).join(', ');
      console.log(`  ${type} (best ${BEST[type]}): share ${(idx.reduce((s, i) => s + rewarded[i]!, 0) / idx.length).toFixed(2)} over the last ${WINDOW} events; pmf now ${pmf}`);
    }

    // The server made the choices the engine makes in process (same model after each batch, same sampling).
    const sim = simulateLoop(policyArguments, seed, MAX_EVENTS);
    console.log(`  in process: ${sim.shares.map((x) => x.toFixed(2)).join(' ')}`);
    assert.deepEqual(batchShares, sim.shares);
    assert.ok(first <= 0.4, `share of rewarded choices in the first 100 events is ${first}: not near random (1/6)`);
    assert.equal(learned, BigInt(rewarded.length), 'the exported model learned every rewarded event once');
    assert.ok(bestWindow >= TARGET, `best ${WINDOW}-event share ${bestWindow.toFixed(3)} < ${TARGET} after ${rewarded.length} events`);
  }

  test(`Azure's default policy, stated: reaches ≥ ${TARGET} of the oracle over ${WINDOW} events within ${MAX_EVENTS} events (seed 7)`, { timeout: 900_000 }, async () => {
    await learns('azure-default', AZURE_DEFAULT_POLICY, 7);
  });

  test(`--cb_type ips -l 0.01: reaches ≥ ${TARGET} of the oracle over ${WINDOW} events within ${MAX_EVENTS} events (seed 12345)`, { timeout: 900_000 }, async () => {
    await learns('ips', TUNED_POLICY, 12345);
  });
});

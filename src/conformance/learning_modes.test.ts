// Learning modes through HTTP against a real server process (docs/learning-modes.md).
//
// Apprentice: the application's own logic (the baseline) is a good policy: it shows the user type's best item
// 90% of the time and another item otherwise, always as the first non-excluded action; a shown item is rewarded
// exactly when it is the type's best. Every Rank must return the baseline, and the apprentice report's agreement
// (the learner's greedy choice = the baseline, scored before each event is learned) must rise from ~0 (a fresh
// model has no preference) to near the 90% the baseline's best choices allow. Switching to Online keeps the model
// byte for byte, and the next Ranks rank with it.
//
// LoggingOnly: the baseline is returned and every event is logged and joined, but nothing is learned.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLearner, readModel } from '../engine/index.js';
import { buildContext } from '../loop/context.js';
import { validateRankRequest } from '../loop/validate_rank.js';
import { Api, serverAvailable, serverEntry, show, sleep, startServer, type HttpResult, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { metric, waitFor } from '../testing/wait.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);
const PREVIEW = '/personalizer/v1.1-preview.3';

// Ten user types, each with its own best item among ten: the learner needs a few hundred events to know them all.
const TYPES = Array.from({ length: 10 }, (_, i) => `t${i}`);
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett'];
const BEST: Record<string, string> = Object.fromEntries(TYPES.map((t, i) => [t, ITEMS[(i * 3 + 1) % ITEMS.length]!]));
const BATCH = 100;
const EVENTS = 1000;

type Server = RunningServer & { cleanup(): Promise<void> };

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

async function learnedCount(api: Api): Promise<bigint> {
  const m = await api.get('/model');
  assert.equal(m.status, 200);
  return readModel(m.bytes).resume?.exampleNumber ?? 0n;
}


async function configure(api: Api, patch: Record<string, unknown>): Promise<HttpResult> {
  const cfg = (await api.get('/configurations/service')).json;
  return api.put('/configurations/service', { ...cfg, ...patch });
}

describe('learning modes through HTTP', { skip }, () => {
  let server: Server;
  let api: Api;
  let preview: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.base, server.key);
    preview = new Api(server.url + PREVIEW, server.key);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
  });

  test('Apprentice: the baseline on every Rank, agreement rises as the learner imitates it; Online then keeps the model', { timeout: 600_000 }, async () => {
    const never = await preview.get('/apprentice');
    assert.equal(never.status, 404, show(never));
    assert.equal(never.json.error.code, 'ApprenticeModeNeverTurnedOn');

    // Only the mode and the export period change: the reward settings stay (else InvalidLearningModeServiceConfiguration).
    const put = await configure(preview, { learningMode: 'Apprentice', modelExportFrequency: 'PT1S' });
    assert.equal(put.status, 200, show(put));
    assert.equal(put.json.learningMode, 'Apprentice');
    assert.equal((await api.get('/configurations/service')).json.learningMode, 'Apprentice');
    const empty = await preview.get('/apprentice');
    assert.equal(empty.status, 200, show(empty));
    assert.equal(empty.json.events, 0);

    const random = rng(7);
    let sent = 0;
    while (sent < EVENTS) {
      for (let i = 0; i < BATCH; i++, sent++) {
        const type = TYPES[Math.floor(random() * TYPES.length)]!;
        const others = ITEMS.filter((x) => x !== BEST[type]);
        const shown = random() < 0.9 ? BEST[type]! : others[Math.floor(random() * others.length)]!;
        const rest = ITEMS.filter((x) => x !== shown);
        // Every third Rank puts an excluded action first: the baseline is the first non-excluded action.
        const excluded = sent % 3 === 0 ? rest[0]! : undefined;
        const order = excluded === undefined ? [shown, ...rest] : [excluded, shown, ...rest.slice(1)];
        const eventId = `apprentice-${sent}`;
        const r = await api.rank({
          eventId,
          contextFeatures: [{ user: { type } }],
          actions: order.map((id) => ({ id, features: [{ item: { name: id } }] })),
          ...(excluded === undefined ? {} : { excludedActions: [excluded] }),
        });
        assert.equal(r.status, 201, show(r));
        assert.equal(r.json.rewardActionId, shown, `event ${sent}: the baseline is returned`);
        // The ranking: the baseline with probability 1, every other action 0, in the request's positions.
        for (const [k, a] of (r.json.ranking as { id: string; probability: number }[]).entries()) {
          assert.equal(a.probability, a.id === shown ? 1 : 0, `event ${sent}: ${JSON.stringify(r.json.ranking)}`);
          if (excluded !== undefined && k === 0) assert.equal(a.id, excluded);
        }
        const w = await api.reward(eventId, shown === BEST[type] ? 1 : 0);
        assert.equal(w.status, 204, show(w));
      }
      const want = BigInt(sent);
      await waitFor(`${sent} events learned`, async () => (await learnedCount(api)) >= want);
    }
    // The report is stored with each export: wait for the one that includes the last event.
    let report: any;
    await waitFor('the report of every event', async () => {
      report = (await preview.get('/apprentice')).json;
      return report.events >= EVENTS;
    });
    const history = report.history as { events: number; agreement: number; averageBaselineReward: number; averageEstimatedReward: number }[];
    console.log('apprentice agreement per 100 events: ' + history.map((h) => h.agreement.toFixed(2)).join(' '));
    console.log(
      `apprentice totals: ${report.events} events, agreement ${report.agreement.toFixed(3)}, recent ${report.recent.agreement.toFixed(3)}, ` +
        `baseline reward ${report.averageBaselineReward.toFixed(3)}, learner's estimate ${report.recent.averageEstimatedReward.toFixed(3)}`,
    );
    assert.equal(report.learningMode, 'Apprentice');
    assert.equal(report.events, EVENTS);
    assert.equal(history.length, EVENTS / BATCH);
    assert.ok(history.every((h) => h.events === BATCH));
    // A fresh model prefers nothing (ties are no agreement): the first events agree less often; the last ones
    // about as often as the baseline's own choice is the best one (90%).
    const last = history.slice(-3).reduce((s, h) => s + h.agreement, 0) / 3;
    assert.ok(history[0]!.agreement <= 0.4, `first 100 events agree ${history[0]!.agreement}`);
    assert.ok(last >= 0.7, `last 300 events agree ${last}`);
    assert.ok(last - history[0]!.agreement >= 0.4, `agreement rises: ${history[0]!.agreement} → ${last}`);
    // The baseline's observed reward is its share of best choices (~0.9). The learner's estimate of its own choice's
    // reward grows from 0 as it learns (slowly at the default policy's -l 0.001, though its ranking is right early).
    assert.ok(Math.abs(report.averageBaselineReward - 0.9) < 0.05, `${report.averageBaselineReward}`);
    console.log('apprentice estimated reward per 100 events: ' + history.map((h) => h.averageEstimatedReward.toFixed(3)).join(' '));
    assert.ok(history[0]!.averageEstimatedReward >= 0 && history.at(-1)!.averageEstimatedReward > 2 * history[0]!.averageEstimatedReward);
    assert.equal(await metric(server, 'personalizer_apprentice_events'), EVENTS);
    assert.ok(Math.abs((await metric(server, 'personalizer_apprentice_agreement'))! - report.recent.agreement) < 1e-9);

    // Online: the same model, byte for byte, and it ranks: each type's best item gets 1 − ε + ε/10.
    const before = await api.get('/model');
    const props = (await api.get('/model/properties')).json;
    const online = await configure(api, { learningMode: 'Online' });
    assert.equal(online.status, 200, show(online));
    await sleep(1500);
    const afterSwitch = await api.get('/model');
    assert.deepEqual(afterSwitch.bytes, before.bytes, 'the learned model stays');
    assert.deepEqual((await api.get('/model/properties')).json, props);
    const learner = loadLearner(afterSwitch.bytes);
    let best = 0;
    for (const type of TYPES) {
      const request = { contextFeatures: [{ user: { type } }], actions: ITEMS.map((id) => ({ id, features: [{ item: { name: id } }] })) };
      const r = await api.rank(request);
      assert.equal(r.status, 201, show(r));
      // The greedy action of the learned model (the engine on the same bytes) gets 1 − ε + ε/n.
      const greedy = ITEMS[learner.predict(learner.featurize(buildContext(validateRankRequest(request))))[0]!.index]!;
      const top = (r.json.ranking as { id: string; probability: number }[]).find((a) => a.id === greedy)!;
      assert.ok(Math.abs(top.probability - (0.8 + 0.2 / ITEMS.length)) < 1e-6, `${type}: ${greedy} ${JSON.stringify(r.json.ranking)}`);
      if (greedy === BEST[type]) best++;
    }
    assert.ok(best >= 7, `the learned model picks the best item for ${best} of ${TYPES.length} types`);
    // The report stays readable after the switch, with the mode now Online.
    const kept = await api.get('/apprentice');
    assert.equal(kept.status, 200);
    assert.equal(kept.json.learningMode, 'Online');
    assert.equal(kept.json.events, EVENTS);

    // It is in the store: a restarted server reports the same, and ranks with the same model.
    await server.stop();
    const again = await startServer({ store: server.store });
    try {
      const api2 = new Api(again.base, again.key);
      const restarted = await api2.get('/apprentice');
      assert.equal(restarted.status, 200, show(restarted));
      assert.deepEqual({ ...restarted.json, learningMode: 'Online' }, kept.json);
      assert.deepEqual((await api2.get('/model')).bytes, before.bytes);
    } finally {
      await again.stop();
    }
  });
});

describe('LoggingOnly through HTTP', { skip }, () => {
  let server: Server;
  let api: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.base, server.key);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
  });

  test('the baseline is returned, events are logged and joined, nothing is learned; the logs stay on a switch', { timeout: 600_000 }, async () => {
    const initial = await api.get('/model');
    const put = await configure(api, { learningMode: 'LoggingOnly', modelExportFrequency: 'PT1S' });
    assert.equal(put.status, 200, show(put));
    const n = 60;
    for (let i = 0; i < n; i++) {
      const actions = ITEMS.map((id) => ({ id, features: [{ item: { name: id } }] }));
      const r = await api.rank({ eventId: `log-${i}`, contextFeatures: [{ user: { type: TYPES[i % 3] } }], actions, excludedActions: i % 2 ? ['alpha'] : [] });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.rewardActionId, i % 2 ? 'bravo' : 'alpha');
      assert.equal(r.json.ranking.find((a: { id: string }) => a.id === r.json.rewardActionId).probability, 1);
      assert.equal((await api.reward(`log-${i}`, 1)).status, 204);
    }
    await waitFor('every event joined', async () => (await metric(server, 'personalizer_events_joined_total')) === n);
    await sleep(2500); // two export periods: a trainer that learned would have exported by now
    assert.equal(await metric(server, 'personalizer_events_learned_total'), 0);
    assert.deepEqual((await api.get('/model')).bytes, initial.bytes, 'the model is unchanged');
    const logs = (await api.get('/logs/properties')).json;
    assert.ok(logs.dateRange?.from, JSON.stringify(logs));
    // LoggingOnly → Online keeps the logs; never in Apprentice mode, so no report.
    assert.equal((await configure(api, { learningMode: 'Online' })).status, 200);
    assert.deepEqual((await api.get('/logs/properties')).json, logs);
    const report = await api.get('/apprentice');
    assert.equal(report.status, 404);
    assert.equal(report.json.error.code, 'ApprenticeModeNeverTurnedOn');
  });

  test('bad learning-mode and explanation settings are 400s in Azure’s error shape', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ learningMode: 'Apprentic' }, 'InvalidServiceConfiguration', /learningMode/],
      [{ learningMode: 7 }, 'InvalidServiceConfiguration', /learningMode/],
      [{ isInferenceExplainabilityEnabled: 'yes' }, 'InvalidServiceConfiguration', /isInferenceExplainabilityEnabled/],
      [{ learningMode: 'Apprentice', defaultReward: 0.5 }, 'InvalidLearningModeServiceConfiguration', /defaultReward/],
      [{ learningMode: 'LoggingOnly', rewardWaitTime: 'PT20M' }, 'InvalidLearningModeServiceConfiguration', /rewardWaitTime/],
      [{ learningMode: 'Apprentice', rewardAggregation: 'sum' }, 'InvalidLearningModeServiceConfiguration', /rewardAggregation/],
    ];
    const before = (await api.get('/configurations/service')).json;
    for (const [patch, code, message] of cases) {
      const r = await configure(api, patch);
      assert.equal(r.status, 400, `${JSON.stringify(patch)}: ${show(r)}`);
      assert.equal(r.json.error.code, code, show(r));
      assert.match(r.json.error.message, message);
    }
    assert.deepEqual((await api.get('/configurations/service')).json, before, 'nothing changed');
  });
});

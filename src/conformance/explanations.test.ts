// Inference explanations through HTTP against a real server process (docs/inference-explanations.md): absent
// until isInferenceExplainabilityEnabled is set; then every Rank carries one entry for rewardActionId whose
// features are the ones the client sent (and their pairs), each scored as the served model's own terms say
// (the engine on GET /model's bytes, featurized with names: an independent path from the server's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLearner, readModel } from '../engine/index.js';
import { buildContext } from '../loop/context.js';
import { validateRankRequest } from '../loop/validate_rank.js';
import { Api, serverAvailable, serverEntry, show, sleep, startServer, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);
const PREVIEW = '/personalizer/v1.1-preview.3';
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta'];

function request(type: string, eventId?: string) {
  return {
    ...(eventId === undefined ? {} : { eventId }),
    contextFeatures: [{ user: { type, visits: 3 } }, { timeOfDay: 'morning' }],
    actions: ITEMS.map((id, k) => ({ id, features: [{ item: { name: id, price: k + 0.5 } }] })),
    excludedActions: ['alpha'],
  };
}

describe('inference explanations through HTTP', { skip }, () => {
  let server: RunningServer & { cleanup(): Promise<void> };
  let api: Api;

  before(async () => {
    server = await startServer();
    api = new Api(server.url + PREVIEW, server.key);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
  });

  test('absent by default; when enabled, the features sent with the model\'s scores for rewardActionId', { timeout: 600_000 }, async () => {
    const cfg = (await api.get('/configurations/service')).json;
    assert.equal(cfg.isInferenceExplainabilityEnabled, false);
    assert.equal((await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S' })).status, 200);
    // A model with non-zero weights: 'bravo' is rewarded for t0, 'delta' for t1.
    for (let i = 0; i < 200; i++) {
      const type = i % 2 ? 't1' : 't0';
      const r = await api.rank(request(type, `train-${i}`));
      assert.equal(r.status, 201, show(r));
      assert.equal('inferenceExplanation' in r.json, false, 'no explanation unless enabled');
      assert.equal((await api.reward(`train-${i}`, r.json.rewardActionId === (type === 't0' ? 'bravo' : 'delta') ? 1 : 0)).status, 204);
    }
    await waitFor('an exported model that learned 200 events', async () => (readModel((await api.get('/model')).bytes).resume?.exampleNumber ?? 0n) >= 200n, { pollMs: 100 });
    await sleep(1200); // no export is pending once everything is learned: this model stays

    const on = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', isInferenceExplainabilityEnabled: true });
    assert.equal(on.status, 200, show(on));
    assert.equal(on.json.isInferenceExplainabilityEnabled, true);
    assert.equal((await new Api(server.base, server.key).get('/configurations/service')).json.isInferenceExplainabilityEnabled, true);

    const model = (await api.get('/model')).bytes;
    const learner = loadLearner(model);
    for (const type of ['t0', 't1']) {
      const body = request(type);
      const r = await api.rank(body);
      assert.equal(r.status, 201, show(r));
      const explanation = r.json.inferenceExplanation as { id: string; features: { name: string; score: number }[] }[];
      assert.equal(explanation.length, 1);
      assert.equal(explanation[0]!.id, r.json.rewardActionId);
      const scores = new Map(explanation[0]!.features.map((f) => [f.name, f.score]));
      for (const name of ['user.type', 'user.visits', 'timeOfDay', 'item.name', 'item.price', 'i.id', 'i.constant']) {
        assert.ok(scores.has(name), `${name} in ${[...scores.keys()].join(', ')}`);
      }
      // The engine's own terms for that action of the logged context, by VW audit name.
      const v = validateRankRequest(body);
      const k = v.included.findIndex((p) => v.actions[p]!.id === r.json.rewardActionId);
      const terms = new Map(learner.explain(buildContext(v), k, Number.POSITIVE_INFINITY).map((t) => [t.name, t.contribution]));
      const id = r.json.rewardActionId as string;
      const price = ITEMS.indexOf(id) + 0.5;
      const expect = (name: string, ...audit: string[]): void => {
        const cost = audit.reduce((s, a) => s + (terms.get(a) ?? 0), 0);
        assert.ok(audit.every((a) => terms.has(a)), `${audit.join(', ')} in the engine's terms`);
        assert.ok(Math.abs(scores.get(name)! + cost) <= 1e-6 * Math.abs(cost) + 1e-9, `${name}: ${scores.get(name)} vs ${-cost}`);
      };
      expect('user.type', `user^type${type}`);
      expect('user.visits', 'user^visits');
      expect('timeOfDay', 'FromUrl^timeOfDaymorning');
      expect('item.name', `item^name${id}`);
      expect('item.price', 'item^price');
      expect('i.id', `i^id${id}`);
      const pair = scores.has('item.name^user.type') ? 'item.name^user.type' : 'user.type^item.name';
      expect(pair, `item^name${id}*user^type${type}`);
      assert.ok(Math.abs(scores.get('user.type')!) > 0, 'a trained feature has a score');
      // All the scores add up to the action's predicted reward without VW's bias term.
      const total = explanation[0]!.features.reduce((s, f) => s + f.score, 0);
      const score = learner.scores(learner.featurize(buildContext(v)))[k]!;
      assert.ok(Math.abs(total + score - (terms.get('Constant') ?? 0)) < 1e-4, `Σ ${total} vs ${-(score - (terms.get('Constant') ?? 0))}`);
    }

    // Apprentice mode explains the baseline it returns; turning explanations off removes them again.
    assert.equal((await api.put('/configurations/service', { ...on.json, learningMode: 'Apprentice' })).status, 200);
    const apprentice = await api.rank(request('t1'));
    assert.equal(apprentice.json.rewardActionId, 'bravo');
    assert.equal(apprentice.json.inferenceExplanation[0].id, 'bravo');
    const off = await api.put('/configurations/service', { ...on.json, learningMode: 'Apprentice', isInferenceExplainabilityEnabled: false });
    assert.equal(off.status, 200, show(off));
    assert.equal('inferenceExplanation' in (await api.rank(request('t0'))).json, false);
  });
});

// Bagging and online cover policies through a real server and the official REST client (@azure-rest/ai-personalizer,
// v1.1-preview.3): PUT /configurations/policy accepts them, Rank explores with them, the trainer learns with them
// and exports VW models carrying their state; bad ensemble arguments get Azure's 400.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { readModel } from '../engine/index.js';
import { Api, serverAvailable, serverEntry, show, startServer, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const { default: createPersonalizerClient } = personalizerRest;
const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);

const ACTIONS = ['a0', 'a1', 'a2', 'a3'].map((id, i) => ({ id, features: [{ item: { name: id, group: `g${i % 2}` } }] }));
const EVENTS = 60;

describe('bag and cover policies through HTTP', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let api: Api;
  let client: ReturnType<typeof createPersonalizerClient>;

  before(async () => {
    server = await startServer();
    api = new Api(server.base, server.key);
    client = createPersonalizerClient(server.endpoint, new AzureKeyCredential(server.key), { allowInsecureConnection: true });
    const cfg = (await api.get('/configurations/service')).json;
    const put = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest', explorationPercentage: 0.2 });
    assert.equal(put.status, 200, show(put));
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  const CASES = [
    {
      name: 'bag',
      args: '--cb_explore_adf --bag 4 --greedify --power_t 0 -l 0.01 --cb_type mtr -q ::',
      // bag's --epsilon is Azure's exploration percentage, as for epsilon-greedy: appended when absent.
      stored: '--cb_explore_adf --bag 4 --greedify --power_t 0 -l 0.01 --cb_type mtr -q :: --epsilon 0.2',
      header: / --bag 4 .*--greedify /,
      minProbability: 0.2 / 4,
    },
    {
      name: 'cover',
      args: '--cb_explore_adf --cover 3 --psi 0.1 --power_t 0 -l 0.01 --cb_type dr -q ::',
      // cover without --epsilon decays its own minimum probability: stored as given.
      stored: '--cb_explore_adf --cover 3 --psi 0.1 --power_t 0 -l 0.01 --cb_type dr -q ::',
      header: / --cover 3 .*--psi 0.100000001490116/,
      // min(1/K, 1/√(counter·K)) over K = 4 actions; a new policy relearns the retained log first, so the counter
      // can reach both tests' events (2 × 60) by the last Rank.
      minProbability: 1 / Math.sqrt(2 * EVENTS * 4) - 1e-6,
    },
  ];

  for (const c of CASES) {
    test(`${c.name}: PUT policy (REST client), rank, reward, and the exported model learned with it`, { timeout: 600_000 }, async () => {
      const put = (await client.path('/configurations/policy').put({ body: { name: c.name, arguments: c.args } })) as any;
      assert.equal(put.status, '200', JSON.stringify(put.body));
      assert.equal(put.body.arguments, c.stored);
      const got = (await client.path('/configurations/policy').get()) as any;
      assert.deepEqual(got.body, { name: c.name, arguments: c.stored });

      // The new policy starts from a fresh model: wait until the ranker's model is that one.
      await waitFor(`a fresh ${c.name} model`, async () => c.header.test(readModel((await api.get('/model')).bytes).options), { pollMs: 100 });
      let hits = 0;
      for (let i = 0; i < EVENTS; i++) {
        const eventId = `${c.name}-${i}`;
        const r = await api.rank({ contextFeatures: [{ user: { type: `t${i % 2}` } }], actions: ACTIONS, eventId });
        assert.equal(r.status, 201, show(r));
        const probs: number[] = r.json.ranking.map((x: any) => x.probability);
        const sum = probs.reduce((s, p) => s + p, 0);
        assert.ok(Math.abs(sum - 1) < 1e-6, `event ${i}: probabilities sum to ${sum}`);
        for (const p of probs) assert.ok(p >= c.minProbability, `event ${i}: probability ${p} below ${c.minProbability}`);
        const reward = r.json.rewardActionId === 'a1' ? 1 : 0;
        hits += reward;
        const rw = await api.reward(eventId, reward);
        assert.equal(rw.status, 204, show(rw));
      }
      // The trainer learns the events under this policy and exports a model carrying the explorer's state.
      const state = await waitFor(`a model that learned ${EVENTS} events with ${c.name}`, async () => {
        const s = readModel((await api.get('/model')).bytes);
        return (s.resume?.exampleNumber ?? 0n) >= BigInt(EVENTS) && c.header.test(s.options) && s;
      }, { pollMs: 200 });
      // Every learned event (this test's, and the earlier policy's still in the log) went through the explorer.
      const learned = state.resume!.exampleNumber;
      assert.ok(learned >= BigInt(EVENTS) && learned <= BigInt(2 * EVENTS), `${learned} events learned`);
      if (c.name === 'cover') assert.equal(state.explorerCounter, learned);
      // Bagging drew one Poisson number per non-greedified member per event: the random state moved.
      if (c.name === 'bag') assert.match(state.options, / --random_seed \d+$/);
      console.log(`# ${c.name}: ${hits}/${EVENTS} rewarded; exported options '${state.options.trim()}'`);
    });
  }

  const BAD = [
    ['--cb_explore_adf --bag 0', '--bag'],
    ['--cb_explore_adf --bag 2 --cover 2', '--cover'],
    ['--cb_explore_adf --cover 2 --cb_type dm', '--cb_type'],
    ['--cb_explore_adf --greedify', '--greedify'],
    ['--cb_explore_adf --bag 2 --psi 0.5', '--psi'],
    ['--cb_explore_adf --cover 2 --psi -1', '--psi'],
    ['--cb_explore_adf --bag 100000', '--bag'],
  ] as const;
  test('bad ensemble arguments: 400 InvalidPolicyConfiguration naming the argument; the policy is unchanged', async () => {
    const before = (await api.get('/configurations/policy')).json;
    for (const [args, arg] of BAD) {
      const r = (await client.path('/configurations/policy').put({ body: { name: 'bad', arguments: args } })) as any;
      assert.equal(r.status, '400', `${args}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'InvalidPolicyConfiguration', args);
      assert.ok(r.body.error.message.includes(arg), `${args}: ${r.body.error.message}`);
    }
    assert.deepEqual((await api.get('/configurations/policy')).json, before);
  });
});

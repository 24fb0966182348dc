// The explorers beyond epsilon-greedy through the API, with the official REST client (@azure-rest/ai-personalizer)
// against a real server process: PUT /configurations/policy accepts each (the loop adds --epsilon, which VW
// accepts with every explorer), Rank answers a distribution with it, the exported model is VW's for it (its
// options and, for RegCB, the counter of learned events), and a policy naming two explorers is a 400.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { readModel } from '../engine/index.js';
import { startServer, serverAvailable, serverEntry, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing): run tsc first`);
const { default: createPersonalizerClient } = personalizerRest;

const BASE = '--power_t 0 -l 0.001 --cb_type mtr -q ::';
const POLICIES: [string, string, RegExp][] = [
  ['softmax', `--cb_explore_adf --softmax --lambda 10 ${BASE}`, / --softmax --lambda 10 /],
  ['first', `--cb_explore_adf --first 20 ${BASE}`, / --first 20 /],
  ['regcbopt', `--cb_explore_adf --regcb --regcbopt --mellowness 0.001 --cb_min_cost -1 --cb_max_cost 0 ${BASE}`, / --regcbopt /],
  ['squarecb-elim', `--cb_explore_adf --squarecb --elim --cb_min_cost -1 --cb_max_cost 0 ${BASE}`, / --elim /],
  // Last: the one whose exported model is checked below.
  ['regcb', `--cb_explore_adf --regcb --mellowness 0.001 --cb_min_cost -1 --cb_max_cost 0 ${BASE}`, / --regcb /],
];

const actions = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, features: [{ item: { id, price: i + 0.5 } }] }));

describe('explorers through PUT /configurations/policy (REST client, real server)', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let client: ReturnType<typeof createPersonalizerClient>;

  before(async () => {
    server = await startServer();
    client = createPersonalizerClient(server.endpoint, new AzureKeyCredential(server.key), {
      baseUrl: `${server.endpoint}/personalizer/v1.0`,
      allowInsecureConnection: true,
    });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('each explorer is accepted, ranks a distribution, and the exported model is VW 9.10 for it', { timeout: 600_000 }, async () => {
    const svc = await client.path('/configurations/service').get();
    assert.equal(svc.status, '200');
    const put = await client.path('/configurations/service').put({
      body: { ...(svc.body as unknown as Record<string, unknown>), modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' } as never,
    });
    assert.equal(put.status, '200', JSON.stringify(put.body));

    let n = 0;
    for (const [name, args, flag] of POLICIES) {
      const r = await client.path('/configurations/policy').put({ body: { name, arguments: args } });
      assert.equal(r.status, '200', `${name}: ${JSON.stringify(r.body)}`);
      const body = r.body as { name: string; arguments: string };
      assert.equal(body.name, name);
      assert.match(body.arguments, flag);
      // The loop makes the exploration percentage explicit (0.2 by default), as Azure's portal did.
      assert.match(body.arguments, /--epsilon 0\.2/);
      const got = await client.path('/configurations/policy').get();
      assert.deepEqual(got.body, body);
      for (let i = 0; i < 10; i++) {
        const eventId = `${name}-${n++}`;
        const rank = await client.path('/rank').post({ body: { contextFeatures: [{ user: { t: `u${i % 3}` } }], actions, eventId } });
        if (rank.status !== '201' || !('ranking' in rank.body)) assert.fail(`${name} rank: ${rank.status} ${JSON.stringify(rank.body)}`);
        const sum = rank.body.ranking!.reduce((s, x) => s + x.probability!, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `${name}: probabilities sum to ${sum}`);
        assert.ok(rank.body.ranking!.every((x) => x.probability! >= 0 && x.probability! <= 1));
        const w = await client.path('/events/{eventId}/reward', eventId).post({ body: { value: rank.body.rewardActionId === 'c' ? 1 : 0 } });
        assert.equal(w.status, '204');
      }
    }

    // A new policy retrains on the logged events: the last one (regcb) learns all 50, and its exported model says
    // so in VW's format (the counter before cb_adf's).
    const state = await waitFor('an exported regcb model with 50 learned events', async () => {
      const m = await client.path('/model').get().asNodeStream();
      const chunks: Buffer[] = [];
      for await (const c of m.body!) chunks.push(c as Buffer);
      const s = readModel(new Uint8Array(Buffer.concat(chunks)));
      return / --regcb( |$)/.test(s.options) && s.explorerCounter === 50n && s;
    }, { pollMs: 200 });
    assert.match(state.options, / --cb_max_cost 0 --cb_min_cost -1 /);
    assert.match(state.options, / --mellowness 0\.00100000004749745 /);
    assert.equal(state.cbAdf[0]!.eventSum, 50n);
    assert.match(state.options, / --epsilon 0\.200000002980232 /);
  });

  test('a policy naming two explorers, or an option of another one, is a 400 naming the argument', async () => {
    for (const [args, arg] of [
      [`--cb_explore_adf --softmax --regcb ${BASE}`, '--regcb'],
      [`--cb_explore_adf --squarecb --mellowness 0.1 ${BASE}`, '--mellowness'],
      [`--cb_explore_adf --regcb --cb_min_cost 1 --cb_max_cost 0 ${BASE}`, '--cb_max_cost'],
      [`--cb_explore_adf --first 1.5 ${BASE}`, '--first'],
    ]) {
      const r = await client.path('/configurations/policy').put({ body: { name: 'bad', arguments: args! } });
      assert.equal(r.status, '400', `${args}: ${r.status}`);
      const e = (r.body as { error: { code: string; message: string } }).error;
      assert.equal(e.code, 'InvalidPolicyConfiguration');
      assert.ok(e.message.startsWith(`${arg}:`), e.message);
    }
    // The policy in place is unchanged.
    const got = await client.path('/configurations/policy').get();
    assert.notEqual((got.body as { name: string }).name, 'bad');
  });
});

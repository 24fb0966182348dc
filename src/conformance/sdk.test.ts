// The official track-1 v1.0 SDK (@azure/cognitiveservices-personalizer 2.0.1) against a real server process:
// what an application written for Azure sees when pointed at this container (docs/azure-api.md §8.1).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PersonalizerClient, type PersonalizerModels } from '@azure/cognitiveservices-personalizer';
import { CognitiveServicesCredentials } from '@azure/ms-rest-azure-js';
import { RestError } from '@azure/ms-rest-js';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { startServer, serverAvailable, serverEntry, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing): run tsc first`);

const AZURE_EVENT_ID = /^[0-9a-f]{32}-[A-Za-z0-9]{5}$/;

function actions(n: number, prefix = 'a'): PersonalizerModels.RankableAction[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    features: [{ item: { kind: `k${i % 3}`, price: i * 1.5 } }, { tag: `t${i}` }],
  }));
}

const context = [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }];

/** Resolve to the RestError a call throws (fails the test when it does not throw one). */
async function restError(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RestError || (e as Error).name === 'RestError', `expected a RestError, got ${String(e)}`);
    return e as RestError;
  }
  assert.fail('the call succeeded but an error was expected');
}

/**
 * Azure's Rank answer (docs/features.md §2.5, the v1.0 spec's Rank example): every action once; excluded ones
 * at their request positions with 0; the first non-excluded position holds rewardActionId; the pmf sums to 1.
 */
function assertAzureOrder(
  r: { ranking?: { id?: string; probability?: number }[]; rewardActionId?: string },
  acts: readonly { id: string }[],
  excluded: readonly string[],
): void {
  const ranking = r.ranking!;
  assert.deepEqual(ranking.map((x) => x.id).sort(), acts.map((a) => a.id).sort());
  acts.forEach((a, i) => {
    if (excluded.includes(a.id)) assert.deepEqual([ranking[i]!.id, ranking[i]!.probability], [a.id, 0], `position ${i}`);
  });
  const first = acts.findIndex((a) => !excluded.includes(a.id));
  assert.equal(ranking[first]!.id, r.rewardActionId, `position ${first} holds ${ranking[first]!.id}, chosen ${r.rewardActionId}`);
  const sum = ranking.reduce((s, x) => s + x.probability!, 0);
  assert.ok(Math.abs(sum - 1) < 1e-6, `probabilities sum to ${sum}`);
}

describe('track-1 SDK (PersonalizerClient v1.0) against a real server', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let client: PersonalizerClient;

  before(async () => {
    server = await startServer();
    client = new PersonalizerClient(new CognitiveServicesCredentials(server.key), server.endpoint);
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('rank: 201, Azure order (excluded keep their positions with 0, chosen first), probabilities sum to 1', async () => {
    const acts = actions(7);
    const excluded = ['a0', 'a4'];
    const r = await client.rank({ contextFeatures: context, actions: acts, excludedActions: excluded, eventId: 'sdk-evt-1' });
    assert.equal(r._response.status, 201);
    assert.equal(r.eventId, 'sdk-evt-1');
    assertAzureOrder(r, acts, excluded);
    const sum = r.ranking!.reduce((s, x) => s + x.probability!, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `probabilities sum to ${sum}`);
    for (const x of r.ranking!) {
      assert.ok(x.probability! >= 0 && x.probability! <= 1, `probability ${x.probability} of ${x.id}`);
      if (excluded.includes(x.id!)) assert.equal(x.probability, 0, `excluded ${x.id} has probability ${x.probability}`);
      else assert.ok(x.probability! > 0, `non-excluded ${x.id} has probability 0`);
    }
    assert.ok(r.rewardActionId && !excluded.includes(r.rewardActionId), `rewardActionId ${r.rewardActionId}`);
    assert.ok(acts.some((a) => a.id === r.rewardActionId));
    assert.match(r._response.headers.get('content-type') ?? '', /^application\/json/);
  });

  test('rank: with nothing excluded ranking[0] is the rewardActionId, whatever action is sampled (40 events)', async () => {
    const acts = actions(5, 'r');
    const chosen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const r = await client.rank({ contextFeatures: context, actions: acts, eventId: `sdk-order-${i}` });
      assertAzureOrder(r, acts, []);
      assert.equal(r.ranking![0]!.id, r.rewardActionId);
      chosen.add(r.rewardActionId!);
    }
    // Actions other than the first in request order are chosen too, so the check above can fail.
    assert.ok(chosen.size >= 3, `chosen: ${[...chosen].join(', ')}`);
  });

  test('rank: the first action excluded is never the rewardActionId (50 tries)', async () => {
    const acts = actions(3, 'x');
    for (let i = 0; i < 50; i++) {
      const r = await client.rank({ contextFeatures: context, actions: acts, excludedActions: ['x0'] });
      assert.notEqual(r.rewardActionId, 'x0');
      assert.equal(r.ranking![0]!.id, 'x0');
      assert.equal(r.ranking![0]!.probability, 0);
    }
  });

  test('rank: eventId generated in Azure shape when absent, unique per call', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await client.rank({ contextFeatures: context, actions: actions(2) });
      assert.match(r.eventId!, AZURE_EVENT_ID);
      seen.add(r.eventId!);
    }
    assert.equal(seen.size, 20);
  });

  test('rank: a single action gets probability 1', async () => {
    const r = await client.rank({ contextFeatures: context, actions: actions(1, 'only') });
    assert.deepEqual(
      r.ranking!.map((x) => [x.id, x.probability]),
      [['only0', 1]],
    );
    assert.equal(r.rewardActionId, 'only0');
  });

  test('repeated eventId → 400 InvalidRankRequest', async () => {
    await client.rank({ contextFeatures: context, actions: actions(3), eventId: 'sdk-dup-1' });
    const e = await restError(client.rank({ contextFeatures: context, actions: actions(3), eventId: 'sdk-dup-1' }));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'InvalidRankRequest');
    assert.ok(e.message.length > 0);
  });

  test('reward: resolves on 204; a second reward on the same event also resolves', async () => {
    const r = await client.rank({ contextFeatures: context, actions: actions(4), eventId: 'sdk-reward-1' });
    const res = await client.events.reward(r.eventId!, { value: 0.75 });
    assert.equal(res._response.status, 204);
    const again = await client.events.reward(r.eventId!, { value: 1 });
    assert.equal(again._response.status, 204);
  });

  test('reward: boundary values -1 and 1 are accepted', async () => {
    await client.rank({ contextFeatures: context, actions: actions(2), eventId: 'sdk-reward-b1' });
    await client.rank({ contextFeatures: context, actions: actions(2), eventId: 'sdk-reward-b2' });
    assert.equal((await client.events.reward('sdk-reward-b1', { value: -1 }))._response.status, 204);
    assert.equal((await client.events.reward('sdk-reward-b2', { value: 1 }))._response.status, 204);
  });

  test('activate: deferred event activated → 204', async () => {
    const r = await client.rank({ contextFeatures: context, actions: actions(3), eventId: 'sdk-defer-1', deferActivation: true });
    assert.equal(r.eventId, 'sdk-defer-1');
    const a = await client.events.activate('sdk-defer-1');
    assert.equal(a._response.status, 204);
    const w = await client.events.reward('sdk-defer-1', { value: 1 });
    assert.equal(w._response.status, 204);
  });

  test('event ids with spaces and slashes round-trip through the path', async () => {
    const id = 'evt with space/slash';
    const r = await client.rank({ contextFeatures: context, actions: actions(2), eventId: id });
    assert.equal(r.eventId, id);
    assert.equal((await client.events.reward(id, { value: 1 }))._response.status, 204);
    assert.equal((await client.events.activate(id))._response.status, 204);
  });

  test('wrong key → RestError 401', async () => {
    const bad = new PersonalizerClient(new CognitiveServicesCredentials('not-the-key'), server.endpoint);
    const e = await restError(bad.rank({ contextFeatures: context, actions: actions(2) }));
    assert.equal(e.statusCode, 401);
    assert.ok(typeof e.code === 'string' && e.code.length > 0, `code ${e.code}`);
    const e2 = await restError(bad.events.reward('sdk-reward-1', { value: 1 }));
    assert.equal(e2.statusCode, 401);
    const e3 = await restError(bad.events.activate('sdk-reward-1'));
    assert.equal(e3.statusCode, 401);
  });

  test('51 actions → 400 InvalidRankRequest; 50 are accepted', async () => {
    const ok = await client.rank({ contextFeatures: context, actions: actions(50) });
    assert.equal(ok.ranking!.length, 50);
    const e = await restError(client.rank({ contextFeatures: context, actions: actions(51) }));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'InvalidRankRequest');
    assert.deepEqual(Object.keys(e.body ?? {}), ['error']);
    assert.equal(e.body.error.code, 'InvalidRankRequest');
    assert.equal(typeof e.body.error.message, 'string');
  });

  test('duplicate action ids → 400 InvalidRankRequest', async () => {
    const acts = actions(3);
    acts.push({ id: 'a1', features: [{ other: 1 }] });
    const e = await restError(client.rank({ contextFeatures: context, actions: acts }));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'InvalidRankRequest');
  });

  test('no actions → 400 InvalidRankRequest', async () => {
    const e = await restError(client.rank({ contextFeatures: context, actions: [] }));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'InvalidRankRequest');
  });

  test('reward value 2 and -2 → 400 InvalidRewardRequest', async () => {
    await client.rank({ contextFeatures: context, actions: actions(2), eventId: 'sdk-reward-bad' });
    for (const value of [2, -2, 1.0001]) {
      const e = await restError(client.events.reward('sdk-reward-bad', { value }));
      assert.equal(e.statusCode, 400, `value ${value}`);
      assert.equal(e.code, 'InvalidRewardRequest', `value ${value}`);
    }
  });

  test('the SDK refuses ids over 256 characters before sending', async () => {
    const long = 'e'.repeat(257);
    await assert.rejects(client.rank({ contextFeatures: context, actions: actions(2), eventId: long }));
    await assert.rejects(client.events.reward(long, { value: 1 }));
  });
});

// The REST-level client (@azure-rest/ai-personalizer 1.0.0-beta.1) targets v1.1-preview.3 by default; its baseUrl
// option points it at the v1.0 routes, which share the Rank shapes. It is CommonJS: its default export is a property.
const { default: createPersonalizerClient } = personalizerRest;
describe('REST client (@azure-rest/ai-personalizer) against a real server', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let client: ReturnType<typeof createPersonalizerClient>;

  before(async () => {
    server = await startServer();
    client = createPersonalizerClient(server.endpoint, new AzureKeyCredential(server.key), {
      baseUrl: `${server.endpoint}/personalizer/v1.0`,
      // The server is plain HTTP on loopback here; the client otherwise refuses to send the key over it.
      allowInsecureConnection: true,
    });
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('rank: Azure order, ranking[0] is rewardActionId with nothing excluded; excluded keep their positions', async () => {
    const acts = actions(6, 'z');
    const chosen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const excluded = i % 2 === 0 ? [] : ['z0', 'z3'];
      const r = await client.path('/rank').post({ body: { contextFeatures: context, actions: acts, excludedActions: excluded, eventId: `rest-${i}` } });
      // (isUnexpected() matches v1.1-preview.3 paths only, so the status is checked here.)
      if (r.status !== '201' || !('ranking' in r.body)) assert.fail(`rank: ${r.status} ${JSON.stringify(r.body)}`);
      const body = r.body;
      assertAzureOrder(body, acts, excluded);
      if (excluded.length === 0) assert.equal(body.ranking![0]!.id, body.rewardActionId);
      else assert.equal(body.ranking![1]!.id, body.rewardActionId);
      chosen.add(body.rewardActionId!);
    }
    assert.ok(chosen.size >= 3, `chosen: ${[...chosen].join(', ')}`);
    const w = await client.path('/events/{eventId}/reward', 'rest-0').post({ body: { value: 1 } });
    assert.equal(w.status, '204');
  });
});

// Offline evaluations against a real server process, as Azure's clients drive them: the REST-level client
// @azure-rest/ai-personalizer (its Evaluations and applyFromEvaluation operations; it calls v1.1-preview.3) and
// raw v1.0 requests, every answer checked against the v1.0 and v1.1-preview.3 OpenAPI documents.
//
// A simulated application is logged first (users of three types, six items, reward 1 exactly for the type's best
// item, never the first: learning.test.ts's task) while the loop learns with a fast policy, then evaluated. The
// figures are checked against what the test itself sent and received: Baseline1's and BaselineRand's IPS sums
// from the rank answers' chosen actions and probabilities and the rewards sent, Online's estimate is the observed
// mean. Then: a kill -9 mid-evaluation and a restart on the same store; auto-optimization end to end.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { readModel } from '../engine/index.js';
import { Api, pool, serverAvailable, serverEntry, sharedDir, show, sleep, startServer, tempStore, type HttpResult, type RunningServer, type TestStore } from './harness.js';
import { loadSpec, type LoadedSpec } from './openapi.js';
import { needs, NO_SHARED } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const { default: createPersonalizerClient } = personalizerRest;
type RestClient = ReturnType<typeof createPersonalizerClient>;

const shared = sharedDir();
const built = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);
const skipSpec = built || needs(shared, NO_SHARED);

const PREVIEW = '/personalizer/v1.1-preview.3';
const TYPES = ['t0', 't1', 't2'];
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const GROUP: Record<string, string> = { alpha: 'g0', bravo: 'g0', charlie: 'g0', delta: 'g1', echo: 'g1', foxtrot: 'g1' };
const BEST: Record<string, string> = { t0: 'bravo', t1: 'echo', t2: 'charlie' };
const ACTIONS = ITEMS.map((name) => ({ id: name, features: [{ item: { name, group: GROUP[name] } }] }));
/** The live policy while logging: ips at -l 0.01 learns this task within about a thousand events (learning.test.ts). */
const ONLINE_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';
const GOOD = { name: 'good', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.02 --cb_type ips -q ::' };
const WORSE = { name: 'worse', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.00001 --cb_type ips -q ::' };

interface Logged {
  eventId: string;
  /** The chosen action was the Rank call's first (Baseline1's choice). */
  first: boolean;
  /** Its probability, as the rank answer gave it. */
  p: number;
  actions: number;
  reward: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

function close(actual: number, expected: number, what: string, rel = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

/**
 * Ranks and rewards `n` events in batches of 100 (4 in flight). `reward` decides each reward (default: 1 for the
 * type's best item); with `learn`, each batch waits until the published model has learned every event so far.
 */
async function simulate(api: Api, n: number, o: { reward?: (type: string, chosen: string) => number; learn?: boolean; prefix?: string } = {}): Promise<Logged[]> {
  const logged: Logged[] = [];
  let rng = 12345;
  const nextType = (): string => {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    return TYPES[rng % TYPES.length]!;
  };
  while (logged.length < n) {
    const offset = logged.length;
    const types = Array.from({ length: Math.min(100, n - offset) }, nextType);
    const batch = await pool(types, 4, async (type, i) => {
      const eventId = `${o.prefix ?? 'ev'}-${offset + i}`;
      const r = await api.rank({ contextFeatures: [{ user: { type } }], actions: ACTIONS, eventId });
      assert.equal(r.status, 201, show(r));
      const chosen: string = r.json.rewardActionId;
      const reward = o.reward ? o.reward(type, chosen) : chosen === BEST[type] ? 1 : 0;
      const w = await api.reward(eventId, reward);
      assert.equal(w.status, 204, show(w));
      const p = r.json.ranking.find((a: { id: string }) => a.id === chosen).probability as number;
      return { eventId, first: chosen === ITEMS[0], p, actions: ITEMS.length, reward };
    });
    logged.push(...batch);
    if (o.learn) {
      await waitFor(`a model that learned ${logged.length} events`, async () => (readModel((await api.get('/model')).bytes).resume?.exampleNumber ?? 0n) >= BigInt(logged.length), { pollMs: 100 });
    }
  }
  return logged;
}

/** Azure's PolicyResultSummary sums for a policy whose probability of the logged action is pi(event). */
function direct(logged: readonly Logged[], pi: (e: Logged) => number): { N: number; n: number; d: number; ne: number; sos: number } {
  const s = { N: 0, n: 0, d: 0, ne: 0, sos: 0 };
  for (const e of logged) {
    const w = pi(e) / e.p;
    s.N++;
    s.n += e.reward * w;
    s.d += w;
    if (pi(e) > 0) s.ne++;
    s.sos += (e.reward * w) ** 2;
  }
  return s;
}

/** A REST client response as an HttpResult, for the spec checks. */
function fromRest(r: { status: string; headers: Record<string, string>; body: unknown }): HttpResult {
  const text = r.body === undefined || r.body === '' ? '' : JSON.stringify(r.body);
  return { status: Number(r.status), headers: new Headers(r.headers), text, bytes: new TextEncoder().encode(text), json: text === '' ? undefined : r.body };
}

function restClient(server: RunningServer): RestClient {
  // Plain HTTP on loopback; the client otherwise refuses to send the key over it. Default base path: v1.1-preview.3.
  return createPersonalizerClient(server.endpoint, new AzureKeyCredential(server.key), { allowInsecureConnection: true });
}

async function waitUntil<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('offline evaluations through a real server (REST client on v1.1-preview.3, raw v1.0)', { skip: skipSpec }, () => {
  let v10: LoadedSpec;
  let v13: LoadedSpec;
  let server: RunningServer & { cleanup(): void };
  let api: Api;
  let client: RestClient;
  let logged: Logged[];
  let t0: number;
  let t1: number;
  let evaluation: any;

  /** The answer conforms to the operation in both spec versions (applyFromEvaluation is preview-only). */
  const conforms = (operationId: string, r: HttpResult, status: number): void => {
    assert.equal(r.status, status, `${operationId}: ${show(r)}`);
    if (v10.operations.has(operationId)) assert.deepEqual(v10.check(operationId, r), [], 'v1.0');
    assert.deepEqual(v13.check(operationId, r), [], 'v1.1-preview.3');
  };
  const refused = (operationId: string, r: HttpResult, status: number, code: string, message?: RegExp): void => {
    conforms(operationId, r, status);
    assert.deepEqual(Object.keys(r.json), ['error']);
    assert.equal(r.json.error.code, code, show(r));
    if (message) assert.match(r.json.error.message, message);
  };
  const total = (e: any, name: string): any => e.policyResults.find((p: any) => p.name === name).totalSummary;

  before(async () => {
    v10 = loadSpec(join(shared!, 'reference', 'azure-personalizer-openapi', 'v1.0'));
    v13 = loadSpec(join(shared!, 'reference', 'azure-personalizer-openapi', 'v1.1-preview.3'));
    server = await startServer();
    api = new Api(server.base, server.key);
    client = restClient(server);
    const cfg = (await api.get('/configurations/service')).json;
    const put = await api.put('/configurations/service', { ...cfg, rewardWaitTime: 'PT1S', modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' });
    assert.equal(put.status, 200, show(put));
    assert.equal((await api.put('/configurations/policy', { name: 'fast', arguments: ONLINE_POLICY })).status, 200);
    t0 = Date.now() - 1;
    logged = await simulate(api, 1500, { learn: true });
    t1 = Date.now() + 1;
  });
  after(async () => {
    if (server && /"statusCode":5\d\d/.test(server.output())) console.log(server.output().split('\n').filter((l) => /"level":50|"statusCode":5/.test(l)).join('\n'));
    await server?.stop();
    server?.cleanup();
  });

  test('POST (REST client): 201 pending with Location; GET polls through running to completed; every answer conforms', { timeout: 600_000 }, async () => {
    const created = await client.path('/evaluations').post({
      body: { name: 'good vs worse', startTime: iso(t0), endTime: iso(t1), policies: [GOOD, WORSE] },
    });
    const c = fromRest(created as any);
    conforms('Evaluations_Create', c, 201);
    const body = c.json;
    assert.match(body.id, /^[0-9a-f-]{36}$/);
    assert.equal(c.headers.get('location'), `${server.url}${PREVIEW}/evaluations/${body.id}`);
    assert.deepEqual(
      [body.status, body.jobId, body.name, body.evaluationType, body.optimalPolicy, body.startTime, body.endTime],
      ['pending', body.id, 'good vs worse', 'Manual', '', iso(t0), iso(t1)],
    );
    assert.deepEqual(body.policyResults, [{ ...GOOD, policySource: 'Custom' }, { ...WORSE, policySource: 'Custom' }]);
    assert.ok(Math.abs(Date.parse(body.creationTime) - Date.now()) < 5000, body.creationTime);

    const seen = new Set<string>();
    evaluation = await waitUntil('the evaluation to complete', 110_000, async () => {
      const g = fromRest((await client.path('/evaluations/{evaluationId}', body.id).get()) as any);
      conforms('Evaluations_Get', g, 200);
      seen.add(g.json.status);
      if (g.json.status === 'pending' || g.json.status === 'running') {
        assert.ok(g.json.progress.fraction >= 0 && g.json.progress.fraction <= 1, JSON.stringify(g.json.progress));
        assert.equal(typeof g.json.progress.stage, 'string');
        return undefined;
      }
      return g.json;
    });
    assert.equal(evaluation.status, 'completed', JSON.stringify(evaluation.failureReason));
    assert.equal(evaluation.progress, undefined);
    assert.equal(evaluation.eventCount, logged.length);
    assert.deepEqual(
      evaluation.policyResults.map((p: any) => [p.name, p.policySource]),
      [['Online', 'Online'], ['Baseline1', 'Baseline'], ['BaselineRand', 'Random'], ['good', 'Custom'], ['worse', 'Custom']],
    );
    assert.equal(evaluation.policyResults[0].arguments, ONLINE_POLICY);
    console.log(`evaluation of ${logged.length} events (statuses seen: ${[...seen].join(', ')}):`);
    for (const p of evaluation.policyResults) {
      const t = p.totalSummary;
      console.log(`  ${p.name.padEnd(13)} IPS ${t.averageReward.toFixed(4)} ± ${t.confidenceInterval.toFixed(4)}  SNIPS ${(t.ipsEstimatorNumerator / t.snipsEstimatorDenominator).toFixed(4)}  DR ${t.doublyRobustEstimate.toFixed(4)} ± ${t.doublyRobustConfidenceInterval.toFixed(4)}`);
    }
  });

  test('Baseline1 and BaselineRand equal a direct computation over the logged events; Online is the observed mean and beats both', () => {
    const first = direct(logged, (e) => (e.first ? 1 : 0));
    const uniform = direct(logged, (e) => 1 / e.actions);
    for (const [name, want] of [['Baseline1', first], ['BaselineRand', uniform]] as const) {
      const t = total(evaluation, name);
      assert.equal(t.ipsEstimatorDenominator, want.N, `${name} N`);
      close(t.ipsEstimatorNumerator, want.n, `${name} ipsEstimatorNumerator`);
      close(t.snipsEstimatorDenominator, want.d, `${name} snipsEstimatorDenominator`);
      close(t.sumOfSquares, want.sos, `${name} sumOfSquares`);
      assert.equal(t.nonZeroProbability, want.ne, `${name} nonZeroProbability`);
      close(t.averageReward, want.n / want.N, `${name} averageReward`);
      // Azure's Gaussian interval with the sample variance and z = 1.96, as its Evaluations_Get example has it (estimators.ts).
      close(t.confidenceInterval, 1.96 * Math.sqrt((want.sos - want.n ** 2 / want.N) / (want.N - 1) / want.N), `${name} confidenceInterval`);
    }
    const mean = logged.reduce((s, e) => s + e.reward, 0) / logged.length;
    const online = total(evaluation, 'Online');
    close(online.averageReward, mean, 'Online averageReward', 1e-12);
    close(online.snipsEstimatorDenominator, logged.length, 'Online: every weight is 1');
    close(online.doublyRobustEstimate, mean, 'Online doubly robust = observed mean', 1e-9);
    // The best item is never the first: Baseline1 earns nothing; uniform earns about 1/6.
    assert.equal(total(evaluation, 'Baseline1').ipsEstimatorNumerator, 0);
    assert.ok(online.averageReward > total(evaluation, 'Baseline1').averageReward + 0.2, `online ${online.averageReward}`);
    assert.ok(online.averageReward > total(evaluation, 'BaselineRand').averageReward + 0.2, `online ${online.averageReward}`);
  });

  test('a custom policy with a much worse learning rate scores lower than a good one (IPS and DR)', () => {
    const good = total(evaluation, 'good');
    const worse = total(evaluation, 'worse');
    // On this task -l 1e-5 trails -l 0.02 by about 0.13 (σ of each estimate ≈ 0.015): it needs more events to
    // separate the items, all of which it ranks on the way at the cost of their reward.
    assert.ok(good.averageReward > worse.averageReward + 0.05, `good ${good.averageReward}, worse ${worse.averageReward}`);
    assert.ok(good.doublyRobustEstimate > worse.doublyRobustEstimate + 0.05, `DR good ${good.doublyRobustEstimate}, worse ${worse.doublyRobustEstimate}`);
    assert.equal(good.ipsEstimatorDenominator, logged.length);
  });

  test('summaries: aligned 5-minute bins (PT5M) that add up to the totals; the total covers the range', () => {
    for (const p of evaluation.policyResults) {
      assert.ok(p.summary.length >= 1, p.name);
      const sum = { N: 0, n: 0, d: 0, ne: 0, sos: 0 };
      for (const b of p.summary) {
        assert.equal(b.aggregateTimeWindow, 'PT5M');
        assert.equal(Date.parse(b.timeStamp) % 300_000, 0, b.timeStamp);
        assert.ok(Date.parse(b.timeStamp) + 300_000 > t0 && Date.parse(b.timeStamp) < t1, b.timeStamp);
        sum.N += b.ipsEstimatorDenominator;
        sum.n += b.ipsEstimatorNumerator;
        sum.d += b.snipsEstimatorDenominator;
        sum.ne += b.nonZeroProbability;
        sum.sos += b.sumOfSquares;
      }
      const t = p.totalSummary;
      assert.equal(sum.N, t.ipsEstimatorDenominator, p.name);
      assert.equal(sum.ne, t.nonZeroProbability, p.name);
      close(sum.n, t.ipsEstimatorNumerator, `${p.name} numerator`);
      close(sum.d, t.snipsEstimatorDenominator, `${p.name} snips denominator`);
      close(sum.sos, t.sumOfSquares, `${p.name} sum of squares`);
      assert.equal(t.timeStamp, iso(t1));
      assert.equal(t.aggregateTimeWindow, `PT${Math.round((t1 - t0) / 1000)}S`);
    }
  });

  test('raw v1.0: GET one and the list conform; the list is newest first with totals and no bins', async () => {
    const second = await api.post('/evaluations', { name: 'baselines only', startTime: iso(t0), endTime: iso(t1), policies: [] });
    conforms('Evaluations_Create', second, 201);
    assert.equal(second.headers.get('location'), `${server.base}/evaluations/${second.json.id}`);
    const done = await waitUntil('the second evaluation', 60_000, async () => {
      const g = await api.get(`/evaluations/${second.json.id}`);
      conforms('Evaluations_Get', g, 200);
      return g.json.status === 'completed' ? g.json : undefined;
    });
    // The same events give the same baseline figures.
    assert.deepEqual(total(done, 'BaselineRand'), total(evaluation, 'BaselineRand'));
    const one = await api.get(`/evaluations/${evaluation.id}`);
    conforms('Evaluations_Get', one, 200);
    assert.deepEqual(one.json, evaluation);

    const list = await api.get('/evaluations');
    conforms('Evaluations_List', list, 200);
    assert.deepEqual(list.json.map((e: any) => e.id), [second.json.id, evaluation.id]);
    const listed = list.json[1];
    assert.ok(listed.policyResults.every((p: any) => p.summary === undefined && p.totalSummary !== undefined));
    assert.deepEqual(listed.policyResults.map((p: any) => p.totalSummary), evaluation.policyResults.map((p: any) => p.totalSummary));
    const viaClient = fromRest((await client.path('/evaluations').get()) as any);
    conforms('Evaluations_List', viaClient, 200);
    assert.deepEqual(viaClient.json, list.json);
  });

  test('applyFromEvaluation: refuses baselines, unknown names and ids and unfinished evaluations; makes the good policy live', { timeout: 600_000 }, async () => {
    const apply = async (body: unknown, raw = false): Promise<HttpResult> =>
      raw ? api.post('/configurations/applyFromEvaluation', body) : fromRest((await client.path('/configurations/applyFromEvaluation').post({ body: body as any })) as any);
    const op = 'ServiceConfiguration_ApplyFromEvaluation';
    refused(op, await apply({ evaluationId: evaluation.id, policyName: 'Baseline1' }), 400, 'InvalidPolicyConfiguration', /Baseline1.*cannot be applied/);
    refused(op, await apply({ evaluationId: evaluation.id, policyName: 'BaselineRand' }, true), 400, 'InvalidPolicyConfiguration');
    refused(op, await apply({ evaluationId: evaluation.id, policyName: 'no such policy' }), 400, 'LearningSettingsNotFound', /'no such policy'/);
    refused(op, await apply({ evaluationId: 'no-such-evaluation', policyName: 'good' }), 404, 'EvaluationNotFound');
    refused(op, await apply({ evaluationId: evaluation.id }, true), 400, 'BadRequest', /policyName/);
    refused(op, await apply({ evaluationId: 7, policyName: 'good' }, true), 400, 'BadRequest');

    // Unfinished: refused while it runs, then deleted (stopped), then gone.
    const many = Array.from({ length: 20 }, (_, i) => ({ name: `p${i}`, arguments: `--cb_explore_adf --epsilon 0.2 -l ${0.001 * (i + 1)} --cb_type ips -q ::` }));
    const running = fromRest((await client.path('/evaluations').post({ body: { name: 'unfinished', startTime: iso(t0), endTime: iso(t1), policies: many } })) as any);
    conforms('Evaluations_Create', running, 201);
    refused(op, await apply({ evaluationId: running.json.id, policyName: 'p0' }), 400, 'OperationNotAllowed', /(pending|running)/);
    conforms('Evaluations_Delete', fromRest((await client.path('/evaluations/{evaluationId}', running.json.id).delete()) as any), 204);
    refused('Evaluations_Get', await api.get(`/evaluations/${running.json.id}`), 404, 'EvaluationNotFound');
    const again = await api.delete(`/evaluations/${running.json.id}`);
    assert.equal(again.status, 404, show(again));
    assert.equal(again.json.error.code, 'EvaluationNotFound');

    // "online" (the spec example's spelling) changes nothing.
    conforms(op, await apply({ evaluationId: evaluation.id, policyName: 'online' }), 204);
    assert.equal((await api.get('/configurations/policy')).json.arguments, ONLINE_POLICY);
    conforms(op, await apply({ evaluationId: evaluation.id, policyName: 'good' }), 204);
    const policy = await api.get('/configurations/policy');
    assert.deepEqual(policy.json, GOOD);
    // And the loop keeps ranking while its model is retrained from the log.
    assert.equal((await api.rank({ contextFeatures: [{ user: { type: 't0' } }], actions: ACTIONS })).status, 201);
  });

  test('bad input: every contract error is a 4xx in the error shape with its code, never a 5xx', async () => {
    const ok = { name: 'bad input', startTime: iso(t0), endTime: iso(t1), policies: [] as unknown[] };
    const cases: [string, unknown, number, string, RegExp?][] = [
      ['empty body', {}, 400, 'InvalidEvaluationContract'],
      ['no name', { ...ok, name: undefined }, 400, 'InvalidEvaluationContract', /name/],
      ['empty name', { ...ok, name: '' }, 400, 'InvalidEvaluationContract', /name/],
      ['name of 257', { ...ok, name: 'n'.repeat(257) }, 400, 'InvalidEvaluationContract', /name/],
      ['no startTime', { ...ok, startTime: undefined }, 400, 'InvalidEvaluationContract', /startTime/],
      ['no endTime', { ...ok, endTime: undefined }, 400, 'InvalidEvaluationContract', /endTime/],
      ['no policies', { ...ok, policies: undefined }, 400, 'InvalidEvaluationContract', /policies/],
      ['malformed startTime', { ...ok, startTime: 'yesterday' }, 400, 'InvalidEvaluationContract', /startTime/],
      ['a date without a time', { ...ok, endTime: '2024-01-19' }, 400, 'InvalidEvaluationContract', /endTime/],
      ['a day that does not exist', { ...ok, endTime: '2024-02-30T00:00:00Z' }, 400, 'InvalidEvaluationContract', /endTime/],
      ['start after end', { ...ok, startTime: iso(t1), endTime: iso(t0) }, 400, 'InvalidEvaluationContract', /startTime: must be before endTime/],
      ['empty range', { ...ok, startTime: iso(t0), endTime: iso(t0) }, 400, 'InvalidEvaluationContract'],
      ['a range without logs', { ...ok, startTime: '2000-01-01T00:00:00Z', endTime: '2000-02-01T00:00:00Z' }, 400, 'NoLogsExistInDateRange'],
      ['policies not an array', { ...ok, policies: 'all' }, 400, 'InvalidEvaluationContract', /policies/],
      ['a policy without arguments', { ...ok, policies: [{ name: 'x' }] }, 400, 'InvalidEvaluationContract', /arguments/],
      ['arguments of 1025', { ...ok, policies: [{ name: 'x', arguments: '--cb_adf ' + ' '.repeat(1017) }] }, 400, 'InvalidEvaluationContract', /arguments/],
      ['a policy name of 257', { ...ok, policies: [{ name: 'p'.repeat(257), arguments: '--cb_adf' }] }, 400, 'InvalidEvaluationContract', /name/],
      ['an argument the engine lacks', { ...ok, policies: [{ name: 'rnd', arguments: '--cb_explore_adf --rnd 5' }] }, 400, 'InvalidEvaluationContract', /^policies\[0\] 'rnd': --rnd: /],
      ['an argument out of range', { ...ok, policies: [{ name: 'eps', arguments: '--cb_explore_adf --epsilon 2' }] }, 400, 'InvalidEvaluationContract', /'eps': --epsilon/],
      ['two policies of one name', { ...ok, policies: [GOOD, GOOD] }, 400, 'DuplicateCustomPolicyNames', /'good'/],
      ['a built-in name', { ...ok, policies: [{ name: 'Online', arguments: '--cb_adf' }] }, 400, 'DuplicateCustomPolicyNames', /built-in/],
      ['enableOfflineExperimentation not a boolean', { ...ok, enableOfflineExperimentation: 'yes' }, 400, 'InvalidEvaluationContract', /enableOfflineExperimentation/],
    ];
    for (const [what, body, status, code, message] of cases) {
      const r = await api.post('/evaluations', body);
      assert.equal(r.status, status, `${what}: ${show(r)}`);
      refused('Evaluations_Create', r, status, code, message);
    }
    const notJson = await api.post('/evaluations', undefined, { raw: '{"name":', contentType: 'application/json' });
    refused('Evaluations_Create', notJson, 400, 'BadRequest');
    const tooLong = await api.get(`/evaluations/${'x'.repeat(257)}`);
    assert.ok(tooLong.status >= 400 && tooLong.status < 500, show(tooLong));
    assert.equal(typeof tooLong.json.error.code, 'string');
    // Nothing was stored by any of them.
    assert.ok((await api.get('/evaluations')).json.every((e: any) => e.name !== 'bad input'));
    assert.doesNotMatch(server.output(), /"statusCode":5\d\d/);
  });

  test('the other preview base paths answer the same routes; no route answers without the key', async () => {
    for (const version of ['v1.1-preview.1', 'v1.1-preview.2', 'v1.1-preview.3']) {
      const other = new Api(`${server.url}/personalizer/${version}`, server.key);
      const list = await other.get('/evaluations');
      conforms('Evaluations_List', list, 200);
      assert.equal(list.json.length, 2, version);
      assert.equal((await other.get('/evaluations', { key: null })).status, 401);
      assert.equal((await other.post('/configurations/applyFromEvaluation', { evaluationId: 'x', policyName: 'y' }, { key: 'wrong' })).status, 401);
    }
  });
});

describe('kill -9 mid-evaluation, then a restart on the same store', { skip: built }, () => {
  let dir: TestStore;
  let server: RunningServer & { cleanup(): void };

  before(async () => {
    dir = await tempStore();
  });
  after(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  test('the evaluation is resumed and completes: never left running', { timeout: 600_000 }, async () => {
    const store = dir.url;
    server = await startServer({ store });
    let api = new Api(server.base, server.key);
    const t0 = Date.now() - 1;
    // Rewards at random: no learning is needed here, only events to replay.
    const logged = await simulate(api, 2000, { reward: () => (Math.random() < 0.3 ? 1 : 0), prefix: 'k' });
    const t1 = Date.now() + 1;
    // 64 custom policies (the most an evaluation takes): a job of several seconds.
    const policies = Array.from({ length: 64 }, (_, i) => ({
      name: `p${i}`,
      arguments: `--cb_explore_adf --epsilon 0.2 -l ${(0.0005 * (i + 1)).toFixed(4)} --cb_type ${['ips', 'mtr', 'dr'][i % 3]} -q ::`,
    }));
    const created = await api.post('/evaluations', { name: 'interrupted', startTime: new Date(t0).toISOString(), endTime: new Date(t1).toISOString(), policies });
    assert.equal(created.status, 201, show(created));
    const id = created.json.id;
    // Killed in the middle of the replay.
    const running = await waitUntil('the evaluation to run', 60_000, async () => {
      const g = await api.get(`/evaluations/${id}`);
      assert.notEqual(g.json.status, 'completed', 'the evaluation completed before it could be interrupted: make it longer');
      const { fraction, stage } = g.json.progress ?? {};
      return g.json.status === 'running' && fraction > 0.05 && fraction < 1 && !/reading|starting|storing/.test(stage) ? g.json : undefined;
    });
    assert.ok(running.progress.fraction < 1, JSON.stringify(running.progress));
    await server.kill9();

    server = await startServer({ store });
    api = new Api(server.base, server.key);
    const statuses: string[] = [];
    const done = await waitUntil('the resumed evaluation', 150_000, async () => {
      const g = await api.get(`/evaluations/${id}`);
      assert.equal(g.status, 200, show(g));
      if (statuses[statuses.length - 1] !== g.json.status) statuses.push(g.json.status);
      return g.json.status === 'pending' || g.json.status === 'running' ? undefined : g.json;
    });
    assert.equal(done.status, 'completed', `${done.status}: ${done.failureReason}`);
    assert.equal(done.policyResults.length, 3 + policies.length);
    assert.equal(done.eventCount, logged.length);
    assert.match(server.output(), /evaluations left unfinished are queued again/);
    console.log(`kill -9 at ${(running.progress.fraction * 100).toFixed(0)}% (${running.progress.stage}); after the restart: ${statuses.join(' → ')}`);
  });
});

/**
 * Turns auto-optimization on with its first run due an hour ago and waits for that run's outcome. Shared by the
 * end-to-end cases (a loop where no policy beats the online one; one where a clearly better policy exists).
 */
async function firstAutoRun(api: Api, timeoutMs: number): Promise<any> {
  const cfg = (await api.get('/configurations/service')).json;
  const put = await api.put('/configurations/service', {
    ...cfg,
    isAutoOptimizationEnabled: true,
    autoOptimizationFrequency: 'P1D',
    autoOptimizationStartDate: new Date(Date.now() - 3_600_000).toISOString(),
  });
  assert.equal(put.status, 200, show(put));
  return waitUntil('the first auto-optimization run', timeoutMs, async () => {
    const list = await api.get('/evaluations');
    const auto = list.json.find((e: any) => e.evaluationType === 'Auto');
    return auto && (auto.status === 'optimalPolicyApplied' || auto.status === 'onlinePolicyRetained' || auto.status === 'failed') ? auto : undefined;
  });
}

describe('auto-optimization end to end', { skip: built }, () => {
  let server: RunningServer & { cleanup(): void };
  let dir: TestStore;
  before(async () => {
    dir = await tempStore();
  });
  after(async () => {
    await server?.stop();
    await dir?.cleanup();
  });

  test('with no better policy to find, the run completes as onlinePolicyRetained; a restart does not run it again', { timeout: 600_000 }, async () => {
    const store = dir.url;
    server = await startServer({ store });
    let api = new Api(server.base, server.key);
    // Every reward is 0: every policy's estimate is exactly the online one's.
    await simulate(api, 300, { reward: () => 0, prefix: 'auto' });
    const policy = (await api.get('/configurations/policy')).json;

    const auto = await firstAutoRun(api, 150_000);
    assert.equal(auto.status, 'onlinePolicyRetained', JSON.stringify(auto.failureReason ?? auto.decisionReason));
    assert.match(auto.name, /^Auto-\d{4}-\d\d-\d\dT/);
    assert.equal(typeof auto.decisionReason, 'string');
    assert.equal(auto.eventCount, 300);
    assert.equal(Date.parse(auto.endTime) - Date.parse(auto.startTime), 14 * 86_400_000);
    assert.deepEqual((await api.get('/configurations/policy')).json, policy, 'the online policy is kept');
    // The configuration reads back its auto-optimization fields, under v1.0 and the preview.
    for (const base of [server.base, `${server.url}${PREVIEW}`]) {
      const c = (await new Api(base, server.key).get('/configurations/service')).json;
      assert.deepEqual([c.isAutoOptimizationEnabled, c.autoOptimizationFrequency, typeof c.autoOptimizationStartDate], [true, 'P1D', 'string']);
    }

    await server.stop();
    server = await startServer({ store });
    api = new Api(server.base, server.key);
    await sleep(2000); // four maintenance ticks
    const autos = (await api.get('/evaluations')).json.filter((e: any) => e.evaluationType === 'Auto');
    assert.deepEqual(autos.map((e: any) => e.id), [auto.id], 'the next run is due a day later');
  });
});

// A loop whose live policy cannot learn what pays: no interactions (the reward depends on user type × item) and a
// learning rate of 1e-5. Optimization discovery finds the interaction; auto-optimization applies it.
describe('optimization discovery and auto-optimization with a clearly better policy', { skip: built }, () => {
  const WEAK = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.00001 --cb_type ips';
  let server: RunningServer & { cleanup(): void };
  let api: Api;
  let t0: number;
  let t1: number;
  before(async () => {
    server = await startServer();
    api = new Api(server.base, server.key);
    const cfg = (await api.get('/configurations/service')).json;
    assert.equal((await api.put('/configurations/service', { ...cfg, rewardWaitTime: 'PT1S', rewardAggregation: 'earliest' })).status, 200);
    assert.equal((await api.put('/configurations/policy', { name: 'weak', arguments: WEAK })).status, 200);
    t0 = Date.now() - 1;
    await simulate(api, 1500, { prefix: 'weak' });
    t1 = Date.now() + 1;
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('a Manual evaluation with enableOfflineExperimentation names a discovered policy that beats Online', { timeout: 600_000 }, async () => {
    const created = await api.post('/evaluations', { name: 'discover', startTime: iso(t0), endTime: iso(t1), policies: [], enableOfflineExperimentation: true });
    assert.equal(created.status, 201, show(created));
    const done = await waitUntil('the discovery evaluation', 150_000, async () => {
      const g = await api.get(`/evaluations/${created.json.id}`);
      return g.json.status === 'completed' || g.json.status === 'failed' ? g.json : undefined;
    });
    assert.equal(done.status, 'completed', JSON.stringify(done.failureReason));
    const discovered = done.policyResults.filter((p: any) => p.policySource === 'OfflineExperimentation');
    assert.ok(discovered.length >= 1, 'discovery adds its policies');
    for (const p of discovered) assert.match(p.name, /^(Hyper\d|Inter-len\d+|SquareCB)$/);
    const optimal = done.policyResults.find((p: any) => p.name === done.optimalPolicy);
    assert.ok(optimal && optimal.policySource === 'OfflineExperimentation', `optimalPolicy ${done.optimalPolicy}`);
    assert.match(optimal.arguments, /(-q|--quadratic) (::|u:|:i|ui|iu)/, 'the winner interacts user and item');
    const online = done.policyResults.find((p: any) => p.name === 'Online').totalSummary;
    assert.ok(optimal.totalSummary.averageReward >= online.averageReward + 0.2, `${optimal.totalSummary.averageReward} vs Online ${online.averageReward}`);
    // Feature importance: the user's type and the item decide the reward, so they lead.
    assert.ok(done.featureImportance.length >= 2, JSON.stringify(done.featureImportance));
  });

  test('auto-optimization applies it: its lower 95% bound clears the online one; the policy becomes live', { timeout: 600_000 }, async () => {
    const auto = await firstAutoRun(api, 200_000);
    assert.equal(auto.status, 'optimalPolicyApplied', JSON.stringify(auto.failureReason ?? auto.decisionReason));
    const full = (await api.get(`/evaluations/${auto.id}`)).json;
    const best = full.policyResults.find((p: any) => p.name === full.optimalPolicy);
    const online = full.policyResults.find((p: any) => p.name === 'Online').totalSummary;
    const lower = (s: any): number => s.averageReward - s.confidenceInterval;
    assert.ok(best.totalSummary.averageReward > online.averageReward && lower(best.totalSummary) > lower(online));
    const live = (await api.get('/configurations/policy')).json;
    assert.equal(live.arguments, best.arguments, 'the applied policy is live');
  });
});

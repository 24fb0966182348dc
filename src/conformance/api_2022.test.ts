// 2022-09-01-preview (the Python azure-ai-personalizer SDK's version: /personalizer/…?api-version=2022-09-01-preview)
// against a real server process, in raw HTTP requests: the version rules (docs/api-versions.md), every operation
// with its success status, the errors with x-ms-error-code, every answer checked against that version's
// declarations (openapi_2022.ts); its own evaluations (client ids, time series, paging, filter) and feature
// importances, with figures checked against what the test itself sent.

import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Api, pool, serverAvailable, serverEntry, show, sleep, startServer, tempDir, type HttpResult, type RunningServer } from './harness.js';
import type { LoadedSpec } from './openapi.js';
import { loadSpec2022, OPERATION_COUNT } from './openapi_2022.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing): run tsc first`);

const VERSION = 'api-version=2022-09-01-preview';
const DEFAULT_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';
const LEARNING_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';
const TYPES = ['t0', 't1', 't2'];
const ITEMS = ['alpha', 'bravo', 'charlie', 'delta'];
const BEST: Record<string, string> = { t0: 'bravo', t1: 'delta', t2: 'charlie' };
const ACTIONS = ITEMS.map((name) => ({ id: name, features: [{ item: { name } }] }));
const iso = (ms: number): string => new Date(ms).toISOString();
const q = (path: string, extra = ''): string => `${path}${path.includes('?') ? '&' : '?'}${VERSION}${extra}`;

async function waitFor<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('2022-09-01-preview against a real server (raw requests, checked against its declarations)', { skip }, () => {
  let spec: LoadedSpec;
  let server: RunningServer & { cleanup(): Promise<void> };
  let api: Api;
  let out: { dir: string; cleanup(): void };
  /** The events logged: their time range and the mean reward the loop got (Online's estimate). */
  let t0 = 0;
  let t1 = 0;
  let rewards: number[] = [];

  const conforms = (operationId: string, r: HttpResult, status: number): void => {
    assert.equal(r.status, status, `${operationId}: ${show(r)}`);
    assert.deepEqual(spec.check(operationId, r), []);
  };
  const refused = (operationId: string, r: HttpResult, status: number, code: string): void => {
    conforms(operationId, r, status);
    assert.deepEqual(Object.keys(r.json), ['error'], show(r));
    assert.equal(r.json.error.code, code, show(r));
    assert.equal(r.headers.get('x-ms-error-code'), code, 'x-ms-error-code');
  };

  before(async () => {
    spec = loadSpec2022();
    out = tempDir('personalizer-2022-out-');
    server = await startServer({ args: [`Mounts:Output=${out.dir}`] });
    api = new Api(`${server.url}/personalizer`, server.key);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
    out?.cleanup();
  });

  test('the declarations cover the version\'s 28 operations', () => {
    assert.equal(OPERATION_COUNT, 28);
    assert.equal(spec.operations.size, 28);
  });

  test('api-version: missing 400 MissingApiVersionParameter, unknown 400 UnsupportedApiVersionValue; an unknown path version 404 UnsupportedApiVersionValue', async () => {
    for (const [method, path] of [['GET', '/configurations/service'], ['POST', '/rank'], ['GET', '/evaluations'], ['PUT', '/featureImportances/x'], ['DELETE', '/logs']] as const) {
      const missing = await api.call(method, path, method === 'POST' || method === 'PUT' ? { body: {} } : {});
      refused('ServiceConfiguration_Get', missing, 400, 'MissingApiVersionParameter');
      assert.match(missing.json.error.message, /api-version/);
      const wrong = await api.call(method, `${path}?api-version=2023-01-01`, method === 'POST' || method === 'PUT' ? { body: {} } : {});
      refused('ServiceConfiguration_Get', wrong, 400, 'UnsupportedApiVersionValue');
      assert.match(wrong.json.error.message, /2023-01-01.*2022-09-01-preview/);
    }
    // Nothing was done by the refused DELETE /logs or PUT.
    assert.equal((await api.get(q('/featureImportances/x'))).status, 404);
    const v9 = await new Api(`${server.url}/personalizer/v9`, server.key).rank({ actions: ACTIONS });
    assert.deepEqual([v9.status, v9.json.error.code, v9.headers.get('x-ms-error-code')], [404, 'UnsupportedApiVersionValue', 'UnsupportedApiVersionValue']);
    assert.match(v9.json.error.message, /v1\.0.*v1\.1-preview\.3.*2022-09-01-preview/);
    const preview = await new Api(`${server.url}/personalizer/v1.0`, server.key).post('/multislot/rank', {});
    assert.deepEqual([preview.status, preview.json.error.code], [404, 'ResourceNotFound']);
    assert.match(preview.json.error.message, /v1\.1-preview\.3/);
    const unknownOp = await api.get(q('/nothing'));
    assert.deepEqual([unknownOp.status, unknownOp.json.error.code, unknownOp.headers.get('x-ms-error-code')], [404, 'ResourceNotFound', 'ResourceNotFound']);
    // Without the key the gateway's 401 comes first, with the header too.
    const noKey = await api.get('/configurations/service', { key: null });
    assert.deepEqual([noKey.status, noKey.headers.get('x-ms-error-code')], [401, '401']);
  });

  test('configurations: GET/PUT service 200 with modelRetrainDays 0; another modelRetrainDays 400 InvalidModelRetrainDays; policy GET/PUT/DELETE 200', async () => {
    const g = await api.get(q('/configurations/service'));
    conforms('ServiceConfiguration_Get', g, 200);
    assert.equal(g.json.modelRetrainDays, 0);
    const put = await api.put(q('/configurations/service'), { ...g.json, rewardWaitTime: 'PT1S', modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' });
    conforms('ServiceConfiguration_Update', put, 200);
    assert.deepEqual([put.json.rewardWaitTime, put.json.modelRetrainDays], ['PT1S', 0]);
    refused('ServiceConfiguration_Update', await api.put(q('/configurations/service'), { ...g.json, modelRetrainDays: 7 }), 400, 'InvalidModelRetrainDays');
    refused('ServiceConfiguration_Update', await api.put(q('/configurations/service'), { ...g.json, defaultReward: 3 }), 400, 'InvalidServiceConfiguration');
    // The v1.0 copy of the same configuration does not carry the 2022 field.
    assert.equal((await new Api(`${server.url}/personalizer/v1.0`, server.key).get('/configurations/service')).json.modelRetrainDays, undefined);

    conforms('Policy_Get', await api.get(q('/configurations/policy')), 200);
    const p = await api.put(q('/configurations/policy'), { name: 'learning', arguments: LEARNING_POLICY });
    conforms('Policy_Update', p, 200);
    assert.equal(p.json.arguments, LEARNING_POLICY);
    refused('Policy_Update', await api.put(q('/configurations/policy'), { name: 'x', arguments: '--nope' }), 400, 'InvalidPolicyConfiguration');
  });

  test('rank 201, reward 204, activate 204 (600 events of a task where the user type decides the reward); their errors', async () => {
    t0 = Date.now() - 1;
    let rng = 7;
    const next = (): number => (rng = (rng * 1103515245 + 12345) % 2147483648);
    const plan = Array.from({ length: 600 }, () => ({ type: TYPES[next() % 3]!, noise: `n${next() % 5}` }));
    rewards = await pool(plan, 4, async ({ type, noise }, i) => {
      const eventId = `e22-${i}`;
      const r = await api.post(q('/rank'), { contextFeatures: [{ user: { type } }, { noise: { value: noise } }], actions: ACTIONS, eventId, deferActivation: i % 50 === 0 });
      conforms('Rank', r, 201);
      if (i % 50 === 0) conforms('Events_Activate', await api.call('POST', q(`/events/${eventId}/activate`), { contentType: null }), 204);
      const reward = r.json.rewardActionId === BEST[type] ? 1 : 0;
      conforms('Events_Reward', await api.post(q(`/events/${eventId}/reward`), { value: reward }), 204);
      return reward;
    });
    t1 = Date.now() + 1;
    refused('Rank', await api.post(q('/rank'), { actions: [] }), 400, 'InvalidRankRequest');
    refused('Events_Reward', await api.post(q('/events/e22-1/reward'), { value: 'high' }), 400, 'InvalidRewardRequest');
    refused('Events_Activate', await api.call('POST', q(`/events/${'x'.repeat(257)}/activate`), { contentType: null }), 400, 'InvalidEventIdToActivate');
  });

  test('evaluations: PUT 200 (409 EvaluationAlreadyExists again), GET until Succeeded with a time series, paged and filtered lists, DELETE 204', { timeout: 600_000 }, async () => {
    const contract = { name: 'first', startTime: iso(t0), endTime: iso(t1), policies: [{ name: 'slow', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.0001 --cb_type ips -q ::' }], enablePolicyOptimization: false };
    const created = await waitFor('the events to be joined', 20_000, async () => {
      const r = await api.put(q('/evaluations/e-1'), contract);
      return r.json?.error?.code === 'NoLogsExistInDateRange' ? undefined : r;
    });
    conforms('Evaluations_Create', created, 200);
    assert.equal(created.bytes.length, 0);
    refused('Evaluations_Create', await api.put(q('/evaluations/e-1'), contract), 409, 'EvaluationAlreadyExists');
    refused('Evaluations_Create', await api.put(q('/evaluations/e-2'), { ...contract, policies: 'none' }), 400, 'InvalidEvaluationContract');
    for (const id of ['e-2', 'e-3']) conforms('Evaluations_Create', await api.put(q(`/evaluations/${id}`), { ...contract, name: id, policies: [] }), 200);

    const range = `&startTime=${iso(t0)}&endTime=${iso(t1)}`;
    const done = await waitFor('e-1 to succeed', 200_000, async () => {
      const g = await api.get(q('/evaluations/e-1', range));
      conforms('Evaluations_Get', g, 200);
      assert.ok(['NotSubmitted', 'Running', 'Succeeded'].includes(g.json.status), show(g));
      return g.json.status === 'Succeeded' ? g.json : undefined;
    });
    assert.deepEqual([done.id, done.name, done.evaluationType, done.startTime, done.endTime], ['e-1', 'first', 'Manual', iso(t0), iso(t1)]);
    assert.equal(done.content.intervalInMinutes, 5);
    const byName = new Map<string, any>(done.content.value.map((p: any) => [p.name, p]));
    assert.deepEqual([...byName.keys()].sort(), ['Baseline1', 'BaselineRand', 'Online', 'slow'].sort());
    // Online's estimate is the mean reward the loop got, over the events evaluated (the 12 deferred and activated ones
    // are joined like the others).
    const online = byName.get('Online');
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    assert.ok(Math.abs(online.summary.expectedReward - mean) < 1e-9, `${online.summary.expectedReward} vs ${mean}`);
    const [lo, hi] = online.summary.confidenceInterval;
    assert.ok(lo < mean && mean < hi && hi - lo < 0.2, JSON.stringify(online.summary));
    // Expanding: the last point covers the whole range, so it is the summary.
    const last = online.timeseries.data.at(-1);
    assert.ok(Math.abs(last.expectedReward - online.summary.expectedReward) < 1e-12);
    assert.deepEqual(last.confidenceInterval, online.summary.confidenceInterval);
    for (const point of online.timeseries.data) assert.equal(Date.parse(point.timeStamp) % 300_000, 0, point.timeStamp);
    // Rolling over hours: each point one clock hour.
    const rolling = await api.get(q('/evaluations/e-1', `${range}&intervalInMinutes=60&window=Rolling`));
    conforms('Evaluations_Get', rolling, 200);
    const hourly = rolling.json.content.value.find((p: any) => p.name === 'Online');
    assert.ok(hourly.timeseries.data.length >= 1 && hourly.timeseries.data.length <= 2);
    for (const point of hourly.timeseries.data) assert.equal(Date.parse(point.timeStamp) % 3_600_000, 0, point.timeStamp);
    refused('Evaluations_Get', await api.get(q('/evaluations/e-1', `${range}&intervalInMinutes=7`)), 400, 'BadRequest');
    refused('Evaluations_Get', await api.get(q('/evaluations/e-1', `${range}&intervalInMinutes=5&window=Rolling`)), 400, 'BadRequest');
    refused('Evaluations_Get', await api.get(q('/evaluations/e-1')), 400, 'BadRequest');
    refused('Evaluations_Get', await api.get(q('/evaluations/nope', range)), 404, 'EvaluationNotFound');

    // Paging: newest first, two per page, the link carrying the rest of the query.
    const page1 = await api.get(q('/evaluations', '&maxpagesize=2'));
    conforms('Evaluations_List', page1, 200);
    assert.deepEqual(page1.json.value.map((e: any) => e.id), ['e-3', 'e-2']);
    const link = new URL(page1.json.nextLink);
    assert.deepEqual([link.pathname, link.searchParams.get('api-version'), link.searchParams.get('skip'), link.searchParams.get('maxpagesize')], ['/personalizer/evaluations', '2022-09-01-preview', '2', '2']);
    const page2 = await api.call('GET', link.pathname.replace('/personalizer', '') + link.search);
    conforms('Evaluations_List', page2, 200);
    assert.deepEqual([page2.json.value.map((e: any) => e.id), page2.json.nextLink], [['e-1'], undefined]);
    // A client that adds its own api-version to the link gets the same page.
    assert.deepEqual((await api.call('GET', `${link.pathname.replace('/personalizer', '')}${link.search}&${VERSION}`)).json, page2.json);
    assert.deepEqual((await api.get(q('/evaluations', '&top=1'))).json, { value: [(await api.get(q('/evaluations', '&top=1'))).json.value[0]] });
    const manual = await api.get(q('/evaluations', `&filter=${encodeURIComponent("evaluationType eq 'Manual' and name eq 'first'")}`));
    assert.deepEqual(manual.json.value.map((e: any) => e.id), ['e-1']);
    refused('Evaluations_List', await api.get(q('/evaluations', `&filter=${encodeURIComponent('evaluationType gt 3')}`)), 400, 'BadRequest');
    refused('Evaluations_List', await api.get(q('/evaluations', '&maxpagesize=0')), 400, 'BadRequest');

    for (const id of ['e-1', 'e-2', 'e-3']) conforms('Evaluations_Delete', await api.delete(q(`/evaluations/${id}`)), 204);
    refused('Evaluations_Delete', await api.delete(q('/evaluations/e-1')), 404, 'EvaluationNotFound');
    assert.deepEqual((await api.get(q('/evaluations'))).json, { value: [] });
  });

  test('feature importances: PUT 200 (409 again), GET until Succeeded (the user type matters, the noise does not), list, DELETE 204', { timeout: 600_000 }, async () => {
    const contract = { name: 'what matters', startTime: iso(t0), endTime: iso(t1) };
    conforms('FeatureImportances_Create', await api.put(q('/featureImportances/fi-1'), contract), 200);
    refused('FeatureImportances_Create', await api.put(q('/featureImportances/fi-1'), contract), 409, 'FeatureImportanceAlreadyExists');
    refused('FeatureImportances_Create', await api.put(q('/featureImportances/fi-2'), { ...contract, endTime: contract.startTime }), 400, 'InvalidContract');
    refused('FeatureImportances_Create', await api.put(q('/featureImportances/fi-2'), { name: 'x' }), 400, 'InvalidContract');
    const done = await waitFor('fi-1 to succeed', 200_000, async () => {
      const g = await api.get(q('/featureImportances/fi-1'));
      conforms('FeatureImportances_Get', g, 200);
      return g.json.status === 'Succeeded' ? g.json : g.json.status === 'Failed' ? assert.fail(show(g)) : undefined;
    });
    assert.deepEqual([done.id, done.name, done.startTime, done.endTime], ['fi-1', 'what matters', iso(t0), iso(t1)]);
    const scores: { namespace: string; featureName?: string; score: number }[] = done.featureScores;
    assert.ok(scores.length >= 3, JSON.stringify(scores));
    for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1]!.score >= scores[i]!.score, 'most important first');
    for (const s of scores) assert.ok(s.score >= 0 && s.score <= 1, JSON.stringify(s));
    const ns = (name: string) => scores.find((s) => s.namespace === name && s.featureName === undefined);
    assert.equal(Math.max(ns('user')!.score, ns('item')!.score), 1, JSON.stringify(scores));
    assert.ok(ns('noise')!.score < 0.5 * ns('user')!.score, JSON.stringify(scores));

    const list = await api.get(q('/featureImportances'));
    conforms('FeatureImportances_List', list, 200);
    assert.deepEqual(list.json.value.map((f: any) => [f.id, f.status]), [['fi-1', 'Succeeded']]);
    // Not an evaluation, under any version.
    assert.deepEqual((await api.get(q('/evaluations'))).json.value, []);
    assert.deepEqual((await new Api(`${server.url}/personalizer/v1.0`, server.key).get('/evaluations')).json, []);
    conforms('FeatureImportances_Delete', await api.delete(q('/featureImportances/fi-1')), 204);
    refused('FeatureImportances_Get', await api.get(q('/featureImportances/fi-1')), 404, 'FeatureImportanceNotFound');
    refused('FeatureImportances_Delete', await api.delete(q('/featureImportances/fi-1')), 404, 'FeatureImportanceNotFound');
  });

  test('applyFromEvaluation 204; logs: interactions and observations 204, properties 200, DELETE 204; model: GET 200, properties 200, DELETE 204', async () => {
    refused('ServiceConfiguration_ApplyFromEvaluation', await api.post(q('/configurations/applyFromEvaluation'), { evaluationId: 'gone', policyName: 'Online' }), 404, 'EvaluationNotFound');
    for (const [kind, op] of [['interactions', 'Log_Interactions'], ['observations', 'Log_Observations']] as const) {
      conforms(op, await api.call('POST', q(`/logs/${kind}`), { raw: new Uint8Array([1, 2, 3]), contentType: 'application/octet-stream' }), 204);
      refused(op, await api.call('POST', q(`/logs/${kind}`), { raw: new Uint8Array(0), contentType: 'application/octet-stream' }), 400, 'InvalidRequest');
    }
    conforms('Log_GetProperties', await api.get(q('/logs/properties')), 200);
    const model = await api.get(q('/model'));
    conforms('Model_Get', model, 200);
    assert.ok(model.bytes.length > 100);
    conforms('Model_GetProperties', await api.get(q('/model/properties')), 200);
    conforms('Model_Reset', await api.delete(q('/model')), 204);
    conforms('Log_Delete', await api.delete(q('/logs')), 204);
    assert.deepEqual((await api.get(q('/logs/properties'))).json, {});
    conforms('Policy_Reset', await api.delete(q('/configurations/policy')), 200);
    assert.equal((await api.get(q('/configurations/policy'))).json.arguments, DEFAULT_POLICY);
  });

  test('multi-slot under 2022-09-01-preview: a single-slot loop answers 400 InvalidMultiSlotApiAccess', async (t: TestContext) => {
    const ms = await api.post(q('/multislot/rank'), { actions: ACTIONS, slots: [{ id: 's', baselineAction: 'alpha' }] });
    refused('MultiSlot_Rank', ms, 400, 'InvalidMultiSlotApiAccess');
    refused('MultiSlotEvents_Reward', await api.post(q('/multislot/events/x/reward'), { reward: [{ slotId: 's', value: 1 }] }), 400, 'InvalidMultiSlotApiAccess');
    refused('MultiSlotEvents_Activate', await api.call('POST', q('/multislot/events/x/activate'), { contentType: null }), 400, 'InvalidMultiSlotApiAccess');
  });

  test('model under 2022-09-01-preview: GET ?signed=true the archive, PUT /model 204 with it; a body that is no model 400', async (t: TestContext) => {
    const signed = await api.get(q('/model', '&signed=true'));
    conforms('Model_Get', signed, 200);
    const put = await api.call('PUT', q('/model'), { raw: signed.bytes, contentType: 'application/octet-stream' });
    assert.match(signed.headers.get('content-disposition') ?? '', /model\.vw\.zip/);
    conforms('Model_Import', put, 204);
    refused('Model_Import', await api.call('PUT', q('/model'), { raw: new Uint8Array(0), contentType: 'application/octet-stream' }), 400, 'InvalidModelImportFormat');
    refused('Model_Get', await api.get(q('/model', '&signed=maybe')), 400, 'BadRequest');
  });
});

// The container surface (docs/azure-api.md §7) and the OpenAPI document, over real HTTP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { call, cliEntry, startServerProcess, type ServerProcess } from './test_server.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

test('/status: no key → running; right key → valid; wrong key → 401', async () => {
  const none = await call(server, 'GET', '/status', { key: null });
  assert.equal(none.status, 200);
  assert.deepEqual(Object.keys(none.json).sort(), ['apiStatus', 'apiStatusMessage', 'service']);
  assert.equal(none.json.service, 'personalizer');
  assert.equal(none.json.apiStatus, 'Valid');
  const right = await call(server, 'GET', '/status');
  assert.equal(right.status, 200);
  assert.equal(right.json.apiStatusMessage, 'Api Key is valid, no action needed.');
  const wrong = await call(server, 'GET', '/status', { key: 'nope' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.code, '401');
});

test('/ready and /ContainerLiveness answer 200 without a key', async () => {
  const ready = await call(server, 'GET', '/ready', { key: null });
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.json, { status: 'ready' });
  const live = await call(server, 'GET', '/ContainerLiveness', { key: null });
  assert.equal(live.status, 200);
  assert.deepEqual(live.json, { status: 'alive' });
  assert.match(live.headers.get('apim-request-id') ?? '', UUID);
});

test('home page names the product and version and links to /swagger and /status', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', `file://${cliEntry()}`), 'utf8')) as { version: string };
  const home = await call(server, 'GET', '/', { key: null });
  assert.equal(home.status, 200);
  assert.equal(home.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.ok(home.text.includes(`personalizer <small>${version}</small>`), home.text);
  assert.ok(home.text.includes('href="/swagger"'));
  assert.ok(home.text.includes('href="/status"'));
});

test('/swagger serves Swagger UI from local assets', async () => {
  const page = await call(server, 'GET', '/swagger', { key: null });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const scripts = [...page.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(scripts.length >= 2, page.text);
  for (const src of scripts) {
    assert.ok(src.startsWith('/swagger/'), `asset ${src} is served locally`);
    const asset = await call(server, 'GET', src, { key: null });
    assert.equal(asset.status, 200, src);
    assert.ok(asset.text.length > 100);
  }
});

test('the OpenAPI document lists the v1.0 operations (and applyFromEvaluation, the apprentice report), the preview and 2022-09-01-preview ones once, and the key as apiKey security scheme', async () => {
  const doc = (await call(server, 'GET', '/swagger/json', { key: null })).json;
  assert.equal(doc.openapi, '3.0.3');
  assert.deepEqual(doc.components.securitySchemes.apim_key, { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' });
  const ops: Record<string, string> = {};
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      if (op.operationId) ops[op.operationId] = `${method.toUpperCase()} ${path}`;
      if (path.startsWith('/personalizer/')) assert.deepEqual(op.security, [{ apim_key: [] }], `${method} ${path}`);
    }
  }
  const V1 = '/personalizer/v1.0';
  const P3 = '/personalizer/v1.1-preview.3';
  assert.deepEqual(ops, {
    Rank: `POST ${V1}/rank`,
    Events_Reward: `POST ${V1}/events/{eventId}/reward`,
    Events_Activate: `POST ${V1}/events/{eventId}/activate`,
    ServiceConfiguration_Get: `GET ${V1}/configurations/service`,
    ServiceConfiguration_Update: `PUT ${V1}/configurations/service`,
    Policy_Get: `GET ${V1}/configurations/policy`,
    Policy_Update: `PUT ${V1}/configurations/policy`,
    Policy_Reset: `DELETE ${V1}/configurations/policy`,
    Log_Delete: `DELETE ${V1}/logs`,
    Log_GetProperties: `GET ${V1}/logs/properties`,
    Model_Get: `GET ${V1}/model`,
    Model_Reset: `DELETE ${V1}/model`,
    Model_GetProperties: `GET ${V1}/model/properties`,
    Evaluations_List: `GET ${V1}/evaluations`,
    Evaluations_Create: `POST ${V1}/evaluations`,
    Evaluations_Get: `GET ${V1}/evaluations/{evaluationId}`,
    Evaluations_Delete: `DELETE ${V1}/evaluations/{evaluationId}`,
    ServiceConfiguration_ApplyFromEvaluation: `POST ${V1}/configurations/applyFromEvaluation`,
    // Beyond Azure: the apprentice report (docs/learning-modes.md).
    Apprentice_GetReport: `GET ${V1}/apprentice`,
    // Beyond Azure: the policy presets (docs/policy-presets.md).
    Policy_ListPresets: `GET ${V1}/configurations/policy/presets`,
    // The preview operations, listed under v1.1-preview.3 (routes.ts).
    Log_Interactions: `POST ${P3}/logs/interactions`,
    Log_Observations: `POST ${P3}/logs/observations`,
    // 2022-09-01-preview's own, under /personalizer (with ?api-version).
    Evaluations_Create_2022_09_01_preview: 'PUT /personalizer/evaluations/{evaluationId}',
    Evaluations_Get_2022_09_01_preview: 'GET /personalizer/evaluations/{evaluationId}',
    Evaluations_List_2022_09_01_preview: 'GET /personalizer/evaluations',
    Evaluations_Delete_2022_09_01_preview: 'DELETE /personalizer/evaluations/{evaluationId}',
    FeatureImportances_Create: 'PUT /personalizer/featureImportances/{featureImportanceId}',
    FeatureImportances_Get: 'GET /personalizer/featureImportances/{featureImportanceId}',
    FeatureImportances_List: 'GET /personalizer/featureImportances',
    FeatureImportances_Delete: 'DELETE /personalizer/featureImportances/{featureImportanceId}',
    // The multi-slot operations, listed under v1.1-preview.3 only (v1_1/index.ts).
    MultiSlot_Rank: `POST ${P3}/multislot/rank`,
    MultiSlotEvents_Reward: `POST ${P3}/multislot/events/{eventId}/reward`,
    MultiSlotEvents_Activate: `POST ${P3}/multislot/events/{eventId}/activate`,
  });
  const api2022 = doc.paths['/personalizer/evaluations/{evaluationId}'].get.parameters.find((p: any) => p.name === 'api-version');
  assert.deepEqual([api2022.in, api2022.schema.default], ['query', '2022-09-01-preview']);
  for (const name of ['RankRequest', 'RankResponse', 'RewardRequest', 'ServiceConfiguration', 'PolicyContract', 'ErrorResponse', 'EvaluationContract', 'Evaluation', 'PolicyResult', 'PolicyResultSummary', 'PolicyReferenceContract']) {
    assert.ok(doc.components.schemas[name], name);
  }
  assert.ok(doc.paths[`${V1}/evaluations`].post.responses['201'].headers.Location, 'Evaluations_Create documents its Location header');
  assert.deepEqual(doc.components.schemas.RankRequest.required, ['actions']);
});

test('v1.0 success codes, bodies and headers', async () => {
  const V1 = '/personalizer/v1.0';
  const rank = await call(server, 'POST', `${V1}/rank`, {
    body: {
      contextFeatures: [{ timeOfDay: 'Morning' }],
      actions: [
        { id: 'NewsArticle', features: [{ type: 'News' }] },
        { id: 'SportsArticle', features: [{ type: 'Sports' }] },
      ],
      excludedActions: ['SportsArticle'],
      eventId: 'container-test-1',
    },
  });
  assert.equal(rank.status, 201, rank.text);
  assert.equal(rank.headers.get('content-type'), 'application/json; charset=utf-8');
  assert.equal(rank.headers.get('csp-billing-usage'), 'CognitiveServices.Personalizer.Transaction=1');
  assert.equal(rank.headers.get('cache-control'), 'no-store, must-revalidate, no-cache');
  assert.match(rank.headers.get('apim-request-id') ?? '', UUID);
  assert.deepEqual(Object.keys(rank.json).sort(), ['eventId', 'ranking', 'rewardActionId']);
  assert.equal(rank.json.eventId, 'container-test-1');
  assert.equal(rank.json.rewardActionId, 'NewsArticle');
  assert.deepEqual(rank.json.ranking.map((r: { id: string }) => r.id).sort(), ['NewsArticle', 'SportsArticle']);
  for (const r of rank.json.ranking) assert.deepEqual(Object.keys(r).sort(), ['id', 'probability']);

  assert.equal((await call(server, 'POST', `${V1}/events/container-test-1/reward`, { body: { value: 1 } })).status, 204);
  assert.equal((await call(server, 'POST', `${V1}/events/container-test-1/activate`)).status, 204);

  const config = await call(server, 'GET', `${V1}/configurations/service`);
  assert.equal(config.status, 200);
  for (const k of ['rewardWaitTime', 'defaultReward', 'rewardAggregation', 'explorationPercentage', 'modelExportFrequency', 'logRetentionDays']) {
    assert.ok(k in config.json, k);
  }
  const updated = await call(server, 'PUT', `${V1}/configurations/service`, { body: { ...config.json, explorationPercentage: 0.3 } });
  assert.equal(updated.status, 200, updated.text);
  assert.equal(updated.json.explorationPercentage, 0.3);

  const policy = await call(server, 'GET', `${V1}/configurations/policy`);
  assert.equal(policy.status, 200);
  assert.deepEqual(Object.keys(policy.json).sort(), ['arguments', 'name']);
  const reset = await call(server, 'DELETE', `${V1}/configurations/policy`);
  assert.equal(reset.status, 200);
  assert.match(reset.json.arguments, /--cb_explore_adf/);

  const model = await fetch(`${server.url}${V1}/model`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } });
  assert.equal(model.status, 200);
  assert.equal(model.headers.get('content-type'), 'application/octet-stream');
  assert.equal(model.headers.get('content-disposition'), 'attachment; filename=model.vw');
  assert.ok((await model.arrayBuffer()).byteLength > 0);
  assert.equal((await call(server, 'GET', `${V1}/model/properties`)).status, 200);
  assert.equal((await call(server, 'DELETE', `${V1}/model`)).status, 204);
  assert.equal((await call(server, 'GET', `${V1}/logs/properties`)).status, 200);
  assert.equal((await call(server, 'DELETE', `${V1}/logs`)).status, 204);
});

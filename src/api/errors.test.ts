// Bad input over real HTTP: every refusal is a 4xx in Azure's error shape (docs/azure-api.md §3-§4), and the server
// stays healthy afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { rawRequest } from './raw_http.js';
import { call, startServerProcess, type HttpAnswer, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
let server: ServerProcess;

before(async () => {
  server = await startServerProcess({ args: ['BodyLimit=65536'] });
});
after(async () => {
  await server.stop();
});

function assertError(r: HttpAnswer, status: number, code: string, messageIncludes?: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  // The service's headers on every answer, errors included (headers.ts).
  assert.match(r.headers.get('apim-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.deepEqual(Object.keys(r.json), ['error']);
  assert.equal(r.json.error.code, code);
  // 2022-09-01-preview's header, on every error of every version (errors.ts).
  assert.equal(r.headers.get('x-ms-error-code'), code);
  assert.equal(typeof r.json.error.message, 'string');
  if (messageIncludes) assert.ok(r.json.error.message.includes(messageIncludes), r.json.error.message);
}

const ROUTES: Array<[string, string]> = [
  ['POST', '/rank'],
  ['POST', '/events/e1/reward'],
  ['POST', '/events/e1/activate'],
  ['GET', '/configurations/service'],
  ['PUT', '/configurations/service'],
  ['GET', '/configurations/policy'],
  ['PUT', '/configurations/policy'],
  ['DELETE', '/configurations/policy'],
  ['GET', '/configurations/policy/presets'],
  ['DELETE', '/logs'],
  ['GET', '/logs/properties'],
  ['GET', '/model'],
  ['DELETE', '/model'],
  ['GET', '/model/properties'],
  ['GET', '/evaluations'],
  ['GET', '/no-such-route'],
];

test('401 on every /personalizer route without a key and with a wrong one', async () => {
  for (const [method, path] of ROUTES) {
    const body = method === 'GET' || method === 'DELETE' ? undefined : {};
    assertError(await call(server, method, V1 + path, { key: null, body }), 401, '401', 'missing subscription key');
    assertError(await call(server, method, V1 + path, { key: server.key + 'x', body }), 401, '401', 'invalid subscription key');
    assertError(await call(server, method, V1 + path, { key: '', body }), 401, '401', 'invalid subscription key');
  }
  // Case of the path does not get around the key check.
  assertError(await call(server, 'GET', '/Personalizer/v1.0/model', { key: null }), 401, '401');
});

test('404 ResourceNotFound for unknown paths with the key; 401 without it (no route is public by default)', async () => {
  assertError(await call(server, 'GET', `${V1}/no-such-route`), 404, 'ResourceNotFound');
  // A version this server does not have (versions.ts): still 404, with a code that names the cause.
  assertError(await call(server, 'GET', '/personalizer/v9.9/rank'), 404, 'UnsupportedApiVersionValue');
  assertError(await call(server, 'GET', '/nothing-here'), 404, 'ResourceNotFound');
  assertError(await call(server, 'GET', '/nothing-here', { key: null }), 401, '401', 'missing subscription key');
  assertError(await call(server, 'GET', `${V1}/rank`), 404, 'ResourceNotFound');
});

test('a forbidden Swagger static path: 403 Forbidden, not BadRequest', async () => {
  // Dot segments and a NUL byte in the wildcard part: @fastify/static refuses them with a 403.
  for (const target of ['/swagger/static/%2e%2e/%2e%2e/package.json', '/swagger/static/a%00b', '/swagger/static/..%5c..%5cpackage.json']) {
    const answer = await rawRequest(server.port, 'GET', target);
    assert.equal(answer.status, 403, `${target}: ${answer.body}`);
    assert.deepEqual(answer.json, { error: { code: 'Forbidden', message: 'Forbidden' } });
  }
});

test('evaluations: unknown ids 404 EvaluationNotFound, a bad contract 400 InvalidEvaluationContract, in the error shape', async () => {
  assertError(await call(server, 'GET', `${V1}/evaluations/x`), 404, 'EvaluationNotFound', "'x'");
  assertError(await call(server, 'DELETE', `${V1}/evaluations/x`), 404, 'EvaluationNotFound');
  assertError(await call(server, 'POST', `${V1}/evaluations`, { body: {} }), 400, 'InvalidEvaluationContract');
  assertError(await call(server, 'POST', '/personalizer/v1.1-preview.3/evaluations', { body: { name: 'n' } }), 400, 'InvalidEvaluationContract');
});

test('413 PayloadSizeExceeded over BodyLimit', async () => {
  const big = { actions: [{ id: 'a', features: [{ text: 'x'.repeat(70_000) }] }] };
  assertError(await call(server, 'POST', `${V1}/rank`, { body: big }), 413, 'PayloadSizeExceeded', '65536');
});

test('a path that is not valid percent-encoding: 400 BadRequest, with the API headers', async () => {
  const r = await call(server, 'POST', `${V1}/events/%E0%A4%A/reward`, { body: { value: 1 } });
  assertError(r, 400, 'BadRequest', 'percent-encoding');
  assert.equal(r.headers.get('cache-control'), 'no-store, must-revalidate, no-cache');
});

test('malformed JSON, wrong content type, empty body', async () => {
  assertError(await call(server, 'POST', `${V1}/rank`, { raw: '{"actions":[', contentType: 'application/json' }), 400, 'BadRequest', 'not valid JSON');
  assertError(await call(server, 'POST', `${V1}/events/e1/reward`, { raw: 'value=1', contentType: 'application/json' }), 400, 'BadRequest');
  assertError(await call(server, 'POST', `${V1}/rank`, { raw: '{}', contentType: 'text/plain' }), 415, 'BadRequest', 'application/json');
  assertError(await call(server, 'POST', `${V1}/rank`, { raw: 'a=1', contentType: 'application/x-www-form-urlencoded' }), 415, 'BadRequest');
  assertError(await call(server, 'POST', `${V1}/rank`, { raw: '', contentType: 'application/json' }), 400, 'InvalidRankRequest', 'body');
  assertError(await call(server, 'POST', `${V1}/rank`, { contentType: null }), 400, 'InvalidRankRequest');
  assertError(await call(server, 'POST', `${V1}/events/e1/reward`, { raw: '', contentType: 'application/json' }), 400, 'InvalidRewardRequest');
  // Prototype poisoning is refused by fastify's JSON parser, not silently accepted.
  const poisoned = '{"actions":[{"id":"a","features":[{}]}],"__proto__":{"x":1}}';
  assertError(await call(server, 'POST', `${V1}/rank`, { raw: poisoned }), 400, 'BadRequest');
});

test('a request that is not valid HTTP gets a 400 in the error shape', async () => {
  const socket = connect(server.port, '127.0.0.1');
  let raw = '';
  socket.setEncoding('utf8').on('data', (s: string) => (raw += s));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write('POST /personalizer/v1.0/rank HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n');
  await closed;
  assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
  const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { error: { code: string } };
  assert.equal(body.error.code, 'BadRequest');
});

test('schema failures name the field with the operation’s code', async () => {
  assertError(await call(server, 'POST', `${V1}/rank`, { body: { actions: [{ id: 'a' }] } }), 400, 'InvalidRankRequest', "'features'");
  assertError(await call(server, 'POST', `${V1}/rank`, { body: { actions: [] } }), 400, 'InvalidRankRequest', 'body/actions');
  assertError(await call(server, 'POST', `${V1}/rank`, { body: [] }), 400, 'InvalidRankRequest', 'body');
  assertError(
    await call(server, 'POST', `${V1}/rank`, { body: { actions: [{ id: 'a', features: [{}] }], eventId: 'e'.repeat(257) } }),
    400,
    'InvalidRankRequest',
    'body/eventId',
  );
  assertError(await call(server, 'POST', `${V1}/events/e1/reward`, { body: { value: null } }), 400, 'InvalidRewardRequest', 'body/value');
  assertError(await call(server, 'POST', `${V1}/events/e1/reward`, { body: { value: '0.5' } }), 400, 'InvalidRewardRequest', 'body/value');
  assertError(await call(server, 'POST', `${V1}/events/${'e'.repeat(257)}/reward`, { body: { value: 1 } }), 400, 'InvalidRewardRequest', 'params/eventId');
  assertError(await call(server, 'POST', `${V1}/events/${'e'.repeat(257)}/activate`), 400, 'InvalidEventIdToActivate', 'params/eventId');
  assertError(await call(server, 'POST', `${V1}/events/${'e'.repeat(1100)}/activate`), 400, 'BadRequest');
  assertError(await call(server, 'POST', `${V1}/events/%E0%A4%A/activate`), 400, 'BadRequest');
  const config = (await call(server, 'GET', `${V1}/configurations/service`)).json;
  assertError(
    await call(server, 'PUT', `${V1}/configurations/service`, { body: { ...config, explorationPercentage: 1.5 } }),
    400,
    'InvalidServiceConfiguration',
    'body/explorationPercentage',
  );
  assertError(
    await call(server, 'PUT', `${V1}/configurations/service`, { body: { ...config, rewardWaitTime: 'ten minutes' } }),
    400,
    'InvalidServiceConfiguration',
    'body/rewardWaitTime',
  );
  assertError(await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'p' } }), 400, 'InvalidPolicyConfiguration', "'arguments'");
  assertError(
    await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'p', arguments: 'x'.repeat(1025) } }),
    400,
    'InvalidPolicyConfiguration',
    'body/arguments',
  );
});

test('path parameters are percent-decoded', async () => {
  const eventId = 'evt with space/slash';
  const rank = await call(server, 'POST', `${V1}/rank`, { body: { eventId, contextFeatures: [{ c: 1 }], actions: [{ id: 'a', features: [{ f: 1 }] }] } });
  assert.equal(rank.status, 201, rank.text);
  assert.equal(rank.json.eventId, eventId);
  const reward = await call(server, 'POST', `${V1}/events/${encodeURIComponent(eventId)}/reward`, { body: { value: 0.5 } });
  assert.equal(reward.status, 204, reward.text);
  assert.equal(reward.text, '');
  // Activate: no body, and an empty body declared as JSON (docs/azure-api.md §8.3).
  const noBody = await call(server, 'POST', `${V1}/events/${encodeURIComponent(eventId)}/activate`);
  assert.equal(noBody.status, 204, noBody.text);
  const emptyJson = await call(server, 'POST', `${V1}/events/${encodeURIComponent(eventId)}/activate`, { raw: '', contentType: 'application/json; charset=utf-8' });
  assert.equal(emptyJson.status, 204, emptyJson.text);
});

test('the server is still healthy after all of the above', async () => {
  const ready = await call(server, 'GET', '/ready', { key: null });
  assert.equal(ready.status, 200);
  const rank = await call(server, 'POST', `${V1}/rank`, {
    body: { contextFeatures: [{ user: { tier: 'gold' } }], actions: [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }] },
  });
  assert.equal(rank.status, 201, rank.text);
  assert.equal(rank.json.ranking.length, 2);
  assert.equal(server.child.exitCode, null);
  assert.ok(!/"statusCode":5\d\d/.test(server.stdout()), 'no 5xx was logged');
});

// Found by the fuzz suite (src/reliability): Node answered an unknown expectation with an empty 417 itself.
test('an Expect header other than 100-continue is a 417 in Azure\'s shape, on any route; 100-continue still works', async () => {
  for (const target of [`${V1}/rank`, '/status', `${V1}/no-such-route`]) {
    const r = await rawRequest(server.port, 'POST', target, { body: { a: 1 }, headers: { 'ocp-apim-subscription-key': server.key, expect: '200-ok' } });
    assert.equal(r.status, 417, r.raw);
    assert.deepEqual(r.json, { error: { code: 'ExpectationFailed', message: 'Only the expectation 100-continue is supported.' } });
    assert.equal(r.headers['x-ms-error-code'], 'ExpectationFailed');
    assert.equal(r.headers['connection'], 'close');
  }
  const ok = await rawRequest(server.port, 'GET', `${V1}/configurations/service`, { headers: { 'ocp-apim-subscription-key': server.key, expect: '100-continue' } });
  assert.match(ok.raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/, ok.raw);
  assert.equal((await call(server, 'GET', '/ready')).status, 200);
});

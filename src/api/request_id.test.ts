// apim-request-id (headers.ts, server.ts's genReqId): every answer carries a fresh UUID, as Azure API Management
// sent, whatever the route, the key or the outcome; the request's log line carries the same id as `reqId`, so a
// client's report can be matched to the log; a client cannot choose the id.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rawRequest } from './raw_http.js';
import { call, startServerProcess, type HttpAnswer, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let server: ServerProcess;

before(async () => {
  server = await startServerProcess({ args: ['Logging:Console:LogLevel:Default=Information'] });
});
after(async () => {
  await server.stop();
});

interface LogLine {
  reqId?: string;
  msg?: string;
  method?: string;
  url?: string;
  statusCode?: number;
}

/** The server's log lines, once the process has exited (stdout is written asynchronously until then). */
function logLines(): LogLine[] {
  return server
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

test('every answer carries a unique apim-request-id, and the log line of that request carries the same id', async () => {
  const rank = { contextFeatures: [{ a: 1 }], actions: [{ id: 'x', features: [{ b: 1 }] }, { id: 'y', features: [{ b: 2 }] }] };
  const cases: Array<{ name: string; status: number; url: string; method: string; send: () => Promise<HttpAnswer> }> = [
    { name: 'Rank', status: 201, method: 'POST', url: `${V1}/rank`, send: () => call(server, 'POST', `${V1}/rank`, { body: { ...rank, eventId: 'rid-1' } }) },
    {
      name: 'Reward', status: 204, method: 'POST', url: `${V1}/events/rid-1/reward`,
      send: () => call(server, 'POST', `${V1}/events/rid-1/reward`, { body: { value: 1 } }),
    },
    { name: 'bad Rank', status: 400, method: 'POST', url: `${V1}/rank`, send: () => call(server, 'POST', `${V1}/rank`, { body: { actions: [] } }) },
    { name: 'no key', status: 401, method: 'GET', url: `${V1}/configurations/service`, send: () => call(server, 'GET', `${V1}/configurations/service`, { key: null }) },
    { name: 'wrong key', status: 401, method: 'POST', url: `${V1}/rank`, send: () => call(server, 'POST', `${V1}/rank`, { body: rank, key: 'nope' }) },
    { name: 'no route', status: 404, method: 'GET', url: `${V1}/nothing`, send: () => call(server, 'GET', `${V1}/nothing`) },
    { name: 'public probe', status: 200, method: 'GET', url: '/ready', send: () => call(server, 'GET', '/ready', { key: null }) },
    { name: 'config', status: 200, method: 'GET', url: `${V1}/configurations/service`, send: () => call(server, 'GET', `${V1}/configurations/service`) },
  ];
  const seen = new Map<string, (typeof cases)[number]>();
  for (const c of cases) {
    const answer = await c.send();
    assert.equal(answer.status, c.status, `${c.name}: ${answer.text}`);
    const id = answer.headers.get('apim-request-id') ?? '';
    assert.match(id, UUID, c.name);
    assert.ok(!seen.has(id), `${c.name}: id ${id} repeated`);
    seen.set(id, c);
  }
  // Many requests, some at once: still unique.
  const more = await Promise.all(Array.from({ length: 200 }, () => call(server, 'GET', '/ContainerLiveness', { key: null })));
  for (const answer of more) {
    const id = answer.headers.get('apim-request-id') ?? '';
    assert.match(id, UUID);
    assert.ok(!seen.has(id), `id ${id} repeated`);
    seen.set(id, cases[6]!);
  }
  // A client's own request-id headers are not taken as the id (fastify's requestIdHeader is off).
  const chosen = await rawRequest(server.port, 'GET', '/ContainerLiveness', {
    headers: { 'request-id': 'chosen-by-client', 'apim-request-id': 'chosen-by-client', 'x-request-id': 'chosen-by-client' },
  });
  assert.match(chosen.headers['apim-request-id'] ?? '', UUID);
  // A request Node's HTTP parser refuses never reaches fastify, and still carries an id.
  const malformed = await rawRequest(server.port, 'GET', '/bad path with spaces');
  assert.equal(malformed.status, 400, malformed.raw);
  assert.match(malformed.headers['apim-request-id'] ?? '', UUID);

  assert.equal(await server.stop(), 0);
  const lines = logLines();
  assert.ok(!server.stdout().includes('chosen-by-client'));
  for (const c of cases) {
    const id = [...seen].find(([, v]) => v === c)![0];
    const line = lines.filter((l) => l.reqId === id);
    assert.equal(line.length, 1, `${c.name}: ${JSON.stringify(line)}`);
    assert.equal(line[0]!.msg, 'request completed');
    assert.equal(line[0]!.statusCode, c.status, c.name);
    assert.equal(line[0]!.method, c.method, c.name);
    assert.equal(line[0]!.url, c.url, c.name);
  }
  // Every request logged has its own id.
  const ids = lines.filter((l) => l.msg === 'request completed').map((l) => l.reqId);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.length >= cases.length + more.length + 1, String(ids.length));
});

// Quotas on a real server process (quotas.ts, docs/retention-and-quotas.md): RateLimit per key (burst, then 429
// with Retry-After in Azure's shape, recovery after the time it states, each key its own bucket, 401s and the
// container endpoints not counted) and MaxRequestsInFlight (a burst of concurrent Ranks beyond it is shed with
// 503 and Retry-After, nothing else fails, and the server answers at once afterwards).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'node:http';
import { call, startServerProcess, type HttpAnswer } from './test_server.js';

const V1 = '/personalizer/v1.0';
const KEY1 = 'quota-key-one-5b0e1c7d';
const KEY2 = 'quota-key-two-9a4f2e68';

const RANK = {
  contextFeatures: [{ user: { tier: 'gold' } }],
  actions: [
    { id: 'pasta', features: [{ cuisine: 'italian' }] },
    { id: 'salad', features: [{ cuisine: 'any' }] },
  ],
};

function assertRefused(a: HttpAnswer, status: number, code: string): number {
  assert.equal(a.status, status, a.text);
  assert.equal(a.headers.get('x-ms-error-code'), code);
  const body = a.json as { error: { code: string; message: string } };
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  const retry = a.headers.get('retry-after');
  assert.match(retry ?? '', /^[1-9]\d*$/, 'Retry-After: whole seconds, at least 1');
  return Number(retry);
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('RateLimit: a burst per key, then 429 with Retry-After; each key counted apart; 401s and probes not counted; recovery after Retry-After', async () => {
  // One request every 8 s per key, 3 at once after a quiet spell: slow enough that a slow machine never refills a
  // token between two requests of the test.
  const server = await startServerProcess({ key: KEY1, args: [`ApiKey2=${KEY2}`, 'RateLimit=0.125', 'RateLimit:Burst=3'] });
  try {
    // Wrong and missing keys are 401 however many, and take nothing from a key's bucket; nor do the probes.
    for (let i = 0; i < 5; i++) {
      assert.equal((await call(server, 'GET', `${V1}/configurations/service`, { key: 'not-the-key' })).status, 401);
      assert.equal((await call(server, 'GET', `${V1}/configurations/service`, { key: null })).status, 401);
      assert.equal((await call(server, 'GET', '/status', { key: KEY1 })).status, 200);
      assert.equal((await call(server, 'GET', '/ready', { key: null })).status, 200);
    }
    // Key 1: its burst of 3 (a Rank among them), then 429.
    assert.equal((await call(server, 'POST', `${V1}/rank`, { body: RANK })).status, 201);
    assert.equal((await call(server, 'GET', `${V1}/configurations/service`)).status, 200);
    assert.equal((await call(server, 'GET', `${V1}/configurations/policy`)).status, 200);
    const refused = await call(server, 'POST', `${V1}/rank`, { body: RANK });
    const wait = assertRefused(refused, 429, '429');
    assert.ok(wait <= 8, `Retry-After ${wait} is at most 1 / RateLimit`);
    assert.match((refused.json as { error: { message: string } }).error.message, /Rate limit is exceeded.*Try again in \d+ second/);
    // The same on every API version's routes and on a path that does not exist: one bucket per key.
    assertRefused(await call(server, 'GET', '/personalizer/v1.1-preview.3/configurations/service'), 429, '429');
    assertRefused(await call(server, 'GET', `${V1}/nowhere`), 429, '429');
    // Key 2 has a bucket of its own, full.
    for (let i = 0; i < 3; i++) assert.equal((await call(server, 'GET', `${V1}/configurations/service`, { key: KEY2 })).status, 200);
    assertRefused(await call(server, 'GET', `${V1}/configurations/service`, { key: KEY2 }), 429, '429');
    // Still refused meanwhile, the probes still answer.
    assert.equal((await call(server, 'GET', '/ready', { key: null })).status, 200);

    // After the time the last 429 stated, key 1 is served again (one token), and only one.
    const again = assertRefused(await call(server, 'GET', `${V1}/configurations/service`), 429, '429');
    await sleep(again * 1000);
    assert.equal((await call(server, 'POST', `${V1}/rank`, { body: RANK })).status, 201);
    assertRefused(await call(server, 'GET', `${V1}/configurations/service`), 429, '429');

    const metrics = (await call(server, 'GET', '/metrics', { key: null })).text;
    assert.equal(metric(metrics, 'personalizer_requests_refused_total{reason="rate_limit"}'), 6);
    assert.equal(metric(metrics, 'personalizer_requests_refused_total{reason="in_flight"}'), 0);
  } finally {
    await server.stop();
  }
});

test('MaxRequestsInFlight: concurrent Ranks beyond it are shed with 503 and Retry-After at once; nothing else fails; the server stays fast', async () => {
  const server = await startServerProcess({ args: ['MaxRequestsInFlight=4'] });
  // One connection per request (no agent), all opened at once: the server reads them in the same few event-loop
  // turns, while the first Ranks wait for their group commit.
  try {
    const one = (i: number): Promise<HttpAnswer> =>
      new Promise((resolve, reject) => {
        const body = JSON.stringify({ ...RANK, eventId: `burst-${i}` });
        const req = request(
          `${server.url}${V1}/rank`,
          {
            method: 'POST',
            agent: false,
            headers: { 'Ocp-Apim-Subscription-Key': server.key, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (c: string) => (text += c));
            res.on('end', () => {
              const headers = new Headers();
              for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
              resolve({ status: res.statusCode!, headers, text, json: JSON.parse(text) as unknown });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => one(i)));
    const byStatus = new Map<number, number>();
    for (const a of answers) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    assert.deepEqual([...byStatus.keys()].sort(), [201, 503], `statuses: ${JSON.stringify([...byStatus])}`);
    const shed = byStatus.get(503)!;
    for (const a of answers.filter((x) => x.status === 503)) {
      assert.equal(assertRefused(a, 503, 'ServiceUnavailable'), 1);
    }
    for (const [i, a] of answers.entries()) if (a.status === 201) assert.equal((a.json as { eventId: string }).eventId, `burst-${i}`);
    // Alive and fast afterwards: a Rank of an eventId that was shed is taken (nothing of it was stored).
    const shedId = answers.findIndex((a) => a.status === 503);
    const started = performance.now();
    const after = await call(server, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: `burst-${shedId}` } });
    assert.equal(after.status, 201, after.text);
    assert.ok(performance.now() - started < 5000, 'answered promptly after the burst');
    const metrics = (await call(server, 'GET', '/metrics', { key: null })).text;
    assert.equal(metric(metrics, 'personalizer_requests_refused_total{reason="in_flight"}'), shed);
    assert.equal(metric(metrics, 'personalizer_events_ranked_total'), 300 - shed + 1);
    // The scrape itself is outside the quotas, and nothing is in flight but it.
    assert.equal(metric(metrics, 'personalizer_requests_in_flight'), 0);
  } finally {
    await server.stop();
  }
});

test('RateLimit with Workers=2: each worker allows half the rate and half the burst, so one connection gets half', async () => {
  const server = await startServerProcess({ args: ['Workers=2', 'RateLimit=0.125', 'RateLimit:Burst=4'], timeoutMs: 60_000 });
  // One socket, kept alive: every request reaches the worker that accepted it.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const req = request(`${server.url}${V1}/configurations/service`, { agent, headers: { 'Ocp-Apim-Subscription-Key': server.key } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode!, headers, text, json: JSON.parse(text) as unknown });
        });
      });
      req.on('error', reject);
      req.end();
    });
  try {
    assert.equal((await get()).status, 200);
    assert.equal((await get()).status, 200);
    const wait = assertRefused(await get(), 429, '429');
    assert.ok(wait > 8 && wait <= 16, `Retry-After ${wait}: a token every 16 s in each worker`);
  } finally {
    agent.destroy();
    await server.stop();
  }
});

// The key is decided on the route that answers, never on the URL as spelt (auth.ts). Every route the server
// registers (taken from the server's own route table, so a route added later is covered) is called without a
// key, spelt every way a URL can reach it, with every method, over raw sockets (fetch would normalize the
// URL): each answer is 401, and the state the handlers would change is unchanged afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Loop } from '../loop/types.js';
import { parseSettings } from '../settings/index.js';
import { registeredRoutes, buildServer, type RegisteredRoute } from './server.js';
import { rawRequest } from './raw_http.js';
import { call, startServerProcess, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
const RANKED = 'ranked-before-the-probes';

let server: ServerProcess;
let routes: RegisteredRoute[];

before(async () => {
  // The route table, from the same buildServer the process runs (no request is served here, so the loop is
  // never called).
  const app = await buildServer(parseSettings(['Eula=accept', 'ApiKey=k']), {} as Loop);
  await app.ready();
  routes = registeredRoutes(app);
  await app.close();
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
});

/** A concrete path for a route: parameters become the event ranked before the probes. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, RANKED).replace(/\*$/, 'index.html');
}

/** Every spelling of `path` that a router, a proxy or a client might take for it. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const encodeFirst = (i: number, upper: boolean): string =>
    '/' +
    segments
      .map((s, j) => {
        if (j !== i || s === '') return s;
        const hex = s.charCodeAt(0).toString(16);
        return `%${upper ? hex.toUpperCase() : hex}${s.slice(1)}`;
      })
      .join('/');
  const encodeLast = (s: string): string => {
    const hex = s.charCodeAt(s.length - 1).toString(16);
    return `${s.slice(0, -1)}%${hex}`;
  };
  const out = new Set<string>([path]);
  for (let i = 0; i < segments.length; i++) {
    out.add(encodeFirst(i, false));
    out.add(encodeFirst(i, true));
  }
  out.add('/' + segments.map((s) => (s === '' ? s : encodeLast(s))).join('/'));
  // The example, and an encoded letter in the version segment.
  out.add(path.replace('/personalizer/', '/personalize%72/'));
  out.add(path.replace('/v1.0/', '/v1%2e0/'));
  // Encoded slashes, both cases.
  out.add(path.replace(/\/(?=[^/]*$)/, '%2F'));
  out.add(path.replace(/\/(?=[^/]*$)/, '%2f'));
  out.add(path.replace('/personalizer/', '/personalizer%2Fv1.0/').replace('/v1.0/', '/'));
  // Double slashes.
  out.add('/' + path);
  out.add(path.replace(/\/(?=[^/]*$)/, '//'));
  out.add(path.replace('/v1.0/', '//v1.0/'));
  // Dot segments.
  out.add(path.replace('/v1.0/', '/x/../v1.0/'));
  out.add(path.replace('/v1.0/', '/./v1.0/'));
  out.add(path.replace('/v1.0/', '/x/%2e%2e/v1.0/'));
  out.add(path.replace('/v1.0/', '/x/%2E%2E/v1.0/'));
  out.add(path.replace('/v1.0/', '/%2e/v1.0/'));
  out.add(path.replace('/v1.0/', '/x/..%2fv1.0/'));
  // Case.
  out.add(path.toUpperCase());
  out.add(path.replace('/personalizer/', '/Personalizer/'));
  out.add(path.replace(/[a-z]$/, (c) => c.toUpperCase()));
  // Trailing slashes and query tricks.
  out.add(path + '/');
  out.add(path + '//');
  out.add(path + '?');
  out.add(path + '?x=1');
  out.add(path + ';');
  out.add(path + ';x=1');
  out.add(path + '#');
  out.add(path + '#x');
  out.add(path + '?subscription-key=wrong');
  out.add(path + '?Ocp-Apim-Subscription-Key=wrong');
  out.add(path + '%3F');
  out.add(path + '%00');
  out.add(path + '%20');
  // Absolute-form request targets (RFC 9112 §3.2.2), as a proxy sends them.
  for (const p of [...out]) out.add(`http://a${p}`);
  out.add(`HTTP://A:1${path}`);
  out.add(`https://a${path}`);
  return [...out];
}

function bodyFor(url: string, policy: { name: string; arguments: string }, service: Record<string, unknown>): unknown {
  if (url.endsWith('/rank')) return { eventId: 'probe-rank', contextFeatures: [{ a: 1 }], actions: [{ id: 'x', features: [{ b: 1 }] }] };
  if (url.endsWith('/reward')) return { value: 1 };
  if (url.endsWith('/configurations/policy')) return { name: 'probe', arguments: policy.arguments.replace(/--epsilon \S+/, '') + ' --epsilon 0.9' };
  if (url.endsWith('/configurations/service')) return { ...service, explorationPercentage: 0.77 };
  return undefined;
}

test('every route the server registers is covered: the API ones need the key, only probes, metrics, Swagger and the dashboard pages are public', () => {
  const api = routes.filter((r) => r.url.startsWith(V1));
  assert.ok(api.length >= 17, JSON.stringify(api));
  assert.ok(api.every((r) => !r.public), 'no /personalizer route is public');
  const publicUrls = new Set(routes.filter((r) => r.public).map((r) => r.url));
  assert.ok(['/', '/status', '/ready', '/ContainerLiveness', '/metrics', '/swagger', '/swagger/json'].every((u) => publicUrls.has(u)), [...publicUrls].join(' '));
  // The dashboard's pages hold no data (docs/dashboard.md); its data routes, /dashboard/api/…, need the key.
  assert.ok([...publicUrls].every((u) => u === '/' || u === '/status' || u === '/ready' || u === '/ContainerLiveness' || u === '/metrics' || u.startsWith('/swagger') || u === '/dashboard' || u === '/dashboard/assets/:name'));
  assert.ok(routes.some((r) => r.url === '/dashboard/api/overview' && !r.public), 'the dashboard data route needs the key');
});

test('no spelling of any route reaches its handler without the key: 401 every time, state unchanged', async () => {
  const ranked = await call(server, 'POST', `${V1}/rank`, {
    body: { eventId: RANKED, contextFeatures: [{ a: 1 }], actions: [{ id: 'x', features: [{ b: 1 }] }, { id: 'y', features: [{ b: 2 }] }] },
  });
  assert.equal(ranked.status, 201, ranked.text);
  const policy = (await call(server, 'GET', `${V1}/configurations/policy`)).json;
  const service = (await call(server, 'GET', `${V1}/configurations/service`)).json;
  const model = (await call(server, 'GET', `${V1}/model/properties`)).json;
  const logs = (await call(server, 'GET', `${V1}/logs/properties`)).json;
  assert.ok(logs.dateRange?.from, JSON.stringify(logs));

  const jobs: Array<{ method: string; target: string; body?: unknown }> = [];
  const guarded = routes.filter((r) => !r.public);
  for (const route of guarded) {
    const path = concrete(route.url);
    for (const target of spellings(path)) {
      for (const method of METHODS) jobs.push({ method, target, body: bodyFor(route.url, policy, service) });
    }
  }
  // Public routes with another method, or spelt differently, are not those routes: the key is needed.
  for (const route of routes.filter((r) => r.public)) {
    for (const method of METHODS) {
      if (!routes.some((r) => r.public && r.url === route.url && r.method === method)) jobs.push({ method, target: concrete(route.url) });
    }
  }
  // Paths no route has.
  for (const target of ['/nothing', `${V1}/nothing`, '/personalizer', '/personalizer/', `${V1}`, '/personalizer/v9.9/rank', '*']) {
    // (`GET *` is the router's spelling of the public home page.)
    for (const method of METHODS) if (target !== '*' || (method !== 'GET' && method !== 'HEAD')) jobs.push({ method, target });
  }
  assert.ok(jobs.length > 3000, String(jobs.length));

  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const answer = await rawRequest(server.port, job.method, job.target, { body: job.body });
      // 400 only where Node's HTTP parser refuses the request line itself (not a route, no handler).
      const refusedByParser = answer.status === 400 && (job.method === 'HEAD' || answer.json?.error?.code === 'BadRequest');
      const ok = answer.status === 401 && (job.method === 'HEAD' || answer.json?.error?.code === '401');
      if (!ok && !refusedByParser) failures.push(`${job.method} ${job.target} → ${answer.status} ${answer.body.slice(0, 120)}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.deepEqual(failures.slice(0, 60), [], `${failures.length} of ${jobs.length} requests were not refused`);

  // Nothing the handlers would have changed has changed.
  assert.deepEqual((await call(server, 'GET', `${V1}/logs/properties`)).json, logs);
  assert.deepEqual((await call(server, 'GET', `${V1}/configurations/policy`)).json, policy);
  assert.deepEqual((await call(server, 'GET', `${V1}/configurations/service`)).json, service);
  assert.deepEqual((await call(server, 'GET', `${V1}/model/properties`)).json, model);
  // The probe's eventId was never ranked (a repeated eventId is refused), and the ranked event was kept.
  const probe = await call(server, 'POST', `${V1}/rank`, { body: bodyFor('/rank', policy, service) });
  assert.equal(probe.status, 201, probe.text);
  const again = await call(server, 'POST', `${V1}/rank`, {
    body: { eventId: RANKED, contextFeatures: [{ a: 1 }], actions: [{ id: 'x', features: [{ b: 1 }] }] },
  });
  assert.equal(again.status, 400, again.text);
});

test("the issue's two examples: an encoded letter and an absolute-form target do not delete anything without the key", async () => {
  for (const [method, target] of [
    ['DELETE', '/personalize%72/v1.0/logs'],
    ['DELETE', 'http://a/personalizer/v1.0/model'],
    ['DELETE', 'http://a/personalizer/v1.0/logs'],
  ] as const) {
    const answer = await rawRequest(server.port, method, target);
    assert.equal(answer.status, 401, `${method} ${target}: ${answer.body}`);
    assert.equal(answer.json?.error?.code, '401');
  }
  // With the key, the same spelling reaches the route: the router did decode it.
  const withKey = await rawRequest(server.port, 'GET', '/personalize%72/v1.0/logs/properties', { headers: { 'ocp-apim-subscription-key': server.key } });
  assert.equal(withKey.status, 200, withKey.body);
});

test('API answers are never cached, public ones are not marked so; the header follows the route, not the spelling', async () => {
  const api = await rawRequest(server.port, 'GET', '/personalize%72/v1.0/logs/properties', { headers: { 'ocp-apim-subscription-key': server.key } });
  assert.equal(api.headers['cache-control'], 'no-store, must-revalidate, no-cache');
  const denied = await rawRequest(server.port, 'GET', '/PERSONALIZER/v1.0/model');
  assert.equal(denied.headers['cache-control'], 'no-store, must-revalidate, no-cache');
  const ready = await rawRequest(server.port, 'GET', '/ready');
  assert.equal(ready.status, 200);
  assert.equal(ready.headers['cache-control'], undefined);
});

// Fuzzing a real server: every operation the OpenAPI document lists (each under every version's paths), plus
// PUT /model, /metrics and the home page, gets FUZZ_PER_ROUTE (default 10,000) generated requests
// (fuzz_requests.ts), sent FUZZ_CONCURRENCY (default 64) at a time over keep-alive connections. Zero 5xx other
// than a documented 503/507, every 4xx in Azure's error shape, the process alive and answering afterwards, and its
// resident memory back near its level before: after a second pass of the same size it has grown by at most 15%
// over the first pass (a leak grows with the traffic), and it stays within 160 MB of its warmed-up level.
// Seeded: FUZZ_SEED reproduces a run; a failure prints the seed and the requests that failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { call, startServerProcess } from '../api/test_server.js';
import { freePort } from '../conformance/harness.js';
import { generate, Rng, type FuzzRequest, type Operation } from './fuzz_requests.js';
import { judge, rssBytes, sendOverAgent, sendRaw } from './fuzz_send.js';

const PER_ROUTE = Number(process.env['FUZZ_PER_ROUTE'] ?? 10_000);
const CONCURRENCY = Number(process.env['FUZZ_CONCURRENCY'] ?? 64);
const SEED = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const MB = 1024 * 1024;

const PAST = { startTime: '2001-01-01T00:00:00Z', endTime: '2001-01-02T00:00:00Z' };
const actions = [
  { id: 'pasta', features: [{ cuisine: 'italian', price: 12.5 }] },
  { id: 'salad', features: [{ cuisine: 'any', vegan: true }] },
];
let n = 0;
const rank = (): unknown => ({ eventId: `fz-${n++}`, contextFeatures: [{ user: { tier: 'gold', visits: 3 } }, { time: 'evening' }], actions, deferActivation: n % 3 === 0 });

/** A valid body for each operation that takes one (keyed `METHOD path-after-version`). */
const BODIES: Record<string, (() => unknown) | undefined> = {
  'POST /rank': rank,
  'POST /events/{eventId}/reward': () => ({ value: 0.5 }),
  'PUT /configurations/service': () => ({
    rewardWaitTime: 'PT10M', defaultReward: 0, rewardAggregation: 'earliest', explorationPercentage: 0.2, modelExportFrequency: 'PT5M',
    logRetentionDays: 90, learningMode: 'Online', isAutoOptimizationEnabled: false,
  }),
  'PUT /configurations/policy': () => ({ name: 'fz', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::' }),
  'POST /configurations/applyFromEvaluation': () => ({ evaluationId: 'nope', policyName: 'Online' }),
  'POST /evaluations': () => ({ name: 'fz', ...PAST, policies: [{ name: 'p', arguments: '--cb_explore_adf --epsilon 0.1' }], enableOfflineExperimentation: false }),
  'POST /logs/interactions': () => Buffer.from('\x00\x01fuzz-batch'),
  'POST /logs/observations': () => Buffer.from('\x00\x01fuzz-batch'),
  'POST /multislot/rank': () => ({ ...(rank() as object), slots: [{ id: 's1', baselineAction: 'pasta' }, { id: 's2', baselineAction: 'salad' }] }),
  'POST /multislot/events/{eventId}/reward': () => ({ reward: [{ slotId: 's1', value: 1 }] }),
  'PUT /evaluations/{evaluationId}': () => ({ name: 'fz', ...PAST, policies: [], enablePolicyOptimization: false }),
  'PUT /featureImportances/{featureImportanceId}': () => ({ name: 'fz', ...PAST }),
  'PUT /model': () => Buffer.from('not a model at all'),
};
const OCTET = new Set(['POST /logs/interactions', 'POST /logs/observations', 'PUT /model']);

function operations(doc: { paths: Record<string, Record<string, unknown>> }): Operation[] {
  const ops: Operation[] = [];
  const add = (method: string, path: string): void => {
    const key = `${method.toUpperCase()} ${path.replace(/^\/personalizer(\/v1\.[^/]+)?/, '')}`;
    const body = BODIES[key];
    ops.push({ method, path, ...(body ? { body } : {}), ...(OCTET.has(key) ? { contentType: 'application/octet-stream' } : {}) });
  };
  for (const [path, methods] of Object.entries(doc.paths))
    for (const method of Object.keys(methods)) if (['get', 'put', 'post', 'delete', 'patch'].includes(method)) add(method, path);
  // Served but not in the document: PUT /model (octet-stream), the metrics and the home page.
  add('put', '/personalizer/v1.1-preview.3/model');
  add('get', '/metrics');
  add('get', '/');
  return ops;
}

interface Failure {
  op: string;
  kind: string;
  method: string;
  target: string;
  problem: string;
}

/** Milliseconds spent waiting for each operation's answers, for the summary. */
const timing = new Map<string, number>();

/** One pass: `perRoute` requests for each operation, interleaved, `CONCURRENCY` in flight. */
async function pass(port: number, key: string, ops: Operation[], rng: Rng, perRoute: number, failures: Failure[], stats: Map<string, number>): Promise<Map<string, number>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const perOp = new Map<string, number>();
  const total = perRoute * ops.length;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const op = ops[i % ops.length]!;
      let r: FuzzRequest = generate(rng, op, { key, port });
      const t0 = performance.now();
      let a = r.raw ? await sendRaw(port, r) : await sendOverAgent(agent, port, r);
      if (a.status === -1) {
        // node's client would not write it: the same request, raw, with the odd bytes as they are.
        r = { ...r, kind: `${r.kind}+raw`, raw: Buffer.from(`${r.method} ${r.target} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n${Object.entries(r.headers).map(([h, v]) => `${h}: ${v}\r\n`).join('')}content-length: ${r.body?.length ?? 0}\r\n\r\n`, 'latin1') };
        r = r.body ? { ...r, raw: Buffer.concat([r.raw!, r.body]) } : r;
        a = await sendRaw(port, r);
      }
      perOp.set(r.op, (perOp.get(r.op) ?? 0) + 1);
      timing.set(r.op, (timing.get(r.op) ?? 0) + performance.now() - t0);
      const bucket = `${a.status}`;
      stats.set(bucket, (stats.get(bucket) ?? 0) + 1);
      const problem = judge(r, a);
      if (problem !== undefined && failures.length < 1000) failures.push({ op: r.op, kind: r.kind, method: r.method, target: r.target.slice(0, 200), problem });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return perOp;
}

test(`fuzz: ${PER_ROUTE} generated requests per route, every version's paths; no 5xx, no crash, memory back (seed ${SEED})`, { timeout: 900_000 }, async () => {
  // Warnings and errors only: a line per request would cost more than many of the requests themselves. A fixed
  // port, since the start-up line that names it is an information line.
  const server = await startServerProcess({ args: [`Port=${await freePort()}`, 'Logging:Console:LogLevel:Default=Warning', 'BodyLimit=262144', 'RequestTimeout=5', 'HeadersTimeout=5', 'KeepAliveTimeout=30', 'MaxConnections=2000'] });
  const pid = server.child.pid!;
  try {
    const doc = (await call(server, 'GET', '/swagger/json')).json;
    const ops = operations(doc);
    assert.ok(ops.length >= 38, `operations enumerated: ${ops.length}`);
    const failures: Failure[] = [];
    const stats = new Map<string, number>();
    const rng = new Rng(SEED);

    // Warm-up (JIT, caches, the store's first pages), then the two halves with RSS after each.
    await pass(server.port, server.key, ops, new Rng(SEED ^ 0x5eed), 100, failures, new Map());
    await new Promise((r) => setTimeout(r, 2000));
    const rss0 = await rssBytes(pid);
    const started = Date.now();
    const half = Math.ceil(PER_ROUTE / 2);
    const first = await pass(server.port, server.key, ops, rng, half, failures, stats);
    await new Promise((r) => setTimeout(r, 3000));
    const rss1 = await rssBytes(pid);
    const second = await pass(server.port, server.key, ops, rng, PER_ROUTE - half, failures, stats);
    const seconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const rss2 = await rssBytes(pid);
    const sent = [...stats.values()].reduce((a, b) => a + b, 0);
    const summary = `seed ${SEED}: ${sent} requests over ${ops.length} routes in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s, ${CONCURRENCY} in flight); statuses ${JSON.stringify(Object.fromEntries([...stats].sort()))}; RSS ${(rss0 / MB).toFixed(1)} → ${(rss1 / MB).toFixed(1)} → ${(rss2 / MB).toFixed(1)} MB`;
    const slowest = [...timing].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([op, ms]) => `${op} ${(ms / ((first.get(op) ?? 0) + (second.get(op) ?? 0) + 100)).toFixed(1)} ms`);
    process.stdout.write(`# ${summary}\n# slowest answers on average: ${slowest.join('; ')}\n`);

    const shown = failures.slice(0, 25).map((f) => `  ${f.op} [${f.kind}] ${f.method} ${f.target}: ${f.problem}`).join('\n');
    assert.equal(failures.length, 0, `${summary}\nFUZZ_SEED=${SEED} reproduces; ${failures.length} failing answers, the first:\n${shown}`);
    for (const op of ops) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const count = (first.get(name) ?? 0) + (second.get(name) ?? 0);
      assert.ok(count >= PER_ROUTE, `${name}: ${count} requests`);
    }
    assert.equal(server.child.exitCode, null, `the server exited (seed ${SEED})\n${server.stderr()}`);
    assert.equal((await call(server, 'GET', '/ContainerLiveness')).status, 200);
    assert.equal((await call(server, 'GET', '/ready')).status, 200);
    const ranked = await call(server, 'POST', '/personalizer/v1.0/rank', { body: { contextFeatures: [{ a: 1 }], actions } });
    assert.equal(ranked.status, 201, ranked.text);
    assert.ok(rss2 <= rss1 * 1.15, `RSS grew from ${(rss1 / MB).toFixed(1)} MB after the first pass to ${(rss2 / MB).toFixed(1)} MB after the second (seed ${SEED})`);
    assert.ok(rss2 <= rss0 + 160 * MB, `RSS ${(rss2 / MB).toFixed(1)} MB after the fuzz vs ${(rss0 / MB).toFixed(1)} MB before (seed ${SEED})`);
    assert.ok(!/"level":(50|60)[^\n]*"stack"/.test(server.stdout()), `error lines with a stack trace in the log:\n${server.stdout().split('\n').filter((l) => /"level":(50|60)/.test(l)).slice(0, 5).join('\n')}`);
  } finally {
    await server.stop('SIGKILL');
  }
});

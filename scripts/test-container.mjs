#!/usr/bin/env node
// `npm run test:container`: builds the image from the Dockerfile and runs it the way Microsoft's container page
// runs theirs (`run --rm -p 5000:5000 --memory 4g --cpus 1 <image> Eula=accept Billing=<uri> ApiKey=<key>`, here
// attached without a TTY and with a named volume on /app/data), then drives it with the official v1.0 SDK: rank,
// reward, a model export, the probes, a SIGTERM stop, and a second container on the same volume that still knows
// everything the first acknowledged. Not part of `npm test` (scripts/test.mjs runs dist/**/*.test.js only): it
// needs root, podman and a few minutes. docs/container.md, "Testing the image".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PersonalizerClient } from '@azure/cognitiveservices-personalizer';
import { CognitiveServicesCredentials } from '@azure/ms-rest-azure-js';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { freePort, parseModelHeader, sleep } from '../dist/src/conformance/harness.js';
import { freshPostgres } from '../dist/src/testing/postgres.js';
import { Podman, buildImage, ensureBaseImages, ensureTools, say } from './container/podman.mjs';

const IMAGE = 'localhost/personalizer:container-test';
const KEY = 'container-test-key-' + randomBytes(8).toString('hex');
const BILLING = 'https://personalizer-container-test.cognitiveservices.azure.com/';
const run = randomBytes(4).toString('hex');
const VOLUME = `personalizer-ct-data-${run}`;

const work = mkdtempSync(join(tmpdir(), 'personalizer-ct-'));
let podman;
const containers = new Set();
let seq = 0;

const acts = ['news', 'sports', 'music', 'films'].map((id, i) => ({ id, features: [{ topic: { name: id, n: i } }] }));
const ctx = (i) => [{ user: { tier: i % 2 ? 'gold' : 'free', visits: i % 5 } }, { device: i % 3 ? 'mobile' : 'desktop' }];

/**
 * Starts the image attached (as `docker run --rm -it` is, less the TTY a CI run has not), so that the exit code of
 * this `podman run` is the server's own.
 */
async function startContainer(args, { volume = VOLUME, wait = true, hostNetwork = false } = {}) {
  const name = `personalizer-ct-${run}-${++seq}`;
  const port = await freePort();
  containers.add(name);
  // On the host's network (to reach a database on its loopback) the server listens on a free loopback port itself.
  const network = hostNetwork ? ['--network', 'host'] : ['-p', `${port}:5000`];
  const extra = hostNetwork ? [`Port=${port}`, 'Host=127.0.0.1'] : [];
  const child = podman.spawn(['run', '--rm', '--name', name, ...network, '--memory', '4g', '--cpus', '1',
    '-v', `${volume}:/app/data`, IMAGE, ...args, ...extra]);
  let output = '';
  child.stdout.on('data', (b) => (output += b));
  child.stderr.on('data', (b) => (output += b));
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok(code ?? signal)));
  const c = { name, port, url: `http://127.0.0.1:${port}`, exited, output: () => output };
  if (wait) await waitReady(c);
  return c;
}

async function waitReady(c, ms = 60_000) {
  let gone = false;
  void c.exited.then(() => (gone = true));
  const deadline = Date.now() + ms;
  for (;;) {
    assert.ok(!gone, `the container exited before it was ready:\n${c.output()}`);
    try {
      const r = await fetch(`${c.url}/ready`);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      /* not listening yet */
    }
    assert.ok(Date.now() < deadline, `/ready did not answer 200 within ${ms} ms:\n${c.output()}`);
    await sleep(200);
  }
}

// The track-1 client (rank, reward) and the REST-level one (configuration, logs), both as an Azure application uses
// them; the REST client targets v1.1-preview.3 unless its baseUrl names v1.0 (src/conformance/sdk.test.ts).
const clientOf = (c) => new PersonalizerClient(new CognitiveServicesCredentials(KEY), c.url);
const restOf = (c) =>
  personalizerRest.default(c.url, new AzureKeyCredential(KEY), { baseUrl: `${c.url}/personalizer/v1.0`, allowInsecureConnection: true });

async function ok(response, status) {
  const r = await response;
  assert.equal(r.status, status, `${r.request.method} ${r.request.url}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function model(c) {
  const r = await fetch(`${c.url}/personalizer/v1.0/model`, { headers: { 'Ocp-Apim-Subscription-Key': KEY } });
  assert.equal(r.status, 200, `GET /model answered ${r.status}`);
  const bytes = new Uint8Array(await r.arrayBuffer());
  return { bytes, header: parseModelHeader(bytes) };
}

/** Polls GET /model until its learned-event counter reaches `n` (or the deadline), and returns the last one. */
async function modelLearned(c, n, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const m = await model(c);
    if ((m.header.eventSum ?? 0n) >= BigInt(n) || Date.now() > deadline) return m;
    await sleep(250);
  }
}

function cleanup() {
  for (const name of containers) podman?.run(['rm', '-f', '-v', '-t', '0', name]);
  containers.clear();
  podman?.run(['volume', 'rm', '-f', VOLUME]);
  rmSync(work, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    cleanup();
    process.exit(1);
  });
}

describe('the container image, run as Microsoft runs its containers', () => {
  const N = 24; // ranked and rewarded by the first container
  const PENDING = 6; // ranked by the first container, rewarded by the second
  let first;
  let second;
  let before0;
  let tFirst;
  let tLast;
  const ranked = [];

  before(async () => {
    const t0 = Date.now();
    ensureTools();
    podman = new Podman(work);
    if (ensureBaseImages(podman)) say(`base image stand-ins made in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const t1 = Date.now();
    buildImage(podman, IMAGE);
    say(`image built in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    const size = podman.imageSize(IMAGE);
    say(`image size: ${size} bytes (${(size / 1e6).toFixed(0)} MB)`);
    podman.ok(['volume', 'create', VOLUME]);
  }, { timeout: 20 * 60_000 });

  after(() => cleanup());

  test('image config: port 5000, /app/data volume, non-root user, HEALTHCHECK on /ready', () => {
    const config = JSON.parse(podman.ok(['image', 'inspect', '--format', '{{json .Config}}', IMAGE]));
    assert.deepEqual(Object.keys(config.ExposedPorts ?? {}), ['5000/tcp']);
    assert.ok(Object.keys(config.Volumes ?? {}).includes('/app/data'), `volumes: ${JSON.stringify(config.Volumes)}`);
    assert.equal(config.User, '1000:1000');
    // HEALTHCHECK is a Docker-format field: podman reports it beside the OCI config, not in it.
    const healthcheck = JSON.parse(podman.ok(['image', 'inspect', '--format', '{{json .HealthCheck}}', IMAGE]));
    const health = (healthcheck?.Test ?? []).join(' ');
    assert.match(health, /^CMD node -e .*http:\/\/127\.0\.0\.1:5000\/ready/, `healthcheck: ${health}`);
    assert.deepEqual(config.Entrypoint, ['node', 'dist/src/cli/main.js', 'serve']);
    assert.ok(podman.imageSize(IMAGE) < 300e6, `image size ${podman.imageSize(IMAGE)} bytes`);
  });

  test('image contents: the node binary alone (no npm, yarn, corepack, headers, compilers), no tests, maps or C sources', () => {
    const script = [
      'node --version',
      'for t in npm npx yarn corepack gcc g++ make python3; do command -v $t; done',
      'ls -A /usr/local/include; ls -d /usr/local/lib/node_modules 2>/dev/null',
      'find /app/dist /app/node_modules \\( -name "*.test.js" -o -name "*.map" -o -name "*.d.ts" -o -name "*.c" -o -name "*.o" -o -name "*.a" \\) | head -5',
      'ls -d /app/node_modules/better-sqlite3/deps /app/node_modules/better-sqlite3/src /app/node_modules/typescript /app/dist/src/conformance /app/dist/src/testing 2>/dev/null',
      'ls /app/node_modules/better-sqlite3/build/Release',
    ].join('; echo ---; ');
    const out = podman.ok(['run', '--rm', '--entrypoint', 'sh', IMAGE, '-c', script]).split('---').map((s) => s.trim());
    assert.match(out[0], /^v\d+\.\d+\.\d+$/);
    assert.deepEqual(out.slice(1, 5), ['', '', '', ''], `found: ${JSON.stringify(out.slice(1, 5))}`);
    assert.equal(out[5], 'better_sqlite3.node');
  });

  test('without Eula=accept the container refuses to start: exit 1 and one line naming Eula', { timeout: 60_000 }, async () => {
    const c = await startContainer([`Billing=${BILLING}`, `ApiKey=${KEY}`], { wait: false });
    const code = await c.exited;
    containers.delete(c.name);
    assert.equal(code, 1, c.output());
    assert.match(c.output(), /Eula=accept is required/);
  });

  test('starts with Eula=accept Billing ApiKey: /ready, /status, /ContainerLiveness answer 200; the HEALTHCHECK passes', { timeout: 120_000 }, async () => {
    first = await startContainer(['Eula=accept', `Billing=${BILLING}`, `ApiKey=${KEY}`]);
    for (const path of ['/ready', '/status', '/ContainerLiveness']) {
      const r = await fetch(first.url + path, path === '/status' ? { headers: { 'Ocp-Apim-Subscription-Key': KEY } } : {});
      const body = await r.json();
      assert.equal(r.status, 200, `${path}: ${JSON.stringify(body)}`);
      if (path === '/status') assert.equal(body.apiStatus, 'Valid');
    }
    const wrong = await fetch(`${first.url}/status`, { headers: { 'Ocp-Apim-Subscription-Key': 'not-the-key' } });
    assert.equal(wrong.status, 401);
    const health = podman.run(['healthcheck', 'run', first.name]);
    assert.equal(health.status, 0, `podman healthcheck run: ${health.stdout}${health.stderr}`);
  });

  test('SDK: rank answers every action once with probabilities summing to 1; rewards are accepted', { timeout: 60_000 }, async () => {
    const client = clientOf(first);
    const rest = restOf(first);
    const cfg = await ok(rest.path('/configurations/service').get(), '200');
    // Export every second and join at the first reward, so the model shows the learning within seconds.
    const body = { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' };
    const updated = await ok(rest.path('/configurations/service').put({ body }), '200');
    assert.equal(updated.modelExportFrequency, 'PT1S');
    before0 = await model(first);
    tFirst = Date.now();
    assert.equal(before0.header.eventSum, 0n, 'a fresh container has learned nothing');
    for (let i = 0; i < N + PENDING; i++) {
      const eventId = `ct-${run}-${i}`;
      const r = await client.rank({ contextFeatures: ctx(i), actions: acts, eventId });
      assert.equal(r._response.status, 201);
      assert.equal(r.eventId, eventId);
      assert.deepEqual(r.ranking.map((x) => x.id).sort(), acts.map((a) => a.id).sort());
      const sum = r.ranking.reduce((s, x) => s + x.probability, 0);
      assert.ok(Math.abs(sum - 1) < 1e-6, `probabilities sum to ${sum}`);
      assert.equal(r.ranking[0].id, r.rewardActionId);
      ranked.push({ eventId, chosen: r.rewardActionId });
      if (i < N) {
        const w = await client.events.reward(eventId, { value: r.rewardActionId === 'music' ? 1 : 0 });
        assert.equal(w._response.status, 204);
      }
    }
    tLast = Date.now();
    const generated = await client.rank({ contextFeatures: ctx(0), actions: acts, excludedActions: ['news'] });
    assert.match(generated.eventId, /^[0-9a-f]{32}-[A-Za-z0-9]{5}$/);
    assert.notEqual(generated.rewardActionId, 'news');
  });

  test('the model is exported: a VW model file whose counters show every rewarded event learned once', { timeout: 60_000 }, async () => {
    const m = await modelLearned(first, N);
    // A VW 9.x model begins with its version string, length-prefixed (u32 little-endian, NUL included).
    const view = new DataView(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength);
    assert.equal(view.getUint32(0, true), m.header.version.length + 1);
    assert.match(m.header.version, /^9\.\d+\.\d+$/);
    assert.match(m.header.options, /--cb_explore_adf/);
    assert.equal(m.header.eventSum, BigInt(N), `learned events: ${m.header.eventSum}`);
    assert.notDeepEqual(Buffer.from(m.bytes), Buffer.from(before0.bytes), 'the model changed after learning');
  });

  test('podman stop (SIGTERM) ends the server with exit 0 within a few seconds', { timeout: 60_000 }, async () => {
    const t0 = Date.now();
    const stop = podman.run(['stop', '-t', '20', first.name]);
    const code = await first.exited;
    const ms = Date.now() - t0;
    containers.delete(first.name);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(code, 0, `exit ${code}:\n${first.output().slice(-2000)}`);
    assert.ok(ms < 10_000, `stop took ${ms} ms (a SIGKILL after the 20 s timeout would take longer)`);
    say(`podman stop took ${ms} ms`);
  });

  test('a new container on the same volume keeps every acknowledged event, reward and the model', { timeout: 120_000 }, async () => {
    second = await startContainer(['Eula=accept', `Billing=${BILLING}`, `ApiKey=${KEY}`]);
    const client = clientOf(second);
    const rest = restOf(second);
    const cfg = await ok(rest.path('/configurations/service').get(), '200');
    assert.equal(cfg.modelExportFrequency, 'PT1S', 'the configuration survived');
    const resumed = await model(second);
    assert.equal(resumed.header.eventSum, BigInt(N), 'the model did not go back');
    const logs = await ok(rest.path('/logs/properties').get(), '200');
    // The logged events cover the first container's ranks (1.5 s of slack for clocks rounded to the second).
    assert.ok(logs.dateRange?.from && logs.dateRange?.to, `logs properties: ${JSON.stringify(logs)}`);
    assert.ok(new Date(logs.dateRange.from).getTime() <= tFirst + 1500, `logs from ${logs.dateRange.from}`);
    assert.ok(new Date(logs.dateRange.to).getTime() >= tLast - 1500, `logs to ${logs.dateRange.to}`);
    // Every event ranked before the restart is known: ranking its eventId again is refused as a duplicate.
    for (const { eventId } of ranked) {
      const r = await fetch(`${second.url}/personalizer/v1.0/rank`, {
        method: 'POST',
        headers: { 'Ocp-Apim-Subscription-Key': KEY, 'Content-Type': 'application/json' },
        body: JSON.stringify({ contextFeatures: ctx(0), actions: acts, eventId }),
      });
      const body = await r.json();
      assert.equal(r.status, 400, `re-ranking ${eventId}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, 'InvalidRankRequest');
    }
    // Rewards for events ranked by the first container join them and are learned by the second: exactly PENDING more.
    for (const { eventId } of ranked.slice(N)) assert.equal((await client.events.reward(eventId, { value: 1 }))._response.status, 204);
    const after = await modelLearned(second, N + PENDING);
    assert.equal(after.header.eventSum, BigInt(N + PENDING), `learned events after the restart: ${after.header.eventSum}`);
    const stop = podman.run(['stop', '-t', '20', second.name]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(await second.exited, 0, second.output().slice(-2000));
    containers.delete(second.name);
  });

  // Store=postgres://… in the image: the pg driver survives the image's pruning, and the loop runs on PostgreSQL.
  // The container shares the host's network only to reach the test database on its loopback.
  test('with Store=postgres://… the image ranks, takes rewards and learns from PostgreSQL, and stops with exit 0', { timeout: 120_000 }, async (t) => {
    const url = await freshPostgres(t);
    if (!url) return;
    const c = await startContainer(['Eula=accept', `Billing=${BILLING}`, `ApiKey=${KEY}`, `Store=${url}`], { hostNetwork: true });
    const client = clientOf(c);
    const rest = restOf(c);
    const cfg = await ok(rest.path('/configurations/service').get(), '200');
    await ok(rest.path('/configurations/service').put({ body: { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' } }), '200');
    const n = 12;
    for (let i = 0; i < n; i++) {
      const r = await client.rank({ contextFeatures: ctx(i), actions: acts, eventId: `pg-${run}-${i}` });
      assert.equal(r._response.status, 201);
      assert.equal((await client.events.reward(r.eventId, { value: 1 }))._response.status, 204);
    }
    const m = await modelLearned(c, n);
    assert.equal(m.header.eventSum, BigInt(n), `learned events on PostgreSQL: ${m.header.eventSum}`);
    const stop = podman.run(['stop', '-t', '20', c.name]);
    assert.equal(stop.status, 0, stop.stderr);
    assert.equal(await c.exited, 0, c.output().slice(-2000));
    containers.delete(c.name);
  });
});

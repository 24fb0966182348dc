// The log mirror on a real server process (docs/log-mirror.md): turned on with PUT /configurations/service, it
// writes one DSJSON line per joined event under Mounts:Output, rotated by size; the lines parse with our DSJSON
// reader and `personalizer replay` learns from them the very model the server learned; turning it off stops it and
// turning it on again starts from the events joined then; after a kill -9 (and a partial last line) no joined
// event is missing and none is written twice. Real processes, real SQLite files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { call, startServerProcess, type ServerProcess } from '../api/test_server.js';
import { isCbEvent, parseCbLine } from '../dsjson/index.js';
import { readModel } from '../engine/index.js';
import { listMirrorFiles } from '../loop/log_mirror_files.js';
import { openStore } from '../store/index.js';
import { runReplay } from '../testing/replay_cli.js';
import { freshPostgres } from '../testing/postgres.js';
import { findLeader } from '../conformance/scale_out.js';

const V = '/personalizer/v1.0';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-logmirror-'));
}

function rankBody(i: number, defer = false): object {
  return {
    eventId: `ev-${i}`,
    contextFeatures: [{ user: { tier: ['gold', 'silver', 'bronze'][i % 3] } }],
    actions: ['pasta', 'salad', 'soup'].map((id, k) => ({ id, features: [{ kind: id, price: k + 1 }] })),
    deferActivation: defer,
  };
}

async function configure(server: ServerProcess, change: Record<string, unknown>): Promise<{ status: number; json: any }> {
  const current = (await call(server, 'GET', `${V}/configurations/service`)).json;
  return call(server, 'PUT', `${V}/configurations/service`, { body: { ...current, rewardWaitTime: 'PT1S', modelExportFrequency: 'PT1S', ...change } });
}

/** Ranks events from..to-1; rewards most, leaves every 7th without (default reward), defers every 11th (never activated: _skipLearn). */
async function traffic(server: ServerProcess, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const defer = i % 11 === 5;
    const r = await call(server, 'POST', `${V}/rank`, { body: rankBody(i, defer) });
    assert.equal(r.status, 201, r.text);
    if (defer || i % 7 === 3) continue;
    const value = r.json.rewardActionId === ['pasta', 'salad', 'soup'][i % 3] ? 1 : 0;
    assert.equal((await call(server, 'POST', `${V}/events/ev-${i}/reward`, { body: { value } })).status, 204);
  }
}

/** Every mirrored line, in file order. */
function mirroredLines(dir: string, files: { path: string }[]): string[] {
  void dir;
  return files.flatMap((f) => fs.readFileSync(f.path, 'utf8').split('\n').filter((l) => l !== ''));
}

async function waitForLines(dir: string, count: number, timeoutMs = 30_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lines = mirroredLines(dir, await listMirrorFiles(dir));
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function eventIds(lines: string[]): string[] {
  return lines.map((l, i) => {
    const e = parseCbLine(l, i + 1);
    assert.ok(isCbEvent(e), `line ${i + 1} parses as a DSJSON event: ${l.slice(0, 200)}`);
    return e.eventId;
  });
}

test('mirror on: one DSJSON line per joined event, rotated by size, replayed into the model the server learned', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const mirror = path.join(out, 'logmirror');
  const store = `sqlite:${path.join(dir, 'p.db')}`;
  const server = await startServerProcess({ args: [`Store=${store}`, `Mounts:Output=${out}`, 'LogMirror:MaxFileSize=0.004'] });
  try {
    const on = await configure(server, { logMirrorEnabled: true, logMirrorSasUri: 'https://example.invalid/container?sig=x' });
    assert.equal(on.status, 200, JSON.stringify(on.json));
    assert.equal(on.json.logMirrorEnabled, true);
    assert.equal((await call(server, 'GET', `${V}/configurations/service`)).json.logMirrorEnabled, true);
    const policy = (await call(server, 'GET', `${V}/configurations/policy`)).json.arguments as string;
    await traffic(server, 0, 60);
    const lines = await waitForLines(mirror, 60);
    const ids = eventIds(lines);
    assert.equal(ids.length, 60, 'one line per joined event');
    assert.deepEqual([...ids].sort(), Array.from({ length: 60 }, (_, i) => `ev-${i}`).sort(), 'every event once');
    const parsed = lines.map((l, i) => parseCbLine(l, i + 1)).filter(isCbEvent);
    assert.equal(parsed.filter((e) => e.skipLearn).length, 5, 'the deferred events never activated, with _skipLearn');
    assert.equal(parsed.filter((e) => !e.skipLearn && e.label === undefined).length, 0, 'every other line carries its label');
    // Rotation by size: 4 KiB files, each a few ~1 kB lines; none larger than the limit.
    const files = await listMirrorFiles(mirror);
    assert.ok(files.length >= 4, `${files.length} files`);
    for (const f of files) assert.ok(fs.statSync(f.path).size <= 0.004 * 1024 * 1024, `${f.path}: ${fs.statSync(f.path).size} bytes`);
    assert.deepEqual(files.map((f) => f.index), files.map((_, i) => i), 'numbered in order within the day');

    const metrics = (await call(server, 'GET', '/metrics')).text;
    assert.match(metrics, /^personalizer_log_mirror_lines_total 60$/m);
    const bytes = lines.reduce((s, l) => s + Buffer.byteLength(l) + 1, 0);
    assert.match(metrics, new RegExp(`^personalizer_log_mirror_bytes_total ${bytes}$`, 'm'));
    assert.match(metrics, /^personalizer_log_mirror_errors_total 0$/m);

    // SIGTERM: the trainer learns what is pending and exports; the store then holds the server's final model.
    assert.equal(await server.stop(), 0);
    const s = await openStore(store);
    const model = (await s.latestModel())!;
    await s.close();
    const log = path.join(dir, 'mirror.dsjson');
    fs.writeFileSync(log, lines.join('\n') + '\n');
    const run = await runReplay(['--dsjson', log, '--policy', policy, '-f', path.join(dir, 'replayed.vw'), '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(model.eventsLearned, 55);
    assert.deepEqual(readModel(fs.readFileSync(path.join(dir, 'replayed.vw'))).weights, readModel(model.bytes).weights, 'replay of the mirror = the server model');
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('turning the mirror off stops it; on again, it starts from the events joined then; without a directory, 400', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const mirror = path.join(out, 'logmirror');
  const server = await startServerProcess({ args: [`Mounts:Output=${out}`] });
  const bare = await startServerProcess();
  try {
    const refused = await configure(bare, { logMirrorEnabled: true });
    assert.equal(refused.status, 400);
    assert.equal(refused.json.error.code, 'InvalidServiceConfiguration');
    assert.match(refused.json.error.message, /logMirrorEnabled: .*Mounts:Output.*LogMirror:Directory/);
    assert.equal((await call(bare, 'GET', `${V}/configurations/service`)).json.logMirrorEnabled, false);

    assert.equal((await configure(server, { logMirrorEnabled: true })).status, 200);
    await traffic(server, 0, 10);
    assert.equal((await waitForLines(mirror, 10)).length, 10, 'ev-3 (no reward) and ev-5 (never activated) after their second');
    assert.equal((await configure(server, { logMirrorEnabled: false })).status, 200);
    await traffic(server, 10, 20);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await configure(server, { logMirrorEnabled: true })).status, 200);
    await traffic(server, 20, 30);
    const ids = eventIds(await waitForLines(mirror, 20));
    await new Promise((r) => setTimeout(r, 2500));
    const all = eventIds(await waitForLines(mirror, 20));
    assert.deepEqual(all, ids, 'nothing more came');
    const expected = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i)].map((i) => `ev-${i}`);
    assert.deepEqual([...all].sort(), expected.sort());
  } finally {
    await server.stop();
    await bare.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('kill -9 while mirroring, a partial last line, a restart: no joined event missing, none twice', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const mirror = path.join(out, 'logmirror');
  const store = `sqlite:${path.join(dir, 'p.db')}`;
  const args = [`Store=${store}`, `Mounts:Output=${out}`, 'LogMirror:MaxFileSize=0.02'];
  let server = await startServerProcess({ args });
  try {
    assert.equal((await configure(server, { logMirrorEnabled: true })).status, 200);
    await traffic(server, 0, 40);
    // Killed while requests and mirror turns are in flight.
    const load = traffic(server, 40, 400).catch(() => undefined);
    await waitForLines(mirror, 60);
    server.child.kill('SIGKILL');
    assert.equal(await server.exited, null);
    await load;
    // As a crash in the middle of an append leaves it.
    const files = await listMirrorFiles(mirror);
    fs.appendFileSync(files.at(-1)!.path, '{"_label_cost":-1,"_label_probabil');
    const before = mirroredLines(mirror, files).length;

    server = await startServerProcess({ args });
    const ranked = (await call(server, 'GET', '/metrics')).text;
    assert.match(ranked, /personalizer_events_ranked_total \d+/);
    await traffic(server, 1000, 1040);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await server.stop(), 0);
    const s = await openStore(store);
    const joined = (await s.readJoined(0, 100_000)).map((j) => j.eventId);
    await s.close();
    const ids = eventIds(mirroredLines(mirror, await listMirrorFiles(mirror)));
    assert.ok(before >= 60 && joined.length > before, `${before} lines before the restart, ${joined.length} joined in all`);
    assert.deepEqual(ids, joined, 'the mirror holds every joined event once, in join order');
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** One request on a connection of its own (the cluster hands out connections, not requests, to its workers). */
function fresh(server: ServerProcess, method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((ok, fail) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${server.url}${p}`,
      {
        method,
        agent: false,
        headers: { 'Ocp-Apim-Subscription-Key': server.key, ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => ok({ status: res.statusCode!, json: text === '' ? undefined : JSON.parse(text) }));
      },
    );
    req.on('error', fail);
    req.end(payload);
  });
}

test('Workers=2: only the trainer leader mirrors, each joined event once; every worker counts into the one usage ledger', async () => {
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const mirror = path.join(out, 'logmirror');
  const store = `sqlite:${path.join(dir, 'p.db')}`;
  const server = await startServerProcess({ args: [`Store=${store}`, `Mounts:Output=${out}`, 'Workers=2', 'Usage:FlushInterval=1'], timeoutMs: 60_000 });
  try {
    const current = (await fresh(server, 'GET', `${V}/configurations/service`)).json;
    const put = await fresh(server, 'PUT', `${V}/configurations/service`, { ...current, rewardWaitTime: 'PT1S', logMirrorEnabled: true });
    assert.equal(put.status, 200);
    // The other worker takes the new configuration from the store within its watch interval.
    await new Promise((r) => setTimeout(r, 1500));
    for (let i = 0; i < 40; i++) {
      const r = await fresh(server, 'POST', `${V}/rank`, rankBody(i));
      assert.equal(r.status, 201);
      assert.equal((await fresh(server, 'POST', `${V}/events/ev-${i}/reward`, { value: i % 2 })).status, 204);
    }
    const ids = eventIds(await waitForLines(mirror, 40));
    assert.equal(await server.stop(), 0);
    const s = await openStore(store);
    const joined = (await s.readJoined(0, 1000)).map((j) => j.eventId);
    await s.close();
    assert.equal(joined.length, 40);
    assert.deepEqual(eventIds(mirroredLines(mirror, await listMirrorFiles(mirror))), joined, 'every joined event once, in join order');
    assert.deepEqual(ids, joined);

    const usage = fs.readdirSync(path.join(out, 'usage')).flatMap((f) =>
      fs.readFileSync(path.join(out, 'usage', f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { operation: string; requests: number; transactions: number; instance: string }),
    );
    const sum = (op: string, k: 'requests' | 'transactions') => usage.filter((l) => l.operation === op).reduce((n, l) => n + l[k], 0);
    assert.equal(sum('POST /rank', 'requests'), 40);
    assert.equal(sum('POST /rank', 'transactions'), 40);
    assert.equal(sum('POST /events/{eventId}/reward', 'requests'), 40);
    assert.equal(sum('PUT /configurations/service', 'requests'), 1);
    assert.equal(new Set(usage.map((l) => l.instance)).size, 2, 'both workers counted and wrote');
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('two replicas on PostgreSQL, one mirror directory: the leader writes; killed, its successor goes on with no gap and nothing twice', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const dir = tempDir();
  const out = path.join(dir, 'out');
  const mirror = path.join(out, 'logmirror');
  const args = [`Store=${url}`, `Mounts:Output=${out}`];
  const servers = [await startServerProcess({ args }), await startServerProcess({ args })];
  try {
    assert.equal((await configure(servers[0]!, { logMirrorEnabled: true })).status, 200);
    await new Promise((r) => setTimeout(r, 1500));
    await traffic(servers[0]!, 0, 20);
    await traffic(servers[1]!, 20, 40);
    await waitForLines(mirror, 40);
    const leader = (await findLeader(servers, 10_000)).server;
    const survivor = servers.find((s) => s !== leader)!;
    const load = traffic(leader, 100, 400).catch(() => undefined);
    await waitForLines(mirror, 60);
    leader.child.kill('SIGKILL');
    await leader.exited;
    await load;
    assert.equal((await findLeader([survivor], 15_000)).server, survivor);
    await traffic(survivor, 1000, 1030);
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await survivor.stop(), 0);
    const store = await openStore(url);
    const joined = (await store.readJoined(0, 100_000)).map((j) => j.eventId);
    await store.close();
    const ids = eventIds(mirroredLines(mirror, await listMirrorFiles(mirror)));
    assert.ok(joined.length >= 100, `${joined.length} joined`);
    assert.deepEqual(ids, joined, 'every joined event once, in join order, across the change of leader');
  } finally {
    for (const s of servers) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

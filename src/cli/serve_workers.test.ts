// `personalizer serve Workers=N`: N worker processes behind one port and one store, supervised by the process
// started. Real processes on a loopback port, a real SQLite file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { freePort, serverAvailable, serverEntry, startServer, tempDir, type RunningServer } from '../conformance/harness.js';
import { freshPostgres } from '../testing/postgres.js';
import { needs } from '../testing/fixtures.js';

const NOT_BUILT = `server not built (${serverEntry()} missing)`;
const KEY = 'workers-test-key';

interface LogLine {
  msg?: string;
  worker?: number;
  pid?: number;
  workers?: number[] | number;
  url?: string;
}

function lines(out: string): LogLine[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

/** Waits for `check` to return a value, polling, up to `ms`. */
async function until<T>(what: string, ms: number, check: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The workers' pids, once the primary says they all serve. */
async function workerPids(server: RunningServer, n: number): Promise<number[]> {
  const line = await until('the workers to serve', 30_000, () => lines(server.output()).find((l) => l.msg === `${n} workers serving`));
  const pids = line.workers as number[];
  assert.equal(pids.length, n);
  return pids;
}

/** One GET on a new connection (cluster hands out connections, not requests). */
function getOnce(port: number, p: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, agent: false, headers: { 'Ocp-Apim-Subscription-Key': KEY } }, (res) => {
      res.resume();
      res.on('end', () => ok(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

/** Which pids answered the requests to `path` (from the request log lines). */
function answeredBy(out: string, p: string): Map<number, number> {
  const by = new Map<number, number>();
  for (const l of lines(out)) if (l.msg === 'request completed' && l.url === p && l.pid !== undefined) by.set(l.pid, (by.get(l.pid) ?? 0) + 1);
  return by;
}

test('Workers=2: two worker processes serve one port, requests spread over both; the lock refuses a second server; SIGTERM stops all with 0', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async () => {
  const dir = tempDir('pzr-workers-');
  const file = path.join(dir.dir, 'p.db');
  const server = await startServer({ store: `sqlite:${file}`, key: KEY, args: ['Workers=2'] });
  try {
    const pids = await workerPids(server, 2);
    assert.ok(pids.every((p) => p !== server.pid && alive(p)), `${pids} vs primary ${server.pid}`);
    const route = '/personalizer/v1.0/configurations/policy';
    for (let i = 0; i < 20; i++) assert.equal(await getOnce(server.port, route), 200);
    const by = await until('20 request lines', 5000, () => {
      const m = answeredBy(server.output(), route);
      return [...m.values()].reduce((a, b) => a + b, 0) >= 20 && m;
    });
    assert.deepEqual([...by.keys()].sort(), [...pids].sort(), 'both workers answered');
    for (const n of by.values()) assert.ok(n >= 3, `spread: ${JSON.stringify([...by])}`);
    // Each line names its worker: 1 and 2, each with its own pid.
    const named = new Map(lines(server.output()).filter((l) => l.msg === 'request completed').map((l) => [l.worker, l.pid]));
    assert.deepEqual([...named.keys()].sort(), [1, 2]);

    // The store's lock is held by the primary: a second server on the file is refused, naming it.
    const second = spawnSync(process.execPath, [serverEntry(), 'serve', 'Eula=accept', `ApiKey=${KEY}`, 'Host=127.0.0.1', 'Port=0', `Store=sqlite:${file}`], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(second.status, 1);
    assert.equal(second.stderr, `personalizer: refusing to start: Store: ${file} is in use by another process (pid ${server.pid})\n`);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.ok(pids.every((p) => !alive(p)), 'every worker has exited');
    const out = lines(server.output());
    assert.equal(out.filter((l) => l.msg === 'stopped' && l.worker !== undefined).length, 2, 'both workers stopped cleanly');
  } finally {
    await server.kill9();
    dir.cleanup();
  }
});

test('Workers=2: a worker killed with kill -9 is started again and serves; the other serves meanwhile', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async () => {
  const dir = tempDir('pzr-workers-');
  const server = await startServer({ store: `sqlite:${path.join(dir.dir, 'p.db')}`, key: KEY, args: ['Workers=2'] });
  try {
    const [victim, other] = await workerPids(server, 2);
    process.kill(victim!, 'SIGKILL');
    await until('the worker to exit', 5000, () => !alive(victim!));
    // Served meanwhile, by the other one.
    const route = '/personalizer/v1.0/configurations/service';
    assert.equal(await getOnce(server.port, route), 200);
    const restarted = await until('a new worker', 20_000, () =>
      lines(server.output()).find((l) => l.msg === 'personalizer listening at ' + server.url && l.pid !== victim && l.pid !== other),
    );
    assert.ok(alive(restarted.pid!));
    assert.match(server.output(), /worker \d \(pid \d+\) exited with signal SIGKILL; starting it again in \d+ ms/);
    // Both serve again.
    const want = new Set([other!, restarted.pid!]);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && [...want].some((p) => !answeredBy(server.output(), route).has(p))) {
      assert.equal(await getOnce(server.port, route), 200);
    }
    for (const p of want) assert.ok(answeredBy(server.output(), route).has(p), `pid ${p} answered`);
    assert.equal(server.child.exitCode, null, 'the primary still runs');
  } finally {
    await server.stop();
    dir.cleanup();
  }
});

test('Workers=2: the primary killed with kill -9 takes its workers with it, and releases the store', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async () => {
  const dir = tempDir('pzr-workers-');
  const file = path.join(dir.dir, 'p.db');
  const server = await startServer({ store: `sqlite:${file}`, key: KEY, args: ['Workers=2'] });
  try {
    const pids = await workerPids(server, 2);
    await server.kill9();
    await until('the workers to exit', 10_000, () => pids.every((p) => !alive(p)));
    const next = await startServer({ store: `sqlite:${file}`, key: KEY });
    await next.stop();
  } finally {
    await server.kill9();
    dir.cleanup();
  }
});

test('Workers=2 on a port already taken: exit 1 with the one line a single server gives', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async () => {
  const dir = tempDir('pzr-workers-');
  const port = await freePort();
  const holder = createServer();
  await new Promise<void>((ok) => holder.listen(port, '127.0.0.1', ok));
  try {
    const child = spawn(
      process.execPath,
      [serverEntry(), 'serve', 'Eula=accept', `ApiKey=${KEY}`, 'Host=127.0.0.1', `Port=${port}`, `Store=sqlite:${path.join(dir.dir, 'p.db')}`, 'Workers=2'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((ok) => child.once('exit', ok));
    assert.equal(code, 1);
    const refusals = stderr.split('\n').filter((l) => l.startsWith('personalizer: refusing to start:'));
    assert.ok(refusals.length >= 1, stderr);
    assert.match(refusals[0]!, new RegExp(`Port: .*${port}`));
  } finally {
    holder.close();
    dir.cleanup();
  }
});

test('a store the primary refuses stops the start before any worker exists', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, () => {
  const dir = tempDir('pzr-workers-');
  const file = path.join(dir.dir, 'p.db');
  fs.writeFileSync(file, Buffer.alloc(8192, 0x5a));
  const r = spawnSync(process.execPath, [serverEntry(), 'serve', 'Eula=accept', `ApiKey=${KEY}`, 'Host=127.0.0.1', 'Port=0', `Store=sqlite:${file}`, 'Workers=3'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  dir.cleanup();
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^personalizer: refusing to start: Store: .* is not a usable SQLite database .*\n$/);
  assert.ok(!r.stdout.includes('starting 3 workers'), r.stdout);
});

test('Workers=2 on PostgreSQL: both workers serve one port and one database; a Rank answered by one is rewarded through the other', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const server = await startServer({ store: url, key: KEY, args: ['Workers=2'] });
  try {
    const pids = await workerPids(server, 2);
    const route = '/personalizer/v1.0/configurations/policy';
    for (let i = 0; i < 12; i++) assert.equal(await getOnce(server.port, route), 200);
    const by = await until('12 request lines', 5000, () => {
      const m = answeredBy(server.output(), route);
      return [...m.values()].reduce((a, b) => a + b, 0) >= 12 && m;
    });
    assert.deepEqual([...by.keys()].sort(), [...pids].sort());
    // New connections alternate between the workers: ranks and rewards land on both, and every reward finds its
    // event whichever worker ranked it.
    const rank = JSON.stringify({ actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }] });
    for (let i = 0; i < 10; i++) {
      const status = await postOnce(server.port, '/personalizer/v1.0/rank', rank.replace('{"actions"', `{"eventId":"w${i}","actions"`));
      assert.equal(status, 201);
      assert.equal(await postOnce(server.port, `/personalizer/v1.0/events/w${i}/reward`, '{"value":1}'), 204);
    }
    // (Round-robin over new connections: typically every Rank on one worker and every Reward on the other.)
    const pidsOf = (re: RegExp): Set<number> =>
      new Set(lines(server.output()).filter((l) => l.msg === 'request completed' && re.test(l.url ?? '')).map((l) => l.pid!));
    const rankPids = pidsOf(/\/rank$/);
    const rewardPids = pidsOf(/\/events\/w\d+\/reward$/);
    assert.equal(new Set([...rankPids, ...rewardPids]).size, 2, 'ranks and rewards answered by both workers');
    // The counters are the database's: either worker reports all ten rewards, none for an unknown event.
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    const value = (name: string): number => Number(metrics.split('\n').find((l) => l.startsWith(name + ' '))?.split(' ')[1]);
    assert.equal(value('personalizer_events_ranked_total'), 10);
    assert.equal(value('personalizer_rewards_received_total'), 10);
    assert.equal(value('personalizer_rewards_unknown_event_total'), 0);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.ok(pids.every((p) => !alive(p)));
  } finally {
    await server.kill9();
  }
});

function postOnce(port: number, p: string, body: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: p, method: 'POST', agent: false, headers: { 'Ocp-Apim-Subscription-Key': KEY, 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

/** A GET on a new connection, with its body. */
function getBody(port: number, p: string): Promise<string> {
  return new Promise((ok, fail) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, agent: false, headers: { 'Ocp-Apim-Subscription-Key': KEY } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok(body));
    });
    req.on('error', fail);
    req.end();
  });
}

function metric(text: string, name: string): number {
  return Number(text.split('\n').find((l) => l.startsWith(name + ' '))?.split(' ')[1]);
}

test('Workers=2 on one SQLite file: Ranks and Rewards spread over both are all joined and learned, by exactly one trainer', { skip: needs(serverAvailable(), NOT_BUILT), timeout: 600_000 }, async () => {
  const dir = tempDir('pzr-workers-');
  const server = await startServer({ store: `sqlite:${path.join(dir.dir, 'p.db')}`, key: KEY, args: ['Workers=2'] });
  try {
    const pids = await workerPids(server, 2);
    await until('a trainer leader', 20_000, () => lines(server.output()).some((l) => /now the trainer leader/.test(l.msg ?? '')));
    const service = JSON.parse(await getBody(server.port, '/personalizer/v1.0/configurations/service')) as Record<string, unknown>;
    const put = await fetch(`${server.base}/configurations/service`, {
      method: 'PUT',
      headers: { 'Ocp-Apim-Subscription-Key': KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ ...service, modelExportFrequency: 'PT1S' }),
    });
    assert.equal(put.status, 200);
    const N = 40;
    for (let i = 0; i < N; i++) {
      const body = JSON.stringify({ eventId: `j${i}`, contextFeatures: [{ user: { n: i % 4 } }], actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }] });
      assert.equal(await postOnce(server.port, '/personalizer/v1.0/rank', body), 201);
      assert.equal(await postOnce(server.port, `/personalizer/v1.0/events/j${i}/reward`, `{"value":${i % 2}}`), 204);
    }
    const pidsOf = (re: RegExp): Set<number> =>
      new Set(lines(server.output()).filter((l) => l.msg === 'request completed' && re.test(l.url ?? '')).map((l) => l.pid!));
    assert.equal(new Set([...pidsOf(/\/rank$/), ...pidsOf(/\/events\/j\d+\/reward$/)]).size, 2, 'both workers answered');
    // Every worker (new connections alternate) reports the N events joined, and a model that learned each once.
    // One request at a time, each awaited: none is left in flight when the server stops.
    const deadline = Date.now() + 60_000;
    for (let agreeing = 0; agreeing < 6; ) {
      if (Date.now() > deadline) throw new Error('timed out waiting for every worker to report the learned model');
      const m = await getBody(server.port, '/metrics');
      const ok = metric(m, 'personalizer_events_joined_total') === N && metric(m, 'personalizer_events_learned_total') === N;
      agreeing = ok ? agreeing + 1 : 0;
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    const leaders = lines(server.output()).filter((l) => /now the trainer leader/.test(l.msg ?? ''));
    assert.equal(leaders.length, 1, 'one leader, elected once');
    assert.ok(pids.includes(leaders[0]!.pid!));
    assert.ok(!lines(server.output()).some((l) => /no longer the trainer leader/.test(l.msg ?? '')));
  } finally {
    await server.stop();
    dir.cleanup();
  }
});

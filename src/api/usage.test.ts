// The usage ledger (usage_ledger.ts, docs/usage.md) on a real server process: per hour, key and operation, the
// requests answered 2xx and the billable transactions (every Rank) equal the requests made, across a kill -9 after
// a flush interval and a graceful restart; the keys themselves are never written. And the ledger's hour and day
// boundaries with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, startServerProcess } from './test_server.js';
import { operationName } from './usage.js';
import { UsageLedger, type UsageLine } from './usage_ledger.js';

const RANK = { actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }] };
const HOUR = 3_600_000;

function readLedger(dir: string): UsageLine[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as UsageLine));
}

/** key + operation → [requests, transactions], summed over hours and processes. */
function totals(lines: UsageLine[]): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const l of lines) {
    const t = (out[`${l.key} ${l.operation}`] ??= [0, 0]);
    t[0] += l.requests;
    t[1] += l.transactions;
  }
  return out;
}

test('the usage ledger counts every 2xx API request by key and operation, Ranks as transactions, across kill -9 and restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-usage-'));
  const out = path.join(dir, 'out');
  const usage = path.join(out, 'usage');
  const key1 = 'first-key-0123456789';
  const key2 = 'second-key-9876543210';
  const args = [`Store=sqlite:${path.join(dir, 'p.db')}`, `Mounts:Output=${out}`, `ApiKey2=${key2}`, 'Usage:FlushInterval=1'];
  const startHour = Math.floor(Date.now() / HOUR);
  let server = await startServerProcess({ key: key1, args });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await call(server, 'POST', '/personalizer/v1.0/rank', { body: { ...RANK, eventId: `k1-${i}` } })).status, 201);
    for (let i = 0; i < 3; i++) {
      assert.equal((await call(server, 'POST', '/personalizer/v1.0/rank', { body: { ...RANK, eventId: `k2-${i}`, deferActivation: true }, key: key2 })).status, 201);
    }
    for (let i = 0; i < 4; i++) assert.equal((await call(server, 'POST', `/personalizer/v1.0/events/k1-${i}/reward`, { body: { value: 1 } })).status, 204);
    for (let i = 0; i < 2; i++) assert.equal((await call(server, 'POST', `/personalizer/v1.0/events/k2-${i}/activate`, { key: key2 })).status, 204);
    assert.equal((await call(server, 'GET', '/personalizer/configurations/service?api-version=2022-09-01-preview', { key: key2 })).status, 200);
    // Not counted: a 400, a 401, a container route.
    assert.equal((await call(server, 'POST', '/personalizer/v1.0/rank', { body: { actions: [] } })).status, 400);
    assert.equal((await call(server, 'POST', '/personalizer/v1.0/rank', { body: RANK, key: 'wrong' })).status, 401);
    assert.equal((await call(server, 'GET', '/status')).status, 200);
    // One flush interval, then a crash: what was counted before it is on disk.
    await new Promise((r) => setTimeout(r, 1800));
    server.child.kill('SIGKILL');
    assert.equal(await server.exited, null);
    assert.deepEqual(totals(readLedger(usage)), {
      'key1 POST /rank': [5, 5],
      'key2 POST /rank': [3, 3],
      'key1 POST /events/{eventId}/reward': [4, 0],
      'key2 POST /events/{eventId}/activate': [2, 0],
      'key2 GET /configurations/service': [1, 0],
    });

    server = await startServerProcess({ key: key1, args });
    for (let i = 0; i < 2; i++) assert.equal((await call(server, 'POST', '/personalizer/v1.1-preview.3/rank', { body: RANK })).status, 201);
    // A graceful stop writes what the last interval counted.
    assert.equal(await server.stop(), 0);
    const lines = readLedger(usage);
    assert.deepEqual(totals(lines), {
      'key1 POST /rank': [7, 7],
      'key2 POST /rank': [3, 3],
      'key1 POST /events/{eventId}/reward': [4, 0],
      'key2 POST /events/{eventId}/activate': [2, 0],
      'key2 GET /configurations/service': [1, 0],
    });
    const endHour = Math.floor(Date.now() / HOUR);
    for (const l of lines) {
      const hour = Date.parse(l.hour) / HOUR;
      assert.ok(hour >= startHour && hour <= endHour, l.hour);
      assert.match(l.instance, /^.+\/\d+$/);
    }
    const text = fs.readdirSync(usage).map((f) => fs.readFileSync(path.join(usage, f), 'utf8')).join('');
    assert.ok(!text.includes(key1) && !text.includes(key2), 'no key in the ledger');
    assert.deepEqual(fs.readdirSync(usage), [...new Set(lines.map((l) => `${l.hour.slice(0, 10)}.jsonl`))].sort());
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ledger: an hour that ends is written at once, each hour to the file of its UTC day; a failed append is kept', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-usage-unit-'));
  const clock = { now: Date.UTC(2026, 2, 31, 23, 59, 58) };
  const logged: string[] = [];
  const ledger = new UsageLedger(path.join(dir, 'usage'), 3_600_000, (_level, m) => logged.push(m), () => clock.now);
  try {
    ledger.count('key1', 'POST /rank', 1);
    ledger.count('key1', 'POST /rank', 1);
    clock.now += 4000;
    ledger.count('key2', 'POST /rank', 1); // a new hour (and day): the last one is written now
    await ledger.flush();
    assert.deepEqual(fs.readdirSync(path.join(dir, 'usage')).sort(), ['2026-03-31.jsonl', '2026-04-01.jsonl']);
    const first = readLedger(path.join(dir, 'usage')).map(({ instance: _i, ...l }) => l);
    assert.deepEqual(first, [
      { hour: '2026-03-31T23:00:00.000Z', key: 'key1', operation: 'POST /rank', requests: 2, transactions: 2 },
      { hour: '2026-04-01T00:00:00.000Z', key: 'key2', operation: 'POST /rank', requests: 1, transactions: 1 },
    ]);
    // The directory gone and replaced by a file: the append fails, the counts wait for the next one.
    fs.rmSync(path.join(dir, 'usage'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'usage'), '');
    ledger.count('key2', 'POST /rank', 1);
    await ledger.flush();
    assert.equal(logged.length, 1);
    ledger.count('key2', 'POST /rank', 1);
    fs.rmSync(path.join(dir, 'usage'));
    await ledger.close();
    assert.deepEqual(readLedger(path.join(dir, 'usage')).map((l) => [l.key, l.requests, l.transactions]), [['key2', 2, 2]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('operation names: the route without its version, parameters in braces; other routes none', () => {
  assert.equal(operationName('POST', '/personalizer/v1.0/rank'), 'POST /rank');
  assert.equal(operationName('POST', '/personalizer/v1.1-preview.3/multislot/events/:eventId/reward'), 'POST /multislot/events/{eventId}/reward');
  assert.equal(operationName('GET', '/personalizer/configurations/service'), 'GET /configurations/service');
  assert.equal(operationName('GET', '/status'), null);
  assert.equal(operationName('GET', '/metrics'), null);
});

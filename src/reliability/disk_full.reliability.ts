// A real server whose store sits on a small tmpfs that the test fills: writes are answered 507
// InsufficientStorage in Azure's shape (never another 5xx, no crash), /ready turns 503, the condition is logged a
// bounded number of times, and once the filler is deleted the server recovers by itself with every acknowledged
// write kept. Needs root (mount); skipped otherwise, unless REQUIRE_SERVICES=1, where a skip is a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { call, startServerProcess, type ServerProcess } from '../api/test_server.js';
import { needs } from '../testing/fixtures.js';

function tmpfsAvailable(): string | true {
  if (process.platform !== 'linux') return 'tmpfs mounts need Linux';
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return true;
  } catch (e) {
    return `cannot mount a tmpfs here (${(e as Error).message.split('\n')[0]})`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const available = tmpfsAvailable();
const skip = available === true ? false : needs(false, available);

async function until(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function rankBody(i: number): unknown {
  return {
    eventId: `ev-${i}`,
    contextFeatures: [{ user: { pad: 'u'.repeat(2000), n: i } }],
    actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }],
  };
}

test('disk full: 507 InsufficientStorage, /ready 503, bounded logs; recovery by itself with every acknowledged write kept', { skip, timeout: 600_000 }, async () => {
  assert.equal(available, true, `REQUIRE_SERVICES=1 but ${String(available)}`);
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
  let server: ServerProcess | undefined;
  try {
    const file = path.join(mnt, 'p.db');
    server = await startServerProcess({ args: [`Store=sqlite:${file}`] });
    const s = server;
    const service = (await call(s, 'GET', '/personalizer/v1.0/configurations/service')).json;
    // Exports every second, so that the trainer meets the full disk too.
    assert.equal((await call(s, 'PUT', '/personalizer/v1.0/configurations/service', { body: { ...service, modelExportFrequency: 'PT1S' } })).status, 200);

    const ranked: string[] = [];
    const rewarded: string[] = [];
    const statuses = new Map<number, number>();
    let i = 0;
    const step = async (): Promise<number> => {
      const id = `ev-${i}`;
      const r = await call(s, 'POST', '/personalizer/v1.0/rank', { body: rankBody(i++) });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 507) assert.deepEqual(r.json.error.code, 'InsufficientStorage', r.text);
      if (r.status !== 201) return r.status;
      ranked.push(id);
      const w = await call(s, 'POST', `/personalizer/v1.0/events/${id}/reward`, { body: { value: 1 } });
      statuses.set(w.status, (statuses.get(w.status) ?? 0) + 1);
      if (w.status === 204) rewarded.push(id);
      else assert.equal(w.json.error.code, 'InsufficientStorage', w.text);
      return w.status;
    };
    for (let k = 0; k < 20; k++) assert.equal(await step(), 204);

    // Fill the file system.
    const filler = path.join(mnt, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    const logLinesBefore = s.stdout().split('\n').length;

    // Writes go on until the WAL has no room left; from then on they are refused.
    for (let k = 0; k < 5000 && (await step()) !== 507; k++);
    assert.ok((statuses.get(507) ?? 0) > 0, `statuses ${JSON.stringify([...statuses])}`);
    // A reward for an event ranked before is refused the same way, and not counted as received.
    const late = await call(s, 'POST', `/personalizer/v1.0/events/${ranked[0]}/reward`, { body: { value: 0.5 } });
    assert.equal(late.status, 507, late.text);
    assert.match(late.json.error.message, /disk is full/);
    // A model reset (the trainer writes a fresh model) too.
    const reset = await call(s, 'DELETE', '/personalizer/v1.0/model');
    assert.equal(reset.status, 507, reset.text);
    assert.equal(reset.json.error.code, 'InsufficientStorage');
    const ready = await call(s, 'GET', '/ready');
    assert.equal(ready.status, 503, ready.text);
    assert.equal(ready.json.error.code, 'ServiceUnavailable');
    for (let k = 0; k < 100; k++) await step();
    await new Promise((r) => setTimeout(r, 2500)); // maintenance turns, trainer exports and checkpoints meet the full disk
    assert.equal((await call(s, 'GET', '/ready')).status, 503);
    for (const status of statuses.keys()) assert.ok(status < 500 || status === 507, `statuses ${JSON.stringify([...statuses])}`);

    // Logged once, not per request or per turn: no stack traces, few error or warning lines.
    const lines = s.stdout().split('\n').slice(logLinesBefore - 1).filter((l) => l.trim() !== '');
    const loud = lines.filter((l) => /"level":(40|50|60)/.test(l));
    assert.ok(loud.length <= 4, `error or warning lines while full:\n${loud.join('\n')}`);
    assert.ok(!lines.some((l) => l.includes('"stack"')), lines.filter((l) => l.includes('"stack"')).join('\n'));
    assert.equal(s.child.exitCode, null, 'the server is still running');

    // Space comes back: the server recovers by itself.
    fs.rmSync(filler);
    await until('/ready 200 after space is freed', async () => (await call(s, 'GET', '/ready')).status === 200);
    for (let k = 0; k < 5; k++) assert.equal(await step(), 204);
    assert.equal(await s.stop(), 0);
    server = undefined;

    const db = new Database(file, { readonly: true });
    try {
      const events = new Set(db.prepare('SELECT event_id FROM events').pluck().all() as string[]);
      for (const id of ranked) assert.ok(events.has(id), `acknowledged event ${id} is missing`);
      const rewards = db.prepare('SELECT e.event_id FROM rewards r JOIN events e ON e.seq = r.event_seq').pluck().all() as string[];
      assert.deepEqual(rewards.sort(), [...rewarded].sort());
    } finally {
      db.close();
    }
  } finally {
    await server?.stop('SIGKILL');
    execFileSync('umount', ['-l', mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  }
});

// The trainer lease's election on a real SQLite store shared by two stores of one file (as two processes of a
// Workers=N server open it): one leader at a time, takeover after a crash within the lease's expiry, at once
// after a release, a deposed holder told at its next renewal, and fenced exports refused to a former holder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LeaseLostError, SqliteStore, type LeaseGrant, type NewModel } from '../store/index.js';
import { Leadership, LOST, TRAINER_LEASE } from './leadership.js';

const TTL = 400;
const RENEW = 100;

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-lease-')), 'store.db');
}

interface Seat {
  leadership: Leadership;
  elected: LeaseGrant[];
  deposed: string[];
  extended: LeaseGrant[];
}

function seat(store: SqliteStore, holder: string): Seat {
  const s: Seat = { elected: [], deposed: [], extended: [], leadership: undefined as unknown as Leadership };
  s.leadership = new Leadership({
    store,
    holder,
    ttlMs: TTL,
    renewMs: RENEW,
    elected: async (g) => void s.elected.push(g),
    deposed: async (r) => void s.deposed.push(r),
    extended: async (g) => void s.extended.push(g),
  });
  return s;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<number> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

const model = (cursor: number): NewModel => ({ bytes: new Uint8Array([1, 2, 3]), policy: 'p', createdAt: 1, modifiedAt: 2, cursor, eventsLearned: cursor });

test('one leader at a time; a crashed leader is replaced once its lease expires, a released one at once', async () => {
  const file = tempFile();
  const owner = new SqliteStore(file);
  const shared = new SqliteStore(file, { exclusive: false });
  const a = seat(owner, 'a');
  const b = seat(shared, 'b');
  try {
    await a.leadership.start();
    await b.leadership.start();
    assert.equal(a.leadership.leader, true);
    assert.equal(b.leadership.leader, false);
    assert.equal(a.elected.length, 1);
    assert.equal(a.elected[0]!.epoch, 1);
    // Several renewals later, still the same leader at the same epoch.
    await new Promise((r) => setTimeout(r, 3 * RENEW));
    assert.equal(b.leadership.leader, false);
    assert.equal(a.leadership.lease?.epoch, 1);
    assert.ok(a.leadership.lease!.expiresAt > Date.now(), 'renewed');

    // A stops as a crash would: the lease is left to expire, then b takes it with the next epoch.
    const crashedAt = Date.now();
    await a.leadership.stop(false);
    const waited = await until('b to take over', () => b.leadership.leader, TTL + 10 * RENEW);
    assert.ok(Date.now() - crashedAt >= TTL - 2 * RENEW, `b took over after ${Date.now() - crashedAt} ms, before the lease could expire`);
    // The lease's expiry plus one turn, with room for a loaded machine's late timers.
    assert.ok(waited <= TTL + 5 * RENEW, `takeover took ${waited} ms`);
    assert.equal(b.elected[0]!.epoch, 2);

    // b releases on a clean stop: c takes over at its next turn, well before the lease would have expired.
    const c = seat(owner, 'c');
    await c.leadership.start();
    assert.equal(c.leadership.leader, false);
    let exported = false;
    await b.leadership.stop(true, async () => void (exported = true));
    assert.equal(exported, true);
    const handover = await until('c to take over', () => c.leadership.leader, TTL);
    assert.ok(handover <= 3 * RENEW, `takeover after a release took ${handover} ms`);
    assert.equal(c.elected[0]!.epoch, 3);
    await c.leadership.stop(true);
  } finally {
    await a.leadership.stop(false);
    await b.leadership.stop(false);
    await shared.close();
    await owner.close();
  }
});

test('a holder whose lease another process took is deposed at its next renewal; its fenced export is refused', async () => {
  const file = tempFile();
  const store = new SqliteStore(file);
  const a = seat(store, 'a');
  try {
    await a.leadership.start();
    const grant = a.leadership.lease!;
    const before = await store.saveModel(model(5), grant);
    // Another process takes the lease (as one that found it expired while this one was paused would).
    const db = new Database(file);
    db.prepare(`UPDATE leases SET holder = 'intruder', epoch = epoch + 1, expires_at = ? WHERE name = ?`).run(Date.now() + 60_000, TRAINER_LEASE);
    db.close();
    await assert.rejects(store.saveModel(model(9), grant), (e: unknown) => e instanceof LeaseLostError && e.epoch === grant.epoch);
    assert.equal(await store.latestModelId(), before.id, 'nothing written by the refused export');
    const waited = await until('a to be deposed', () => !a.leadership.leader, 10 * RENEW);
    assert.ok(waited <= 3 * RENEW, `deposed after ${waited} ms`);
    assert.deepEqual(a.deposed, [LOST]);
    // It keeps competing, and gets nothing while the intruder's lease runs.
    await a.leadership.check();
    assert.equal(a.leadership.leader, false);
    assert.equal(a.elected.length, 1);
  } finally {
    await a.leadership.stop(false);
    await store.close();
  }
});

test("the file's exclusive owner expires the leases of the processes before it; a shared open does not", async () => {
  const file = tempFile();
  const store = new SqliteStore(file);
  const held = await store.acquireLease(TRAINER_LEASE, 'gone', 60_000);
  assert.equal(held?.epoch, 1);
  await store.close();

  // A shared open (another process of a running server) must respect the running holder's lease.
  const owner = new SqliteStore(file);
  const shared = new SqliteStore(file, { exclusive: false });
  try {
    // The owner's open expired it: a successor is granted at once, with the next epoch.
    const next = await shared.acquireLease(TRAINER_LEASE, 'next', 60_000);
    assert.equal(next?.epoch, 2);
    const third = new SqliteStore(file, { exclusive: false });
    assert.equal(await third.acquireLease(TRAINER_LEASE, 'third', 60_000), null);
    await third.close();
    // The one before is fenced off.
    await assert.rejects(owner.saveModel(model(1), held!), LeaseLostError);
  } finally {
    await shared.close();
    await owner.close();
  }
});

test('a lease that ran out unclaimed is held again at the next epoch without a step-down; claimed meanwhile, the holder starts over', async () => {
  const file = tempFile();
  const store = new SqliteStore(file);
  const a = seat(store, 'a');
  const db = new Database(file);
  try {
    await a.leadership.start();
    // The holder stalled past its expiry (as a blocked event loop would make it): nobody took the lease.
    db.prepare(`UPDATE leases SET expires_at = 0 WHERE name = ?`).run(TRAINER_LEASE);
    await until('the lease to be held again', () => a.extended.length === 1, 10 * RENEW);
    assert.equal(a.extended[0]!.epoch, 2);
    assert.equal(a.leadership.lease?.epoch, 2);
    assert.deepEqual(a.deposed, [], 'its duties went on');
    // The old fence no longer holds; the new one does.
    await assert.rejects(store.saveModel(model(1), a.elected[0]!), LeaseLostError);
    await store.saveModel(model(2), a.extended[0]!);

    // This time another process held it meanwhile (and let it go): the epoch jumped, so the holder starts over.
    db.prepare(`UPDATE leases SET holder = 'other', epoch = epoch + 1, expires_at = 0 WHERE name = ?`).run(TRAINER_LEASE);
    await until('a to start over', () => a.elected.length === 2, 10 * RENEW);
    assert.deepEqual(a.deposed, [LOST]);
    assert.equal(a.elected[1]!.epoch, 4);
    assert.equal(a.extended.length, 1);
  } finally {
    db.close();
    await a.leadership.stop(false);
    await store.close();
  }
});

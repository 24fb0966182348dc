// The logged context stored in parts (context_parts.ts, schema migration 6), on real SQLite files: every read
// gives what the store was given, the same as a store written before parts existed, at a fraction of the bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { eventToDsjson } from '../loop/dsjson_export.js';
import { benchEvents } from '../testing/logged_events.js';
import { SqliteStore, type NewEvent } from './index.js';
import { MIGRATIONS } from './sqlite_schema.js';
import { firstReward } from './store.fixtures.js';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-pack-')), 'loop.db');
}


/** Contexts that are not of the loop's shape, or awkward in it: stored whole or split, read back the same. */
const AWKWARD = [
  'second',
  '~;0:1',
  '{"FromUrl":[{"user":{"name":"a \\"quoted\\" ]} name, with brackets [{"}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}]}',
  '{ "FromUrl" : [ {"u":{"k":"long enough to be a part of its own"}} ,\t{"u":{"k":"long enough to be a part of its own"}} ] , "_multi":[ ] }',
  '{"FromUrl":[{"emoji":"😀 \\ud83d\\ude00 é ü ß long enough to be a part"}],"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"n":[1,2,3.5e-7]}]}]}',
];

function allEvents(n: number): NewEvent[] {
  const events = benchEvents(n, 3);
  AWKWARD.forEach((context, k) => {
    for (let r = 0; r < 3; r++) events.push({ ...events[k]!, eventId: `awkward-${k}-${r}`, context });
  });
  return events;
}

/** A store file as the code before migration 6 wrote it: schema version 5, each context stored whole. */
function oldStore(file: string, events: NewEvent[]): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  for (const m of MIGRATIONS.slice(0, 5)) db.exec(m);
  db.pragma('user_version = 5');
  const insert = db.prepare(`INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob,
    model_version, defer_activation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`);
  db.transaction(() => {
    for (const e of events) {
      insert.run(e.eventId, e.timestamp, e.context, JSON.stringify(e.actions), JSON.stringify(e.probabilities), e.chosenIndex,
        e.chosenProbability, e.modelVersion, e.deferActivation ? 1 : 0);
    }
    db.prepare(`UPDATE counters SET value = ? WHERE name = 'events_ranked'`).run(events.length);
  })();
  db.close();
}

/** Bytes of the database itself (its WAL checkpointed into it). */
function dbBytes(file: string): number {
  const db = new Database(file);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  db.close();
  return bytes;
}

async function rewardSome(s: SqliteStore, events: NewEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i++) if (i % 4 !== 3) await s.addReward(events[i]!.eventId, (i % 3) / 2, events[i]!.timestamp + 1, firstReward);
}

test('every event reads back and exports as from a store written before parts existed, in under half the bytes', async () => {
  const events = allEvents(2000);
  const oldFile = tempDb();
  const newFile = tempDb();
  oldStore(oldFile, events);
  const oldBytes = dbBytes(oldFile);

  // Three sessions (three epochs) for the new store.
  for (let part = 0; part < 3; part++) {
    const s = new SqliteStore(newFile);
    for (const e of events.slice((part * events.length) / 3, ((part + 1) * events.length) / 3)) assert.equal(await s.insertEvent(e), true);
    await s.close();
  }
  const newBytes = dbBytes(newFile);
  const perEvent = (b: number): string => (b / events.length).toFixed(0);
  assert.ok(oldBytes / events.length > 3500, `old: ${perEvent(oldBytes)} bytes per event`);
  assert.ok(newBytes <= oldBytes / 2, `new ${perEvent(newBytes)} against old ${perEvent(oldBytes)} bytes per event`);

  const older = new SqliteStore(oldFile); // migrated on open; its events keep their whole text
  const newer = new SqliteStore(newFile);
  try {
    await rewardSome(older, events);
    await rewardSome(newer, events);
    for (const e of events) {
      const a = (await older.getEvent(e.eventId))!;
      const b = (await newer.getEvent(e.eventId))!;
      assert.equal(b.context, e.context);
      assert.deepEqual(b, a);
      assert.equal(eventToDsjson(b, await newer.getRewards(e.eventId)), eventToDsjson(a, await older.getRewards(e.eventId)));
    }
    // The trainer reads through its own connection (a worker thread's store).
    const reader = new SqliteStore(newFile, { exclusive: false });
    const joined = await reader.readJoined(0, events.length);
    await reader.close();
    assert.equal(joined.length, events.filter((_, i) => i % 4 !== 3).length);
    assert.deepEqual(joined, await older.readJoined(0, events.length));
    // New events in the migrated store are stored in parts, and read back the same.
    for (const e of events.slice(0, 50)) assert.equal(await older.insertEvent({ ...e, eventId: `again-${e.eventId}` }), true);
    for (const e of events.slice(0, 50)) assert.equal((await older.getEvent(`again-${e.eventId}`))!.context, e.context);
  } finally {
    await older.close();
    await newer.close();
  }
  const db = new Database(oldFile, { readonly: true });
  const stored = db.prepare(`SELECT COUNT(*) AS whole, COUNT(context_refs) AS packed FROM events`).get() as { whole: number; packed: number };
  assert.deepEqual(stored, { whole: events.length + 50, packed: 50 });
  db.close();
});

test('the retention purge deletes the parts only purged events used; deleting the logs deletes them all', async () => {
  // Contexts of epoch 1 drawn from one pool of 100, those of epoch 2 from another: each repeats, whole.
  const pools = [benchEvents(100, 6), benchEvents(100, 7)];
  const events = benchEvents(1500, 5).map((e, i) => ({
    ...e,
    timestamp: 1000 + i,
    ...(i < 100 ? {} : { context: pools[i < 800 ? 0 : 1]![i % 100]!.context }),
  }));
  const file = tempDb();
  oldStore(file, events.slice(0, 100)); // the oldest events stored whole, before parts existed
  for (let part = 0; part < 2; part++) {
    // Two sessions: epochs 1 and 2.
    const s = new SqliteStore(file);
    for (const e of events.slice(100 + part * 700, 100 + (part + 1) * 700)) await s.insertEvent(e);
    await s.close();
  }
  const s = new SqliteStore(file);
  const db = new Database(file, { readonly: true });
  const partsBy = (): Record<number, number> =>
    Object.fromEntries((db.prepare(`SELECT epoch, COUNT(*) AS n FROM context_parts GROUP BY epoch`).all() as { epoch: number; n: number }[]).map((r) => [r.epoch, r.n]));
  const readsBack = async (from: number): Promise<void> => {
    for (const e of events.slice(from)) assert.equal((await s.getEvent(e.eventId))?.context, e.context, e.eventId);
  };
  try {
    const before = partsBy();
    assert.ok(before[1]! > 0 && before[2]! > 0, JSON.stringify(before));
    // The oldest remaining event was stored whole: it has no epoch, nothing can go yet.
    assert.equal(await s.purgeEventsBefore(1050), 50);
    assert.deepEqual(partsBy(), before);
    // Past the events stored whole, into epoch 1: epoch 1 is still used.
    assert.equal(await s.purgeEventsBefore(1100 + 300), 350);
    assert.deepEqual(partsBy(), before);
    await readsBack(400);
    // Past epoch 1: its parts go, epoch 2's stay, and every remaining event still reads back.
    assert.equal(await s.purgeEventsBefore(1100 + 700 + 10), 410);
    assert.deepEqual(partsBy(), { 2: before[2] });
    await readsBack(810);
    // A text only the purged events held is gone from the file (parts included).
    // (The part before the first action is the context's own features.)
    const head = (e: NewEvent): string => e.context.slice(0, e.context.indexOf('{"_tag":'));
    const gone = events.slice(0, 810).map(head);
    const kept = new Set(events.slice(810).map(head));
    const partTexts = new Set(db.prepare(`SELECT text FROM context_parts`).pluck().all() as string[]);
    assert.ok(events.slice(810).some((e) => partTexts.has(head(e))), 'context features repeated among the kept events are parts');
    assert.deepEqual(gone.filter((t) => !kept.has(t) && partTexts.has(t)), []);
    // New events after the purge, in the same epoch, are stored in parts and read back.
    for (const e of events.slice(0, 20)) await s.insertEvent({ ...e, eventId: `late-${e.eventId}`, timestamp: 5000 });
    for (const e of events.slice(0, 20)) assert.equal((await s.getEvent(`late-${e.eventId}`))?.context, e.context);
    // A purge that leaves no event deletes every part; the events after it are stored and read as ever.
    assert.equal(await s.purgeEventsBefore(10_000), 690 + 20);
    assert.deepEqual(partsBy(), {});
    for (const e of events.slice(0, 30)) await s.insertEvent(e);
    for (const e of events.slice(0, 30)) assert.equal((await s.getEvent(e.eventId))?.context, e.context);
    assert.ok(Object.keys(partsBy()).length > 0);
    await s.deleteLogs();
    assert.deepEqual(partsBy(), {});
    for (const e of events.slice(0, 30)) await s.insertEvent(e);
    for (const e of events.slice(0, 30)) assert.equal((await s.getEvent(e.eventId))?.context, e.context);
  } finally {
    db.close();
    await s.close();
  }
});

test('a store that fills up loses no part an acknowledged event refers to', async () => {
  let failedAll = 0;
  let duringAll = 0;
  // Several limits, so that the file fills up at different points of the groups and of the parts' lives.
  for (const slack of [4, 8, 12, 16, 24, 32]) {
    const events = benchEvents(1200, slack);
    const file = tempDb();
    const s = new SqliteStore(file);
    const db = (s as unknown as { db: Database.Database }).db;
    const acknowledged: NewEvent[] = [];
    try {
      for (const e of events.slice(0, 300)) if (await s.insertEvent(e)) acknowledged.push(e);
      // The file may not grow from here (SQLite's own limit, sqlite.org/pragma.html#pragma_max_page_count):
      // writes that need a new page fail with SQLITE_FULL, some in the middle of a group.
      db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + slack}`);
      for (let i = 300; i < 900; i += 10) {
        const batch = events.slice(i, i + 10);
        const results = await Promise.allSettled(batch.map((e) => s.insertEvent(e)));
        results.forEach((r, k) => (r.status === 'fulfilled' && r.value ? acknowledged.push(batch[k]!) : failedAll++));
      }
      duringAll += acknowledged.length - 300;
      db.pragma('max_page_count = 1073741823');
      for (const e of events.slice(900)) if (await s.insertEvent(e)) acknowledged.push(e);
      for (const e of acknowledged) assert.equal((await s.getEvent(e.eventId))?.context, e.context, `${e.eventId}, slack ${slack}`);
    } finally {
      await s.close();
    }
  }
  assert.ok(failedAll > 0 && duringAll > 0, `${failedAll} failed, ${duringAll} acknowledged meanwhile`);
});

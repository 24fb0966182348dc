// Several writers on one SQLite store (Workers=N): what each process keeps in memory must not outlive what the
// others change. Two stores on one file in this process stand for two processes: each has its own connection,
// packer and group commit, exactly as a worker process has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type NewEvent, type Store } from './index.js';
import { epochOf } from './context_parts.js';
import { firstReward, storeEvent } from './store.fixtures.js';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-shared-')), 'loop.db');
}

/** A context whose actions (long enough to be parts) repeat across events, and whose own features do not. */
function context(i: number): string {
  const actions = ['a', 'b', 'c'].map((t) => `{"_tag":"${t}","i":{"constant":1,"id":"${t}"},"j":[{"item":{"category":"${t}-category"}}]}`);
  return `{"FromUrl":[{"user":{"id":"user-${i}"}}],"_multi":[${actions.join(',')}]}`;
}


const event = (eventId: string, timestamp: number, i: number): NewEvent =>
  storeEvent(eventId, { timestamp, context: context(i), actions: [1, 2, 3], probabilities: [0.8, 0.1, 0.1], chosenIndex: 0, chosenProbability: 0.8 });

function epochs(file: string): { seq: number; epoch: number | null }[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT seq, context_refs FROM events ORDER BY seq').all() as { seq: number; context_refs: string | null }[];
    return rows.map((r) => ({ seq: r.seq, epoch: epochOf(r.context_refs) }));
  } finally {
    db.close();
  }
}

async function pair(file: string): Promise<[Store, Store]> {
  const a = await openStore(`sqlite:${file}`);
  const b = await openStore(`sqlite:${file}`, { shared: true });
  return [a, b];
}

test('two writers interleaving events keep epochs in event order; a retention purge keeps every part a remaining event needs', async () => {
  const file = tempDb();
  const [a, b] = await pair(file);
  try {
    // A starts an epoch, B starts a newer one, then A writes again: A must move to B's epoch, not go on in its own.
    let ts = 1000;
    const written: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [name, s] of [['a', a], ['b', b]] as const) {
        for (let k = 0; k < 3; k++) {
          const id = `${name}-${round}-${k}`;
          assert.equal(await s.insertEvent(event(id, ts++, written.length)), true);
          written.push(id);
        }
      }
    }
    const e = epochs(file);
    assert.equal(e.length, 24);
    assert.ok(e.every((x) => x.epoch !== null));
    for (let i = 1; i < e.length; i++) assert.ok(e[i]!.epoch! >= e[i - 1]!.epoch!, `epochs out of order at seq ${e[i]!.seq}: ${JSON.stringify(e)}`);
    // Parts were shared (stored once, referenced by later events), so the purge below has parts to keep.
    const db = new Database(file, { readonly: true });
    const parts = db.prepare('SELECT COUNT(*) FROM context_parts').pluck().get() as number;
    db.close();
    assert.ok(parts > 0 && parts < 24 * 3, `${parts} parts`);

    // Purge the first 7 events (A's first three, B's first three, A's next): every remaining one reads back whole,
    // from either store.
    assert.equal(await b.purgeEventsBefore(1007), 7);
    for (const [i, id] of written.entries()) {
      const fromA = await a.getEvent(id);
      const fromB = await b.getEvent(id);
      if (i < 7) {
        assert.equal(fromA, null);
        continue;
      }
      assert.equal(fromA?.context, context(i), id);
      assert.equal(fromB?.context, context(i), id);
    }
    // And both go on writing events that read back whole.
    assert.equal(await a.insertEvent(event('a-after', ts++, 100)), true);
    assert.equal(await b.insertEvent(event('b-after', ts++, 101)), true);
    assert.equal((await b.getEvent('a-after'))?.context, context(100));
    assert.equal((await a.getEvent('b-after'))?.context, context(101));
  } finally {
    await b.close();
    await a.close();
  }
});

test('logs deleted by one writer: the other stops referring to the parts it remembered', async () => {
  const file = tempDb();
  const [a, b] = await pair(file);
  try {
    for (let i = 0; i < 6; i++) await b.insertEvent(event(`b${i}`, 1000 + i, i));
    await a.deleteLogs();
    assert.equal(epochs(file).length, 0);
    // B's packer remembered parts that are gone: its next events must carry their text again.
    for (let i = 0; i < 4; i++) assert.equal(await b.insertEvent(event(`c${i}`, 2000 + i, 10 + i)), true);
    for (let i = 0; i < 4; i++) assert.equal((await a.getEvent(`c${i}`))?.context, context(10 + i));
    // A purge that empties the table does the same.
    await a.insertEvent(event('a0', 3000, 20));
    assert.equal(await a.purgeEventsBefore(4000), 5);
    for (let i = 0; i < 3; i++) assert.equal(await b.insertEvent(event(`d${i}`, 5000 + i, 30 + i)), true);
    for (let i = 0; i < 3; i++) assert.equal((await a.getEvent(`d${i}`))?.context, context(30 + i));
  } finally {
    await b.close();
    await a.close();
  }
});

test('rewards through either writer join each event once, in one join sequence', async () => {
  const file = tempDb();
  const [a, b] = await pair(file);
  try {
    for (let i = 0; i < 40; i++) await (i % 2 ? a : b).insertEvent(event(`e${i}`, 1000 + i, i));
    // Each event rewarded twice, once through each store, concurrently.
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => [a.addReward(`e${i}`, 1, 2000 + i, firstReward), b.addReward(`e${i}`, 0, 2000 + i, firstReward)]).flat(),
    );
    assert.equal(outcomes.filter((o) => o === 'joined').length, 40);
    assert.equal(outcomes.filter((o) => o === 'recorded').length, 40);
    assert.equal(await a.headJoinSeq(), 40);
    const joined = await b.readJoined(0, 100);
    assert.deepEqual(joined.map((j) => j.joinSeq), Array.from({ length: 40 }, (_, i) => i + 1));
    assert.equal(new Set(joined.map((j) => j.eventId)).size, 40);
    const c = await a.counters();
    assert.equal(c.eventsRanked, 40);
    assert.equal(c.rewardsReceived, 80);
    assert.equal(c.eventsJoined, 40);
  } finally {
    await b.close();
    await a.close();
  }
});

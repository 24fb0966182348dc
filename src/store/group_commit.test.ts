// While another connection holds the write lock, the store's writes wait without blocking the event loop, and
// commit once the lock is free. Real files, a second real connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from './index.js';
import { storeEvent } from './store.fixtures.js';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-group-')), 'loop.db');
}


test('writes wait for another connection\'s write lock on a timer: the event loop keeps running, every write commits after it', async () => {
  const file = tempDb();
  const store = await openStore(`sqlite:${file}`);
  const other = new Database(file);
  try {
    other.exec('BEGIN IMMEDIATE');
    const started = Date.now();
    const writes = Array.from({ length: 20 }, (_, i) => store.insertEvent(storeEvent(`e${i}`)));
    // The event loop turns while the writes wait: timers fire on time (a blocking wait would hold them for the
    // whole time the lock is held).
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      await new Promise((r) => setTimeout(r, 20));
      lags.push(Date.now() - t - 20);
    }
    assert.ok(Math.max(...lags) < 100, `timer lags ${lags.join(', ')} ms`);
    // More writes requested meanwhile join the waiting group.
    const later = store.insertEvent(storeEvent('later'));
    const settled = await Promise.race([Promise.all(writes).then(() => 'committed'), new Promise((r) => setTimeout(() => r('waiting'), 50))]);
    assert.equal(settled, 'waiting', 'nothing committed while the lock is held');
    other.exec('COMMIT');
    assert.deepEqual(await Promise.all(writes), Array.from({ length: 20 }, () => true));
    assert.equal(await later, true);
    assert.ok(Date.now() - started >= 200);
    assert.equal((await store.counters()).eventsRanked, 21);
    assert.equal((await store.getEvent('e7'))?.eventId, 'e7');

    // A write alone in its group waits the same way.
    other.exec('BEGIN IMMEDIATE');
    const single = store.putSetting('k', 'v');
    await new Promise((r) => setTimeout(r, 100));
    other.exec('COMMIT');
    await single;
    assert.equal(await store.getSetting('k'), 'v');
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
  }
});

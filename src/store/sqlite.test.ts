import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { LeaseLostError, openStore, SqliteStore, StaleSettingsError, StoreOpenError, type Decide, type NewEvent, type Store } from './index.js';
import { MIGRATIONS } from './sqlite_schema.js';
import { firstReward, never, storeEvent } from './store.fixtures.js';

const event = (eventId: string, timestamp = 1000, deferActivation = false): NewEvent =>
  storeEvent(eventId, { timestamp, deferActivation, context: '{"FromUrl":[{"a":1}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}]}' });

function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-store-'));
  return path.join(dir, 'nested', 'dir', 'loop.db');
}



async function withStore(file: string, fn: (s: Store) => Promise<void>): Promise<void> {
  const s = await openStore(`sqlite:${file}?synchronous=normal`);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

test('creates the directory, WAL mode, schema version = number of migrations', async () => {
  const file = tempDb();
  await withStore(file, async () => {});
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.close();
  // Reopening does not re-run migrations (they would fail on existing tables).
  await withStore(file, async (s) => assert.equal((await s.counters()).eventsRanked, 0));
});

test('events: unique eventId keeps the first, lists round-trip, counter counts only inserts', async () => {
  await withStore(tempDb(), async (s) => {
    assert.equal(await s.insertEvent(event('e1')), true);
    assert.equal(await s.insertEvent({ ...event('e1'), context: 'second' }), false);
    const e = await s.getEvent('e1');
    assert.ok(e);
    assert.equal(e.context, event('e1').context);
    assert.deepEqual(e.actions, [2, 1]);
    assert.deepEqual(e.probabilities, [0.9, 0.1]);
    assert.equal(e.chosenIndex, 1);
    assert.equal(e.join, null);
    assert.equal((await s.counters()).eventsRanked, 1);
    assert.equal(await s.getEvent('nope'), null);
  });
});

test('rewards: stored with time, unknown ones only counted, decide runs while unjoined', async () => {
  await withStore(tempDb(), async (s) => {
    await s.insertEvent(event('e1'));
    assert.equal(await s.addReward('ghost', 1, 5, firstReward), 'unknown');
    assert.equal(await s.addReward('e1', 0.5, 10, never), 'recorded');
    assert.equal(await s.addReward('e1', 0.25, 11, firstReward), 'joined');
    assert.equal(await s.addReward('e1', 1, 12, firstReward), 'recorded');
    assert.deepEqual(await s.getRewards('e1'), [
      { value: 0.5, timestamp: 10 },
      { value: 0.25, timestamp: 11 },
      { value: 1, timestamp: 12 },
    ]);
    const e = await s.getEvent('e1');
    assert.deepEqual(e?.join, { joinSeq: 1, reward: 0.5, skipLearn: false, joinedAt: 11 });
    const c = await s.counters();
    assert.equal(c.rewardsReceived, 3);
    assert.equal(c.rewardsUnknownEvent, 1);
    assert.equal(c.eventsJoined, 1);
  });
});

test('activation: first time kept, decide sees it, unknown counted', async () => {
  await withStore(tempDb(), async (s) => {
    await s.insertEvent(event('d1', 1000, true));
    let seen: number | null = -1;
    const spy: Decide = ({ event: e }) => {
      seen = e.activatedAt;
      return null;
    };
    assert.equal(await s.activate('d1', 1500, spy), 'recorded');
    assert.equal(seen, 1500);
    assert.equal(await s.activate('d1', 1600, spy), 'already');
    assert.equal((await s.getEvent('d1'))?.activatedAt, 1500);
    assert.equal(await s.activate('ghost', 1600, spy), 'unknown');
    const c = await s.counters();
    assert.equal(c.activations, 1);
    assert.equal(c.activationsUnknownEvent, 1);
  });
});

test('joinDue: only events ranked before the cutoff, in rank order; joinSeq is the learning order', async () => {
  await withStore(tempDb(), async (s) => {
    for (let i = 0; i < 5; i++) await s.insertEvent(event(`e${i}`, 1000 + i * 100));
    // e3 joins early (as with earliest aggregation), so it comes first in learning order.
    await s.addReward('e3', 1, 1350, firstReward);
    const skipOdd: Decide = ({ event: e }) =>
      e.timestamp % 200 === 100 ? { skipLearn: true, reward: null } : { skipLearn: false, reward: -0.5 };
    assert.equal(await s.joinDue(1250, 2000, skipOdd), 3); // e0, e1, e2
    assert.equal(await s.joinDue(5000, 2100, skipOdd, 1), 1); // e4 only (e3 already joined)
    const joined = await s.readJoined(0, 100);
    assert.deepEqual(
      joined.map((j) => [j.joinSeq, j.eventId, j.reward, j.skipLearn]),
      [
        [1, 'e3', 1, false],
        [2, 'e0', -0.5, false],
        [3, 'e1', null, true],
        [4, 'e2', -0.5, false],
        [5, 'e4', -0.5, false],
      ],
    );
    assert.deepEqual((await s.readJoined(3, 1)).map((j) => j.eventId), ['e2']);
    assert.equal(await s.headJoinSeq(), 5);
    const c = await s.counters();
    assert.equal(c.eventsJoined, 4);
    assert.equal(c.eventsSkipped, 1);
  });
});

test('models: latest wins, cursor kept with the bytes, old versions pruned; settings round-trip', async () => {
  await withStore(tempDb(), async (s) => {
    assert.equal(await s.latestModel(), null);
    for (let i = 1; i <= 6; i++) {
      const m = await s.saveModel({
        bytes: new Uint8Array([i, i, i]),
        policy: 'p',
        createdAt: 1,
        modifiedAt: 10 * i,
        cursor: i * 7,
        eventsLearned: i * 5,
      });
      assert.equal(m.id, i);
    }
    const m = await s.latestModel();
    assert.equal(m?.id, 6);
    assert.deepEqual([...m!.bytes], [6, 6, 6]);
    assert.equal(m?.cursor, 42);
    assert.equal(m?.eventsLearned, 30);
    await s.putSettings({ a: { x: 1 }, b: 'two' });
    await s.putSetting('a', { x: 2 });
    assert.deepEqual(await s.getSetting('a'), { x: 2 });
    assert.equal(await s.getSetting('b'), 'two');
    assert.equal(await s.getSetting('c'), undefined);
  });
});

test('logs: date range, retention purge with rewards, delete keeps counters and the join sequence', async () => {
  await withStore(tempDb(), async (s) => {
    assert.equal(await s.logsDateRange(), null);
    for (let i = 0; i < 4; i++) await s.insertEvent(event(`e${i}`, 1000 * (i + 1)));
    await s.addReward('e0', 1, 1001, firstReward);
    await s.addReward('e2', 1, 3001, firstReward);
    assert.deepEqual(await s.logsDateRange(), { from: 1000, to: 4000 });
    assert.equal(await s.purgeEventsBefore(2500), 2);
    assert.deepEqual(await s.logsDateRange(), { from: 3000, to: 4000 });
    assert.equal(await s.getEvent('e0'), null);
    assert.deepEqual(await s.getRewards('e2'), [{ value: 1, timestamp: 3001 }]);
    await s.deleteLogs();
    assert.equal(await s.logsDateRange(), null);
    assert.equal(await s.headJoinSeq(), 2);
    assert.equal((await s.counters()).eventsRanked, 4);
    // A new event after deletion continues the join sequence (the trainer's cursor never goes back).
    await s.insertEvent(event('e9', 9000));
    await s.addReward('e9', 1, 9001, firstReward);
    assert.deepEqual((await s.readJoined(0, 10)).map((j) => j.joinSeq), [3]);
    // The events after a deletion are numbered from 1 again, and the window-close sweep finds them.
    await s.insertEvent(event('e10', 9500));
    assert.equal(await s.joinDue(9600, 9700, () => ({ skipLearn: false, reward: 0 })), 1);
    assert.deepEqual((await s.readJoined(0, 10)).map((j) => j.eventId), ['e9', 'e10']);
    // So are those after a purge that left no event.
    assert.equal(await s.purgeEventsBefore(10_000), 2);
    await s.insertEvent(event('e11', 11_000));
    assert.equal(await s.joinDue(11_000, 11_100, () => ({ skipLearn: false, reward: 0 })), 1);
    assert.deepEqual((await s.readJoined(4, 10)).map((j) => [j.joinSeq, j.eventId]), [[5, 'e11']]);
  });
});

test('joinDue walks the events in rank order from where it stopped, over those joined early', async () => {
  await withStore(tempDb(), async (s) => {
    // 3,000 events one ms apart, every third rewarded at once: the sweep walks them in steps of 1,024.
    for (let i = 0; i < 3000; i++) {
      await s.insertEvent(event(`w${i}`, 10_000 + i));
      if (i % 3 === 0) await s.addReward(`w${i}`, 1, 10_000 + i, firstReward);
    }
    const zero: Decide = () => ({ skipLearn: false, reward: 0 });
    // Due: ranked at or before 11,999, i.e. w0..w1999, of which 1,333 have no reward.
    assert.equal(await s.joinDue(11_999, 20_000, zero, 5000), 1333);
    assert.equal(await s.joinDue(11_999, 20_000, zero), 0);
    // A limit stops the walk at the limit; the next sweep resumes there.
    assert.equal(await s.joinDue(12_999, 20_000, zero, 100), 100);
    assert.equal(await s.joinDue(12_999, 20_000, zero), 567);
    const c = await s.counters();
    assert.equal(c.eventsJoined, 3000);
    // An undecided event stops the walk: nothing after it is offered until it is decided.
    await s.insertEvent(event('x1', 13_000));
    await s.insertEvent(event('x2', 13_001));
    const offered: number[] = [];
    assert.equal(await s.joinDue(14_000, 20_000, ({ event: e }) => (offered.push(e.timestamp), null)), 0);
    assert.deepEqual(offered, [13_000]);
    assert.equal(await s.joinDue(14_000, 20_000, zero), 2);
    assert.deepEqual((await s.readJoined(3000, 10)).map((j) => j.eventId), ['x1', 'x2']);
    // A hole in the numbering (an event purged from the middle: its clock had stepped back) is walked over.
    await s.insertEvent(event('y1', 15_000));
    await s.insertEvent(event('y2', 9_000));
    await s.insertEvent(event('y3', 15_001));
    assert.equal(await s.purgeEventsBefore(9_500), 1);
    assert.equal(await s.joinDue(16_000, 20_000, zero), 2);
    assert.deepEqual((await s.readJoined(3002, 10)).map((j) => j.eventId), ['y1', 'y3']);
  });
});

test('a kill -9 right after the promise resolves loses nothing', async () => {
  const file = tempDb();
  const storeIndex = path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.js');
  const script = `
    const { openStore } = await import(${JSON.stringify(storeIndex)});
    const s = await openStore(${JSON.stringify('sqlite:' + file)});
    for (let i = 0; i < 20; i++) {
      await s.insertEvent({ eventId: 'k' + i, timestamp: i, context: '{}', actions: [1], probabilities: [1],
        chosenIndex: 0, chosenProbability: 1, modelVersion: '1', deferActivation: false });
      await s.addReward('k' + i, 0.5, i, () => null);
    }
    await s.putSetting('service', { rewardWaitTime: 'PT1S' });
    process.kill(process.pid, 'SIGKILL');
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  await withStore(file, async (s) => {
    const c = await s.counters();
    assert.equal(c.eventsRanked, 20);
    assert.equal(c.rewardsReceived, 20);
    assert.deepEqual(await s.getRewards('k19'), [{ value: 0.5, timestamp: 19 }]);
    assert.deepEqual(await s.getSetting('service'), { rewardWaitTime: 'PT1S' });
  });
});

test('store URLs: sqlite: and postgres: (its URL never echoed); bad synchronous rejected', async () => {
  await assert.rejects(() => openStore('postgres://u:secret@127.0.0.1:1/db'), (e: Error) => /cannot reach PostgreSQL/.test(e.message) && !e.message.includes('secret'));
  await assert.rejects(() => openStore('mysql://u:secret@h/db'), (e: Error) => /unsupported store URL/.test(e.message) && !e.message.includes('secret'));
  await assert.rejects(() => openStore('sqlite:'), /missing file name/);
  await assert.rejects(() => openStore(`sqlite:${tempDb()}?synchronous=off`), /synchronous/);
});

test('migrations: a version-1 file is upgraded in place', async () => {
  const file = tempDb();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const v1 = new Database(file);
  v1.exec(MIGRATIONS[0]!);
  v1.pragma('user_version = 1');
  v1.prepare(`INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob, model_version,
    defer_activation) VALUES ('old', 5, '{}', '[1]', '[1]', 0, 1, '1', 0)`).run();
  v1.close();
  await withStore(file, async (s) => {
    assert.equal((await s.getEvent('old'))?.timestamp, 5);
    assert.equal(await s.joinDue(10, 11, () => ({ skipLearn: false, reward: 0 })), 1);
  });
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  db.close();
});

test('migration 4: joins move to their own table in learning order; the sweep resumes after the last joined run', async () => {
  const file = tempDb();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const v3 = new Database(file);
  for (const m of MIGRATIONS.slice(0, 3)) v3.exec(m);
  v3.pragma('user_version = 3');
  const insert = v3.prepare(`INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob,
    model_version, defer_activation, join_seq, joined_at, join_reward, skip_learn) VALUES (?, ?, '{"c":1}', '[2,1]', '[0.9,0.1]', 1, 0.9, '1', 0, ?, ?, ?, ?)`);
  insert.run('a', 10, 1, 50, 0.5, 0); // joined first
  insert.run('b', 20, null, null, null, null); // not joined
  insert.run('c', 30, 2, 60, null, 1); // joined early (skipped)
  v3.prepare(`INSERT INTO rewards (event_seq, value, ts) VALUES (1, 0.5, 15)`).run();
  v3.prepare(`UPDATE counters SET value = 2 WHERE name = 'join_seq'`).run();
  v3.close();
  await withStore(file, async (s) => {
    assert.deepEqual(await s.getEvent('a'), {
      seq: 1, eventId: 'a', timestamp: 10, context: '{"c":1}', actions: [2, 1], probabilities: [0.9, 0.1], chosenIndex: 1,
      chosenProbability: 0.9, modelVersion: '1', deferActivation: false, activatedAt: null,
      join: { joinSeq: 1, reward: 0.5, skipLearn: false, joinedAt: 50 },
    });
    assert.equal((await s.getEvent('b'))?.join, null);
    assert.deepEqual(await s.getRewards('a'), [{ value: 0.5, timestamp: 15 }]);
    // Only b is left to sweep; it joins after the two moved joins.
    const offered: string[] = [];
    assert.equal(await s.joinDue(100, 200, ({ event: e }) => (offered.push(String(e.timestamp)), { skipLearn: false, reward: 0 })), 1);
    assert.deepEqual(offered, ['20']);
    assert.deepEqual(
      (await s.readJoined(0, 10)).map((j) => [j.joinSeq, j.eventId, j.reward, j.skipLearn]),
      [[1, 'a', 0.5, false], [2, 'c', null, true], [3, 'b', 0, false]],
    );
  });
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  // The sweep and the trainer read by key, never by scanning or sorting a table (the store's own queries).
  const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((p) => p.detail).join('\n');
  const sweep = plan(`SELECT seq FROM joins WHERE seq > 1 AND seq <= 1025 ORDER BY seq`);
  assert.match(sweep, /SEARCH joins USING COVERING INDEX sqlite_autoindex_joins_1 \(seq>\? AND seq<\?\)/);
  const head = plan(`SELECT seq, ts, defer_activation, activated_at, NULL AS join_seq FROM events WHERE seq = 2`);
  assert.match(head, /SEARCH events USING INTEGER PRIMARY KEY \(rowid=\?\)/);
  const read = plan(`SELECT e.context FROM joins j JOIN events e ON e.seq = j.seq WHERE j.join_seq > 1 ORDER BY j.join_seq LIMIT 16`);
  assert.match(read, /SEARCH j USING INTEGER PRIMARY KEY \(rowid>\?\)/);
  assert.doesNotMatch(sweep + head + read, /TEMP B-TREE|SCAN/);
  db.close();
});

test('settings: every write moves the revision; a write from a stale revision is refused and writes nothing', async () => {
  await withStore(tempDb(), async (s) => {
    assert.equal(await s.settingsRevision(), 0);
    assert.equal(await s.putSettings({ a: 1 }, 0), 1);
    await s.putSetting('b', 2);
    assert.equal(await s.settingsRevision(), 2);
    await assert.rejects(s.putSettings({ a: 3, b: 3 }, 1), (e: unknown) => e instanceof StaleSettingsError && e.actual === 2);
    assert.equal(await s.getSetting('a'), 1);
    assert.equal(await s.getSetting('b'), 2);
    assert.equal(await s.settingsRevision(), 2);
    // Without an expected revision, a plain write (as before revisions existed).
    assert.equal(await s.putSettings({ a: 4 }), 3);
  });
});

test('one owner per file in a process too: a second store on the file is refused until the first closes', async () => {
  const file = tempDb();
  const first = await openStore(`sqlite:${file}`);
  await assert.rejects(() => openStore(`sqlite:${file}`), (e: unknown) => e instanceof StoreOpenError && /is in use by another store of this process/.test(e.message));
  // A connection that does not own the file (as the trainer's, in a worker thread) is not refused.
  const reader = new SqliteStore(file, { exclusive: false });
  await reader.close();
  await first.close();
  await withStore(file, async (s) => assert.equal((await s.counters()).eventsRanked, 0));
});

// Found by the reliability suite (src/reliability): the lock was named after the path as given, so a symlink
// to the store (or a path spelt otherwise) let a second server run on the same file.
test('the one-owner lock holds however the file is reached: a symlink, a path with . and .., a symlinked directory', async () => {
  const file = tempDb();
  const dir = path.dirname(file);
  const first = await openStore(`sqlite:${file}`);
  try {
    const link = path.join(dir, 'link.db');
    fs.symlinkSync(file, link);
    const linkedDir = `${dir}-linked`;
    fs.symlinkSync(dir, linkedDir);
    fs.mkdirSync(path.join(dir, 'sub'));
    try {
      for (const other of [link, `${dir}/./sub/../${path.basename(file)}`, path.join(linkedDir, path.basename(file))]) {
        await assert.rejects(() => openStore(`sqlite:${other}`), (e: unknown) => e instanceof StoreOpenError && /is in use by another store of this process/.test(e.message), other);
      }
    } finally {
      fs.rmSync(linkedDir, { force: true });
    }
  } finally {
    await first.close();
  }
});

test('sizeBytes adds the database, WAL and shm files', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    await s.putSetting('k', 'v');
    const expected = ['', '-wal', '-shm'].reduce((n, x) => n + (fs.existsSync(file + x) ? fs.statSync(file + x).size : 0), 0);
    assert.ok(expected > 0);
    assert.equal(await s.sizeBytes(), expected);
  });
});

test('leases: one holder at a time, a new epoch per new holder, renew and release, fenced model exports', async () => {
  await withStore(tempDb(), async (s) => {
    const a = await s.acquireLease('trainer', 'A', 60_000);
    assert.equal(a?.epoch, 1);
    assert.equal(await s.acquireLease('trainer', 'B', 60_000), null);
    // The holder acquiring again renews: same epoch.
    assert.equal((await s.acquireLease('trainer', 'A', 60_000))?.epoch, 1);
    const renewed = await s.renewLease(a!, 60_000);
    assert.ok(renewed && renewed.expiresAt >= a!.expiresAt);
    const model = { bytes: new Uint8Array([1, 2, 3]), policy: 'p', createdAt: 1, modifiedAt: 2, cursor: 0, eventsLearned: 0 };
    const saved = await s.saveModel(model, a!);
    assert.equal(await s.latestModelId(), saved.id);
    await s.releaseLease(a!);
    const b = await s.acquireLease('trainer', 'B', 60_000);
    assert.equal(b?.epoch, 2);
    assert.equal(await s.renewLease(a!, 60_000), null);
    await assert.rejects(() => s.saveModel(model, a!), (e: unknown) => e instanceof LeaseLostError);
    assert.equal(await s.latestModelId(), saved.id, 'the fenced export wrote nothing');
    // An expired lease is taken over by anyone.
    const c = await s.acquireLease('other', 'A', 1);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await s.acquireLease('other', 'B', 60_000))?.epoch, c!.epoch + 1);
  });
});

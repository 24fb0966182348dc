// The dashboard's per-minute aggregates (dashboard_minutes.ts), on both stores: exact figures for a known set of
// events, kept by ranks and joins, summed in buckets, cleared with the logs, and rebuilt by the migration from
// the events already stored.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore, type Decide, type MinuteBucket, type Store } from './index.js';
import { freshPostgres } from '../testing/postgres.js';
import { storeEvent } from './store.fixtures.js';

interface Kind {
  name: string;
  url(t: TestContext): Promise<string | undefined>;
  /** Undoes the dashboard migration, so that the next open runs it again over the stored events. */
  unmigrate(url: string): Promise<void>;
}

const KINDS: Kind[] = [
  {
    name: 'sqlite',
    async url(t) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-minutes-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      return `sqlite:${path.join(dir, 'loop.db')}`;
    },
    async unmigrate(url) {
      const db = new Database(url.slice('sqlite:'.length));
      const version = db.pragma('user_version', { simple: true }) as number;
      db.exec('DROP TABLE dashboard_minutes');
      db.pragma(`user_version = ${version - 1}`);
      db.close();
    },
  },
  {
    name: 'postgres',
    url: (t) => freshPostgres(t),
    async unmigrate(url) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query('DROP TABLE dashboard_minutes');
      await c.query('DELETE FROM personalizer_schema WHERE version = (SELECT max(version) FROM personalizer_schema)');
      await c.end();
    },
  },
];

const M0 = 29_000_000; // a minute in 2025
const at = (minute: number, second: number) => (M0 + minute) * 60_000 + second * 1000;

/** Skips deferred events, joins the others with their first reward, or 0 when none came. */
const due: Decide = ({ event, rewards }) =>
  event.deferActivation ? { skipLearn: true, reward: null } : { skipLearn: false, reward: rewards[0]?.value ?? 0 };
const first: Decide = ({ rewards, slots }) =>
  rewards.length === 0 ? null : { skipLearn: false, reward: rewards[0]!.value, ...(slots ? { slotRewards: rewards.map((r) => r.value) } : {}) };

async function fill(s: Store): Promise<void> {
  // Minute 0: the baseline (index 0) chosen greedily and rewarded 1; index 1 explored at p = 0.1, rewarded 0.5.
  await s.insertEvent(storeEvent('e1', { timestamp: at(0, 1), actions: [1, 2, 3], probabilities: [0.8, 0.1, 0.1], chosenIndex: 0, chosenProbability: 0.8 }));
  await s.insertEvent(storeEvent('e2', { timestamp: at(0, 30), actions: [2, 1, 3], probabilities: [0.1, 0.8, 0.1], chosenIndex: 1, chosenProbability: 0.1 }));
  // Minute 1: a tie (not explored) joined with the default reward 0; a deferred event never activated (skipped).
  await s.insertEvent(storeEvent('e3', { timestamp: at(1, 5), actions: [1, 2], probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5 }));
  await s.insertEvent(storeEvent('e4', { timestamp: at(1, 6), deferActivation: true }));
  // Minute 2: ranked, never joined; and a multi-slot event whose first slot's baseline (index 1) was chosen.
  await s.insertEvent(storeEvent('e5', { timestamp: at(2, 0) }));
  await s.insertEvent(
    storeEvent('e6', {
      timestamp: at(2, 59),
      actions: [2, 1],
      probabilities: [0.7, 0.3],
      chosenIndex: 1,
      chosenProbability: 0.7,
      slots: [{ id: 's1', actions: [1, 0], probabilities: [0.7, 0.3], baseline: 1 }],
    }),
  );
  assert.equal(await s.addReward('e1', 1, at(0, 40), first), 'joined');
  assert.equal(await s.addReward('e2', 0.5, at(0, 50), first), 'joined');
  assert.deepEqual(await s.addSlotRewards('e6', [{ slotId: 's1', value: 2 }], at(3, 0), first), { outcome: 'joined' });
  assert.equal(await s.joinDue(at(1, 59), at(3, 0), due), 2);
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

function expectMinutes(rows: MinuteBucket[], expected: Array<Partial<MinuteBucket> & { minute: number }>): void {
  assert.deepEqual(rows.map((r) => r.minute), expected.map((e) => e.minute));
  rows.forEach((r, i) => {
    for (const [k, v] of Object.entries(expected[i]!)) close(r[k as keyof MinuteBucket], v, `minute ${r.minute} ${k}`);
  });
}

const MINUTE0 = { minute: M0, ranked: 2, joined: 2, skipped: 0, rewarded: 2, explored: 1, rewardSum: 1.5, rewardSq: 1.25, baselineIps: 1.25, baselineIpsSq: 1.5625, randomIps: 1.25 / 3 + 5 / 3, randomIpsSq: (1.25 / 3) ** 2 + (5 / 3) ** 2 };
const MINUTE1 = { minute: M0 + 1, ranked: 2, joined: 1, skipped: 1, rewarded: 0, explored: 0, rewardSum: 0, baselineIps: 0, randomIps: 0 };
const MINUTE2 = { minute: M0 + 2, ranked: 2, joined: 1, skipped: 0, rewarded: 1, explored: 0, rewardSum: 2, rewardSq: 4, baselineIps: 2 / 0.7, randomIps: 2 / 0.7 / 2 };

for (const kind of KINDS) {
  test(`${kind.name}: per-minute figures of a known event set, by minute and in buckets; kept with the logs`, async (t) => {
    const url = await kind.url(t);
    if (url === undefined) return;
    let s = await openStore(url);
    try {
      await fill(s);
      expectMinutes(await s.dashboardMinutes(M0, M0 + 10, 1), [MINUTE0, MINUTE1, MINUTE2]);
      // Buckets of 2 (UTC multiples; M0 is even): minutes 0+1, then 2.
      const two = await s.dashboardMinutes(M0, M0 + 10, 2);
      expectMinutes(two, [
        { minute: M0, ranked: 4, joined: 3, skipped: 1, rewarded: 2, explored: 1, rewardSum: 1.5, baselineIps: 1.25 },
        { minute: M0 + 2, ranked: 2, joined: 1 },
      ]);
      // The half-open range.
      expectMinutes(await s.dashboardMinutes(M0 + 1, M0 + 2, 1), [MINUTE1]);
      // 5, 15 and 60 minutes come from the rolled-up rows: M0 is a multiple of 5 and 20 minutes past an hour.
      const all = { ranked: 6, joined: 4, skipped: 1, rewarded: 3, explored: 1, rewardSum: 3.5, rewardSq: 5.25, baselineIps: 1.25 + 2 / 0.7, randomIps: MINUTE0.randomIps + 2 / 0.7 / 2 };
      expectMinutes(await s.dashboardMinutes(M0, M0 + 5, 5), [{ minute: M0, ...all }]);
      expectMinutes(await s.dashboardMinutes(M0 - 5, M0 + 10, 15), [{ minute: M0 - 5, ...all }]);
      expectMinutes(await s.dashboardMinutes(M0 - 20, M0 + 40, 60), [{ minute: M0 - 20, ...all }]);
      expectMinutes(await s.dashboardMinutes(M0 - 200, M0 + 160, 360), [{ minute: M0 - 200, ...all }]);
      assert.deepEqual(await s.dashboardMinutes(M0 + 3, M0 + 100, 1), []);

      // The migration rebuilds the same figures from the stored events and joins, at every width.
      await s.close();
      await kind.unmigrate(url);
      s = await openStore(url);
      expectMinutes(await s.dashboardMinutes(M0, M0 + 10, 1), [MINUTE0, MINUTE1, MINUTE2]);
      expectMinutes(await s.dashboardMinutes(M0, M0 + 5, 5), [{ minute: M0, ...all }]);
      expectMinutes(await s.dashboardMinutes(M0 - 20, M0 + 40, 60), [{ minute: M0 - 20, ...all }]);

      // Retention drops the rows wholly before the cut; a row holding it keeps its figures.
      assert.equal(await s.purgeEventsBefore(at(1, 5)), 2);
      expectMinutes(await s.dashboardMinutes(M0, M0 + 10, 1), [MINUTE1, MINUTE2]);
      expectMinutes(await s.dashboardMinutes(M0, M0 + 5, 5), [{ minute: M0, ...all }]);
      await s.deleteLogs();
      assert.deepEqual(await s.dashboardMinutes(M0, M0 + 10, 1), []);
    } finally {
      await s.close();
    }
  });
}

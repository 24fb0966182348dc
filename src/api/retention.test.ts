// Log retention on a real server process, on a SQLite file and on PostgreSQL (docs/retention-and-quotas.md): events
// written into the store with old rank times before the start are deleted once the model has learned them and
// they are older than logRetentionDays; -1 keeps them; GET /logs/properties reports the range that is left, and
// {} once DELETE /logs has emptied it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../store/index.js';
import { storeEvent } from '../store/store.fixtures.js';
import { freshPostgres } from '../testing/postgres.js';
import { call, startServerProcess, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
const DAY = 86_400_000;

const KINDS: Array<{ name: string; url(t: TestContext): Promise<string | undefined> }> = [
  {
    name: 'sqlite',
    async url(t) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-retention-'));
      t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
      return `sqlite:${path.join(dir, 'store.db')}`;
    },
  },
  { name: 'postgres', url: (t) => freshPostgres(t) },
];

/** Polls `read` until `done` holds of its value (observable state, no fixed sleep); fails after `ms`. */
async function until<T>(what: string, read: () => Promise<T>, done: (v: T) => boolean, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`);
    await sleep(100);
  }
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

for (const kind of KINDS) {
  test(`${kind.name}: retention deletes what is older than logRetentionDays once learned, -1 keeps it, /logs/properties follows`, async (t) => {
    const url = await kind.url(t);
    if (url === undefined) return;
    const now = Date.now();
    const ancient = now - 100 * DAY;
    const old = now - 3 * DAY;
    const recent = now - 3_600_000;
    // Written as a Rank long ago would have written them; the server joins them (their windows closed long ago).
    const store = await openStore(url);
    try {
      for (const [eventId, timestamp] of [['ancient', ancient], ['old', old], ['recent', recent]] as const) {
        assert.equal(await store.insertEvent(storeEvent(eventId, { timestamp })), true);
      }
    } finally {
      await store.close();
    }
    const server: ServerProcess = await startServerProcess({ args: [`Store=${url}`] });
    try {
      const range = async () => (await call(server, 'GET', `${V1}/logs/properties`)).json as { dateRange?: { from: string; to: string } };
      const stats = async () => (await call(server, 'GET', '/metrics', { key: null })).text;
      const from = (ms: number) => new Date(ms).toISOString();
      assert.deepEqual(await range(), { dateRange: { from: from(ancient), to: from(recent) } });

      // -1 first, with models exported every second: the three are joined and learned, and stay.
      const config = (await call(server, 'GET', `${V1}/configurations/service`)).json as Record<string, unknown>;
      const put = async (logRetentionDays: number) => {
        const a = await call(server, 'PUT', `${V1}/configurations/service`, { body: { ...config, modelExportFrequency: 'PT1S', logRetentionDays } });
        assert.equal(a.status, 200, a.text);
      };
      await put(-1);
      const learned = await until('the three events learned and exported', stats, (m) =>
        metric(m, 'personalizer_events_learned_total') === 3 && metric(m, 'personalizer_trainer_lag_events') === 0,
      );
      // Two more models, each learning a probe event: maintenance (every 0.5 s) has run many times after the
      // model that learned the old events came in.
      let version = metric(learned, 'personalizer_model_version');
      for (const probe of ['probe-1', 'probe-2']) {
        const r = await call(server, 'POST', `${V1}/rank`, { body: { eventId: probe, actions: [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }] } });
        assert.equal(r.status, 201, r.text);
        assert.equal((await call(server, 'POST', `${V1}/events/${probe}/reward`, { body: { value: 1 } })).status, 204);
        const m = await until(`a model that learned ${probe}`, stats, (s) => metric(s, 'personalizer_model_version') > version);
        version = metric(m, 'personalizer_model_version');
      }
      const kept = await range();
      assert.equal(kept.dateRange?.from, from(ancient), '-1 keeps everything');
      assert.equal(metric(await stats(), 'personalizer_log_retention_deleted_events_total'), 0);

      // 90 days (the default): the 100-day-old event goes at the next maintenance.
      await put(90);
      await until('the 100-day-old event deleted', range, (r) => r.dateRange?.from === from(old));
      // 2 days: the 3-day-old one goes too; the one of an hour ago and the probes stay.
      await put(2);
      const left = await until('the 3-day-old event deleted', range, (r) => r.dateRange?.from === from(recent));
      assert.ok(Date.parse(left.dateRange!.to) >= now, 'the newest is a probe ranked during the test');
      assert.equal(metric(await stats(), 'personalizer_log_retention_deleted_events_total'), 2);
      // A reward for a deleted event is a reward for an unknown event (kept, counted, never learned).
      assert.equal((await call(server, 'POST', `${V1}/events/old/reward`, { body: { value: 1 } })).status, 204);
      assert.equal(metric(await stats(), 'personalizer_rewards_unknown_event_total'), 1);

      assert.equal((await call(server, 'DELETE', `${V1}/logs`)).status, 204);
      assert.deepEqual(await range(), {});
    } finally {
      await server.stop();
    }
  });
}

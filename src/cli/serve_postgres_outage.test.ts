// A database outage under load: a real server on PostgreSQL through a TCP proxy the test cuts for 3 s (every
// connection destroyed, new ones refused). Meanwhile Rank and Reward answer 503 ServiceUnavailable in Azure's
// shape (never a 500, never a crash) and /ready answers 503; once the proxy is back the server recovers by itself
// within seconds, every Rank and Reward that was acknowledged (2xx) is in the database, and the log says so
// a few times, not at every tick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { call, startServerProcess, type HttpAnswer } from '../api/test_server.js';
import { TcpProxy } from '../store/postgres_test_proxy.js';
import { freshPostgres } from '../testing/postgres.js';

const CUT_MS = 3000;
const CLIENTS = 6;

const rank = (eventId: string) => ({
  eventId,
  contextFeatures: [{ user: { n: eventId.length } }],
  actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }],
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('PostgreSQL cut off under load: 503 ServiceUnavailable and /ready 503 meanwhile, no crash, recovery, nothing acknowledged lost', { timeout: 90_000 }, async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(url).port || 5432));
  const server = await startServerProcess({ args: [`Store=${proxy.via(url)}`] });
  const ackedEvents: string[] = [];
  const ackedRewards: string[] = [];
  const failures: { at: number; status: number; code: string | undefined }[] = [];
  let running = true;
  let n = 0;
  const note = (r: HttpAnswer): void => {
    if (r.status >= 300) failures.push({ at: Date.now(), status: r.status, code: r.json?.error?.code });
  };
  const client = async (w: number): Promise<void> => {
    while (running) {
      const id = `o-${w}-${n++}`;
      try {
        const r = await call(server, 'POST', '/personalizer/v1.0/rank', { body: rank(id) });
        note(r);
        if (r.status !== 201) {
          await sleep(20);
          continue;
        }
        ackedEvents.push(id);
        const w2 = await call(server, 'POST', `/personalizer/v1.0/events/${id}/reward`, { body: { value: 1 } });
        note(w2);
        if (w2.status === 204) ackedRewards.push(id);
      } catch (e) {
        failures.push({ at: Date.now(), status: 0, code: (e as Error).message });
      }
    }
  };
  try {
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, w) => client(w)));
    // Load first: some acknowledged ranks before the cut (waited for, with a deadline, not a fixed sleep).
    const loadDeadline = Date.now() + 20_000;
    while (ackedEvents.length < 20 && Date.now() < loadDeadline) await sleep(50);
    const beforeCut = ackedEvents.length;
    proxy.cutOff();
    const cutAt = Date.now();
    const readyDuring: number[] = [];
    while (Date.now() - cutAt < CUT_MS) {
      readyDuring.push((await call(server, 'GET', '/ready')).status);
      await sleep(100);
    }
    proxy.restore();
    const restoredAt = Date.now();
    // Recovery: a Rank answered 201 and /ready 200, without any restart.
    let recoveredAt = 0;
    while (Date.now() - restoredAt < 10_000) {
      const before = ackedEvents.length;
      await sleep(100);
      if (ackedEvents.length > before && (await call(server, 'GET', '/ready')).status === 200) {
        recoveredAt = Date.now();
        break;
      }
    }
    await sleep(500);
    running = false;
    await load;

    assert.ok(beforeCut >= 20, `load before the cut: ${beforeCut} ranks`);
    assert.ok(recoveredAt > 0, 'recovered within 10 s of the restore');
    const recoveryMs = recoveredAt - restoredAt;
    assert.ok(recoveryMs < 5000, `recovered ${recoveryMs} ms after the restore`);
    assert.equal(server.child.exitCode, null, 'the server process is alive');
    assert.ok(readyDuring.includes(503), `/ready during the cut: ${readyDuring.join(',')}`);
    assert.equal((await call(server, 'GET', '/ready')).status, 200);
    const during = failures.filter((f) => f.at >= cutAt && f.at <= restoredAt + 1000);
    assert.ok(during.length > 0, 'requests failed during the cut');
    // Every failure, whenever it happened, is a 503 ServiceUnavailable: no 500, no dropped connection.
    const other = failures.filter((f) => f.status !== 503 || f.code !== 'ServiceUnavailable');
    assert.deepEqual(other, [], 'only 503 ServiceUnavailable');
    assert.ok(ackedEvents.length > beforeCut, 'ranks acknowledged after the recovery');

    // Everything acknowledged is in PostgreSQL.
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      const events = new Set((await db.query('SELECT event_id FROM events')).rows.map((r) => r.event_id as string));
      const missingEvents = ackedEvents.filter((id) => !events.has(id));
      assert.deepEqual(missingEvents, [], `of ${ackedEvents.length} acknowledged ranks`);
      const rewarded = new Set(
        (await db.query('SELECT e.event_id FROM rewards r JOIN events e ON e.seq = r.event_seq')).rows.map((r) => r.event_id as string),
      );
      const missingRewards = ackedRewards.filter((id) => !rewarded.has(id));
      assert.deepEqual(missingRewards, [], `of ${ackedRewards.length} acknowledged rewards`);
    } finally {
      await db.end();
    }
    // Bounded logs: the outage is said, not repeated at every tick or request.
    const errorLines = server.stdout().split('\n').filter((l) => /"level":(40|50|60)/.test(l)).length;
    assert.ok(errorLines <= 5, `${errorLines} warn/error log lines during a ${CUT_MS} ms outage`);
    console.log(
      `outage: ${ackedEvents.length} ranks and ${ackedRewards.length} rewards acknowledged, ${during.length} answered 503 during the ${CUT_MS} ms cut, recovered ${recoveryMs} ms after the restore; ${errorLines} warn/error log lines`,
    );
  } finally {
    running = false;
    await server.stop();
    await proxy.close();
  }
});

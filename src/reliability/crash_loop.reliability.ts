// The crash loop: 20 rounds of a real server on one SQLite store, under concurrent Rank+Reward load, killed with
// SIGKILL at a random moment while requests are in flight, then started again on the same file. At every start:
// every acknowledged event (201) and reward (204) of every earlier round is in the store, and every model the
// trainer has exported learned each joined event exactly once (its `events_learned` equals the joined events up
// to its cursor: an event learned twice, or skipped, would break the equality). At the end the trainer catches
// up with every joined event, and the model served by GET /model counts them once. Seeded (CRASH_SEED).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Api, parseModelHeader, serverAvailable, serverEntry, show, sleep, startServer, tempDir, type RunningServer } from '../conformance/harness.js';
import { Rng } from './fuzz_requests.js';

const ROUNDS = Number(process.env['CRASH_ROUNDS'] ?? 20);
const SEED = Number(process.env['CRASH_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CLIENTS = 16;
const skip = serverAvailable() ? false : `server not built (${serverEntry()} missing)`;

const actions = ['news', 'sports', 'music', 'films', 'food'].map((id, i) => ({ id, features: [{ topic: { name: id, n: i } }] }));

function post(agent: http.Agent, port: number, path: string, key: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'ocp-apim-subscription-key': key } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Acked {
  events: Set<string>;
  rewards: Set<string>;
}

/** Rank+Reward from CLIENTS clients until the server dies; records what was acknowledged. */
async function load(server: RunningServer, round: number, acked: Acked): Promise<{ ranks: number; rewards: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  let n = 0;
  let alive = true;
  void server.exited.then(() => (alive = false));
  const counts = { ranks: 0, rewards: 0 };
  const client = async (c: number): Promise<void> => {
    while (alive) {
      const eventId = `r${round}-c${c}-${n++}`;
      const body = JSON.stringify({ eventId, contextFeatures: [{ user: { id: `u${n % 50}`, tier: n % 3 } }], actions });
      try {
        if ((await post(agent, server.port, '/personalizer/v1.0/rank', server.key, body)) !== 201) continue;
        acked.events.add(eventId);
        counts.ranks++;
        if ((await post(agent, server.port, `/personalizer/v1.0/events/${eventId}/reward`, server.key, `{"value":${(n % 4) / 4}}`)) === 204) {
          acked.rewards.add(eventId);
          counts.rewards++;
        }
      } catch {
        // the server was killed mid-request: neither acknowledged
        if (!alive) break;
        await sleep(5);
      }
    }
  };
  const clients = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
  await clients;
  agent.destroy();
  return counts;
}

interface StoreView {
  events: Set<string>;
  rewarded: Map<string, number>;
  joined: number;
  /** Models whose events_learned differs from the joined events up to their cursor. */
  badModels: string[];
  latest?: { cursor: number; learned: number };
}

function readStore(file: string): StoreView {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const events = new Set(db.prepare('SELECT event_id FROM events').pluck().all() as string[]);
    const rewarded = new Map<string, number>();
    for (const row of db.prepare('SELECT e.event_id AS id, COUNT(*) AS n FROM rewards r JOIN events e ON e.seq = r.event_seq GROUP BY e.event_id').all() as { id: string; n: number }[])
      rewarded.set(row.id, row.n);
    const joined = db.prepare('SELECT COUNT(*) FROM joins WHERE skip_learn = 0').pluck().get() as number;
    const badModels: string[] = [];
    const models = db.prepare('SELECT id, cursor, events_learned FROM models ORDER BY id').all() as { id: number; cursor: number; events_learned: number }[];
    const upTo = db.prepare('SELECT COUNT(*) FROM joins WHERE join_seq <= ? AND skip_learn = 0').pluck();
    for (const m of models) {
      const expected = upTo.get(m.cursor) as number;
      if (m.events_learned !== expected) badModels.push(`model ${m.id}: cursor ${m.cursor}, events_learned ${m.events_learned}, joined up to the cursor ${expected}`);
    }
    const last = models.at(-1);
    return { events, rewarded, joined, badModels, ...(last ? { latest: { cursor: last.cursor, learned: last.events_learned } } : {}) };
  } finally {
    db.close();
  }
}

function check(view: StoreView, acked: Acked, round: number): void {
  const lostEvents = [...acked.events].filter((id) => !view.events.has(id));
  assert.deepEqual(lostEvents.slice(0, 10), [], `round ${round} (seed ${SEED}): ${lostEvents.length} acknowledged events missing`);
  const lostRewards = [...acked.rewards].filter((id) => !view.rewarded.has(id));
  assert.deepEqual(lostRewards.slice(0, 10), [], `round ${round} (seed ${SEED}): ${lostRewards.length} acknowledged rewards missing`);
  const twice = [...view.rewarded].filter(([, n]) => n !== 1);
  assert.deepEqual(twice.slice(0, 10), [], `round ${round}: rewards stored more than once`);
  assert.deepEqual(view.badModels.slice(0, 10), [], `round ${round} (seed ${SEED}): models whose learned count is not their joined events`);
}

test(`crash loop: ${ROUNDS} rounds of kill -9 under Rank+Reward load on one store (seed ${SEED})`, { skip, timeout: 600_000 }, async () => {
  const rng = new Rng(SEED);
  const t = tempDir('personalizer-crash-');
  const file = join(t.dir, 'personalizer.db');
  const acked: Acked = { events: new Set(), rewards: new Set() };
  let server: RunningServer | undefined;
  const lines: string[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      server = await startServer({ store: `sqlite:${file}`, startTimeoutMs: 60_000 });
      const api = new Api(server.base, server.key);
      if (round === 0) {
        const cfg = (await api.get('/configurations/service')).json;
        const put = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' });
        assert.equal(put.status, 200, show(put));
      } else {
        check(readStore(file), acked, round);
      }
      // Kill at a random moment: 0.2 to 1.5 s into the load, so that some rounds die before an export and some
      // mid-export, with requests always in flight.
      const running = load(server, round, acked);
      await sleep(200 + rng.int(1300));
      await server.kill9();
      const counts = await running;
      lines.push(`round ${round}: ${counts.ranks} ranks, ${counts.rewards} rewards acknowledged`);
      server = undefined;
    }

    // The last start: the trainer catches up with every joined event, and learns none twice.
    server = await startServer({ store: `sqlite:${file}`, startTimeoutMs: 60_000 });
    const api = new Api(server.base, server.key);
    let view = readStore(file);
    check(view, acked, ROUNDS);
    const deadline = Date.now() + 60_000;
    while (view.latest?.learned !== view.joined && Date.now() < deadline) {
      await sleep(250);
      view = readStore(file);
    }
    assert.equal(view.latest?.learned, view.joined, `the trainer caught up with ${view.joined} joined events`);
    assert.ok(view.joined >= acked.rewards.size, `${view.joined} joined, ${acked.rewards.size} rewards acknowledged`);
    await sleep(2500);
    view = readStore(file);
    check(view, acked, ROUNDS);
    assert.equal(view.latest?.learned, view.joined, 'no event learned again after catching up');
    const model = await api.get('/model');
    assert.equal(model.status, 200, show(model));
    assert.equal(parseModelHeader(model.bytes).eventSum, BigInt(view.joined), 'GET /model counts every joined event once');
    process.stdout.write(`# seed ${SEED}: ${acked.events.size} events and ${acked.rewards.size} rewards acknowledged over ${ROUNDS} kill -9 rounds, ${view.joined} events learned once each\n# ${lines.join('; ')}\n`);
    await server.stop();
    assert.equal(await server.exited, 0);
    server = undefined;
  } finally {
    await server?.kill9();
    t.cleanup();
  }
});

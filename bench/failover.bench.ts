// Trainer failover time (docs/scale-out.md) with two real server processes on one PostgreSQL database: the trainer
// leader is killed with SIGKILL while the other serves Rank and Reward load, and the time is taken until the other
// holds the trainer lease (its /metrics says so) and until its trainer has exported its first model (the store's
// latest model moves on). A clean stop (SIGTERM: export, then release) is timed too, against a third process.
// BENCH_FAILOVER_ROUNDS rounds (default 5), each on a fresh database; p50 and p99 by nearest rank.
import { Api, sleep, startServer, type RunningServer } from '../src/conformance/harness.js';
import { findLeader } from '../src/conformance/scale_out.js';
import { LEASE_RENEW_MS, LEASE_TTL_MS } from '../src/loop/leadership.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestDatabase, NO_POSTGRES, postgresAvailable } from '../src/testing/postgres.js';
import type { BenchResult } from './types.js';

const ROUNDS = Number(process.env.BENCH_FAILOVER_ROUNDS ?? 5);
const actions = ['a', 'b', 'c', 'd'].map((id) => ({ id, features: [{ item: { id } }] }));

type Server = RunningServer & { cleanup(): Promise<void> };

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function until<T>(fn: () => Promise<T | undefined>, ms: number, pollMs: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`failover bench: timed out after ${ms} ms`);
    await sleep(pollMs);
  }
}

/** Rank + Reward on `server` from 2 clients until stop() (what a follower serves while the leader dies). */
function load(server: Server): { stop(): Promise<number> } {
  const api = new Api(server.base, server.key);
  let running = true;
  let n = 0;
  const clients = Promise.all(
    [0, 1].map(async (c) => {
      while (running) {
        const r = await api.rank({ contextFeatures: [{ user: { type: `t${n % 3}` } }], actions, eventId: `f-${c}-${n++}` });
        if (r.status === 201) await api.reward(r.json.eventId, r.json.rewardActionId === 'b' ? 1 : 0);
      }
    }),
  );
  return {
    async stop() {
      running = false;
      await clients;
      return n;
    },
  };
}

interface Round {
  killLeaseMs: number;
  killExportMs: number;
  termLeaseMs: number;
}

async function round(): Promise<Round> {
  const db = await createTestDatabase('personalizer_bench');
  const servers: Server[] = [];
  let store: Store | undefined;
  let traffic: { stop(): Promise<number> } | undefined;
  try {
    servers.push(await startServer({ store: db.url }));
    servers.push(await startServer({ store: db.url }));
    store = await openStore(db.url);
    const { server: leader } = await findLeader(servers, LEASE_TTL_MS + LEASE_RENEW_MS);
    const follower = servers.find((s) => s !== leader)!;
    const api = new Api(follower.base, follower.key);
    const cfg = (await api.get('/configurations/service')).json;
    await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' });
    traffic = load(follower);
    await until(async () => ((await store!.latestModel())?.eventsLearned ?? 0) >= 20 || undefined, 20_000, 100);

    const killedAt = Date.now();
    await leader.kill9();
    await findLeader([follower], LEASE_TTL_MS + LEASE_RENEW_MS + 5000, 10);
    const killLeaseMs = Date.now() - killedAt;
    const atTakeover = (await store.latestModelId()) ?? 0;
    await until(async () => (((await store!.latestModelId()) ?? 0) > atTakeover ? true : undefined), 10_000, 10);
    const killExportMs = Date.now() - killedAt;
    await traffic.stop();
    traffic = undefined;

    // A clean stop hands the lease over without waiting for its expiry.
    const third = await startServer({ store: db.url });
    servers.push(third);
    const stoppedAt = Date.now();
    await follower.stop();
    await findLeader([third], LEASE_TTL_MS + LEASE_RENEW_MS + 5000, 10);
    const termLeaseMs = Date.now() - stoppedAt;
    return { killLeaseMs, killExportMs, termLeaseMs };
  } finally {
    await traffic?.stop();
    await store?.close();
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
}

export async function run(): Promise<BenchResult[]> {
  if (!(await postgresAvailable())) {
    process.stderr.write(`bench: failover skipped: ${NO_POSTGRES}\n`);
    return [];
  }
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const rows = (name: string, pick: (r: Round) => number, note: string): BenchResult[] => {
    const xs = rounds.map(pick);
    return [50, 99].map((p) => ({
      name: `${name} p${p}`,
      value: percentile(xs, p),
      unit: 'ms',
      note: `${note}; ${ROUNDS} rounds: ${xs.join(', ')} ms`,
    }));
  };
  return [
    ...rows('failover kill -9 → successor holds the lease', (r) => r.killLeaseMs, `lease ${LEASE_TTL_MS} ms, renewed every ${LEASE_RENEW_MS} ms`),
    ...rows('failover kill -9 → first model exported by the successor', (r) => r.killExportMs, 'modelExportFrequency PT1S'),
    ...rows('handover SIGTERM → successor holds the lease', (r) => r.termLeaseMs, 'the leader exports, then releases'),
  ];
}

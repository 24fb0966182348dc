// Rank and Reward over HTTP on the PostgreSQL store against the SQLite store, same machine, same run: a real
// server process on each (default policy), driven by autocannon. SQLite (synchronous=normal) acknowledges once
// its WAL frames are written to the OS; PostgreSQL (synchronous_commit = on) once its WAL is flushed to disk, so
// the PostgreSQL figures include one fsync per group commit. The two stores are measured in alternating rounds
// (BENCH_PG_ROUNDS, each BENCH_PG_SECONDS long per store and request kind) and the round with the median
// throughput ratio is reported, with p50 and p99 latency of each. Needs a PostgreSQL server (PG_TEST_URL, by
// default the local one); without one the benchmark reports nothing and says why.
//
// `node dist/bench/postgres.bench.js` runs it alone.
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { join } from 'node:path';
import { startServer, tempDir } from '../src/conformance/harness.js';
import { createTestDatabase, NO_POSTGRES, postgresAvailable } from '../src/testing/postgres.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env.BENCH_PG_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_PG_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_PG_CONNECTIONS ?? 16);
const WARMUP_S = 1;

const BODY = (() => {
  const contextFeatures = [{ user: { tier: 'gold', country: 'NL', visits: 17 } }, { device: { os: 'android', type: 'phone' } }];
  const actions = Array.from({ length: 10 }, (_, i) => ({
    id: `article-${i}`,
    features: [{ item: { category: ['news', 'sports', 'music', 'film', 'food'][i % 5], price: 3.5 + i, fresh: i % 2 === 0 } }],
  }));
  const [prefix, suffix] = JSON.stringify({ contextFeatures, actions, eventId: '@@' }).split('@@') as [string, string];
  return { prefix, suffix };
})();

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  ok: number;
  failed: number;
}

interface Target {
  name: 'sqlite' | 'postgres';
  url: string;
  key: string;
  /** Events ranked so far (their ids are `<name>-<n>`), and the next one to reward. */
  ranked: number;
  rewarded: number;
}

async function load(t: Target, kind: 'rank' | 'reward', seconds: number): Promise<Measured> {
  const r = await autocannon({
    url: t.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': t.key },
        setupRequest: (req) => {
          if (kind === 'rank') return { ...req, path: '/personalizer/v1.0/rank', body: `${BODY.prefix}${t.name}-${t.ranked++}${BODY.suffix}` };
          // Each reward is its event's first while ranked events last (then they cycle: repeats, cheaper).
          const n = t.rewarded++ % Math.max(1, t.ranked);
          return { ...req, path: `/personalizer/v1.0/events/${t.name}-${n}/reward`, body: n % 3 ? '{"value":1}' : '{"value":0}' };
        },
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, ok: r['2xx'], failed: r.non2xx + r.errors };
}

function median<T>(xs: T[], by: (x: T) => number): T {
  return [...xs].sort((a, b) => by(a) - by(b))[Math.floor((xs.length - 1) / 2)]!;
}

export async function run(): Promise<BenchResult[]> {
  if (!(await postgresAvailable())) {
    process.stderr.write(`bench: postgres: skipped, ${NO_POSTGRES}\n`);
    return [];
  }
  const db = await createTestDatabase('personalizer_bench');
  const dir = tempDir('personalizer-bench-');
  const sqlite = await startServer({ store: `sqlite:${join(dir.dir, 'personalizer.db')}` });
  const postgres = await startServer({ store: db.url });
  const targets: Target[] = [
    { name: 'sqlite', url: sqlite.url, key: sqlite.key, ranked: 0, rewarded: 0 },
    { name: 'postgres', url: postgres.url, key: postgres.key, ranked: 0, rewarded: 0 },
  ];
  try {
    const rows: BenchResult[] = [];
    for (const kind of ['rank', 'reward'] as const) {
      for (const t of targets) await load(t, kind, WARMUP_S);
      const rounds: { sqlite: Measured; postgres: Measured; ratio: number }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const s = await load(targets[0]!, kind, SECONDS);
        const p = await load(targets[1]!, kind, SECONDS);
        rounds.push({ sqlite: s, postgres: p, ratio: p.rps / s.rps });
      }
      const m = median(rounds, (r) => r.ratio);
      const failed = rounds.reduce((n, r) => n + r.sqlite.failed + r.postgres.failed, 0);
      const note = `${CONNECTIONS} connections; ratios ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}${failed ? `; ${failed} non-2xx` : ''}`;
      rows.push(
        { name: `postgres ${kind} throughput`, value: m.postgres.rps, unit: 'req/s', baseline: m.sqlite.rps, baselineRatio: m.ratio, note: `baseline: sqlite; ${note}` },
        { name: `postgres ${kind} p50`, value: m.postgres.p50, unit: 'ms', baseline: m.sqlite.p50, baselineRatio: m.postgres.p50 / Math.max(1e-9, m.sqlite.p50), note: 'baseline: sqlite' },
        { name: `postgres ${kind} p99`, value: m.postgres.p99, unit: 'ms', baseline: m.sqlite.p99, baselineRatio: m.postgres.p99 / Math.max(1e-9, m.sqlite.p99), note: 'baseline: sqlite' },
      );
    }
    return rows;
  } finally {
    await sqlite.stop();
    dir.cleanup();
    await postgres.stop();
    await db.drop().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { formatTable } = await import('./run.js');
  process.stdout.write(formatTable(await run()) + '\n');
}

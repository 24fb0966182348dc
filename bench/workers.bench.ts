// Rank+Reward throughput and latency of `Workers=2` against `Workers=1` (cli/workers.ts), measured in the same run
// on the same machine, each a real server process tree on its own SQLite store. Each autocannon connection ranks,
// then rewards the event it was given (the eventId travels in the connection's context), so that every Rank's
// event is joined and learned as in production. Rounds alternate between the two servers (BENCH_WORKERS_ROUNDS,
// BENCH_WORKERS_SECONDS each); the round with the median throughput of each is reported.
//
// `node dist/bench/workers.bench.js` runs it alone.
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startServer, tempDir } from '../src/conformance/harness.js';
import { rankBody } from './export_rank.bench.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env.BENCH_WORKERS_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_WORKERS_ROUNDS ?? 3);
const WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_WORKERS_CONNECTIONS ?? 16);

interface Round {
  /** Requests (ranks and rewards) per second. */
  rps: number;
  p50: number;
  p99: number;
  total: number;
  failed: number;
}

async function load(url: string, key: string, prefix: string, seconds: number): Promise<Round> {
  let n = 0;
  const headers = { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': key };
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/personalizer/v1.0/rank',
        headers,
        setupRequest: (req, context) => {
          const eventId = `${prefix}-${n++}`;
          (context as { eventId?: string }).eventId = eventId;
          return { ...req, body: rankBody(eventId) };
        },
      },
      {
        method: 'POST',
        headers,
        setupRequest: (req, context) => {
          const eventId = (context as { eventId?: string }).eventId!;
          return { ...req, path: `/personalizer/v1.0/events/${eventId}/reward`, body: eventId.endsWith('0') ? '{"value":1}' : '{"value":0}' };
        },
      },
    ],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, failed: r.non2xx + r.errors };
}

export async function run(): Promise<BenchResult[]> {
  const dirs = [tempDir('personalizer-bench-w1-'), tempDir('personalizer-bench-w2-')];
  const servers = await Promise.all(
    [1, 2].map((w, i) =>
      startServer({ store: `sqlite:${join(dirs[i]!.dir, 'p.db')}`, args: [`Workers=${w}`, 'Logging:Console:LogLevel:Default=Warning'] }),
    ),
  );
  try {
    const [one, two] = servers as [(typeof servers)[0], (typeof servers)[0]];
    await load(one.url, one.key, 'warm1', WARMUP_S);
    await load(two.url, two.key, 'warm2', WARMUP_S);
    const rounds: { one: Round; two: Round }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      rounds.push({ one: await load(one.url, one.key, `one${i}`, SECONDS), two: await load(two.url, two.key, `two${i}`, SECONDS) });
    }
    const median = (k: 'one' | 'two'): Round => {
      const sorted = rounds.map((r) => r[k]).sort((a, b) => a.rps - b.rps);
      return sorted[Math.floor((sorted.length - 1) / 2)]!;
    };
    const a = median('one');
    const b = median('two');
    const failed = rounds.reduce((t, r) => t + r.one.failed + r.two.failed, 0);
    const note =
      `${CONNECTIONS} connections, each Rank then Reward of its event; median of ${ROUNDS} alternating rounds of ${SECONDS} s ` +
      `(req/s Workers=2: ${rounds.map((r) => Math.round(r.two.rps)).join(', ')}; Workers=1: ${rounds.map((r) => Math.round(r.one.rps)).join(', ')}); ` +
      `${availableParallelism()} cores shared with the load generator; ${failed} failed requests${failed ? '!' : ''}`;
    return [
      { name: 'rank+reward throughput, Workers=2', value: b.rps, unit: 'req/s', baseline: a.rps, baselineRatio: b.rps / a.rps, note: `baseline: Workers=1; ${note}` },
      { name: 'rank+reward p50 latency, Workers=2', value: b.p50, unit: 'ms', baseline: a.p50, baselineRatio: b.p50 / a.p50 },
      { name: 'rank+reward p99 latency, Workers=2', value: b.p99, unit: 'ms', baseline: a.p99, baselineRatio: b.p99 / a.p99 },
    ];
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    for (const d of dirs) d.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { formatTable } = await import('./run.js');
  console.log(formatTable(await run()));
}

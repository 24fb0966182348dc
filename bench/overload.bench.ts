// Overload: Rank driven at BENCH_OVERLOAD_FACTOR (default 3) × the server's own measured maximum rate, by
// autocannon with many connections (BENCH_OVERLOAD_CONNECTIONS, default 1000), against a server that queues
// everything (MaxRequestsInFlight=0) and one that sheds beyond BENCH_OVERLOAD_MAX_IN_FLIGHT (default 64) with 503.
// Reported per run: the p99 latency of the Ranks that were answered 201 and the server's peak resident memory,
// each as a ratio to an unloaded baseline measured in the same run (one connection, one Rank at a time, on a
// fresh server), plus the share shed and the 201s per second. Each run has a fresh server (its peak RSS is its own).
// See docs/retention-and-quotas.md.
//
// `npm run bench -- overload`, or `node dist/bench/overload.bench.js` alone.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { startServer, type RunningServer } from '../src/conformance/harness.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 10);
const FACTOR = Number(process.env.BENCH_OVERLOAD_FACTOR ?? 3);
const CONNECTIONS = Number(process.env.BENCH_OVERLOAD_CONNECTIONS ?? 1000);
const MAX_IN_FLIGHT = Number(process.env.BENCH_OVERLOAD_MAX_IN_FLIGHT ?? 64);
const RANK_PATH = '/personalizer/v1.0/rank';

/** 10 actions × 2 namespaces of features, a 3-namespace context: the http benchmark's Rank. */
function rankBody(eventId: string): string {
  const actions = Array.from({ length: 10 }, (_, i) => ({
    id: `article-${i}`,
    features: [{ item: { category: ['news', 'sports', 'music', 'film', 'food'][i % 5], brand: `b${i % 3}`, price: 3.5 + i } }, { meta: { length: 100 * (i + 1), tag: `t${i}` } }],
  }));
  return JSON.stringify({
    contextFeatures: [{ user: { tier: 'gold', country: 'NL' } }, { device: { os: 'android' } }, { time: { hour: 14 } }],
    actions,
    eventId,
  });
}

interface Run {
  /** Answers by status. */
  statuses: Map<number, number>;
  /** Latencies (ms) of the 201s, sorted. */
  ok: number[];
  errors: number;
  timeouts: number;
  seconds: number;
  peakRssMb: number;
  /** The server's own p99 of the 201s (from arrival to answer), read from its latency histogram, in ms. */
  serverP99: number;
}

/** The upper bound of the histogram bucket holding the p-th quantile of Rank's 201s, from the server's /metrics. */
async function serverQuantile(server: RunningServer, p: number): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const buckets: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('personalizer_http_request_duration_seconds_bucket{') || !line.includes(`route="${RANK_PATH}"`) || !line.includes('status_code="201"')) continue;
    const le = /le="([^"]+)"/.exec(line)![1]!;
    buckets.push([le === '+Inf' ? Infinity : Number(le), Number(line.slice(line.lastIndexOf(' ') + 1))]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  const bucket = buckets.find(([, n]) => n >= p * total);
  return bucket === undefined ? NaN : bucket[0] * 1000;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function peakRssMb(pid: number): number {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s*(\d+)/.exec(s)?.[1] ?? NaN) / 1024;
}

let runNo = 0;

async function drive(server: RunningServer, o: { connections: number; seconds: number; overallRate?: number }): Promise<Run> {
  const prefix = `r${++runNo}-${Date.now().toString(36)}`;
  let n = 0;
  const statuses = new Map<number, number>();
  const ok: number[] = [];
  let finish!: (r: autocannon.Result) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => ((finish = resolve), (fail = reject)));
  const instance = autocannon({
    url: server.url,
    connections: o.connections,
    duration: o.seconds,
    // A client gives up after 10 s, as SDKs' default retry policies do well before their 100 s timeout.
    timeout: 10,
    ...(o.overallRate === undefined ? {} : { overallRate: o.overallRate }),
    requests: [
      {
        method: 'POST',
        path: RANK_PATH,
        headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': server.key },
        setupRequest: (req) => ({ ...req, body: rankBody(`${prefix}-${n++}`) }),
      },
    ],
  }, (err, result) => (err ? fail(err) : finish(result)));
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status === 201) ok.push(ms);
  });
  const r = await done;
  ok.sort((a, b) => a - b);
  return {
    statuses, ok, errors: r.errors, timeouts: r.timeouts, seconds: o.seconds,
    peakRssMb: peakRssMb(server.pid),
    serverP99: await serverQuantile(server, 0.99),
  };
}

async function withServer<T>(maxInFlight: number, fn: (s: RunningServer) => Promise<T>): Promise<T> {
  // Warnings only: a log line per request would measure how fast this process reads the server's stdout.
  const server = await startServer({
    args: [`MaxRequestsInFlight=${maxInFlight}`, 'MaxConnections=5000', 'Logging:Console:LogLevel:Default=Warning'],
    startTimeoutMs: 60_000,
  });
  try {
    return await fn(server);
  } finally {
    await server.cleanup();
  }
}

export async function run(): Promise<BenchResult[]> {
  // The unloaded baseline and the maximum rate, on one fresh server: one Rank at a time, then 8 connections flat out.
  const { base, max } = await withServer(0, async (s) => {
    await drive(s, { connections: 4, seconds: 2 }); // warm-up (JIT, store pages)
    const base = await drive(s, { connections: 1, seconds: 3 });
    const max = await drive(s, { connections: 8, seconds: 5 });
    return { base, max };
  });
  const maxRps = (max.statuses.get(201) ?? 0) / max.seconds;
  const rate = Math.round(FACTOR * maxRps);
  const baseP99 = percentile(base.ok, 0.99);
  process.stderr.write(`overload: max ${maxRps.toFixed(0)} Rank/s (${JSON.stringify([...max.statuses])}), driving ${rate}/s over ${CONNECTIONS} connections\n`);

  const rows: BenchResult[] = [
    { name: 'overload: unloaded Rank p99', value: baseP99, unit: 'ms', peakRssMb: base.peakRssMb, note: `1 connection; max ${maxRps.toFixed(0)} Rank/s with 8` },
  ];
  for (const maxInFlight of [0, MAX_IN_FLIGHT]) {
    const r = await withServer(maxInFlight, (s) => drive(s, { connections: CONNECTIONS, seconds: SECONDS, overallRate: rate }));
    const total = [...r.statuses.values()].reduce((a, b) => a + b, 0);
    const shed = r.statuses.get(503) ?? 0;
    const okRps = (r.statuses.get(201) ?? 0) / r.seconds;
    const other = total - shed - (r.statuses.get(201) ?? 0);
    const p99 = percentile(r.ok, 0.99);
    const label = maxInFlight === 0 ? 'no shedding' : `MaxRequestsInFlight=${maxInFlight}`;
    const note = `${FACTOR}× max; server-side p99 ≤ ${r.serverP99} ms; 201/s ${okRps.toFixed(0)} (${(okRps / maxRps).toFixed(2)} of max); shed ${((100 * shed) / Math.max(1, total)).toFixed(1)}%; other ${other}; timeouts ${r.timeouts}; errors ${r.errors}`;
    rows.push({
      name: `overload: Rank p99, ${label}`,
      value: p99,
      unit: 'ms',
      baseline: baseP99,
      baselineRatio: p99 / baseP99,
      peakRssMb: r.peakRssMb,
      referenceRssMb: base.peakRssMb,
      note,
    });
    rows.push({ name: `overload: peak RSS, ${label}`, value: r.peakRssMb, unit: 'MB', baseline: base.peakRssMb, baselineRatio: r.peakRssMb / base.peakRssMb });
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { formatTable } = await import('./run.js');
  process.stdout.write(formatTable(await run()) + '\n');
}

// Soak: a real server (SQLite store, default policy) under Rank+Reward at 80% of the maximum rate measured first
// in the same run, for SOAK_SECONDS (default 600). Every SOAK_SAMPLE_SECONDS (default 60) it samples the server's
// resident memory and that window's Rank p99. Reports the maximum rate, the rate held, the RSS growth from the
// first sample (after one window of warm-up) to the last (target < 10%), and the p99's stability: the worst
// window's p99 over the median window's (1 = flat). Not a test: `npm run bench -- soak`, or
// `node dist/bench/soak.bench.js` alone (SOAK_SECONDS=60 for a short run).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { freePort, startServer, type RunningServer } from '../src/conformance/harness.js';
import { quantile, rankRewardLoad } from './load.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 600);
const SAMPLE_SECONDS = Number(process.env['SOAK_SAMPLE_SECONDS'] ?? Math.min(60, Math.max(5, SECONDS / 10)));
const PROBE_SECONDS = Number(process.env['SOAK_PROBE_SECONDS'] ?? 10);
const CONNECTIONS = Number(process.env['SOAK_CONNECTIONS'] ?? 8);
const SHARE = 0.8;

const actions = Array.from({ length: 10 }, (_, i) => ({ id: `article-${i}`, features: [{ item: { category: `c${i % 4}`, price: 3.5 + i, fresh: i % 2 === 0 } }] }));
const rankBody = (eventId: string): string =>
  JSON.stringify({ eventId, contextFeatures: [{ user: { tier: ['gold', 'silver'][eventId.length % 2], visits: eventId.length } }, { device: 'phone' }], actions });

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
}

function post(agent: http.Agent, server: RunningServer, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: '127.0.0.1', port: server.port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'ocp-apim-subscription-key': server.key } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Window {
  at: number;
  rssMb: number;
  pairs: number;
  p99: number;
  failures: number;
}

export async function run(): Promise<BenchResult[]> {
  const server = await startServer({ port: await freePort(), args: ['Logging:Console:LogLevel:Default=Warning'], startTimeoutMs: 60_000 });
  try {
    // 1. The maximum: closed-loop Rank+Reward from CONNECTIONS clients.
    await rankRewardLoad({ url: server.url, key: server.key, connections: CONNECTIONS, seconds: 2, rankBody, reward: () => 1, prefix: 'warm' });
    const probe = await rankRewardLoad({ url: server.url, key: server.key, connections: CONNECTIONS, seconds: PROBE_SECONDS, rankBody, reward: (n) => (n % 3) / 2, prefix: 'max' });
    const maxPairs = probe.reward.length / PROBE_SECONDS;
    const target = maxPairs * SHARE;

    // 2. The soak: pairs started at the target rate (open loop, paced every 10 ms), at most 64 in flight.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const windows: Window[] = [];
    let windowRanks: number[] = [];
    let windowPairs = 0;
    let windowFailures = 0;
    let inFlight = 0;
    let started = 0;
    let n = 0;
    const t0 = Date.now();
    const pair = async (): Promise<void> => {
      inFlight++;
      const eventId = `soak-${n++}`;
      try {
        const t = performance.now();
        const s1 = await post(agent, server, '/personalizer/v1.0/rank', rankBody(eventId));
        windowRanks.push(performance.now() - t);
        const s2 = s1 === 201 ? await post(agent, server, `/personalizer/v1.0/events/${eventId}/reward`, `{"value":${n % 2}}`) : 0;
        if (s1 === 201 && s2 === 204) windowPairs++;
        else windowFailures++;
      } catch {
        windowFailures++;
      } finally {
        inFlight--;
      }
    };
    let nextSample = t0 + SAMPLE_SECONDS * 1000;
    while (Date.now() - t0 < SECONDS * 1000) {
      const due = Math.floor(((Date.now() - t0) / 1000) * target);
      while (started < due && inFlight < 64) {
        started++;
        void pair();
      }
      if (Date.now() >= nextSample) {
        windows.push({ at: Math.round((Date.now() - t0) / 1000), rssMb: rss(server.pid), pairs: windowPairs / SAMPLE_SECONDS, p99: quantile(windowRanks, 0.99), failures: windowFailures });
        process.stderr.write(`soak: ${JSON.stringify(windows.at(-1))}\n`);
        windowRanks = [];
        windowPairs = 0;
        windowFailures = 0;
        nextSample += SAMPLE_SECONDS * 1000;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    agent.destroy();

    const first = windows[0]!;
    const last = windows.at(-1)!;
    const growth = (last.rssMb - first.rssMb) / first.rssMb;
    const p99s = windows.map((w) => w.p99);
    const medianP99 = quantile(p99s, 0.5);
    const worstP99 = Math.max(...p99s);
    const held = windows.reduce((a, w) => a + w.pairs, 0) / windows.length;
    const failures = windows.reduce((a, w) => a + w.failures, 0);
    const per = windows.map((w) => `${w.at}s ${w.rssMb.toFixed(0)}MB p99 ${w.p99.toFixed(1)}ms`).join(', ');
    return [
      { name: 'soak: max Rank+Reward rate', value: maxPairs, unit: 'pairs/s', note: `closed loop, ${CONNECTIONS} connections, ${PROBE_SECONDS} s` },
      { name: 'soak: rate held at 80%', value: held, unit: 'pairs/s', baseline: target, baselineRatio: held / target, note: `${SECONDS} s, ${failures} failed pairs` },
      { name: 'soak: RSS growth', value: growth * 100, unit: '%', peakRssMb: Math.max(...windows.map((w) => w.rssMb)), note: `first window ${first.rssMb.toFixed(1)} MB → last ${last.rssMb.toFixed(1)} MB (target < 10%)` },
      { name: 'soak: Rank p99, worst window / median', value: worstP99 / medianP99, unit: 'ratio', baseline: medianP99, note: `median window p99 ${medianP99.toFixed(1)} ms, worst ${worstP99.toFixed(1)} ms; ${per}` },
    ];
  } finally {
    await server.stop();
    await server.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { formatTable } = await import('./run.js');
  const rows = await run();
  process.stdout.write(formatTable(rows) + '\n\n' + JSON.stringify(rows, null, 2) + '\n');
}

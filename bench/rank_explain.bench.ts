// Rank throughput with inference explanations on against off (ServiceConfiguration
// isInferenceExplainabilityEnabled; docs/inference-explanations.md), on one real server process, measured in
// alternating rounds in the same run (BENCH_EXPLAIN_ROUNDS rounds of BENCH_EXPLAIN_SECONDS per side) so that the
// machine's noise falls on both; the round with the median ratio is reported with every round's ratio, and each
// side's median server CPU per Rank (read from /proc).
// The Rank is http.bench.ts's: 3 context namespaces, 10 actions × 10 features (~2,600 terms with -q ::), against a
// model that has learned a few hundred events (non-zero weights). Target: ratio ≥ 0.5.
import autocannon from 'autocannon';
import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Api, sleep, startServer } from '../src/conformance/harness.js';
import type { BenchResult } from './types.js';

const DURATION_S = Number(process.env.BENCH_EXPLAIN_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_EXPLAIN_ROUNDS ?? 7);
const CONNECTIONS = 8;
const RANK_PATH = '/personalizer/v1.0/rank';

function rankBody(): string {
  const contextFeatures = [
    { user: { tier: 'gold', ageBand: '30-39', country: 'NL', visits: 17 } },
    { device: { os: 'android', type: 'phone', browser: 'chrome' } },
    { time: { dayOfWeek: 'tuesday', hour: 14, season: 'autumn' } },
  ];
  const actions = Array.from({ length: 10 }, (_, i) => ({
    id: `article-${i}`,
    features: [
      { item: { category: ['news', 'sports', 'music', 'film', 'food'][i % 5], brand: `b${i % 3}`, price: 3.5 + i, rating: (i % 5) + 0.5, color: ['red', 'blue'][i % 2] } },
      { meta: { length: 100 * (i + 1), ageDays: i * 2, popularity: 0.1 * i, fresh: i % 2 === 0, tag: `t${i}` } },
    ],
  }));
  return JSON.stringify({ contextFeatures, actions });
}

/** CPU time (user + system, µs) of all of a process's threads, from /proc. */
function cpuUs(pid: number): number {
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    // After the parenthesized name: utime and stime are fields 14 and 15 (clock ticks of 10 ms).
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    all += (Number(f[11]) + Number(f[12])) * 10_000;
  }
  return all;
}

interface Measured {
  rps: number;
  p50: number;
  bytes: number;
  /** The server's CPU per Rank (all threads), µs: what the load generator's own cost on a shared machine hides. */
  cpuUs: number;
}

async function measure(url: string, key: string, body: string, pid: number): Promise<Measured> {
  const cpu0 = cpuUs(pid);
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [{ method: 'POST', path: RANK_PATH, headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': key }, body }],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`rank answered ${r.non2xx} non-2xx, ${r.errors} errors`);
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    bytes: r.throughput.average / Math.max(1, r.requests.average),
    cpuUs: (cpuUs(pid) - cpu0) / Math.max(1, r.requests.total),
  };
}

export async function run(): Promise<BenchResult[]> {
  const server = await startServer();
  try {
    const api = new Api(server.base, server.key);
    const cfg = (await api.get('/configurations/service')).json;
    const set = async (explain: boolean): Promise<void> => {
      const r = await api.put('/configurations/service', { ...cfg, modelExportFrequency: 'PT1S', isInferenceExplainabilityEnabled: explain });
      if (r.status !== 200) throw new Error(`configuration: ${r.status} ${r.text}`);
    };
    await set(false);
    // A model with non-zero weights: a few hundred rewarded events, then an export.
    const body = rankBody();
    for (let i = 0; i < 300; i++) {
      const r = await api.post('/rank', JSON.parse(body));
      await api.reward(r.json.eventId, i % 3 === 0 ? 1 : 0);
    }
    await sleep(2500);
    await measure(server.url, server.key, body, server.pid); // warm-up
    const rounds: { off: Measured; on: Measured; ratio: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      await set(false);
      const off = await measure(server.url, server.key, body, server.pid);
      await set(true);
      const on = await measure(server.url, server.key, body, server.pid);
      rounds.push({ off, on, ratio: on.rps / off.rps });
    }
    const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
    const m = sorted[Math.floor(sorted.length / 2)]!;
    // CPU per Rank: each side's median over the rounds (less sensitive to the machine's other load than rates).
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const cpuOff = median(rounds.map((r) => r.off.cpuUs));
    const cpuOn = median(rounds.map((r) => r.on.cpuUs));
    const note =
      `rounds: ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')}; p50 ${m.off.p50} → ${m.on.p50} ms; ` +
      `server CPU per Rank (medians) ${Math.round(cpuOff)} → ${Math.round(cpuOn)} µs (capacity ratio ${(cpuOff / cpuOn).toFixed(2)}); ` +
      `response ${Math.round(m.off.bytes)} → ${Math.round(m.on.bytes)} bytes; ${CONNECTIONS} connections, target ≥ 0.5`;
    return [{ name: 'rank with explanations (10×10 features)', value: m.on.rps, unit: 'req/s', baseline: m.off.rps, baselineRatio: m.ratio, note }];
  } finally {
    await server.stop();
    await server.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await run();
  console.log(JSON.stringify(rows, null, 2));
}

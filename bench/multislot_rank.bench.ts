// Multi-slot Rank throughput over HTTP (3 slots, 10 actions) next to single-slot Rank (10 actions, the same
// actions and context) measured in the same run on the same machine: two server processes (SQLite stores, Azure's
// default policies: single-slot, and the same under --ccb_explore_adf), loaded in alternating rounds
// (BENCH_MULTISLOT_ROUNDS, each BENCH_MULTISLOT_SECONDS long per side); the round with the median ratio is
// reported. A multi-slot Rank featurizes and scores the event once per slot and logs a longer context, so a ratio
// near 1/3 would mean it costs as much per slot as a single-slot Rank costs in all.
//
// `npm run bench -- multislot` runs it alone.
import autocannon from 'autocannon';
import { DEFAULT_CCB_POLICY_ARGUMENTS } from '../src/engine/index.js';
import { call, startServerProcess, type ServerProcess } from '../src/api/test_server.js';
import { freePort } from '../src/conformance/harness.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env.BENCH_MULTISLOT_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_MULTISLOT_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_MULTISLOT_CONNECTIONS ?? 8);
const P3 = '/personalizer/v1.1-preview.3';

const contextFeatures = [
  { user: { tier: 'gold', ageBand: '30-39', country: 'NL', visits: 17 } },
  { device: { os: 'android', type: 'phone', browser: 'chrome' } },
  { time: { dayOfWeek: 'tuesday', hour: 14, season: 'autumn' } },
];
const actions = Array.from({ length: 10 }, (_, i) => ({
  id: `article-${i}`,
  features: [
    { item: { category: ['news', 'sports', 'music', 'film', 'food'][i % 5], brand: `b${i % 3}`, price: 3.5 + i, rating: (i % 5) + 0.5 } },
    { meta: { length: 100 * (i + 1), fresh: i % 2 === 0, tag: `t${i}` } },
  ],
}));
const slots = ['top', 'middle', 'bottom'].map((pos, k) => ({
  id: pos,
  baselineAction: `article-${k}`,
  features: [{ slot: { pos, size: ['large', 'medium', 'small'][k] } }],
}));
const SINGLE = JSON.stringify({ contextFeatures, actions });
const MULTI = JSON.stringify({ contextFeatures, actions, slots });

async function load(server: ServerProcess, path: string, body: string, seconds: number): Promise<{ rps: number; p50: number; p99: number; bad: number }> {
  const r = await autocannon({
    url: server.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'POST', path, body, headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': server.key } }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors };
}

export async function run(): Promise<BenchResult[]> {
  // No request log lines (a fixed port, since the start-up line is not written either).
  const quiet = async () => ['Logging:Console:LogLevel:Default=Warning', `Port=${await freePort()}`];
  const single = await startServerProcess({ args: await quiet() });
  const multi = await startServerProcess({ args: await quiet() });
  try {
    const policy = await call(multi, 'PUT', `${P3}/configurations/policy`, { body: { name: 'ccb', arguments: DEFAULT_CCB_POLICY_ARGUMENTS } });
    if (policy.status !== 200) throw new Error(`policy: ${policy.status} ${policy.text}`);
    // Warm-up: JIT, the store's first pages.
    await load(single, `${P3}/rank`, SINGLE, 2);
    await load(multi, `${P3}/multislot/rank`, MULTI, 2);
    const rounds: { s: Awaited<ReturnType<typeof load>>; m: Awaited<ReturnType<typeof load>>; ratio: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const s = await load(single, `${P3}/rank`, SINGLE, SECONDS);
      const m = await load(multi, `${P3}/multislot/rank`, MULTI, SECONDS);
      if (s.bad > 0 || m.bad > 0) throw new Error(`failed requests: single ${s.bad}, multi-slot ${m.bad}`);
      rounds.push({ s, m, ratio: m.rps / s.rps });
    }
    const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const ratios = rounds.map((r) => r.ratio.toFixed(2)).join(', ');
    return [
      {
        name: 'multi-slot rank (3 slots, 10 actions)',
        value: median.m.rps,
        unit: 'req/s',
        baseline: median.s.rps,
        baselineRatio: median.ratio,
        note: `baseline: single-slot rank, 10 actions; p50/p99 ${median.m.p50}/${median.m.p99} ms vs ${median.s.p50}/${median.s.p99} ms; ${CONNECTIONS} connections; round ratios ${ratios}`,
      },
    ];
  } finally {
    await single.stop();
    await multi.stop();
  }
}

if (process.argv[1]?.endsWith('multislot_rank.bench.js')) {
  const { formatTable } = await import('./run.js');
  process.stdout.write(formatTable(await run()) + '\n');
}

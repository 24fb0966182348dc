// Rank latency while the trainer exports models, against the same server with exports paused. A real server
// process (default policy) takes a closed-loop Rank+Reward load (bench/load.ts), so that the trainer learns all
// the time and has a new model to export at every modelExportFrequency. Contexts carry a feature drawn from a large
// set, which under the default policy's `-q ::` fills the model's weights: after the warm-up the exported model is
// megabytes, as a production model is. Rounds alternate between modelExportFrequency PT1S (the service's minimum,
// service_config.ts) and P1D (no export during the bench), on the same server and model; the round with the
// median Rank p99 of each kind is reported. Each store in BENCH_EXPORT_STORES (default sqlite,postgres; PostgreSQL
// where a server answers at PG_TEST_URL and this build's store accepts postgres:// URLs).
//
// `node dist/bench/export_rank.bench.js` runs it alone.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Api, startServer, tempDir } from '../src/conformance/harness.js';
import { createTestDatabase, postgresAvailable } from '../src/testing/postgres.js';
import { quantile, rankRewardLoad, type LoadResult } from './load.js';
import type { BenchResult } from './types.js';

const SECONDS = Number(process.env.BENCH_EXPORT_SECONDS ?? 6);
const ROUNDS = Number(process.env.BENCH_EXPORT_ROUNDS ?? 3);
const WARMUP_S = Number(process.env.BENCH_EXPORT_WARMUP_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_EXPORT_CONNECTIONS ?? 8);
const STORES = (process.env.BENCH_EXPORT_STORES ?? 'sqlite,postgres').split(',');

/** 3 context namespaces, one of them a user drawn from 50,000; 10 actions × 10 features. */
export function rankBody(eventId: string): string {
  const user = Math.floor(Math.random() * 50_000);
  const contextFeatures = [
    { user: { id: `u${user}`, tier: ['gold', 'silver', 'bronze'][user % 3], visits: user % 40 } },
    { device: { os: ['android', 'ios', 'windows'][user % 3], type: 'phone' } },
    { time: { hour: user % 24, dayOfWeek: `d${user % 7}` } },
  ];
  const actions = Array.from({ length: 10 }, (_, i) => ({
    id: `article-${i}`,
    features: [{ item: { category: `c${i % 5}`, brand: `b${i % 3}`, price: 3.5 + i, tag: `t${i}` } }],
  }));
  return JSON.stringify({ contextFeatures, actions, eventId });
}

/** A reward that depends on the user and the action: something to learn. */
function reward(n: number): number {
  return n % 3 === 0 ? 1 : 0;
}

interface Phase {
  exporting: boolean;
  load: LoadResult;
  exports: number;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const line = text.split('\n').find((l) => l.startsWith(name + ' '));
  return line ? Number(line.split(' ')[1]) : NaN;
}

async function setExportFrequency(api: Api, frequency: string): Promise<void> {
  const current = (await api.get('/configurations/service')).json as Record<string, unknown>;
  const r = await api.put('/configurations/service', { ...current, modelExportFrequency: frequency, rewardWaitTime: 'PT10M' });
  if (r.status !== 200) throw new Error(`PUT /configurations/service: ${r.status} ${r.text}`);
}

async function benchStore(label: string, store: string | undefined): Promise<BenchResult[]> {
  const dir = tempDir('personalizer-bench-export-');
  const server = await startServer({
    store: store ?? `sqlite:${join(dir.dir, 'personalizer.db')}`,
    args: ['Logging:Console:LogLevel:Default=Warning'],
  });
  try {
    const api = new Api(server.base, server.key);
    await setExportFrequency(api, 'PT1S');
    const common = { url: server.url, key: server.key, connections: CONNECTIONS, rankBody, reward };
    await rankRewardLoad({ ...common, seconds: WARMUP_S, prefix: `warm-${label}` });
    const modelBytes = (await api.get('/model')).bytes.length;
    const phases: Phase[] = [];
    for (let i = 0; i < ROUNDS * 2; i++) {
      const exporting = i % 2 === 1;
      await setExportFrequency(api, exporting ? 'PT1S' : 'P1D');
      const before = await metric(server.url, 'personalizer_model_version');
      const load = await rankRewardLoad({ ...common, seconds: SECONDS, prefix: `r${i}-${label}` });
      const after = await metric(server.url, 'personalizer_model_version');
      phases.push({ exporting, load, exports: after - before });
    }
    const finalBytes = (await api.get('/model')).bytes.length;
    const median = (exporting: boolean): Phase => {
      const of = phases.filter((p) => p.exporting === exporting).sort((a, b) => quantile(a.load.rank, 0.99) - quantile(b.load.rank, 0.99));
      return of[Math.floor((of.length - 1) / 2)]!;
    };
    const on = median(true);
    const off = median(false);
    const p99s = (exporting: boolean): string =>
      phases.filter((p) => p.exporting === exporting).map((p) => quantile(p.load.rank, 0.99).toFixed(1)).join(', ');
    const failures = phases.reduce((t, p) => t + p.load.failures, 0);
    const note = (p: Phase): string =>
      `${p.load.rank.length} ranks + ${p.load.reward.length} rewards in ${SECONDS} s, ${CONNECTIONS} connections; ${p.exports} model exports; ` +
      `reward p50 ${quantile(p.load.reward, 0.5).toFixed(2)} ms, p99 ${quantile(p.load.reward, 0.99).toFixed(1)} ms`;
    const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;
    return [
      {
        name: `rank p50 during model exports every 1 s, ${label}`,
        value: quantile(on.load.rank, 0.5),
        unit: 'ms',
        baseline: quantile(off.load.rank, 0.5),
        baselineRatio: quantile(on.load.rank, 0.5) / quantile(off.load.rank, 0.5),
        note: `baseline: exports paused; model ${mb(modelBytes)}…${mb(finalBytes)}; ${note(on)}`,
      },
      {
        name: `rank p99 during model exports every 1 s, ${label}`,
        value: quantile(on.load.rank, 0.99),
        unit: 'ms',
        baseline: quantile(off.load.rank, 0.99),
        baselineRatio: quantile(on.load.rank, 0.99) / quantile(off.load.rank, 0.99),
        note: `median of ${ROUNDS} alternating rounds (p99 exporting: ${p99s(true)}; paused: ${p99s(false)}); ${failures} failed requests${failures ? '!' : ''}`,
      },
      {
        name: `rank max during model exports every 1 s, ${label}`,
        value: quantile(on.load.rank, 1),
        unit: 'ms',
        baseline: quantile(off.load.rank, 1),
        baselineRatio: quantile(on.load.rank, 1) / quantile(off.load.rank, 1),
        note: `exports paused: ${note(off)}`,
      },
    ];
  } finally {
    await server.stop();
    server.cleanup();
    dir.cleanup();
  }
}

/** A fresh PostgreSQL database, or why there is none. */
async function postgresStore(): Promise<{ url: string; drop(): Promise<void> } | string> {
  if (!(await postgresAvailable())) return 'no PostgreSQL server answers (PG_TEST_URL)';
  const db = await createTestDatabase('personalizer_bench');
  return db;
}

export async function run(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const kind of STORES) {
    if (kind === 'sqlite') {
      rows.push(...(await benchStore('SQLite', undefined)));
      continue;
    }
    if (kind !== 'postgres') throw new Error(`BENCH_EXPORT_STORES: unknown store ${kind}`);
    const pg = await postgresStore();
    if (typeof pg === 'string') {
      rows.push({ name: 'rank p99 during model exports, PostgreSQL', value: NaN, unit: 'ms', note: `skipped: ${pg}` });
      continue;
    }
    try {
      rows.push(...(await benchStore('PostgreSQL', pg.url)));
    } catch (e) {
      // A build whose store does not take postgres:// yet refuses at start: said, not failed.
      const refused = /refusing to start: Store: .*not supported/.exec((e as Error).message);
      if (!refused) throw e;
      rows.push({ name: 'rank p99 during model exports, PostgreSQL', value: NaN, unit: 'ms', note: `skipped: ${refused[0]}` });
    } finally {
      await pg.drop();
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { formatTable } = await import('./run.js');
  console.log(formatTable(await run()));
}

// Rank latency while the trainer exports models, against the same server with exports paused. A real server
// process (default policy) takes a closed-loop Rank+Reward load (bench/load.ts), so that the trainer learns all
// the time and has a new model to export at every modelExportFrequency. Contexts carry a feature drawn from a large
// set, which under the default policy's `-q ::` fills the model's weights: after the warm-up the exported model is
// megabytes, as a production model is. Rounds alternate between modelExportFrequency PT1S (the service's minimum,
// service_config.ts) and P1D (no export during the bench), on the same server and model; the round with the
// median Rank p99 of each kind is reported. Each store in BENCH_EXPORT_STORES (default sqlite,postgres; `store`: the
// store measurement below alone; PostgreSQL
// where a server answers at PG_TEST_URL and this build's store accepts postgres:// URLs).
//
// The same question without HTTP, for figures less at the mercy of a shared machine's noise: the store's
// main-thread writes (8 concurrent writers of ranked events) and the event loop's delay, while another thread
// saves a 3 MB model every 250 ms on its own connection (bench/export_writer.ts), against no exports.
//
// `node dist/bench/export_rank.bench.js` runs it alone.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from '../src/store/index.js';
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

const STORE_SECONDS = Number(process.env.BENCH_EXPORT_STORE_SECONDS ?? 5);
const STORE_MODEL_BYTES = 3_000_000;
const STORE_EXPORT_MS = 250;

interface StorePhase {
  writes: number[];
  /** Event-loop delay, ms. */
  loopP99: number;
  loopMax: number;
  exports: number;
}

async function storePhase(url: string, exporting: boolean, prefix: string): Promise<StorePhase> {
  const store = await openStore(url);
  const worker = exporting
    ? new Worker(new URL('./export_writer.js', import.meta.url), { workerData: { url, bytes: STORE_MODEL_BYTES, everyMs: STORE_EXPORT_MS } })
    : null;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  const writes: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, 300)); // the writer's first export under way
    delay.enable();
    const end = Date.now() + STORE_SECONDS * 1000;
    let n = 0;
    const writer = async (): Promise<void> => {
      while (Date.now() < end) {
        const t = performance.now();
        await store.insertEvent({
          eventId: `${prefix}-${n++}`, timestamp: Date.now(), context: rankBody(`${prefix}-${n}`), actions: [1, 2],
          probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5, modelVersion: '1', deferActivation: false,
        });
        writes.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: 8 }, writer));
    delay.disable();
  } finally {
    await store.close();
  }
  let exports = 0;
  if (worker) {
    exports = await new Promise<number>((ok) => {
      worker.once('message', ok);
      worker.postMessage('stop');
    });
    await worker.terminate();
  }
  return { writes, loopP99: delay.percentile(99) / 1e6, loopMax: delay.max / 1e6, exports };
}

async function storeRows(): Promise<BenchResult[]> {
  const dir = tempDir('personalizer-bench-export-store-');
  try {
    const url = `sqlite:${join(dir.dir, 'p.db')}`;
    const phases: { exporting: boolean; p: StorePhase }[] = [];
    for (let i = 0; i < ROUNDS * 2; i++) {
      const exporting = i % 2 === 1;
      phases.push({ exporting, p: await storePhase(url, exporting, `s${i}`) });
    }
    const median = (exporting: boolean): StorePhase => {
      const of = phases.filter((x) => x.exporting === exporting).map((x) => x.p).sort((a, b) => quantile(a.writes, 0.99) - quantile(b.writes, 0.99));
      return of[Math.floor((of.length - 1) / 2)]!;
    };
    const on = median(true);
    const off = median(false);
    const what = `8 concurrent writers for ${STORE_SECONDS} s; another thread saving a ${STORE_MODEL_BYTES / 1e6} MB model every ${STORE_EXPORT_MS} ms (${on.exports} saved) against none; median of ${ROUNDS} alternating rounds`;
    return [
      {
        name: 'store write p99 during model saves, SQLite',
        value: quantile(on.writes, 0.99),
        unit: 'ms',
        baseline: quantile(off.writes, 0.99),
        baselineRatio: quantile(on.writes, 0.99) / quantile(off.writes, 0.99),
        note: `${what}; p50 ${quantile(on.writes, 0.5).toFixed(2)} ms (no saves ${quantile(off.writes, 0.5).toFixed(2)} ms), ${on.writes.length} writes (${off.writes.length})`,
      },
      {
        name: 'store write max during model saves, SQLite',
        value: quantile(on.writes, 1),
        unit: 'ms',
        baseline: quantile(off.writes, 1),
        baselineRatio: quantile(on.writes, 1) / quantile(off.writes, 1),
      },
      {
        name: 'event-loop delay max during model saves, SQLite',
        value: on.loopMax,
        unit: 'ms',
        baseline: off.loopMax,
        baselineRatio: on.loopMax / off.loopMax,
        note: `p99 ${on.loopP99.toFixed(1)} ms (no saves ${off.loopP99.toFixed(1)} ms): how long the main thread was held`,
      },
    ];
  } finally {
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
  if (STORES.includes('sqlite') || STORES.includes('store')) rows.push(...(await storeRows()));
  for (const kind of STORES) {
    if (kind === 'store') continue; // the store measurement alone
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

// Rank throughput while an offline evaluation runs, against the same server idle, measured in the same run
// (issue target ≥ 0.8). A real server process logs and joins BENCH_EVAL_EVENTS events, then, in alternating
// rounds, Rank is measured for BENCH_EVAL_SECONDS with nothing else running, and again while an evaluation of
// 30 custom policies over those events runs (started just before, still running at the end of the window, then
// cancelled). The median round's ratio is reported with every round's.
import autocannon from 'autocannon';
import { Api, sleep, startServer } from '../src/conformance/harness.js';
import type { BenchResult } from './types.js';

const EVENTS = Number(process.env.BENCH_EVAL_EVENTS ?? 20_000);
const SECONDS = Number(process.env.BENCH_EVAL_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_EVAL_ROUNDS ?? 3);
const CONNECTIONS = 8;

const context = [{ user: { tier: 'gold', country: 'NL', visits: 17 } }, { device: { os: 'android', type: 'phone' } }];
const actions = Array.from({ length: 10 }, (_, i) => ({
  id: `a${i}`,
  features: [{ item: { category: ['news', 'sports', 'music', 'film', 'food'][i % 5], price: 3.5 + i } }],
}));

function rankBody(id: string): string {
  return JSON.stringify({ contextFeatures: context, actions, eventId: id });
}

async function load(url: string, key: string, n: number, request: (i: number) => { path: string; body: string }): Promise<void> {
  let i = 0;
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: n,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': key },
        setupRequest: (req) => ({ ...req, ...request(i++) }),
      },
    ],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`logging: ${r.non2xx} non-2xx, ${r.errors} errors`);
}

async function rankRps(url: string, key: string, tag: string): Promise<number> {
  let i = 0;
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/personalizer/v1.0/rank',
        headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': key },
        setupRequest: (req) => ({ ...req, body: rankBody(`${tag}-${i++}`) }),
      },
    ],
  });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`rank: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return r.requests.average;
}

const POLICIES = Array.from({ length: 30 }, (_, i) => ({
  name: `p${i}`,
  arguments: `--cb_explore_adf --epsilon 0.2 --cb_type ${['mtr', 'ips', 'dr'][i % 3]} -q :: --power_t 0 -l ${[0.001, 0.01, 0.1, 0.3, 0.5, 1, 2, 3, 5, 10][Math.floor(i / 3)]}`,
}));

export async function run(): Promise<BenchResult[]> {
  const server = await startServer({ args: ['Logging:Console:LogLevel:Default=Warning'] });
  try {
    const api = new Api(server.base, server.key);
    const config = (await api.get('/configurations/service')).json;
    const put = await api.put('/configurations/service', { ...config, rewardWaitTime: 'PT1S', modelExportFrequency: 'PT5S' });
    if (put.status !== 200) throw new Error(`configuration: ${put.status} ${put.text}`);
    const start = new Date(Date.now() - 1000).toISOString();
    await load(server.url, server.key, EVENTS, (i) => ({ path: '/personalizer/v1.0/rank', body: rankBody(`log-${i}`) }));
    await load(server.url, server.key, EVENTS, (i) => ({
      path: `/personalizer/v1.0/events/log-${i}/reward`,
      body: JSON.stringify({ value: (i * 7919) % 10 < 3 ? 1 : 0 }),
    }));
    await sleep(3000);
    const end = new Date().toISOString();
    const ratios: number[] = [];
    const idle: number[] = [];
    const busy: number[] = [];
    let overran = 0;
    for (let round = 0; round < ROUNDS; round++) {
      idle.push(await rankRps(server.url, server.key, `idle${round}`));
      const created = await api.post('/evaluations', { name: `bench-${round}`, startTime: start, endTime: end, policies: POLICIES });
      if (created.status !== 201) throw new Error(`evaluation: ${created.status} ${created.text}`);
      const id = created.json.id as string;
      for (let i = 0; i < 100 && (await api.get(`/evaluations/${id}`)).json.status === 'pending'; i++) await sleep(50);
      busy.push(await rankRps(server.url, server.key, `busy${round}`));
      const status = (await api.get(`/evaluations/${id}`)).json.status as string;
      if (status !== 'running') overran++;
      await api.delete(`/evaluations/${id}`);
      ratios.push(busy[round]! / idle[round]!);
    }
    const order = ratios.map((r, i) => [r, i] as const).sort((a, b) => a[0] - b[0]);
    const m = order[Math.floor((order.length - 1) / 2)]![1];
    return [
      {
        name: 'rank during an evaluation',
        value: busy[m]!,
        unit: 'req/s',
        baseline: idle[m]!,
        baselineRatio: ratios[m]!,
        note: `30 policies × ${EVENTS} events; ratios ${ratios.map((r) => r.toFixed(2)).join(', ')}${overran ? `; evaluation ended inside ${overran} window(s)` : ''}; target ≥ 0.8`,
      },
    ];
  } finally {
    await server.stop();
    server.cleanup();
  }
}

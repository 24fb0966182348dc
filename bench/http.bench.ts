// HTTP throughput and latency of Rank and Reward against a real server process (default policy, SQLite
// store), each next to a bare fastify server in another process that answers the same requests with the
// same status (201 echoing the parsed body for rank, 204 for reward), measured in the same run on the same
// machine: the ratio is what the learning loop, validation and durable logging cost over plain HTTP+JSON.
// Both durability modes of the SQLite store (BENCH_HTTP_MODES=normal,full). The machines are shared and noisy:
// echo and server are measured in alternating rounds (BENCH_HTTP_ROUNDS, each BENCH_HTTP_SECONDS long per
// side) and the round with the median ratio is reported, with every round's ratio, and the CPU each request cost
// the measured process (its main thread, and all its threads, from /proc). Also the server's resident memory after
// 100k ranked events (first mode), and the store file's bytes per ranked event once the server has stopped.
// Target: rank and reward ratios ≥ 0.7.
//
// `node dist/bench/http.bench.js` runs it alone; `node dist/bench/http.bench.js --echo <port>` is the
// baseline server (started by the benchmark itself).

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { Api, freePort, sleep, startServer, tempDir } from '../src/conformance/harness.js';
import type { BenchResult } from './types.js';

const DURATION_S = Number(process.env.BENCH_HTTP_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_HTTP_ROUNDS ?? 3);
const WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_HTTP_CONNECTIONS ?? 8);
const RSS_EVENTS = 100_000;
const RANK_PATH = '/personalizer/v1.0/rank';

/** 3 context namespaces; 10 actions × 10 features. */
function rankBodyParts(): { prefix: string; suffix: string } {
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
  const body = JSON.stringify({ contextFeatures, actions, eventId: '@@' });
  const [prefix, suffix] = body.split('@@') as [string, string];
  return { prefix, suffix };
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  /**
   * CPU per request (µs) of the measured process (its main thread, all its threads) and of the load generator
   * (autocannon runs in this process), and the share of the machine's cores that were busy meanwhile.
   */
  cpu?: { mainUs: number; allUs: number; loadUs: number; busy: number };
}

function measured(r: autocannon.Result): Measured {
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, non2xx: r.non2xx, errors: r.errors };
}

/** CPU time (user + system, µs) of a process's main thread and of all its threads, from /proc. */
function cpuTimes(pid: number): { main: number; all: number } {
  const tickUs = 1e6 / 100; // USER_HZ, 100 on Linux
  let main = 0;
  let all = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // a thread that ended meanwhile
    }
    // Fields after the parenthesized name: state is field 3, utime and stime are fields 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const us = (Number(f[11]) + Number(f[12])) * tickUs;
    all += us;
    if (Number(tid) === pid) main = us;
  }
  return { main, all };
}

/** Busy and total CPU time of the whole machine (all cores), in clock ticks, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  // cpu  user nice system idle iowait irq softirq steal …: idle and iowait are the idle ones.
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

/** Runs a measurement and adds the CPU the process `pid` and the load generator spent per request meanwhile. */
async function withCpu(pid: number, run: () => Promise<Measured>): Promise<Measured> {
  const before = cpuTimes(pid);
  const load = process.cpuUsage();
  const machine = machineTicks();
  const m = await run();
  const after = cpuTimes(pid);
  const loadUsed = process.cpuUsage(load);
  const machineAfter = machineTicks();
  const n = Math.max(1, m.total);
  return {
    ...m,
    cpu: {
      mainUs: (after.main - before.main) / n,
      allUs: (after.all - before.all) / n,
      loadUs: (loadUsed.user + loadUsed.system) / n,
      busy: (machineAfter.busy - machine.busy) / Math.max(1, machineAfter.total - machine.total),
    },
  };
}

async function measure(url: string, key: string, method: 'POST', path: string, body: () => string, seconds: number): Promise<Measured> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method,
        path,
        headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': key },
        setupRequest: (req) => ({ ...req, body: body() }),
      },
    ],
  });
  return measured(r);
}

async function amount(url: string, key: string, path: string, body: () => string, n: number): Promise<Measured> {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: n,
    requests: [{ method: 'POST', path, headers: { 'content-type': 'application/json', 'ocp-apim-subscription-key': key }, setupRequest: (req) => ({ ...req, body: body() }) }],
  });
  return measured(r);
}

async function startEcho(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--echo', String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && ok());
    child.once('exit', (c) => fail(new Error(`echo server exited with ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('exit', ok));
    },
  };
}

/** The baseline: fastify with its defaults, same routes, same status codes, JSON parsed and (for rank) echoed. */
async function echoMain(port: number): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  app.post('/personalizer/v1.0/rank', async (req, reply) => reply.code(201).send(req.body));
  app.post('/personalizer/v1.0/events/:eventId/reward', async (_req, reply) => reply.code(204).send());
  await app.listen({ port, host: '127.0.0.1' });
  process.stdout.write('listening\n');
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

function procStatus(pid: number): { rssMb: number; hwmMb: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string): number => Number(/(\d+)\s*kB/.exec(s.split('\n').find((l) => l.startsWith(k + ':')) ?? '')?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** The store's two durability modes (sqlite.ts): `normal` (the default) survives kill -9, `full` also a power cut. */
const MODES = (process.env.BENCH_HTTP_MODES ?? 'normal,full').split(',') as ('normal' | 'full')[];

/** Echo and server measured in turn, ROUNDS times: the pair with the median ratio, every ratio, and the
 * server's failed requests over all rounds. */
interface Paired {
  server: Measured;
  echo: Measured;
  ratios: number[];
  non2xx: number;
  errors: number;
}

async function paired(echo: () => Promise<Measured>, server: () => Promise<Measured>): Promise<Paired> {
  const rounds: { server: Measured; echo: Measured; ratio: number }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const e = await echo();
    const s = await server();
    rounds.push({ server: s, echo: e, ratio: s.rps / e.rps });
  }
  const byRatio = [...rounds].sort((a, b) => a.ratio - b.ratio);
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
  const sum = (k: 'non2xx' | 'errors'): number => rounds.reduce((t, r) => t + r.server[k], 0);
  return { server: median.server, echo: median.echo, ratios: rounds.map((r) => r.ratio), non2xx: sum('non2xx'), errors: sum('errors') };
}

interface ModeRun {
  rank: Paired;
  reward: Paired;
  ranked: number;
  rewarded: number;
  mem?: { rssMb: number; hwmMb: number; events: number; status: number; topUp?: Measured };
  policy: string;
  /** The store file's size once the server has stopped (its WAL checkpointed into it). */
  storeBytes?: number;
}

async function runMode(
  mode: 'normal' | 'full',
  echo: { url: string; pid: number },
  withMemory: boolean,
  prefix: string,
  suffix: string,
): Promise<ModeRun> {
  const echoUrl = echo.url;
  const dir = tempDir('personalizer-bench-');
  const dbFile = join(dir.dir, 'personalizer.db');
  const server = await startServer({
    store: `sqlite:${dbFile}?synchronous=${mode}`,
    args: ['Logging:Console:LogLevel:Default=Warning'],
  });
  try {
    const api = new Api(server.base, server.key);
    const policy = (await api.get('/configurations/policy')).json?.arguments as string;
    let n = 0;
    const rankBody = (): string => prefix + `bench-${n++}` + suffix;
    let echoN = 0;
    const echoBody = (): string => prefix + `echo-${echoN++}` + suffix;

    // Rank: warm both up, then measure the echo and the server in alternating rounds.
    await measure(echoUrl, 'k', 'POST', RANK_PATH, echoBody, WARMUP_S);
    await measure(server.url, server.key, 'POST', RANK_PATH, rankBody, WARMUP_S);
    const rank = await paired(
      () => withCpu(echo.pid, () => measure(echoUrl, 'k', 'POST', RANK_PATH, echoBody, DURATION_S)),
      () => withCpu(server.pid, () => measure(server.url, server.key, 'POST', RANK_PATH, rankBody, DURATION_S)),
    );

    // Up to 100k ranked events (the memory figure of the first mode). The rewards below each find an event not
    // rewarded yet (more are ranked after their warm-up if needed): each is then the event's first reward, which
    // joins it (the usual case), in every round.
    const more = Math.max(0, RSS_EVENTS - n);
    const topUp = more > 0 ? await amount(server.url, server.key, RANK_PATH, rankBody, more) : undefined;
    let ranked = n;
    let mem: ModeRun['mem'];
    if (withMemory) {
      await sleep(500);
      const status = await fetch(server.url + '/status').then((r) => r.status);
      mem = { ...procStatus(server.pid), events: n, status, ...(topUp ? { topUp } : {}) };
    }

    // Reward: every request rewards a ranked event, in rank order (cycling, flagged, if the rounds outran them).
    let m = 0;
    let echoM = 0;
    const rewardReq = (url: string, key: string, seconds: number, real: boolean): Promise<Measured> =>
      autocannon({
        url,
        connections: CONNECTIONS,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json; charset=utf-8', 'ocp-apim-subscription-key': key },
            setupRequest: (req) => {
              const k = real ? m++ : echoM++;
              return { ...req, path: real ? `/personalizer/v1.0/events/bench-${k % ranked}/reward` : `/personalizer/v1.0/events/echo-${k}/reward`, body: k % 3 ? '{"value":1}' : '{"value":0}' };
            },
          },
        ],
      }).then(measured);
    await rewardReq(echoUrl, 'k', WARMUP_S, false);
    await rewardReq(server.url, server.key, WARMUP_S, true);
    // Enough events for every measured reward to be its event's first, from the warm-up's rate with a margin:
    // on a fast machine the rounds would otherwise cycle back to events already rewarded (cheap repeats).
    const needed = m + Math.ceil((m / WARMUP_S) * ROUNDS * DURATION_S * 1.5);
    if (n < needed) await amount(server.url, server.key, RANK_PATH, rankBody, needed - n);
    ranked = n;
    const reward = await paired(
      () => withCpu(echo.pid, () => rewardReq(echoUrl, 'k', DURATION_S, false)),
      () => withCpu(server.pid, () => rewardReq(server.url, server.key, DURATION_S, true)),
    );
    const rewarded = m;

    await server.stop();
    const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
    const storeBytes = size(dbFile) + size(dbFile + '-wal');
    return { rank, reward, ranked, rewarded, policy, storeBytes, ...(mem ? { mem } : {}) };
  } finally {
    await server.stop();
    dir.cleanup();
  }
}

/** The target of the issue: the server's throughput at least this share of the echo's. */
const TARGET = 0.7;

/**
 * CPU per request in the median round: the main thread (what caps one process) and every thread together; and
 * what the machine allows. Its cores, less the load generator's share, divided by the target rate, is the most
 * CPU a request may cost over all the server's threads for the target to be reachable here at all.
 */
function cpuRows(what: string, tag: string, p: Paired): BenchResult[] {
  const s = p.server.cpu;
  const e = p.echo.cpu;
  if (!s || !e) return [];
  const cores = availableParallelism();
  const budget = (cores * 1e6) / (TARGET * p.echo.rps) - s.loadUs;
  const pct = (x: number): string => `${Math.round(100 * x)}%`;
  return [
    { name: `${what} main-thread CPU per request, ${tag}`, value: s.mainUs, unit: 'µs', baseline: e.mainUs, baselineRatio: s.mainUs / e.mainUs },
    {
      name: `${what} CPU per request, all threads, ${tag}`,
      value: s.allUs,
      unit: 'µs',
      baseline: e.allUs,
      baselineRatio: s.allUs / e.allUs,
      note: `server: main, ranker, trainer, checkpointer and V8/libuv threads; machine busy ${pct(s.busy)} of ${cores} cores (echo rounds ${pct(e.busy)})`,
    },
    {
      name: `${what} load generator CPU per request, ${tag}`,
      value: s.loadUs,
      unit: 'µs',
      baseline: e.loadUs,
      baselineRatio: s.loadUs / e.loadUs,
      note: 'autocannon, in the benchmark process, on the same cores',
    },
    {
      name: `${what} CPU per request the machine allows at ${TARGET} of the echo, ${tag}`,
      value: budget,
      unit: 'µs',
      baseline: s.allUs,
      baselineRatio: s.allUs / budget,
      note: `${cores} cores ÷ (${TARGET} × echo's req/s) − the load generator's CPU per request; baseline: the server's, all threads`,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const { prefix, suffix } = rankBodyParts();
  const echo = await startEcho();
  const rows: BenchResult[] = [];
  try {
    for (const [i, mode] of MODES.entries()) {
      const r = await runMode(mode, echo, i === 0, prefix, suffix);
      const lat = (x: Measured): string => `p50 ${x.p50} ms, p99 ${x.p99} ms`;
      const bad = (x: { non2xx: number; errors: number }): string => (x.non2xx || x.errors ? `; ${x.non2xx} non-2xx, ${x.errors} errors!` : '');
      const tag = `synchronous=${mode}`;
      const rounds = (p: Paired): string =>
        `median of ${ROUNDS} alternating rounds of ${DURATION_S} s (ratios ${p.ratios.map((x) => x.toFixed(2)).join(', ')})`;
      for (const [what, p, extra] of [
        ['rank (10 actions × 10 features)', r.rank, `; ${CONNECTIONS} connections`],
        ['reward', r.reward, `; ${r.rewarded} rewards for ${r.ranked} ranked events${r.rewarded > r.ranked ? ` (${r.rewarded - r.ranked} repeats!)` : ''}`],
      ] as const) {
        rows.push(
          {
            name: `http ${what}, ${tag}`,
            value: p.server.rps,
            unit: 'req/s',
            baseline: p.echo.rps,
            baselineRatio: p.server.rps / p.echo.rps,
            note: `target ≥ 0.7 of bare fastify; ${lat(p.server)} (echo ${lat(p.echo)}); ${rounds(p)}${extra}${bad(p)}`,
          },
          { name: `http ${what.split(' ')[0]} p50 latency, ${tag}`, value: p.server.p50, unit: 'ms', baseline: p.echo.p50, baselineRatio: p.server.p50 / p.echo.p50 },
          { name: `http ${what.split(' ')[0]} p99 latency, ${tag}`, value: p.server.p99, unit: 'ms', baseline: p.echo.p99, baselineRatio: p.server.p99 / p.echo.p99 },
          ...cpuRows(`http ${what.split(' ')[0]}`, tag, p),
        );
      }
      if (r.storeBytes !== undefined) {
        rows.push({
          name: `store bytes per ranked event, ${tag}`,
          value: r.storeBytes / r.ranked,
          unit: 'B',
          note: `the SQLite file after ${r.ranked} ranked events (every Rank the same body) and ${r.rewarded} rewards`,
        });
      }
      if (r.mem) {
        rows.push({
          name: `server RSS after ${Math.round(r.mem.events / 1000)}k ranked events, ${tag}`,
          value: r.mem.rssMb,
          unit: 'MB',
          peakRssMb: r.mem.hwmMb,
          note: `VmRSS/VmHWM of the server process; policy ${r.policy}; /status ${r.mem.status}${r.mem.topUp ? `; top-up ${Math.round(r.mem.topUp.rps)} req/s${bad(r.mem.topUp)}` : ''}`,
        });
      }
    }
    return rows;
  } finally {
    await echo.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--echo') await echoMain(Number(process.argv[3]));
  else {
    const { formatTable } = await import('./run.js');
    console.log(formatTable(await run()));
  }
}

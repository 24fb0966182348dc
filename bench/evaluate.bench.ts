// Offline evaluation cost: 30 candidate policies over 100,000 simulated events (src/testing/sim_log.ts: Rank calls
// of the HTTP benchmark's shape, 3 context namespaces and 10 actions with 2 namespaces each, ~2.5 KB of context
// per event), in the same run:
//   (a) one evaluation of the 30 on the worker pool (one thread per core; the target is ≤ 60 s on 2 cores);
//   (b) the same 30 as 30 sequential single-policy passes on one thread: what replaying them one by one costs;
//   (c) the same 30 in one pass on one thread: the work (a) splits across its threads, so (c)/(a) is the
//       speed-up of the threads alone and (b)/(c) the gain of replaying side by side (one parse and expansion of
//       each event per feature configuration, one shared reward model).
// The grid is Decision Service's kind (cb_type × learning rate × power_t × interactions); every pass also trains
// the shared DR reward model on the loop's features (-q ::). The pool's threads run at normal priority here, as
// (b) and (c) do: at nice 19 they would yield to whatever else the machine runs and the comparison would measure
// that load instead. BENCH_EVAL_EVENTS changes the event count.
import { availableParallelism, loadavg } from 'node:os';
import { DEFAULT_POLICY_ARGUMENTS } from '../src/engine/index.js';
import { createPassPool, rewardModelArguments, runEvaluation, runPass, type LoggedEvent, type PassPolicy } from '../src/evaluation/index.js';
import { simulatedLog } from '../src/testing/sim_log.js';
import type { BenchResult } from './types.js';

const EVENTS = Math.max(1000, Number(process.env['BENCH_EVAL_EVENTS'] ?? 100_000));
const TARGET_S = 60;

/** 3 cb_types × 5 (learning rate, power_t) × 2 interaction sets = 30 policies. */
export function grid(): string[] {
  const out: string[] = [];
  for (const cbType of ['mtr', 'ips', 'dr']) {
    for (const [l, powerT] of [[0.001, 0], [0.01, 0], [0.1, 0], [0.5, 0.5], [2, 0.5]] as const) {
      for (const q of ['', ' -q ui -q di -q ti']) out.push(`--cb_explore_adf --epsilon 0.2 --cb_type ${cbType} -l ${l} --power_t ${powerT}${q}`);
    }
  }
  return out;
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;
/** CPU seconds of every thread of this process since `from` (the pool's workers included). */
const cpuSeconds = (from: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(from);
  return (c.user + c.system) / 1e6;
};

function log(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

export async function run(): Promise<BenchResult[]> {
  const threads = availableParallelism();
  let t0 = performance.now();
  const events: LoggedEvent[] = simulatedLog(EVENTS, 1);
  let bytes = 0;
  for (const e of events) bytes += e.context.length;
  log(`${EVENTS} simulated events (${(bytes / EVENTS / 1024).toFixed(1)} KB of context each) in ${seconds(t0).toFixed(1)} s`);
  const args = grid();
  const policies: PassPolicy[] = args.map((a) => ({ arguments: a }));
  const rewardModel = rewardModelArguments(DEFAULT_POLICY_ARGUMENTS);
  const note = `${EVENTS} events × 10 actions, ${args.length} policies, ${threads} cores`;
  const load = () => loadavg()[0]!.toFixed(2);

  // (a) One evaluation on the pool: a fresh pool (thread start-up and the copy into shared memory included).
  log(`(a) one evaluation of ${args.length} policies on ${threads} threads… (load ${load()})`);
  t0 = performance.now();
  let c0 = process.cpuUsage();
  const pool = createPassPool({ lowPriority: false });
  let evaluated;
  try {
    evaluated = await runEvaluation(
      events,
      {
        onlinePolicy: DEFAULT_POLICY_ARGUMENTS,
        policies: args.map((a, i) => ({ name: `P${i + 1}`, arguments: a })),
        enableOfflineExperimentation: false,
        featureImportance: false,
        startTime: events[0]!.timestamp,
        endTime: events.at(-1)!.timestamp,
      },
      { runPasses: pool.runPasses },
    );
  } finally {
    await pool.close();
  }
  const pooled = seconds(t0);
  const pooledCpu = cpuSeconds(c0);
  log(`(a) ${pooled.toFixed(1)} s, ${pooledCpu.toFixed(1)} s of CPU`);

  // (c) The same 30 in one pass on this thread.
  log(`(c) the same ${args.length} in one pass on one thread… (load ${load()})`);
  t0 = performance.now();
  c0 = process.cpuUsage();
  const together = runPass(events, policies, { rewardModel });
  const oneThread = seconds(t0);
  const oneThreadCpu = cpuSeconds(c0);
  log(`(c) ${oneThread.toFixed(1)} s, ${oneThreadCpu.toFixed(1)} s of CPU`);

  // (b) 30 sequential single-policy passes.
  log(`(b) ${args.length} sequential single-policy passes… (load ${load()})`);
  t0 = performance.now();
  c0 = process.cpuUsage();
  const losses: number[] = [];
  for (const p of policies) losses.push(runPass(events, [p], { rewardModel }).policies[0]!.averageLoss);
  const sequential = seconds(t0);
  const sequentialCpu = cpuSeconds(c0);
  log(`(b) ${sequential.toFixed(1)} s, ${sequentialCpu.toFixed(1)} s of CPU (load ${load()})`);

  // The three give the same figures (the pool's are bit for bit the in-process pass's).
  const custom = evaluated.policyResults.slice(3);
  for (let i = 0; i < args.length; i++) {
    if (!Object.is(custom[i]!.averageLoss, together.policies[i]!.averageLoss) || !Object.is(losses[i], together.policies[i]!.averageLoss)) {
      throw new Error(`policy ${args[i]}: the three runs disagree (${custom[i]!.averageLoss}, ${together.policies[i]!.averageLoss}, ${losses[i]})`);
    }
  }
  const best = custom.reduce((a, b) => (b.totalSummary.averageReward > a.totalSummary.averageReward ? b : a));
  const online = evaluated.policyResults[0]!.totalSummary.averageReward;
  log(`best policy: ${best.arguments} (IPS ${best.totalSummary.averageReward.toFixed(4)}; Online ${online.toFixed(4)})`);
  const rss = process.resourceUsage().maxRSS / 1024;
  const policyEvents = (EVENTS * args.length) / 1000;
  return [
    {
      name: `evaluate ${args.length} policies (pool, ${threads} threads)`,
      value: pooled,
      unit: 's',
      reference: TARGET_S,
      ratio: pooled / TARGET_S,
      peakRssMb: rss,
      note: `${note}; reference = the target; ${(policyEvents / pooled).toFixed(0)}k policy-events/s; ${pooledCpu.toFixed(1)} s of CPU`,
    },
    {
      name: `${args.length} sequential single-policy passes`,
      value: sequential,
      unit: 's',
      baseline: pooled,
      baselineRatio: sequential / pooled,
      note: `vs baseline = speed-up of the pool evaluation over one-by-one replays; ${sequentialCpu.toFixed(1)} s of CPU`,
    },
    {
      name: `${args.length} policies in one pass, one thread`,
      value: oneThread,
      unit: 's',
      baseline: pooled,
      baselineRatio: oneThread / pooled,
      note: `vs baseline = speed-up of the threads alone (parallel efficiency ${((oneThread / pooled / threads) * 100).toFixed(0)}%); sequential / this = ${(sequential / oneThread).toFixed(2)}× from replaying side by side; ${oneThreadCpu.toFixed(1)} s of CPU`,
    },
  ];
}

// Replay throughput and memory against a VW 9.10 binary measured in the same run (bench/vw_binary.ts finds it),
// in alternating rounds (VW, ours, VW, ours, …) so that both see the same machine load, on 200k simulated events
// (5 actions, 275 features per event); plus the in-process cost of one Rank (featurize + predict + sample) on
// Personalizer-shaped contexts. Without a VW binary it says so and reports only the same-run read + parse baseline.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../src/testing/fixtures.js';
import { createLearner, loadLearner, parsePolicyArguments, sampleAction, DEFAULT_POLICY_ARGUMENTS } from '../src/engine/index.js';
import { benchDir, ensureSimFile } from './sim.js';
import type { BenchResult } from './types.js';
import { findVw } from './vw_binary.js';

/** Rounds of each measurement (VW and ours alternate); the median is reported. */
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
/** GNU time: the peak RSS of any child, VW's and ours alike (Node sees no rusage of its children). */
const GNU_TIME = '/usr/bin/time';

/** Makes the child print its own peak RSS at exit (Node exposes no rusage of children to the parent). */
const RSS_HOOK =
  'data:text/javascript,' +
  encodeURIComponent('process.on("exit",()=>process.stderr.write("\\nBENCH_MAXRSS_KB="+process.resourceUsage().maxRSS+"\\n"))');

/** The same-run baseline: stream the file, split lines, JSON.parse each (no learning). */
const BASELINE_SCRIPT = `
import { createReadStream } from 'node:fs';
let rest = '', n = 0;
const s = createReadStream(process.argv[1], { highWaterMark: 1 << 20 }); s.setEncoding('utf8');
for await (const chunk of s) {
  const lines = (rest + chunk).split('\\n'); rest = lines.pop();
  for (const l of lines) if (l.charCodeAt(0) === 123) { const o = JSON.parse(l); if (o.c) n++; }
}
if (rest) { JSON.parse(rest); n++; }
process.stdout.write(String(n));
`;

interface ChildRun {
  seconds: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command and measures its wall time and peak RSS: through GNU time when the machine has it (the same
 * measure for VW and for Node), else, for Node children only, from a hook that prints the child's own maxRSS.
 */
function runChild(args: string[], command: string = process.execPath): Promise<ChildRun> {
  const node = command === process.execPath;
  const withTime = existsSync(GNU_TIME);
  const argv = node ? [`--import=${RSS_HOOK}`, ...args] : args;
  const [file, fileArgs] = withTime ? [GNU_TIME, ['-f', 'BENCH_TIME_MAXRSS_KB=%M', command, ...argv]] : [command, argv];
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(file, fileArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
      const m = /BENCH_TIME_MAXRSS_KB=(\d+)/.exec(stderr) ?? /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      resolve({ seconds, peakRssMb: m ? Number(m[1]) / 1024 : NaN, stdout, stderr });
    });
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function policy(cbType: 'mtr' | 'ips' | 'dr'): string {
  return DEFAULT_POLICY_ARGUMENTS.replace('--cb_type mtr', `--cb_type ${cbType}`);
}

// ---------------------------------------------------------------------------------------------------------------
// In-process Rank cost on Azure-shaped contexts (docs/features.md §0)

function azureContext(actions: number): string {
  const multi = [];
  for (let a = 0; a < actions; a++) {
    const id = `item-${a}`;
    multi.push({
      _tag: id,
      i: { constant: 1, id },
      j: [
        { category: `cat${a % 7}`, brand: `brand${a % 13}`, price: 1 + (a % 17) / 4, color: ['red', 'blue', 'green'][a % 3], size: 'm' },
        { nutrition: { calories: 100 + a, sugar: a % 9 }, rating: 3 + (a % 5) / 2, vegan: a % 2 === 0, vendor: `v${a % 4}` },
      ],
    });
  }
  return JSON.stringify({
    FromUrl: [{ user: { tier: 'gold', visits: 3, country: 'us' } }, { timeOfDay: 'morning', device: 'mobile' }, { weather: 'rainy' }],
    _multi: multi,
  });
}

/**
 * The server's Rank path (loop.ts): a learner loaded from a model file with its default featurizer
 * (examples not reused), learner.featurize + learner.predict + sampleAction.
 */
function rankMicros(actions: number, iterations: number): number {
  const learner = loadLearner(createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS)).saveModel());
  const text = azureContext(actions);
  const once = (i: number) => {
    const ex = learner.featurize(text);
    const pmf = learner.predict(ex);
    return sampleAction(pmf, `event-${i}`).chosen;
  };
  let sink = 0;
  for (let i = 0; i < iterations / 3; i++) sink += once(i); // warm-up (JIT)
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) sink += once(i);
  const us = ((performance.now() - t0) * 1000) / iterations;
  if (sink < 0) throw new Error('unreachable');
  return us;
}

// ---------------------------------------------------------------------------------------------------------------

export async function run(): Promise<BenchResult[]> {
  const sim = await ensureSimFile();
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error(`${cli} not built`);
  const results: BenchResult[] = [];
  const note = `${sim.events} events (${sim.source})`;

  const base = await runChild(['--input-type=module', '-e', BASELINE_SCRIPT, sim.path]);
  const baselineEps = Number(base.stdout) / base.seconds;
  results.push({ name: 'baseline: read + JSON.parse', value: baselineEps, unit: 'events/s', peakRssMb: base.peakRssMb, note });

  const vw = findVw();
  if ('missing' in vw) {
    process.stderr.write(`bench: ${vw.missing}; no VW figures, replay is reported against the read + parse baseline only\n`);
    results[0]!.note = `${note}; ${vw.missing}`;
  } else {
    process.stderr.write(`bench: VW ${vw.version} at ${vw.path}; ${ROUNDS} alternating rounds per measurement\n`);
    // Both write a model in the mtr rounds; -t replays VW's own mtr model with each (the model Azure exports).
    const vwModel = join(benchDir(), 'bench-vw-mtr-model.vw');
    const ourModel = join(benchDir(), 'bench-mtr-model.vw');
    const runs: { name: string; vw: string[]; ours: string[] }[] = [
      { name: 'replay mtr', vw: [...policy('mtr').split(' '), '-f', vwModel], ours: ['--policy', policy('mtr'), '-f', ourModel] },
      { name: 'replay ips', vw: policy('ips').split(' '), ours: ['--policy', policy('ips')] },
      { name: 'replay dr', vw: policy('dr').split(' '), ours: ['--policy', policy('dr')] },
      { name: 'replay -t (predict only, VW\'s mtr model)', vw: ['-t', '-i', vwModel], ours: ['-t', '-i', vwModel] },
    ];
    for (const r of runs) {
      const rounds: { vwEps: number; ourEps: number; vwRss: number; ourRss: number; load: number }[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const load = loadavg()[0]!;
        const v = await runChild(['--dsjson', '-d', sim.path, '--quiet', ...r.vw], vw.path);
        const o = await runChild([cli, 'replay', '--dsjson', sim.path, '--quiet', ...r.ours]);
        rounds.push({ vwEps: sim.events / v.seconds, ourEps: sim.events / o.seconds, vwRss: v.peakRssMb, ourRss: o.peakRssMb, load });
      }
      const ratios = rounds.map((x) => x.ourEps / x.vwEps);
      const ourEps = median(rounds.map((x) => x.ourEps));
      results.push({
        name: r.name,
        value: ourEps,
        unit: 'events/s',
        reference: median(rounds.map((x) => x.vwEps)),
        ratio: median(ratios),
        baseline: baselineEps,
        baselineRatio: ourEps / baselineEps,
        peakRssMb: median(rounds.map((x) => x.ourRss)),
        referenceRssMb: median(rounds.map((x) => x.vwRss)),
        note: `× VW per round ${rounds.map((x, i) => `${ratios[i]!.toFixed(2)} (load ${x.load.toFixed(2)})`).join(', ')}; ${note}`,
      });
    }
  }

  for (const [actions, iterations] of [
    [10, 3000],
    [50, 600],
  ] as const) {
    results.push({
      name: `rank ${actions} actions (featurize+predict+sample)`,
      value: rankMicros(actions, iterations),
      unit: 'µs/rank',
      note: 'in-process, default policy, ~10 features per action',
    });
  }
  return results;
}

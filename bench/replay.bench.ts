// Replay throughput and memory against the reference VW 9.10 binary on the same machine kind
// (vw-vectors/README.md: 200k events, 5 actions, 275 features per event, 2-core VM), plus the in-process
// cost of one Rank (featurize + predict + sample) on Personalizer-shaped contexts.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../src/testing/fixtures.js';
import { createLearner, loadLearner, parsePolicyArguments, sampleAction, DEFAULT_POLICY_ARGUMENTS } from '../src/engine/index.js';
import { benchDir, ensureSimFile } from './sim.js';
import type { BenchResult } from './types.js';

/** VW 9.10 events/s on this machine kind (vw-vectors/README.md "Throughput of the reference binary"). */
const VW_EPS = { mtr: 45_000, ips: 28_000, dr: 21_000, test: 72_000 };
const VW_PEAK_RSS_MB = 19;

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

function runChild(args: string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [`--import=${RSS_HOOK}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr.slice(-2000)}`));
      const m = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      resolve({ seconds, peakRssMb: m ? Number(m[1]) / 1024 : NaN, stdout, stderr });
    });
  });
}

function policy(cbType: 'mtr' | 'ips' | 'dr'): string {
  return DEFAULT_POLICY_ARGUMENTS.replace('--cb_type mtr', `--cb_type ${cbType}`);
}

// ---------------------------------------------------------------------------------------------------------------
// In-process Rank cost on Azure-shaped contexts (azure-features-to-vw.md §0)

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

  const model = join(benchDir(), 'bench-mtr-model.vw');
  const replays: { name: string; args: string[]; ref: number }[] = [
    { name: 'replay mtr', args: ['--policy', policy('mtr'), '-f', model], ref: VW_EPS.mtr },
    { name: 'replay ips', args: ['--policy', policy('ips')], ref: VW_EPS.ips },
    { name: 'replay dr', args: ['--policy', policy('dr')], ref: VW_EPS.dr },
    { name: 'replay -t (predict only)', args: ['-t', '-i', model], ref: VW_EPS.test },
  ];
  for (const r of replays) {
    const c = await runChild([cli, 'replay', '--dsjson', sim.path, '--quiet', ...r.args]);
    const eps = sim.events / c.seconds;
    results.push({
      name: r.name,
      value: eps,
      unit: 'events/s',
      reference: r.ref,
      ratio: eps / r.ref,
      baseline: baselineEps,
      baselineRatio: eps / baselineEps,
      peakRssMb: c.peakRssMb,
      referenceRssMb: VW_PEAK_RSS_MB,
      note,
    });
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

// Replay throughput of each single-model explorer and of the recommended policy (docs/recommended-policy.md):
// `personalizer replay --quiet --policy "…"` over the 200k simulation (bench/sim.ts), against epsilon-greedy mtr
// (Azure's default policy) measured in the same run: each explorer run follows a baseline run, the ratio is taken
// per pair, and the medians over the rounds are reported.
// BENCH_EXPLORERS_EVENTS picks a smaller simulation (e.g. 20000) for a quick look.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../src/testing/fixtures.js';
import { RECOMMENDED_ARGUMENTS } from '../src/bakeoff/recommended.js';
import { ensureSimFile } from './sim.js';
import type { BenchResult } from './types.js';

const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const EVENTS = Math.max(1000, Number(process.env['BENCH_EXPLORERS_EVENTS'] ?? 200_000));

const BASE = '--power_t 0 -l 0.001 --cb_type mtr -q ::';
const C10 = '--cb_min_cost -1 --cb_max_cost 0';
const BASELINE = `--cb_explore_adf --epsilon 0.2 ${BASE}`;
const EXPLORERS: [string, string][] = [
  ['squarecb', `--cb_explore_adf --squarecb ${BASE}`],
  ['squarecb --elim', `--cb_explore_adf --squarecb --elim --mellowness 0.001 ${C10} ${BASE}`],
  ['regcb', `--cb_explore_adf --regcb --mellowness 0.001 ${C10} ${BASE}`],
  ['regcbopt', `--cb_explore_adf --regcb --regcbopt --mellowness 0.001 ${C10} ${BASE}`],
  ['softmax', `--cb_explore_adf --softmax --lambda 10 ${BASE}`],
  ['first', `--cb_explore_adf --first 100 ${BASE}`],
  // RegCB at VW's default learning rate: the same work per event as regcb above, the learning rate aside.
  ['recommended', RECOMMENDED_ARGUMENTS],
];

function replaySeconds(data: string, policy: string): Promise<number> {
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'replay', '--quiet', '--dsjson', data, '--policy', policy], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`replay exited with ${code}: ${stderr.slice(-2000)}`)),
    );
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(): Promise<BenchResult[]> {
  const sim = await ensureSimFile(EVENTS);
  // Each explorer run right after a baseline run: the pair shares the machine's load of the moment, and the ratio
  // is taken per pair (the shared machine's speed drifts within minutes).
  const base: number[] = [];
  const times = new Map<string, number[]>(EXPLORERS.map(([name]) => [name, []]));
  const ratios = new Map<string, number[]>(EXPLORERS.map(([name]) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, policy] of EXPLORERS) {
      const b = await replaySeconds(sim.path, BASELINE);
      const x = await replaySeconds(sim.path, policy);
      base.push(b);
      times.get(name)!.push(x);
      ratios.get(name)!.push(b / x);
    }
  }
  const baseRate = sim.events / median(base);
  const note = `${sim.events} events (${sim.source}), ${ROUNDS} round(s); baseline: epsilon-greedy 0.2 mtr, run before each explorer`;
  const rows: BenchResult[] = [{ name: 'replay epsilon-greedy mtr', value: baseRate, unit: 'events/s', note }];
  for (const [name, policy] of EXPLORERS) {
    const rate = sim.events / median(times.get(name)!);
    const r = ratios.get(name)!;
    rows.push({
      name: `replay ${name}`,
      value: rate,
      unit: 'events/s',
      baseline: baseRate,
      baselineRatio: median(r),
      note: `${policy.replace(` ${BASE}`, '')}; per-pair ratios ${r.map((x) => x.toFixed(2)).join(', ')}`,
    });
  }
  return rows;
}

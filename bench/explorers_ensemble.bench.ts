// Replay throughput of the ensemble explorers: `personalizer replay --policy …` over the 200k simulation with
// bagging (--bag 4, with and without --greedify) and online cover (--cover 4, dr), against Azure's default
// epsilon-greedy mtr policy replayed in the same run. Rounds alternate over the policies so that all see the
// same machine load; medians reported. An ensemble does B (bag) or n (cover) sub-model predictions per action and
// up to B, or n + 1, updates per event, so its cost is a multiple of the single model's.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../src/testing/fixtures.js';
import { DEFAULT_POLICY_ARGUMENTS } from '../src/engine/index.js';
import { ensureSimFile } from './sim.js';
import type { BenchResult } from './types.js';

const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
const BASE = '--power_t 0 -l 0.001 -q ::';
const POLICIES = [
  { name: 'epsilon-greedy mtr (Azure default)', args: DEFAULT_POLICY_ARGUMENTS },
  { name: 'bag4 mtr', args: `--cb_explore_adf --bag 4 --cb_type mtr ${BASE}` },
  { name: 'bag4 --greedify mtr', args: `--cb_explore_adf --bag 4 --greedify --cb_type mtr ${BASE}` },
  { name: 'cover4 dr (--psi 0.1 --nounif)', args: `--cb_explore_adf --cover 4 --psi 0.1 --nounif --cb_type dr ${BASE}` },
];

function replaySeconds(data: string, policy: string): Promise<number> {
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'replay', '--dsjson', data, '--policy', policy, '--quiet'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`replay exited with ${code}: ${stderr.slice(-2000)}`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(): Promise<BenchResult[]> {
  const sim = await ensureSimFile();
  const times = POLICIES.map(() => [] as number[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < POLICIES.length; i++) {
      const s = await replaySeconds(sim.path, POLICIES[i]!.args);
      times[i]!.push(s);
      process.stderr.write(`bench: ${POLICIES[i]!.name} round ${round + 1}: ${s.toFixed(1)} s\n`);
    }
  }
  const rates = times.map((t) => sim.events / median(t));
  const baseline = rates[0]!;
  return POLICIES.map((p, i) => ({
    name: `replay ${p.name}`,
    value: rates[i]!,
    unit: 'events/s',
    baseline,
    baselineRatio: rates[i]! / baseline,
    note: `${sim.events} events (${sim.source}), median of ${ROUNDS} wall times (${median(times[i]!).toFixed(1)} s)`,
  }));
}

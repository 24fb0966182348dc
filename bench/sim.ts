// The benchmark's event log: 200k Personalizer-style events like sim-20k, cached in the OS temp folder.
// Preferred source is the reference simulator (vw-vectors/scripts/sim.py, needs python3 + numpy), because the
// VW throughput figures were measured on its output; otherwise a TypeScript generator of the same shape
// (5 actions; shared User/Context/Geo, Action per action; 275 features per event with -q ::).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prng as rng, sharedDir } from '../src/testing/fixtures.js';

export interface SimFile {
  path: string;
  events: number;
  source: 'sim.py' | 'typescript';
}

export function benchDir(): string {
  const dir = join(tmpdir(), 'personalizer-bench');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function hasPythonNumpy(): boolean {
  const r = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' });
  return r.status === 0;
}

export async function ensureSimFile(events = 200_000, seed = 2): Promise<SimFile> {
  const dir = benchDir();
  const shared = sharedDir();
  const script = shared && join(shared, 'vw-vectors', 'scripts', 'sim.py');
  if (script && existsSync(script) && hasPythonNumpy()) {
    const path = join(dir, `sim-${events}-${seed}.dsjson`);
    if (!existsSync(path) || statSync(path).size === 0) {
      process.stderr.write(`bench: generating ${events} events with sim.py (cached in ${dir})…\n`);
      const tmp = path + '.partial';
      const r = spawnSync('python3', [script, String(events), String(seed), tmp, join(dir, `truth-${events}-${seed}.csv.gz`)], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      if (r.status !== 0) throw new Error(`sim.py failed with status ${r.status}`);
      renameSync(tmp, path);
    }
    return { path, events, source: 'sim.py' };
  }
  const path = join(dir, `tsgen-${events}-${seed}.dsjson`);
  if (!existsSync(path)) {
    process.stderr.write(`bench: python3/numpy or the reference data missing; generating ${events} events in TypeScript\n`);
    await generate(path + '.partial', events, seed);
    renameSync(path + '.partial', path);
  }
  return { path, events, source: 'typescript' };
}


const ACTIONS = [
  { id: 'a1', cat: 'news', price: 0.2 },
  { id: 'a2', cat: 'sports', price: 0.5 },
  { id: 'a3', cat: 'tech', price: 0.9 },
  { id: 'a4', cat: 'news', price: 0.6 },
  { id: 'a5', cat: 'tech', price: 0.3 },
];
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Same JSON shape and feature counts as sim.py; the hidden reward model is a simpler logistic. */
async function generate(path: string, n: number, seed: number): Promise<void> {
  const r = rng(seed);
  const out = createWriteStream(path);
  const multi = ACTIONS.map((a) => ({ Action: a }));
  for (let t = 0; t < n; t++) {
    const age = Math.round(r() * 1000) / 1000;
    const hour = Math.round(r() * 1000) / 1000;
    const tier = pick(r, ['bronze', 'silver', 'gold']);
    const ctx = {
      User: { age, tier, gender: pick(r, ['f', 'm']) },
      Context: { device: pick(r, ['mobile', 'desktop', 'tablet']), hour },
      Geo: { region: pick(r, ['na', 'eu', 'apac']) },
      _multi: multi,
    };
    // Logging policy: epsilon-greedy (0.2) around action 0, chosen swapped to the front.
    const order = [0, 1, 2, 3, 4];
    const p = [0.84, 0.04, 0.04, 0.04, 0.04];
    const u = r();
    const ci = u < 0.84 ? 0 : 1 + Math.min(3, Math.floor((u - 0.84) / 0.04));
    [order[0], order[ci]] = [order[ci]!, order[0]!];
    [p[0], p[ci]] = [p[ci]!, p[0]!];
    const chosen = order[0]!;
    const logit = -1 + (tier === 'gold' ? 1 : 0) + hour * ACTIONS[chosen]!.price - age * 0.5;
    const reward = r() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const eventId = `evt-${String(t).padStart(7, '0')}-${seed}`;
    const line = {
      _label_cost: -reward,
      _label_probability: p[0],
      _label_Action: chosen + 1,
      _labelIndex: chosen,
      o: [{ v: reward, EventId: eventId, ActionTaken: false }],
      Timestamp: '2024-01-01T00:00:00.000000Z',
      Version: '1',
      EventId: eventId,
      a: order.map((o) => o + 1),
      c: ctx,
      p,
      VWState: { m: 'sim-logging-policy' },
      _original_label_cost: -reward,
    };
    if (!out.write(JSON.stringify(line) + '\n')) await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

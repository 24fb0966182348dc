// The benchmark's event log: 200k Personalizer-style events like sim-20k, cached in the OS temp folder.
// Preferred source is the reference simulator (vw-vectors/scripts/sim.py, needs python3 + numpy), because the
// VW throughput figures were measured on its output; otherwise a TypeScript generator of the same shape
// (src/testing/sim.ts: 5 actions; shared User/Context/Geo, Action per action; 275 features per event with -q ::).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedDir } from '../src/testing/fixtures.js';
import { writeSimFile } from '../src/testing/sim.js';

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
    writeSimFile(path, events, seed);
  }
  return { path, events, source: 'typescript' };
}



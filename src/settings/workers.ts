// `Workers`: how many server processes `personalizer serve` runs on this machine (cli/workers.ts). One process
// uses one core for HTTP, JSON and ranking; more processes share the listening socket (node:cluster) and the
// store. More than a few per core only adds context switches and memory, hence the bound.
import { availableParallelism } from 'node:os';
import { SettingsError } from './sources.js';

export const WORKERS_NAMES = ['Workers'] as const;

/** Processes allowed per CPU the process may use. */
export const WORKERS_PER_CPU = 4;

export function maxWorkers(): number {
  return availableParallelism() * WORKERS_PER_CPU;
}

export function parseWorkers(text: string | undefined): number {
  if (text === undefined) return 1;
  const max = maxWorkers();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) {
    throw new SettingsError(
      'Workers',
      `Workers must be an integer between 1 and ${max} (${WORKERS_PER_CPU} per CPU of the ${availableParallelism()} this process may use)`,
    );
  }
  return n;
}

// Test-only helpers shared by every folder's tests: the repository root, and the reference data folder
// (`../shared` next to the repository, with VW's vectors and Azure's specs). Where it is absent, tests skip
// with NO_SHARED. Nothing outside *.test.ts and test harnesses imports this.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The repository root: the nearest ancestor of `from` (default: this module) holding package.json. */
export function repoRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(from));
    dir = up;
  }
  return dir;
}

/** `<repo>/../shared`, or undefined when it is absent (tests then skip). */
export function sharedDir(): string | undefined {
  const dir = join(repoRoot(), '..', 'shared');
  return existsSync(dir) ? dir : undefined;
}

/** `<repo>/../shared/vw-vectors`, or undefined when it is absent. */
export function vectorsDir(): string | undefined {
  const shared = sharedDir();
  return shared !== undefined && existsSync(join(shared, 'vw-vectors')) ? join(shared, 'vw-vectors') : undefined;
}

export const NO_SHARED = 'reference data ../shared (next to the repository) is absent';

/** A text file, gunzipped when its name ends in .gz. */
export function readText(path: string): string {
  const buf = readFileSync(path);
  return (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
}

/** mulberry32: a small deterministic PRNG for simulated users and synthetic logs. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

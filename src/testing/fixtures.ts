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

/** REQUIRE_SERVICES=1 (set by .ci/run): a missing prerequisite (../shared, PostgreSQL, root) fails, never skips. */
export const REQUIRE_SERVICES = process.env['REQUIRE_SERVICES'] === '1';

/**
 * The `skip` option of a test, or of a describe block, that needs something: false when it is there, else the
 * reason it is not. Under REQUIRE_SERVICES=1 an absence throws instead, at load time, so the file fails saying why.
 */
export function needs(present: unknown, reason: string): string | false {
  if (present !== undefined && present !== null && present !== false) return false;
  if (REQUIRE_SERVICES) throw new Error(`${reason}: REQUIRE_SERVICES=1 makes this a failure, not a skip`);
  return reason;
}

/** Inside a test that found its prerequisite absent: skip it saying why, or under REQUIRE_SERVICES=1 fail it. */
export function absent(t: { skip(message?: string): void }, reason: string): void {
  if (REQUIRE_SERVICES) throw new Error(`${reason}: REQUIRE_SERVICES=1 makes this a failure, not a skip`);
  t.skip(reason);
}

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

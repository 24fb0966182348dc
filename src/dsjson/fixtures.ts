// Test helper: locates the reference data folder (`../shared` next to the repository root).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest ancestor of this module holding package.json. */
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

export const NO_SHARED = 'reference data ../shared (next to the repository) is absent';

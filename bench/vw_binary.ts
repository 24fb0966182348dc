// Finds the reference VW 9.10 binary the replay benchmark compares against. It is never built or downloaded
// here: the path comes from the VW_BIN environment variable, or a binary already placed in the cache folder
// ~/.cache/personalizer/vw-9.10.0/vw. It must report version 9.10.0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const VW_CACHE_PATH = join(homedir(), '.cache', 'personalizer', 'vw-9.10.0', 'vw');

export type VwLookup = { path: string; version: string } | { missing: string };

export function findVw(env: NodeJS.ProcessEnv = process.env): VwLookup {
  const fromEnv = env['VW_BIN'];
  const path = fromEnv && fromEnv !== '' ? fromEnv : VW_CACHE_PATH;
  if (!existsSync(path)) {
    return {
      missing: fromEnv
        ? `VW_BIN=${fromEnv} does not exist`
        : `no VW binary: set VW_BIN to a VW 9.10.0 binary, or place one at ${VW_CACHE_PATH}`,
    };
  }
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = (r.stdout ?? '').trim().split('\n')[0]!.trim(); // "9.10.0 (git commit: …)", then features
  if (r.status !== 0 || !/^9\.10\.0\b/.test(version)) {
    return { missing: `${path} is not VW 9.10.0 (--version: ${version || r.error?.message || `exit ${r.status}`})` };
  }
  return { path, version };
}

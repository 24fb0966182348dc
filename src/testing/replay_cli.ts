// Test-only: runs the real `personalizer replay` as a child process (what a user runs), and hashes its outputs the
// way the VW reference files in src/cli/ record VW's.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

export const CLI_MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

/** sha256 (hex) of a file's bytes. */
export function sha256File(path: string): string {
  return sha256(readFileSync(path));
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `personalizer replay <args>`; resolves with its exit code and stderr (stdout is ignored). */
export function runReplay(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'replay', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

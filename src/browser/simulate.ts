// "Run a short simulation" for the browser tests: `personalizer simulate` (docs/simulate.md) against the test
// server, through the public API (Rank, then Reward), as a newcomer would run it; its JSON summary is returned.
import { spawn } from 'node:child_process';
import { cliEntry, type ServerProcess } from '../api/test_server.js';

export interface SimulateSummary {
  events: number;
  overall: { events: number; loop: number; baseline: number };
}

export function simulate(server: Pick<ServerProcess, 'url' | 'key'>, events: number, seed: number): Promise<SimulateSummary> {
  const args = ['simulate', '--url', server.url, '--key', server.key, '--events', String(events), '--rate', '0', '--seed', String(seed), '--run-id', `browser-${seed}`, '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`personalizer simulate exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(out) as SimulateSummary);
    });
  });
}

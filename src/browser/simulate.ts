// "Run a short simulation" for the browser tests: Rank and Reward calls through the public API
// (testing/dashboard_traffic.ts), each event rewarded.
import type { ServerProcess } from '../api/test_server.js';
import { driveTraffic, type Expected } from '../testing/dashboard_traffic.js';

export function simulate(server: Pick<ServerProcess, 'url' | 'key'>, events: number, seed: number): Promise<Expected> {
  return driveTraffic(server, events, { seed, prefix: `sim${seed}` });
}

// Shared by the loop tests: a loop on a real SQLite file in a fresh temp dir, with a clock the test moves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLoop, type LearningLoop } from './loop.js';

export const T0 = Date.UTC(2024, 0, 1);

export interface TestLoop {
  loop: LearningLoop;
  clock: { now: number };
  storeUrl: string;
  reopen(): Promise<LearningLoop>;
}

export function tempStoreUrl(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-loop-'));
  // synchronous=normal: the tests commit thousands of events; durability to a power cut is not under test here.
  return `sqlite:${path.join(dir, 'loop.db')}?synchronous=normal`;
}

export async function testLoop(storeUrl = tempStoreUrl()): Promise<TestLoop> {
  const clock = { now: T0 };
  const open = () => openLoop({ store: storeUrl, now: () => clock.now });
  const t: TestLoop = {
    loop: await open(),
    clock,
    storeUrl,
    reopen: async () => (t.loop = await open()),
  };
  return t;
}

export { prng } from '../testing/fixtures.js';

export function parseLine(line: string | null): Record<string, unknown> {
  if (line === null) throw new Error('no such event');
  return JSON.parse(line) as Record<string, unknown>;
}

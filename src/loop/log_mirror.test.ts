// The log mirror in the loop with the loop's own clock (log_mirror.ts, docs/log-mirror.md): files change at each
// UTC day; a directory that cannot be written never stops learning, is counted, and the mirror catches up once it
// can; a partial last line is cut off. Real SQLite stores, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLoop, type LearningLoop } from './loop.js';
import { tempStoreUrl } from './loop.fixtures.js';
import { listMirrorFiles, repairTail } from './log_mirror_files.js';
import { LogMirror } from './log_mirror.js';
import { openStore } from '../store/index.js';

const RANK = (i: number) => ({
  eventId: `m-${i}`,
  contextFeatures: [{ n: { i: String(i % 5) } }],
  actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }],
});

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-mirror-'));
}

async function mirrorLoop(dir: string, clock: { now: number }, maxFileBytes = 1024 * 1024): Promise<LearningLoop> {
  const loop = await openLoop({ store: tempStoreUrl(), now: () => clock.now, logMirror: { directory: dir, maxFileBytes } });
  const c = await loop.getServiceConfiguration();
  await loop.updateServiceConfiguration({ ...c, rewardWaitTime: 'PT1S', logMirrorEnabled: true });
  return loop;
}

async function events(loop: LearningLoop, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    await loop.rank(RANK(i));
    await loop.reward(`m-${i}`, i % 2);
  }
}

function ids(files: { path: string }[]): string[] {
  return files.flatMap((f) =>
    fs.readFileSync(f.path, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { EventId: string }).EventId),
  );
}

test('a new file at each UTC day, named by the day the lines were written', async () => {
  const dir = tempDir();
  const clock = { now: Date.UTC(2025, 11, 31, 23, 59, 0) };
  const loop = await mirrorLoop(dir, clock);
  try {
    await events(loop, 0, 5);
    await loop.flush();
    clock.now = Date.UTC(2026, 0, 1, 0, 0, 30);
    await events(loop, 5, 12);
    await loop.flush();
    const files = await listMirrorFiles(dir);
    assert.deepEqual(
      files.map((f) => path.relative(dir, f.path)),
      [path.join('2025', '12', '31', '000000.json'), path.join('2026', '01', '01', '000000.json')],
    );
    assert.deepEqual(ids([files[0]!]), ['m-0', 'm-1', 'm-2', 'm-3', 'm-4']);
    assert.deepEqual(ids([files[1]!]), ['m-5', 'm-6', 'm-7', 'm-8', 'm-9', 'm-10', 'm-11']);
    assert.deepEqual((await loop.stats()).logMirror, { lines: 12, bytes: files.reduce((s, f) => s + fs.statSync(f.path).size, 0), errors: 0 });
  } finally {
    await loop.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a directory that cannot be written: learning goes on, errors are counted, the mirror catches up once it can', async () => {
  const dir = tempDir();
  const blocked = path.join(dir, 'blocked');
  fs.writeFileSync(blocked, 'a file where the mirror wants a directory');
  const mirror = path.join(blocked, 'mirror');
  const clock = { now: Date.UTC(2026, 5, 1, 12) };
  const loop = await mirrorLoop(mirror, clock);
  try {
    await events(loop, 0, 20);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 20, 'learned regardless');
    const failed = (await loop.stats()).logMirror!;
    assert.equal(failed.lines, 0);
    assert.ok(failed.errors >= 1, `errors: ${failed.errors}`);
    fs.rmSync(blocked);
    await events(loop, 20, 25);
    await loop.flush();
    assert.deepEqual(ids(await listMirrorFiles(mirror)), Array.from({ length: 25 }, (_, i) => `m-${i}`));
    assert.equal((await loop.stats()).logMirror!.lines, 25);
  } finally {
    await loop.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('repairTail cuts a partial last line and finds the last whole one, also beyond one read', async () => {
  const dir = tempDir();
  try {
    const file = path.join(dir, 'f.json');
    const long = `{"EventId":"long","pad":"${'x'.repeat(200_000)}"}`;
    fs.writeFileSync(file, `{"EventId":"a"}\n${long}\n{"EventId":"part`);
    const r = await repairTail(file);
    assert.equal(r.line, long);
    assert.equal(fs.readFileSync(file, 'utf8'), `{"EventId":"a"}\n${long}\n`);
    assert.equal(r.size, fs.statSync(file).size);
    fs.writeFileSync(file, '{"EventId":"only');
    assert.deepEqual(await repairTail(file), { line: null, size: 0 });
    assert.equal(fs.statSync(file).size, 0);
    fs.writeFileSync(file, '{"EventId":"one"}\n');
    assert.deepEqual(await repairTail(file), { line: '{"EventId":"one"}', size: 18 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('turns asked at once (the timer, a flush, a close) run one after the other: every event once', async () => {
  const dir = tempDir();
  const store = await openStore(tempStoreUrl());
  try {
    for (let i = 0; i < 700; i++) {
      await store.insertEvent({
        eventId: `c-${i}`, timestamp: i, context: `{"_multi":[{"a":{"x":1}},{"a":{"x":2}}],"n":{"i":${i}}}`, actions: [1, 2],
        probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5, modelVersion: '1', deferActivation: false,
      });
    }
    await store.joinDue(Number.MAX_SAFE_INTEGER, 1000, () => ({ skipLearn: false, reward: 1 }), 1000);
    const mirror = new LogMirror({ directory: dir, maxFileBytes: 1024 * 1024 }, store, () => Date.UTC(2026, 0, 2), () => undefined);
    await Promise.all([mirror.tick(true), mirror.tick(true), mirror.suspend(), mirror.tick(true)]);
    assert.deepEqual(ids(await listMirrorFiles(dir)), Array.from({ length: 700 }, (_, i) => `c-${i}`));
    assert.equal(mirror.stats.lines, 700);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

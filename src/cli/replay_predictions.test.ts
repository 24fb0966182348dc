// The -p writer of `personalizer replay` on a real file: a long run's backpressure leaves no listener behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPredictions } from './replay_predictions.js';

test('-p: 200 writes larger than the stream buffer (each one waits for drain) raise no MaxListenersExceededWarning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-preds-'));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
  process.on('warning', onWarning);
  try {
    const path = join(dir, 'p.txt');
    const preds = await openPredictions(path);
    // 64 KiB per write, four times the write stream's 16 KiB buffer: every write() reports backpressure.
    const chunk = '0:0.2,1:0.2,2:0.2,3:0.2,4:0.2\n\n'.repeat(2048);
    for (let i = 0; i < 200; i++) await preds.write(chunk);
    await preds.close();
    // Warnings are emitted on the next tick.
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
    assert.equal(readFileSync(path, 'utf8').length, chunk.length * 200);
  } finally {
    process.off('warning', onWarning);
    rmSync(dir, { recursive: true, force: true });
  }
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { vectorsDir, absent } from '../testing/fixtures.js';
import { readModel, writeModel } from './model_file.js';
import { formatReadableModel } from './readable_model.js';

const VECTORS = vectorsDir();
const SKIP = 'reference vectors (../shared/vw-vectors) not found next to the repository';
const bytes = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(VECTORS as string, rel)));
const text = (rel: string): string => readFileSync(join(VECTORS as string, rel), 'utf8');

test('tiny-model.vw prints exactly as VW\'s --readable_model (tiny-readable.txt), text checksum included', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const out = formatReadableModel(readModel(bytes('tiny/tiny-model.vw')));
  assert.equal(out, text('tiny/tiny-readable.txt'));
  assert.match(out, /\nChecksum: 159645644\n/);
});

test('the predict-only model prints exactly as tiny-readable-predict-only.txt', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const expected = text('tiny/tiny-readable-predict-only.txt');
  assert.equal(formatReadableModel(readModel(bytes('tiny/tiny-model-predict-only.vw'))), expected);
  // The same text from the save-resume model written predict-only.
  const state = readModel(writeModel(readModel(bytes('tiny/tiny-model.vw')), { predictOnly: true }));
  assert.equal(formatReadableModel(state), expected);
  assert.match(expected, /\nChecksum: 1708840024\n/);
});

test('squarecb prints its example counter before the cb_adf counters', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const out = formatReadableModel(readModel(bytes('models/model-squarecb-15k.vw')));
  assert.match(out, /\nChecksum: \d+\ncb squarecb adf storing example counter:  = 15000\nevent_sum 15000\naction_sum 75000\n:1\n/);
});

test('the dr header prints like tiny-readable-dr.txt', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const dr = readModel(bytes('models/model-dr-15k.vw'));
  const out = formatReadableModel(dr).split('\n');
  const ref = text('tiny/tiny-readable-dr.txt').split('\n');
  // Same options line, same state line names in the same order (values differ: 15k vs 50 events).
  assert.equal(out[8], ref[8]);
  const names = (lines: string[]): string[] => lines.slice(9, 31).map((l) => l.replace(/[-\d.e+]+$/, ''));
  assert.deepEqual(names(out), names(ref));
  // DR weights: both sub-models (even and odd slots).
  assert.equal(out.filter((l) => /^\d*[02468]:/.test(l)).length, 243);
  assert.equal(out.filter((l) => /^\d*[13579]:/.test(l)).length, 243);
});

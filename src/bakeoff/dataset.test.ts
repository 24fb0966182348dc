// Dataset readers: CSV (first column the 0-based class), gzip by content, PMLB TSV with its `target` column and
// labels mapped sorted to 0..K-1; malformed files refused with the line named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { NO_SHARED, sharedDir, needs } from '../testing/fixtures.js';
import { DatasetError, decodeDataset } from './dataset.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const multiclass = (): string | undefined => {
  const s = sharedDir();
  return s === undefined ? undefined : join(s, 'data', 'multiclass');
};

test('CSV: class first, header optional, plain or gzip, values as VW reads them', () => {
  const csv = 'label,a,b\n2,1.5,0\n0,0.001,7\n1,-3,2\n';
  for (const bytes of [enc(csv), gzipSync(enc(csv)), enc(csv.split('\n').slice(1).join('\n'))]) {
    const d = decodeDataset(bytes, 'x.csv');
    assert.equal(d.classes, 3);
    assert.equal(d.columns, 2);
    assert.deepEqual([...d.labels], [2, 0, 1]);
    assert.deepEqual([...d.values], [1.5, 0, Math.fround(0.0009999999310821295), 7, -3, 2]);
  }
  // Windows line ends and a missing final newline are fine.
  assert.deepEqual([...decodeDataset(enc('1,2\r\n0,3'), 'w.csv').labels], [1, 0]);
});

test('malformed files are refused, naming the line and the problem', () => {
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['1,2\n0,abc\n', /x\.csv:2: column 2 is not a finite number \('abc'\)/],
    ['1,2\n0,2,3\n', /x\.csv:2: 3 columns, expected 2/],
    ['1,2\n-1,2\n', /x\.csv:2: the class '-1' is not a 0-based integer class/],
    ['1,2\n1.5,2\n', /the class '1\.5'/],
    ['0,1\n0,2\n', /at least 2 classes/],
    ['1\n0\n', /at least one feature/],
    ['h1,h2\n', /no data rows/],
    ['1,1e39\n0,1\n', /x\.csv:1: column 2 is not a finite number/],
    ['1,2\n4096,1\n', /x\.csv:2: class 4096: at most 4096 classes \(0\.\.4095\)/],
    ['1,2\n\n0,1\n', /x\.csv:2: 1 columns, expected 2/],
  ];
  for (const [text, re] of bad) assert.throws(() => decodeDataset(enc(text), 'x.csv'), (e: unknown) => e instanceof DatasetError && re.test((e as Error).message), text);
  assert.throws(() => decodeDataset(Uint8Array.of(0x1f, 0x8b, 1, 2, 3), 'z.gz'), /z\.gz: not a readable gzip file/);
  assert.throws(() => decodeDataset(enc('a\tb\ttarget\n1\t2\tx\n'), 't.tsv'), /t\.tsv:2: the label 'x' is not an integer/);
  assert.throws(() => decodeDataset(enc('a\ttarget\n1\t3\n2\t3\n'), 't.tsv'), /only one distinct label/);
});

test('TSV: the `target` column wherever it is, labels mapped sorted to 0..K-1', () => {
  const d = decodeDataset(enc('target\tx\ty\n7\t1\t2\n1\t3\t4\n4\t5\t6\n7\t0\t1\n'), 't.tsv');
  assert.equal(d.classes, 3);
  assert.deepEqual(d.labelNames, [1, 4, 7]);
  assert.deepEqual([...d.labels], [2, 0, 1, 2]);
  assert.deepEqual([...d.values], [1, 2, 3, 4, 5, 6, 0, 1]);
});

test('the five bake-off datasets read as documented (rows, features, classes)', { skip: needs(multiclass(), NO_SHARED) }, () => {
  const expected: Record<string, [number, number, number]> = {
    letter: [20000, 16, 26],
    pendigits: [10992, 16, 10],
    optdigits: [5620, 64, 10],
    satimage: [6435, 36, 6],
    segmentation: [2310, 19, 7],
  };
  for (const [name, [rows, columns, classes]] of Object.entries(expected)) {
    const d = decodeDataset(readFileSync(join(multiclass()!, name, `${name}.tsv.gz`)), name);
    assert.deepEqual([d.labels.length, d.columns, d.classes], [rows, columns, classes], name);
    const counts = new Array<number>(classes).fill(0);
    for (const l of d.labels) counts[l]!++;
    assert.ok(counts.every((c) => c > 0), `${name}: every class present`);
  }
  // satimage's labels {1,2,3,4,5,7} → 0..5; letter's 1..26 → 0..25.
  assert.deepEqual(decodeDataset(readFileSync(join(multiclass()!, 'satimage', 'satimage.tsv.gz')), 's').labelNames, [1, 2, 3, 4, 5, 7]);
});

// `personalizer replay` end to end, in a child process, against the reference VW 9.10 outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot, sharedDir, NO_SHARED, absent } from '../testing/fixtures.js';
import { readModel } from '../engine/index.js';

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const DEFAULT = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q :: -b 18';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** VW -p text → one pmf per event: [[index, prob], …] in VW order. */
function readPreds(text: string): [number, number][][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(',').map((kv) => kv.split(':').map(Number) as [number, number]));
}

/** The summary's "average loss = …" line, as printed. */
const averageLossLine = (text: string): string | undefined => /^average loss = .*$/m.exec(text)?.[0];

function summaryValue(text: string, name: string): number {
  const m = new RegExp(`^${name} = (\\S+)$`, 'm').exec(text);
  assert.ok(m, `no "${name}" in:\n${text}`);
  return Number(m[1]);
}

/** Both -p files print the same actions in the same order with the same probabilities (both are printed text). */
function assertSamePreds(actual: [number, number][][], expected: [number, number][][]): void {
  assert.equal(actual.length, expected.length);
  for (let e = 0; e < expected.length; e++) {
    const a = actual[e]!;
    const x = expected[e]!;
    assert.deepEqual(a.map((p) => p[0]), x.map((p) => p[0]), `event ${e + 1}: action order`);
    assert.deepEqual(a.map((p) => p[1]), x.map((p) => p[1]), `event ${e + 1}: probabilities`);
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'replay-'));
}

test('usage: unknown command exits 2 with usage on stderr; --version; replay without --dsjson', () => {
  const bad = cli('frobnicate');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command 'frobnicate'/);
  assert.match(bad.stderr, /Usage: personalizer/);
  const v = cli('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), `personalizer ${JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')).version}`);
  const r = cli('replay');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--dsjson <file> is required/);
  const p = cli('replay', '--dsjson', 'x', '--policy', '--cb_explore_adf --bogus_option');
  assert.equal(p.code, 2);
});

test('tiny-50, default policy: VW predictions, average loss, feature count; -f equals VW\'s model', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, NO_SHARED);
  const tiny = join(shared, 'vw-vectors', 'tiny');
  const dir = tmp();
  try {
    const preds = join(dir, 'p.txt');
    const model = join(dir, 'm.vw');
    const r = cli('replay', '--dsjson', join(tiny, 'tiny-50.dsjson'), '--policy', DEFAULT, '-p', preds, '-f', model);
    assert.equal(r.code, 0, r.stderr);
    const vw = readFileSync(join(tiny, 'tiny-summary.txt'), 'utf8');
    assertSamePreds(readPreds(readFileSync(preds, 'utf8')), readPreds(readFileSync(join(tiny, 'tiny-preds.txt'), 'utf8')));
    // VW writes a blank line after each event's prediction.
    assert.match(readFileSync(preds, 'utf8'), /^0:0\.2,1:0\.2,2:0\.2,3:0\.2,4:0\.2\n\n0:0\.2/);
    assert.equal(summaryValue(r.stderr, 'number of examples'), 50);
    assert.equal(averageLossLine(r.stderr), averageLossLine(vw));
    assert.equal(summaryValue(r.stderr, 'total feature number'), summaryValue(vw, 'total feature number'));
    // The progress table rows VW printed (the first 4 rows hold only exact values).
    for (const row of vw.split('\n').filter((l) => /^\S+ \S+ +\d+ +\d+\.\d /.test(l)).slice(0, 4)) assert.ok(r.stderr.includes(row), row);
    const ours = readModel(readFileSync(model));
    const ref = readModel(readFileSync(join(tiny, 'tiny-model.vw')));
    assert.deepEqual(ours.cbAdf, ref.cbAdf);
    assert.equal(ours.options, ref.options);
    let maxDiff = 0;
    for (let i = 0; i < ref.weights.length; i += 4) maxDiff = Math.max(maxDiff, Math.abs(ours.weights[i]! - ref.weights[i]!));
    assert.ok(maxDiff < 1e-7, `max weight difference ${maxDiff}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sim-20k mtr: average loss as VW printed it, predictions byte-identical', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, NO_SHARED);
  const v = join(shared, 'vw-vectors');
  const r = cli('replay', '--dsjson', join(v, 'sim-20k.dsjson.gz'), '--quiet');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', '--quiet prints nothing');
  const dir = tmp();
  const preds = join(dir, 'p.txt');
  const r2 = cli('replay', '-d', join(v, 'sim-20k.dsjson.gz'), '-p', preds);
  const same = readFileSync(preds).equals(gunzipSync(readFileSync(join(v, 'preds-20k-mtr.txt.gz'))));
  rmSync(dir, { recursive: true, force: true });
  assert.ok(same, 'predictions differ from preds-20k-mtr.txt');
  const vw = readFileSync(join(v, 'summary-20k-mtr.txt'), 'utf8');
  assert.equal(averageLossLine(r2.stderr), averageLossLine(vw));
  assert.equal(summaryValue(r2.stderr, 'number of examples'), 20000);
  assert.equal(summaryValue(r2.stderr, 'total feature number'), summaryValue(vw, 'total feature number'));
});

test('model-ips-15k.vw with -i -t on the last 5,000 events reproduces VW\'s test predictions and loss', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, NO_SHARED);
  const v = join(shared, 'vw-vectors');
  const dir = tmp();
  try {
    const lines = gunzipSync(readFileSync(join(v, 'sim-20k.dsjson.gz'))).toString('utf8').split('\n').filter((l) => l !== '');
    const last5k = join(dir, 'last5k.dsjson');
    writeFileSync(last5k, lines.slice(15000).join('\n') + '\n');
    const preds = join(dir, 'p.txt');
    const r = cli('replay', '--dsjson', last5k, '-i', join(v, 'models', 'model-ips-15k.vw'), '-t', '-p', preds);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^only testing$/m);
    assert.match(r.stderr, /^cb_type = ips$/m);
    const vw = readFileSync(join(v, 'models', 'summary-ips-test.txt'), 'utf8');
    assert.equal(averageLossLine(r.stderr), averageLossLine(vw));
    const expected = readPreds(gunzipSync(readFileSync(join(v, 'models', 'preds-ips-test.txt.gz'))).toString('utf8'));
    assertSamePreds(readPreds(readFileSync(preds, 'utf8')), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-f then -i … -t: the saved model predicts without learning; malformed lines are reported and skipped', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, NO_SHARED);
  const v = join(shared, 'vw-vectors');
  const dir = tmp();
  try {
    const lines = gunzipSync(readFileSync(join(v, 'sim-20k.dsjson.gz'))).toString('utf8').split('\n').filter((l) => l !== '');
    const train = join(dir, 'train.dsjson');
    writeFileSync(train, lines.slice(0, 2000).join('\n') + '\n');
    const test = join(dir, 'test.dsjson');
    // Line 2 is truncated, line 4 has an out-of-range _labelIndex: both are reported and skipped.
    const broken = [lines[2000]!, lines[2001]!.slice(0, 100), lines[2002]!, lines[2003]!.replace(/"_labelIndex":\d/, '"_labelIndex":9'), ...lines.slice(2004, 2100)];
    writeFileSync(test, broken.join('\n') + '\n');
    const model = join(dir, 'm.vw');
    const readable = join(dir, 'm.txt');
    const a = cli('replay', '--dsjson', train, '-f', model, '--readable_model', readable, '--quiet');
    assert.equal(a.code, 0, a.stderr);
    assert.match(readFileSync(readable, 'utf8'), /^event_sum 2000$/m);
    const p1 = join(dir, 'p1.txt');
    const p2 = join(dir, 'p2.txt');
    const b = cli('replay', '--dsjson', test, '-i', model, '-t', '-p', p1);
    const c = cli('replay', '--dsjson', test, '-i', model, '-t', '-p', p2, '--quiet');
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /skipping line 2: /);
    assert.match(b.stderr, /skipping line 4: _labelIndex 9 is out of range for 5 actions/);
    assert.equal(summaryValue(b.stderr, 'number of examples'), 98);
    const pa = readPreds(readFileSync(p1, 'utf8'));
    assert.equal(pa.length, 98);
    // Predict-only: the model never changes, so two runs agree, and the trained model is no longer uniform.
    assert.deepEqual(pa, readPreds(readFileSync(p2, 'utf8')));
    assert.ok(pa.every((pmf) => Math.abs(pmf[0]![1] - 0.84) < 1e-6));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// `personalizer replay` parses on worker threads (replay_source.ts) or on the learner's own thread; both must learn
// exactly the same: byte-identical -f models, -p files and stderr (progress table, skipped lines with their
// numbers, summary), for a plain file split into blocks between 1, 2 or 3 workers and for a gzip file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { prng, repoRoot, vectorsDir, NO_SHARED, absent } from '../testing/fixtures.js';
import { BLOCK_BYTES } from './replay_producer.js';

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number | null;
  stderr: string;
  preds: Buffer;
  model: Buffer;
}

function replay(dir: string, input: string, threads: number, policy: string): Run {
  const preds = join(dir, `p${threads}.txt`);
  const model = join(dir, `m${threads}.vw`);
  const r = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', input, '--policy', policy, '-p', preds, '-f', model], {
    encoding: 'utf8',
    env: { ...process.env, PERSONALIZER_REPLAY_THREADS: String(threads) },
  });
  // The header names the files, which differ per run.
  const stderr = r.stderr.replaceAll(`p${threads}.txt`, 'p.txt').replaceAll(`m${threads}.vw`, 'm.vw').replace('.dsjson.gz\n', '.dsjson\n');
  return { code: r.status, stderr, preds: readFileSync(preds), model: readFileSync(model) };
}

function assertSame(a: Run, b: Run, what: string): void {
  assert.equal(b.code, a.code, `${what}: exit code\n${b.stderr}`);
  assert.equal(b.stderr, a.stderr, `${what}: stderr`);
  assert.ok(b.preds.equals(a.preds), `${what}: -p files differ`);
  assert.ok(b.model.equals(a.model), `${what}: -f models differ`);
}

/** A log of `n` simulated events, with every kind of line the reader must number and skip the same way. */
function simulatedLog(n: number): string {
  const r = prng(12);
  const lines: string[] = [];
  for (let t = 0; t < n; t++) {
    const chosen = Math.floor(r() * 4);
    const multi = [0, 1, 2, 3].map((a) => ({ Action: { id: `a${a}`, price: (a + 1) / 4 }, Extra: { k: `x${(a + t) % 3}` } }));
    const c = { User: { age: Math.round(r() * 100) / 100, tier: ['gold', 'silver'][t % 2] }, Geo: { region: `r${t % 5}` }, _multi: multi };
    const ev: Record<string, unknown> = { _label_cost: -(r() < 0.3 ? 1 : 0), _label_probability: 0.25, _label_Action: chosen + 1, _labelIndex: chosen, EventId: `e${t}`, a: [1, 2, 3, 4], c, p: [0.25, 0.25, 0.25, 0.25] };
    if (t % 97 === 5) ev.pdrop = 0.5;
    if (t % 89 === 7) delete ev._label_cost; // unlabeled: predicted, not learned
    if (t % 83 === 3) ev._skipLearn = true;
    if (t % 211 === 11) ev._labelIndex = 9; // out of range: a skipped line
    // Lines longer than a block: they start in one block and end in a later one.
    if (t % 1500 === 700) ev.VWState = { m: 'x'.repeat(BLOCK_BYTES + 1000) };
    let line = JSON.stringify(ev);
    if (t % 101 === 13) line += '\r'; // CRLF
    lines.push(line);
    if (t % 301 === 17) lines.push(''); // an empty line: numbered, never reported
    if (t % 401 === 19) lines.push('not json');
    if (t % 503 === 23) lines.push('{"c": {"_multi": [}');
  }
  return lines.join('\n'); // no newline after the last line
}

test('replay: 1, 2 and 3 parse workers give the same -f, -p and stderr as parsing on the learner\'s thread (plain and gzip)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-threads-'));
  try {
    const text = simulatedLog(6000);
    const plain = join(dir, 'log.dsjson');
    writeFileSync(plain, text);
    assert.ok(text.length > 8 * BLOCK_BYTES, 'the log spans several blocks');
    const policy = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q :: -b 18';
    const single = replay(dir, plain, 0, policy);
    assert.equal(single.code, 0, single.stderr);
    // Figures that a broken reader would change: lines skipped with their numbers, events counted.
    assert.match(single.stderr, /skipping line \d+: not a JSON object/);
    assert.match(single.stderr, /_labelIndex 9 is out of range for 4 actions/);
    const skipped = /(\d+) lines skipped/.exec(single.stderr);
    assert.ok(skipped && Number(skipped[1]) > 40, single.stderr.slice(-500));
    assert.equal(single.preds.toString().split('\n\n').length - 1, Number(/number of examples = (\d+)/.exec(single.stderr)![1]));
    for (const threads of [1, 2, 3]) assertSame(single, replay(dir, plain, threads, policy), `${threads} workers`);
    const gz = join(dir, 'log.dsjson.gz');
    writeFileSync(gz, gzipSync(text));
    assertSame(single, replay(dir, gz, 0, policy), 'gzip, no worker');
    assertSame(single, replay(dir, gz, 2, policy), 'gzip, a worker');
    // ips learns every action: another code path of the learner fed from the same batches.
    const ips = policy.replace('mtr', 'ips');
    assertSame(replay(dir, plain, 0, ips), replay(dir, plain, 2, ips), 'ips, 2 workers');
    // No MaxListenersExceededWarning (or any other) over the run with -p.
    assert.doesNotMatch(single.stderr + replay(dir, plain, 2, policy).stderr, /Warning/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: VW\'s sim-20k with workers equals the single-thread run (mtr, dr, squarecb)', (t) => {
  const v = vectorsDir();
  if (!v) return absent(t, NO_SHARED);
  const dir = mkdtempSync(join(tmpdir(), 'replay-threads-'));
  try {
    const plain = join(dir, 'sim-20k.dsjson');
    writeFileSync(plain, gunzipSync(readFileSync(join(v, 'sim-20k.dsjson.gz'))));
    for (const policy of [
      '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q :: -b 18',
      '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type dr -q :: -b 18',
      '--cb_explore_adf --squarecb --power_t 0 -l 0.001 --cb_type mtr -q :: -b 18',
    ]) {
      const single = replay(dir, plain, 0, policy);
      assert.equal(single.code, 0, single.stderr);
      assert.match(single.stderr, /number of examples = 20000\n/);
      assertSame(single, replay(dir, plain, 2, policy), policy);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: a PERSONALIZER_REPLAY_THREADS that is not a whole number from 0 to 16 is a usage error (exit 2) naming it', () => {
  for (const bad of ['two', '-1', '1.5', '17']) {
    const r = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', 'missing.dsjson'], {
      encoding: 'utf8',
      env: { ...process.env, PERSONALIZER_REPLAY_THREADS: bad },
    });
    assert.equal(r.status, 2, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`PERSONALIZER_REPLAY_THREADS must be a whole number from 0 to 16, got '${bad.replace('.', '\\.')}'`));
  }
});

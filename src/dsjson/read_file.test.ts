import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readDsjson, DsjsonError, type DsjsonRecord, type DsjsonSkip } from './index.js';
import { sharedDir, NO_SHARED, absent } from '../testing/fixtures.js';

async function readAll(path: string) {
  const records: DsjsonRecord[] = [];
  const errors: DsjsonError[] = [];
  const skips: DsjsonSkip[] = [];
  for await (const r of readDsjson(path, { onError: (e) => errors.push(e), onSkip: (s) => skips.push(s) })) records.push(r);
  return { records, errors, skips };
}

test('sim-20k: every line parses to the fields JSON.parse sees', async (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, NO_SHARED);
  const gz = join(shared, 'vw-vectors', 'sim-20k.dsjson.gz');
  const { records, errors, skips } = await readAll(gz);
  assert.equal(errors.length, 0);
  assert.equal(skips.length, 0);
  assert.equal(records.length, 20000);
  const lines = gunzipSync(readFileSync(gz)).toString('utf8').split('\n');
  let costSum = 0;
  for (const { line, event } of records) {
    assert.equal(line, lines[event.lineNumber - 1]);
    const o = JSON.parse(line);
    assert.equal(event.eventId, o.EventId);
    assert.deepEqual(event.a, o.a);
    assert.deepEqual(event.p, o.p);
    assert.deepEqual(event.label, { index: o._labelIndex, cost: o._label_cost, probability: o._label_probability, action: o._label_Action });
    assert.deepEqual(JSON.parse(line.slice(event.contextStart, event.contextEnd)), o.c);
    costSum += event.label!.cost;
  }
  assert.equal(records[19999]!.event.eventId, 'evt-0019999-1');
  // Rewards are {0,1}; the logging policy earns ~0.444 (sim-20k-info.json), so about −8,900 in total.
  assert.ok(costSum < -8000 && costSum > -9800, String(costSum));
});

test('edge cases: malformed lines reported with line numbers and skipped; gz and plain give the same', async () => {
  const c = '{"U":{"x":1},"_multi":[{"A":{"id":"1"}},{"A":{"id":"2"}}]}';
  const lines = [
    `{"_label_cost":-1,"_label_probability":0.5,"_labelIndex":0,"EventId":"ok1","a":[1,2],"c":${c},"p":[0.5,0.5]}`,
    `{"EventId":"broken","a":[1,2],"c":${c}`,
    '',
    `{"EventId":"nolabel","a":[2,1],"c":${c},"p":[0.5,0.5]}`,
    `{"EventId":"drop1","a":[1,2],"c":${c},"pdrop":1}`,
    `{"_label":{"Cost":0,"Probability":0.5},"_labelIndex":1,"EventId":"obj","a":[2,1],"c":${c},"pdrop":0.5}`,
    `{"EventId":"empty","a":[],"c":${c}}`,
    `{"EventId":"skip","a":[1,2],"c":${c},"_skipLearn":true}`,
    `{"EventId":"caf\u00e9 \u2603","a":[1,2],"c":{"U":{"w":"\u00fcber"},"_multi":[{"A":{"id":"1"}}]},"p":[1]}`,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'dsjson-'));
  try {
    const plain = join(dir, 'e.dsjson');
    const gz = join(dir, 'e.json'); // no .gz suffix on purpose: detected by magic bytes
    const text = lines.join('\r\n') + '\r\n';
    writeFileSync(plain, text);
    writeFileSync(gz, gzipSync(Buffer.from(text)));
    const a = await readAll(plain);
    const b = await readAll(gz);
    assert.deepEqual(
      a.records.map((r) => [r.event.lineNumber, r.event.eventId]),
      [[1, 'ok1'], [4, 'nolabel'], [6, 'obj'], [8, 'skip'], [9, 'caf\u00e9 \u2603']],
    );
    assert.deepEqual(a.errors.map((e) => e.lineNumber), [2, 5]);
    assert.match(a.errors[1]!.message, /^line 5: pdrop/);
    assert.deepEqual(a.skips.map((s) => s.lineNumber), [3, 7]);
    assert.equal(a.records[1]!.event.label, undefined);
    assert.deepEqual(a.records[2]!.event.label, { index: 1, cost: 0, probability: 0.5 });
    assert.equal(a.records[2]!.event.weight, 2);
    assert.equal(a.records[3]!.event.skipLearn, true);
    const last = a.records[4]!;
    assert.equal(last.line.slice(last.event.contextStart, last.event.contextEnd), '{"U":{"w":"\u00fcber"},"_multi":[{"A":{"id":"1"}}]}');
    assert.deepEqual(JSON.parse(JSON.stringify(b)), JSON.parse(JSON.stringify(a)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCbLine, DsjsonError, isCbEvent, type CbEvent } from './index.js';

const C = '{"User":{"age":0.5},"_multi":[{"Action":{"id":"a1"}},{"Action":{"id":"a2"}}]}';

function event(line: string, n = 1): CbEvent {
  const r = parseCbLine(line, n);
  assert.ok(isCbEvent(r), `expected an event, got ${JSON.stringify(r)}`);
  return r;
}

function error(line: string, n = 7): DsjsonError {
  const r = parseCbLine(line, n);
  assert.ok(r instanceof DsjsonError, `expected an error, got ${JSON.stringify(r)}`);
  assert.equal(r.lineNumber, n);
  return r;
}

test('flat label fields, c span, a/p, ids', () => {
  const line = `{"_label_cost":-1.0,"_label_probability":0.84,"_label_Action":2,"_labelIndex":1,"o":[{"v":1.0,"EventId":"e1","ActionTaken":false}],"Timestamp":"2024-01-01T00:00:00.000000Z","Version":"1","EventId":"e1","a":[2,1],"c":${C},"p":[0.84,0.16],"VWState":{"m":"x"},"_original_label_cost":-1.0}`;
  const e = event(line, 3);
  assert.equal(e.lineNumber, 3);
  assert.deepEqual(e.label, { index: 1, cost: -1, probability: 0.84, action: 2 });
  assert.equal(line.slice(e.contextStart, e.contextEnd), C);
  assert.deepEqual(e.a, [2, 1]);
  assert.deepEqual(e.p, [0.84, 0.16]);
  assert.equal(e.eventId, 'e1');
  assert.equal(e.timestamp, '2024-01-01T00:00:00.000000Z');
  assert.equal(e.originalLabelCost, -1);
  assert.equal(e.weight, 1);
  assert.equal(e.skipLearn, false);
});

test('missing label ⇒ predict-only event', () => {
  const e = event(`{"EventId":"e2","a":[1,2],"c":${C},"p":[0.5,0.5]}`);
  assert.equal(e.label, undefined);
});

test('_label object form, case-insensitive names, index from Action when _labelIndex is absent', () => {
  const e = event(`{"_label":{"Cost":0.5,"Probability":0.25,"Action":2},"a":[2,1],"c":${C}}`);
  assert.deepEqual(e.label, { index: 1, cost: 0.5, probability: 0.25, action: 2 });
  const f = event(`{"_label_COST":-2,"_label_probability":0.5,"_labelIndex":0,"a":[1,2],"c":${C}}`);
  assert.deepEqual(f.label, { index: 0, cost: -2, probability: 0.5 });
});

test('pdrop divides the weight by 1 − pdrop; pdrop == 1 is rejected', () => {
  const e = event(`{"_label_cost":-1,"_label_probability":0.5,"_labelIndex":0,"a":[1,2],"c":${C},"pdrop":0.2}`);
  assert.equal(e.pdrop, 0.2);
  assert.ok(Math.abs(e.weight - 1.25) < 1e-12);
  // VW divides in float: 1 / (1 − 0.9f) = 9.999998, not 10.000000000000002
  const d = event(`{"_label_cost":-1,"_label_probability":0.5,"_labelIndex":0,"a":[1,2],"c":${C},"pdrop":0.9}`);
  assert.equal(d.weight, Math.fround(9.999998));
  assert.equal(d.weight.toFixed(6), '9.999998');
  // 0.99999999 is 1 as a float: VW's pdrop == 1 refusal
  assert.match(error(`{"a":[1],"c":${C},"pdrop":0.99999999}`).reason, /pdrop/);
  assert.match(error(`{"a":[1],"c":${C},"pdrop":1}`).reason, /pdrop/);
  assert.match(error(`{"a":[1],"c":${C},"pdrop":1.0}`).reason, /pdrop/);
});

test('_skipLearn is reported on the event; empty or missing a is skipped silently', () => {
  assert.equal(event(`{"a":[1,2],"c":${C},"_skipLearn":true}`).skipLearn, true);
  assert.equal(event(`{"a":[1,2],"c":${C},"_skipLearn":false}`).skipLearn, false);
  for (const line of [`{"a":[],"c":${C}}`, `{"c":${C}}`]) {
    const r = parseCbLine(line, 4);
    assert.ok(!isCbEvent(r) && !(r instanceof DsjsonError) && r.skipped);
  }
});

test('lines not starting with { are skipped, not errors', () => {
  for (const line of ['', ' {"a":[1],"c":{}}', '# comment', '[1,2]']) {
    const r = parseCbLine(line, 9);
    assert.ok('skipped' in r && r.skipped, line);
  }
});

test('malformed lines are errors carrying the line number', () => {
  assert.match(error(`{"a":[1,2],"c":${C}`).reason, /expected ',' or '}'|unbalanced/);
  assert.match(error(`{"a":[1,"x"],"c":${C}}`).reason, /number/);
  assert.match(error(`{"a":[1],"c":[1]}`).reason, /"c" must be an object/);
  assert.match(error(`{"a":[1]}`).reason, /missing "c"/);
  assert.match(error(`{"_label_cost":-1,"a":[1],"c":${C}}`).reason, /no probability/);
  assert.match(error(`{"_label_cost":-1,"_label_probability":0,"_labelIndex":0,"a":[1],"c":${C}}`).reason, /probability/);
  assert.match(error(`{"_label_cost":-1,"_label_probability":0.5,"a":[1],"c":${C}}`).reason, /_labelIndex/);
  assert.match(error(`{"a":[1],"c":${C}} trailing`).reason, /after the object/);
  assert.match(error(`{"a":[1],"c":${C},"EventId":"unterminated}`).reason, /unterminated|unbalanced|expected/);
});

test('CCB lines are detected and reported as unsupported', () => {
  assert.match(error(`{"EventId":"x","c":{"_multi":[],"_slots":[{"_id":"s"}]},"_outcomes":[{"_label_cost":0}]}`).reason, /CCB/);
  assert.match(error(`{"EventId":"x","a":[1],"c":{"_multi":[{"a":1}],"_slots":[{"_id":"s"}]}}`).reason, /CCB/);
  // Such a line is flagged as one a reader must stop at, not skip; a malformed line is not.
  assert.equal(error(`{"EventId":"x","a":[1],"c":{"_multi":[{"a":1}],"_slots":[{"_id":"s"}]}}`).unsupported, true);
  assert.equal(error(`{"a":[1],"c":{"_multi":[{"a":1}]},"_type":"ccb"}`).unsupported, true);
  assert.equal(error(`{"a":[1],"c":{"_multi":[{"a":1}]},"_type":"ccb"}`).reason, 'a multi-slot event (CCB or slates): "_type":"ccb", which a single-slot policy does not read');
  assert.equal(error(`{"a":[1],"c":{"_multi":[{"a":1}]},"pdrop":2}`).unsupported, false);
  event(`{"a":[1],"c":{"_multi":[{"a":1}]},"_type":"cb"}`);
  // "_slots" deeper than the top of c is only a (skipped) feature key, not a CCB marker.
  event(`{"EventId":"x","a":[1],"c":{"_multi":[{"A":{"_slots":1}}]}}`);
});

test('strings with escapes and numbers in all JSON forms', () => {
  const e = event(`{"EventId":"a\\"b\\\\","a":[1e0,2],"p":[5E-1,-0.25,1.5e+2,0.1234567890123456789],"c":{"k":"}\\""}}`);
  assert.equal(e.eventId, 'a"b\\');
  assert.deepEqual(e.a, [1, 2]);
  assert.deepEqual(e.p, [0.5, -0.25, 150, 0.1234567890123456789]);
});

test('fast number path agrees with Number() on many decimals', () => {
  for (let k = 0; k < 2000; k++) {
    const x = Number((Math.random() * 10 ** ((k % 9) - 4)).toFixed(k % 16));
    const text = String(k % 2 ? -x : x);
    if (/e/i.test(text)) continue;
    const e = event(`{"a":[1],"p":[${text}],"c":{}}`);
    assert.equal(e.p[0], Number(text), text);
  }
});

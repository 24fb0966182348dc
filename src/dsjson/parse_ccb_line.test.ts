import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { NO_SHARED, readText, vectorsDir, needs } from '../testing/fixtures.js';
import { formatCcbLine, type CcbLogEvent } from './format_ccb_line.js';
import { NO_LABELED_SLOT, parseCcbLine } from './parse_ccb_line.js';
import { DsjsonError, isCcbEvent, type CcbEvent } from './types.js';

const vectors = vectorsDir();
const skip = needs(vectors, NO_SHARED);
const ccb = (name: string): string[] => readText(join(vectors!, 'ccb', name)).split('\n').filter((l) => l !== '');

interface RawLine {
  Timestamp: string;
  Version: string;
  EventId: string;
  c: unknown;
  _outcomes?: { _label_cost?: number; _id?: string; _a?: number[]; _p?: number[]; _o?: { v: number; ActionTaken: boolean }[]; _original_label_cost?: number }[];
  _ba?: number[];
  VWState?: { m: string };
}

function event(line: string, n = 1): CcbEvent {
  const r = parseCcbLine(line, n);
  assert.ok(isCcbEvent(r), JSON.stringify(r));
  return r;
}

test('ccb-10k: every line read as VW reads it (labels from _a[0]/_p[0]/_label_cost, c as a span, _ba)', { skip }, () => {
  const lines = ccb('ccb-10k.dsjson.gz');
  assert.equal(lines.length, 10000);
  lines.forEach((line, i) => {
    const e = event(line, i + 1);
    const o = JSON.parse(line) as RawLine;
    assert.deepEqual(JSON.parse(line.slice(e.contextStart, e.contextEnd)), o.c);
    assert.equal(e.eventId, o.EventId);
    assert.equal(e.timestamp, o.Timestamp);
    assert.deepEqual(e.labels, o._outcomes!.map((x) => ({ action: x._a![0], cost: x._label_cost, probability: x._p![0] })));
    assert.deepEqual(e.outcomes.map((x) => x.id), ['top', 'middle', 'bottom']);
    assert.deepEqual(e.baselineActions, o._ba);
    assert.equal(e.weight, 1);
    assert.equal(e.skipLearn, false);
  });
});

test('edge cases: no _outcomes drops the line, an outcome without _a/_p leaves its slot unlabeled', { skip }, () => {
  const [none, middle, first] = ccb('edge-cases.dsjson');
  const r = parseCcbLine(none!, 1);
  assert.deepEqual(r, { skipped: true, lineNumber: 1, reason: NO_LABELED_SLOT });
  assert.deepEqual(event(middle!).labels.map((l) => l !== null), [true, false, true]);
  assert.deepEqual(event(first!).labels.map((l) => l !== null), [true]);
});

test('formatCcbLine writes tiny-20 back byte for byte from its parts (the joiner\'s CCB line)', { skip }, () => {
  for (const line of ccb('tiny-20.dsjson')) {
    const o = JSON.parse(line) as RawLine;
    const e: CcbLogEvent = {
      eventId: o.EventId,
      timestamp: o.Timestamp,
      version: o.Version,
      context: JSON.stringify(o.c).replace(/:(-?\d+)([,}\]])/g, ':$1.0$2'),
      slots: o._outcomes!.map((x) => ({
        id: x._id!,
        actions: x._a!,
        probabilities: x._p!,
        cost: x._label_cost!,
        originalCost: x._original_label_cost!,
        ...(x._o ? { observations: x._o.map((v) => ({ value: v.v, actionTaken: v.ActionTaken })) } : {}),
      })),
      baselineActions: o._ba!,
      modelId: o.VWState!.m,
    };
    assert.equal(formatCcbLine(e), line);
  }
});

test('a slot without a cost is written with its id only and read back unlabeled; pdrop and _skipLearn round-trip', () => {
  const context = '{"u":{"x":1},"_multi":[{"a":{"i":1}},{"a":{"i":2}}],"_slots":[{"_id":"s0"},{"_id":"s1"}]}';
  const line = formatCcbLine({
    eventId: 'e1',
    timestamp: '2026-01-01T00:00:00.000Z',
    context,
    slots: [
      { id: 's0', actions: [1, 0], probabilities: [0.9, 0.1], cost: -1 },
      { id: 's1', actions: [0], probabilities: [1], cost: null },
    ],
    baselineActions: [0, 1],
    pdrop: 0.5,
  });
  assert.equal(
    line,
    '{"Timestamp":"2026-01-01T00:00:00.000Z","Version":"1","EventId":"e1","c":' + context +
      ',"_outcomes":[{"_label_cost":-1.0,"_id":"s0","_a":[1,0],"_p":[0.9,0.1],"_original_label_cost":-1.0},{"_id":"s1"}],"_ba":[0,1],"pdrop":0.5}',
  );
  const e = event(line);
  assert.deepEqual(e.labels, [{ action: 1, cost: -1, probability: 0.9 }, null]);
  assert.equal(e.weight, 2);
  assert.equal(line.slice(e.contextStart, e.contextEnd), context);
  assert.equal(event(formatCcbLine({ eventId: 'e', timestamp: 't', context, slots: [], skipLearn: true })).skipLearn, true);
  assert.throws(() => formatCcbLine({ eventId: 'e', timestamp: 't', context, slots: [{ id: 'x', actions: [0, 1], probabilities: [1], cost: 0 }] }), RangeError);
});

test('a single-slot label on a CCB line is one slot labeled _label_Action − 1', () => {
  const e = event('{"_label_cost":-1,"_label_probability":0.5,"_label_Action":2,"_labelIndex":1,"a":[2,1],"c":{"_multi":[{"a":1},{"a":2}]},"p":[0.5,0.5]}');
  assert.deepEqual(e.labels, [{ action: 1, cost: -1, probability: 0.5 }]);
});

test('malformed CCB lines are errors naming the problem, never events', () => {
  const c = '"c":{"_multi":[{"a":1},{"a":2}],"_slots":[{"_id":"s"}]}';
  const bad: [string, RegExp][] = [
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0,1],"_p":[1]}]}`, /"_a" has 2 actions but "_p" 1/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[0]}]}`, /must be in \(0, 1\], got 0/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[1.5]}]}`, /must be in \(0, 1\], got 1.5/],
    [`{${c},"_outcomes":[{"_a":[0],"_p":[1]}]}`, /no "_label_cost"/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[-1],"_p":[1]}]}`, /action positions are integers from 0/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0.5],"_p":[1]}]}`, /action positions are integers from 0/],
    [`{${c},"_outcomes":{"_label_cost":0}}`, /must be an array/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[1]}],"pdrop":1}`, /pdrop must be in \[0, 1\)/],
    [`{"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[1]}]}`, /missing "c"/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[1]}]} x`, /unexpected text after the object/],
    [`{${c},"_outcomes":[{"_label_cost":0,"_a":[0],"_p":[1]}]`, /expected|unterminated|unbalanced/],
  ];
  for (const [line, re] of bad) {
    const r = parseCcbLine(line, 7);
    assert.ok(r instanceof DsjsonError, `${line}: ${JSON.stringify(r)}`);
    assert.equal(r.lineNumber, 7);
    assert.match(r.reason, re, line);
  }
});

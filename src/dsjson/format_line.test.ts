import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCbLine, parseCbLine, isCbEvent, type CbLogEvent } from './index.js';

const context =
  '{"FromUrl":[{"user":{"tier":"gold","visits":3}},{"timeOfDay":"morning"}],' +
  '"_multi":[{"_tag":"pasta","i":{"constant":1,"id":"pasta"},"j":[{"cuisine":"italian","spice":"medium"},{"nutrition":{"calories":800}}]},' +
  '{"_tag":"soup","i":{"constant":1,"id":"soup"},"j":[{"cuisine":"french","spice":"none"}]}]}';

test('the worked example of docs/features.md §6, byte for byte', () => {
  const line = formatCbLine({
    eventId: 'evt-123',
    timestamp: '2024-01-01T00:00:00.000Z',
    context,
    a: [2, 1],
    p: [0.5, 0.5],
    label: { index: 1, cost: -1, probability: 0.5, action: 2 },
    observations: [{ value: 1 }],
    modelId: 'm1',
    originalLabelCost: -1,
  });
  assert.equal(
    line,
    '{"_label_cost":-1.0,"_label_probability":0.5,"_label_Action":2,"_labelIndex":1,' +
      '"o":[{"v":1.0,"EventId":"evt-123","ActionTaken":false}],' +
      '"Timestamp":"2024-01-01T00:00:00.000Z","Version":"1","EventId":"evt-123","a":[2,1],' +
      `"c":${context},"p":[0.5,0.5],"VWState":{"m":"m1"},"_original_label_cost":-1.0}`,
  );
});

test('format → parse round trip keeps every field and the c text verbatim', () => {
  const events: CbLogEvent[] = [
    { eventId: 'a"b', timestamp: 't', context, a: [1, 2], p: [0.9, 0.1] },
    { eventId: 'x', timestamp: 't2', context, a: [2, 1], p: [0.84, 0.16], label: { index: 1, cost: 0, probability: 0.84 }, pdrop: 0.25, originalLabelCost: 0 },
    { eventId: 'y', timestamp: 't3', context: '{ "_multi" : [ {"k":"v"} ] }', a: [1], p: [1], label: { index: 0, cost: -0.5, probability: 1 }, skipLearn: true },
  ];
  for (const e of events) {
    const line = formatCbLine(e);
    assert.doesNotThrow(() => JSON.parse(line));
    const r = parseCbLine(line, 1);
    assert.ok(isCbEvent(r));
    assert.equal(r.eventId, e.eventId);
    assert.equal(r.timestamp, e.timestamp);
    assert.deepEqual(r.a, e.a);
    assert.deepEqual(r.p, e.p);
    assert.equal(line.slice(r.contextStart, r.contextEnd), e.context);
    assert.deepEqual(r.label, e.label && { ...e.label, action: e.label.index + 1 });
    assert.equal(r.pdrop, e.pdrop ?? 0);
    assert.equal(r.originalLabelCost, e.originalLabelCost);
    assert.equal(r.skipLearn, e.skipLearn ?? false);
  }
  // No reward yet ⇒ no label fields at all.
  assert.ok(!formatCbLine(events[0]!).includes('_label'));
});

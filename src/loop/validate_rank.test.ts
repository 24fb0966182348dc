import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateRankRequest } from './validate_rank.js';
import { buildContext } from './context.js';
import { LoopError } from './types.js';

function rejects(body: unknown, pattern: RegExp): void {
  assert.throws(
    () => validateRankRequest(body),
    (e: unknown) => e instanceof LoopError && e.code === 'InvalidRankRequest' && e.status === 400 && pattern.test(e.message),
  );
}

const a = (id: string, features: unknown[] = [{ f: 1 }]) => ({ id, features });

test('valid request: included positions skip excluded ids, unknown exclusions ignored', () => {
  const v = validateRankRequest({
    contextFeatures: [{ user: { tier: 'gold', visits: 3, _secret: ['x'] } }, { t: true, n: null, v: [1, 2.5] }],
    actions: [a('pasta'), a('salad'), a('soup')],
    excludedActions: ['salad', 'not-an-action'],
    eventId: 'evt-1',
    deferActivation: true,
  });
  assert.deepEqual(v.included, [0, 2]);
  assert.equal(v.eventId, 'evt-1');
  assert.equal(v.deferActivation, true);
  assert.equal(validateRankRequest({ actions: [a('x')] }).eventId, undefined);
});

test('action count, ids, uniqueness and lengths', () => {
  rejects({}, /^actions: is required/);
  rejects({ actions: [] }, /^actions: must contain at least one/);
  rejects({ actions: Array.from({ length: 51 }, (_, i) => a(`a${i}`)) }, /^actions: must not contain more than 50/);
  assert.equal(validateRankRequest({ actions: Array.from({ length: 50 }, (_, i) => a(`a${i}`)) }).included.length, 50);
  rejects({ actions: [a('x'), { id: '', features: [] }] }, /^actions\[1\]\.id: must be a non-empty string/);
  rejects({ actions: [a('x'), { id: 7, features: [] }] }, /^actions\[1\]\.id: must be a non-empty string/);
  rejects({ actions: [a('x'.repeat(257))] }, /^actions\[0\]\.id: must be at most 256/);
  assert.doesNotThrow(() => validateRankRequest({ actions: [a('x'.repeat(256))] }));
  rejects({ actions: [a('x'), a('y'), a('x')] }, /^actions\[2\]\.id: duplicate action id 'x' \(also actions\[0\]\.id\)/);
  rejects({ actions: [{ id: 'x' }] }, /^actions\[0\]\.features: must be an array/);
  rejects({ actions: [a('x')], eventId: 'e'.repeat(257) }, /^eventId: must be at most 256/);
  rejects({ actions: [a('x')], eventId: '' }, /^eventId: must be a non-empty string/);
  rejects({ actions: [a('x')], deferActivation: 'yes' }, /^deferActivation: must be a boolean/);
  rejects([], /^request: must be a JSON object/);
});

test('feature values: the message names the field', () => {
  rejects({ actions: [a('x'), a('y'), a('z', [{ ok: 1 }, { tags: ['a', 'b'] }])] }, /^actions\[2\]\.features\[1\]\.tags\[0\]: arrays in features may only hold numbers/);
  rejects({ actions: [a('x', [{ m: [[1, 2]] }])] }, /^actions\[0\]\.features\[0\]\.m\[0\]: arrays/);
  rejects({ actions: [a('x', ['str'])] }, /^actions\[0\]\.features\[0\]: must be an object/);
  rejects({ actions: [a('x', [null])] }, /^actions\[0\]\.features\[0\]: must be an object/);
  rejects({ contextFeatures: [{ user: { flags: [true] } }], actions: [a('x')] }, /^contextFeatures\[0\]\.user\.flags\[0\]: arrays/);
  rejects({ contextFeatures: { user: 1 }, actions: [a('x')] }, /^contextFeatures: must be an array/);
  let deep: Record<string, unknown> = { v: 1 };
  for (let i = 0; i < 40; i++) deep = { d: deep };
  rejects({ actions: [a('x', [deep])] }, /nested deeper than 32/);
  // `_`-prefixed keys are ignored, whatever they hold.
  assert.doesNotThrow(() => validateRankRequest({ actions: [a('x', [{ _meta: ['s', [1]], ok: 'v' }])] }));
});

test('excludedActions: must be strings; all excluded is a clear 400', () => {
  rejects({ actions: [a('x')], excludedActions: 'x' }, /^excludedActions: must be an array/);
  rejects({ actions: [a('x')], excludedActions: [3] }, /^excludedActions\[0\]: must be a string/);
  rejects({ actions: [a('x'), a('y')], excludedActions: ['y', 'x'] }, /^excludedActions: every action is excluded/);
});

test('context JSON is exactly docs/features.md §6', () => {
  const v = validateRankRequest({
    contextFeatures: [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }],
    actions: [
      a('pasta', [{ cuisine: 'italian', spice: 'medium' }, { nutrition: { calories: 800 } }]),
      a('salad', [{ cuisine: 'any' }]),
      a('soup', [{ cuisine: 'french', spice: 'none' }]),
    ],
    excludedActions: ['salad'],
  });
  assert.equal(
    buildContext(v),
    '{"FromUrl":[{"user":{"tier":"gold","visits":3}},{"timeOfDay":"morning"}],' +
      '"_multi":[{"_tag":"pasta","i":{"constant":1,"id":"pasta"},"j":[{"cuisine":"italian","spice":"medium"},{"nutrition":{"calories":800}}]},' +
      '{"_tag":"soup","i":{"constant":1,"id":"soup"},"j":[{"cuisine":"french","spice":"none"}]}]}',
  );
  // No contextFeatures → no FromUrl (§2.1); empty features → "j":[] (§2.2); ids are JSON-escaped.
  const w = validateRankRequest({ actions: [a('say "hi"', [])] });
  assert.equal(buildContext(w), '{"_multi":[{"_tag":"say \\"hi\\"","i":{"constant":1,"id":"say \\"hi\\""},"j":[]}]}');
});

// Multi-slot request validation and the DSJSON CCB context built from a valid request (docs/multi-slot.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMultiSlotContext } from './multislot_context.js';
import { LoopError } from './types.js';
import { validateMultiSlotRank, validateMultiSlotReward } from './validate_multislot.js';

const actions = ['a', 'b', 'c', 'd'].map((id) => ({ id, features: [{ f: { id } }] }));

function refused(body: unknown, message: RegExp, code = 'InvalidRankRequest'): void {
  assert.throws(
    () => (code === 'InvalidRankRequest' ? validateMultiSlotRank(body) : validateMultiSlotReward(body)),
    (e: unknown) => e instanceof LoopError && e.code === code && message.test(e.message),
  );
}

test('a valid request: every action in _multi, each slot its candidates, baseline and features', () => {
  const v = validateMultiSlotRank({
    contextFeatures: [{ user: { tier: 'gold' } }],
    actions,
    slots: [
      { id: 'main', baselineAction: 'b', features: [{ size: 'L' }], excludedActions: ['a', 'zz'] },
      { id: 'side', baselineAction: 'a' },
      { id: 'foot', baselineAction: 'd', excludedActions: ['b', 'c'], features: null },
    ],
    eventId: 'e1',
    deferActivation: true,
  });
  assert.deepEqual(v.slots.map((s) => [s.id, s.baseline, s.included, s.restricted]), [
    ['main', 1, [1, 2, 3], true],
    ['side', 0, [0, 1, 2, 3], false],
    ['foot', 3, [0, 3], true],
  ]);
  assert.equal(v.eventId, 'e1');
  assert.equal(v.deferActivation, true);
  const c = JSON.parse(buildMultiSlotContext(v)) as Record<string, unknown>;
  assert.deepEqual(c.FromUrl, [{ user: { tier: 'gold' } }]);
  assert.deepEqual((c._multi as { _tag: string }[]).map((m) => m._tag), ['a', 'b', 'c', 'd']);
  assert.deepEqual(c._multi && (c._multi as unknown[])[0], { _tag: 'a', i: { constant: 1, id: 'a' }, j: [{ f: { id: 'a' } }] });
  assert.deepEqual(c._slots, [
    { _id: 'main', sj: [{ size: 'L' }, { _inc: [1, 2, 3] }] },
    { _id: 'side', sj: [] },
    { _id: 'foot', sj: [{ _inc: [0, 3] }] },
  ]);
});

test('the features are copied from the request text as the client wrote them', () => {
  const text = '{"contextFeatures":[{"u":{"b":1,"a":2}}],"actions":[{"id":"x","features":[{"k":"v"}]},{"id":"y","features":[]}],"slots":[{"id":"s","baselineAction":"y"}]}';
  const ctx = buildMultiSlotContext(validateMultiSlotRank(JSON.parse(text)), text);
  assert.equal(ctx, '{"FromUrl":[{"u":{"b":1,"a":2}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[{"k":"v"}]},{"_tag":"y","i":{"constant":1,"id":"y"},"j":[]}],"_slots":[{"_id":"s","sj":[]}]}');
});

test('the spec rules and VW\'s: each refusal names its field', () => {
  const slot = (id: string, baselineAction: unknown, extra: object = {}) => ({ id, baselineAction, ...extra });
  refused(null, /^request: must be a JSON object/);
  refused({ actions }, /^slots: is required/);
  refused({ actions, slots: [] }, /^slots: must contain at least one slot/);
  refused({ actions: [], slots: [slot('s', 'a')] }, /^actions: must contain at least one action/);
  refused({ actions: actions.slice(0, 1), slots: [slot('s', 'a'), slot('t', 'b')] }, /^slots: 2 slots but only 1 actions/);
  refused({ actions, slots: [slot('s', undefined)] }, /^slots\[0\]\.baselineAction: is required/);
  refused({ actions, slots: [slot('s', 'zz')] }, /^slots\[0\]\.baselineAction: 'zz' is not one of the request's action ids/);
  refused({ actions, slots: [slot('s', 'a', { excludedActions: ['a'] })] }, /^slots\[0\]\.baselineAction: 'a' is in this slot's excludedActions/);
  refused({ actions, slots: [slot('s', 'a'), slot('t', 'a')] }, /^slots\[1\]\.baselineAction: 'a' is already slots\[0\]'s baseline/);
  refused({ actions, slots: [slot('s', 'a'), slot('s', 'b')] }, /^slots\[1\]\.id: duplicate slot id 's'/);
  refused({ actions, slots: [slot('', 'a')] }, /^slots\[0\]\.id: must be a non-empty string/);
  refused({ actions, slots: [slot('x'.repeat(257), 'a')] }, /^slots\[0\]\.id: must be at most 256/);
  refused({ actions, slots: [slot('s', 'a', { excludedActions: 'b' })] }, /^slots\[0\]\.excludedActions: must be an array/);
  refused({ actions, slots: [slot('s', 'a', { features: [{ x: Number.MAX_VALUE }] })] }, /^slots\[0\]\.features\[0\]\.x: numbers must be finite as 32-bit floats/);
  refused({ actions: Array.from({ length: 51 }, (_, i) => ({ id: `a${i}`, features: [] })), slots: [slot('s', 'a0')] }, /^actions: must not contain more than 50/);
  refused({ actions: Array.from({ length: 50 }, (_, i) => ({ id: `a${i}`, features: [] })), slots: Array.from({ length: 51 }, (_, i) => slot(`s${i}`, `a${i % 50}`)) }, /^slots: must not contain more than 50/);
});

test('multi-slot rewards: 1 to 50 slot rewards, each a slot id and a value in [-1, 1]', () => {
  assert.deepEqual(validateMultiSlotReward({ reward: [{ slotId: 's', value: -1 }, { slotId: 's', value: 1 }] }), [{ slotId: 's', value: -1 }, { slotId: 's', value: 1 }]);
  refused({}, /^reward: is required/, 'InvalidRewardRequest');
  refused({ reward: [] }, /^reward: must hold at least one/, 'InvalidRewardRequest');
  refused({ reward: [{ slotId: 's', value: 1.01 }] }, /^reward\[0\]\.value: must be a number between -1 and 1/, 'InvalidRewardRequest');
  refused({ reward: [{ slotId: 's', value: Number.NaN }] }, /^reward\[0\]\.value/, 'InvalidRewardRequest');
  refused({ reward: [{ slotId: '', value: 1 }] }, /^reward\[0\]\.slotId/, 'InvalidRewardRequest');
  refused({ reward: [{ value: 1 }] }, /^reward\[0\]\.slotId/, 'InvalidRewardRequest');
  refused({ reward: Array.from({ length: 51 }, () => ({ slotId: 's', value: 0 })) }, /^reward: must not hold more than 50/, 'InvalidRewardRequest');
});

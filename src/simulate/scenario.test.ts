import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_SCENARIOS } from './builtin.js';
import { parseScenario, ScenarioError, validateScenario } from './scenario.js';

const minimal = () => ({
  name: 'tiny',
  segments: [{ name: 'a', features: { x: 1 } }, { name: 'b', features: { x: 2 } }],
  actions: [{ id: 'one', features: { kind: 'p' } }, { id: 'two', features: { kind: 'q' } }],
  reward: { intercept: -1, effects: [{ segment: 'b', action: { kind: 'q' }, weight: 2 }] },
});

test('the built-in scenarios are valid and have 10 to 30 actions', () => {
  for (const [name, doc] of Object.entries(BUILTIN_SCENARIOS)) {
    const s = validateScenario(doc);
    assert.equal(s.name, name);
    assert.ok(s.actions.length >= 10 && s.actions.length <= 30, `${name}: ${s.actions.length} actions`);
    assert.ok(s.segments.length >= 3, `${name}: ${s.segments.length} segments`);
    assert.ok(Object.keys(s.devices).length >= 2, `${name}: devices`);
    assert.ok(s.reward.effects.some((e) => e.drift !== 0), `${name}: no drift`);
    assert.ok(s.reward.noise > 0, `${name}: no noise`);
  }
});

test('a minimal scenario gets the documented defaults', () => {
  const s = validateScenario(minimal());
  assert.equal(s.clock.eventsPerDay, 2000);
  assert.equal(s.clock.start, Date.parse('2026-01-05T06:00:00Z'));
  assert.deepEqual(s.devices, { mobile: 1 });
  assert.deepEqual(s.segments[0]!.activity, { night: 1, morning: 1, afternoon: 1, evening: 1 });
  assert.equal(s.reward.noise, 0);
  assert.deepEqual(s.reward.effects[0], { segment: ['b'], action: { kind: ['q'] }, weight: 2, drift: 0 });
});

test('errors name the field at fault', () => {
  const cases: [(d: any) => void, RegExp][] = [
    [(d) => (d.segmnets = []), /^scenario\.segmnets: unknown field \(known: name, description/],
    [(d) => (d.actions = [d.actions[0]]), /^actions: must have 2 to 50 items, has 1$/],
    [(d) => (d.actions[1].id = 'one'), /^actions\[1\]: duplicate action id 'one'$/],
    [(d) => (d.actions[0].features.kind = { nested: 1 }), /^actions\[0\]\.features\.kind: must be a string, a finite number or a boolean$/],
    [(d) => (d.reward.effects[0].segment = 'c'), /^reward\.effects\[0\]\.segment: must be one of a, b, got 'c'$/],
    [(d) => (d.reward.effects[0].action = { knd: 'q' }), /^reward\.effects\[0\]\.action\.knd: no action has a feature 'knd'$/],
    [(d) => (d.reward.effects[0].weight = 50), /^reward\.effects\[0\]\.weight: must be from -20 to 20, got 50$/],
    [(d) => (d.reward.effects[0].timeOfDay = ['noon']), /^reward\.effects\[0\]\.timeOfDay\[0\]: must be one of night, morning, afternoon, evening, got 'noon'$/],
    [(d) => (d.segments[0].devices = { phone: 1 }), /^segments\[0\]\.devices\.phone: is not one of mobile$/],
    [(d) => (d.segments.forEach((s: any) => (s.activity = { morning: 1 }))), /^segments: no segment is active in the night/],
    [(d) => (d.clock = { start: 'yesterday' }), /^clock\.start: must be an ISO-8601 date-time/],
    [(d) => (d.clock = { eventsPerDay: 1.5 }), /^clock\.eventsPerDay: must be a whole number$/],
    [(d) => delete d.reward, /^reward: must be a JSON object$/],
  ];
  for (const [change, message] of cases) {
    const doc = minimal();
    change(doc);
    assert.throws(() => validateScenario(doc), (e: unknown) => e instanceof ScenarioError && message.test(e.message), String(message));
  }
});

test('a file that is not JSON, or not valid, is refused naming the file', () => {
  assert.throws(() => parseScenario('{"name":', 'my.json'), /^Error: my\.json: not valid JSON \(/);
  assert.throws(() => parseScenario('[]', 'my.json'), /^Error: my\.json: scenario: must be a JSON object$/);
  assert.equal(parseScenario(JSON.stringify(minimal()), 'my.json').actions.length, 2);
});

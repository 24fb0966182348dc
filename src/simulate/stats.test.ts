import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulationStats } from './stats.js';

const outcome = (index: number, chosen: number, reward: number) => ({ index, eventId: `e${index}`, chosen, reward, expected: [0.1, 0.3, 0.5] });

test('rolling and whole-run figures, with outcomes arriving out of order', () => {
  const s = new SimulationStats(2);
  s.record(outcome(1, 2, 1));
  assert.equal(s.done, 0, 'event 1 waits for event 0');
  s.record(outcome(0, 0, 0));
  s.record(outcome(2, 1, 1));
  assert.equal(s.done, 3);
  const all = s.overall();
  assert.equal(all.events, 3);
  assert.ok(Math.abs(all.loopExpected - (0.1 + 0.5 + 0.3) / 3) < 1e-12);
  assert.ok(Math.abs(all.loop - 2 / 3) < 1e-12);
  assert.ok(Math.abs(all.baseline - 0.1) < 1e-12);
  assert.ok(Math.abs(all.random - 0.3) < 1e-12);
  assert.ok(Math.abs(all.oracle - 0.5) < 1e-12);
  assert.ok(Math.abs(all.oracleShare - 1 / 3) < 1e-12);
  const last = s.rolling();
  assert.equal(last.events, 2);
  assert.ok(Math.abs(last.loopExpected - 0.4) < 1e-12, `rolling ${last.loopExpected}`);
  assert.ok(Math.abs(last.lift - 3) < 1e-9, `lift ${last.lift}`);
  assert.equal(s.first(1).loopExpected, 0.1);
});

test('the digest changes with any choice or reward', () => {
  const a = new SimulationStats(10);
  const b = new SimulationStats(10);
  const c = new SimulationStats(10);
  for (const [s, r] of [[a, 1], [b, 1], [c, 0]] as const) {
    s.record(outcome(0, 1, 1));
    s.record(outcome(1, 2, r));
  }
  assert.equal(a.digest(), b.digest());
  assert.notEqual(a.digest(), c.digest());
});

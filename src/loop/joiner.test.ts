import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JoinEvent, RewardRecord } from '../store/index.js';
import { decideJoin, type JoinRules } from './joiner.js';

const WAIT = 10_000;
function ev(deferActivation = false, activatedAt: number | null = null): JoinEvent {
  return { timestamp: 1000, deferActivation, activatedAt };
}
const r = (value: number, timestamp: number): RewardRecord => ({ value, timestamp });
const rules = (rewardAggregation: JoinRules['rewardAggregation'], defaultReward = 0): JoinRules => ({
  rewardWaitMs: WAIT, defaultReward, rewardAggregation,
});
const OPEN = 5000; // inside the window [1000, 11000]
const CLOSED = 11_000;

test('earliest: learnable at the first reward, later ones ignored', () => {
  const rewards = [r(0.3, 2000), r(1, 3000)];
  assert.deepEqual(decideJoin({ event: ev(), rewards }, rules('earliest'), OPEN), { skipLearn: false, reward: 0.3 });
  assert.equal(decideJoin({ event: ev(), rewards: [] }, rules('earliest'), OPEN), null);
});

test('sum and average wait for the window; late rewards excluded', () => {
  const rewards = [r(0.5, 2000), r(1, 3000), r(-1, 11_001)];
  assert.equal(decideJoin({ event: ev(), rewards }, rules('sum'), OPEN), null);
  assert.equal(decideJoin({ event: ev(), rewards }, rules('average'), OPEN), null);
  assert.deepEqual(decideJoin({ event: ev(), rewards }, rules('sum'), CLOSED + 5), { skipLearn: false, reward: 1.5 });
  assert.deepEqual(decideJoin({ event: ev(), rewards }, rules('average'), CLOSED + 5), { skipLearn: false, reward: 0.75 });
  // A reward exactly at the window's end still counts.
  assert.deepEqual(decideJoin({ event: ev(), rewards: [r(0.25, 11_000)] }, rules('sum'), CLOSED), { skipLearn: false, reward: 0.25 });
});

test('no reward in the window → defaultReward; a late one does not count', () => {
  assert.deepEqual(decideJoin({ event: ev(), rewards: [] }, rules('earliest', -0.5), CLOSED), { skipLearn: false, reward: -0.5 });
  assert.deepEqual(decideJoin({ event: ev(), rewards: [r(1, 11_001)] }, rules('earliest', 0.1), CLOSED + 2), { skipLearn: false, reward: 0.1 });
});

test('deferActivation: never learned unless activated in the window', () => {
  const rewards = [r(1, 2000)];
  // Not activated: no early join even with earliest; skipped at the window's end.
  assert.equal(decideJoin({ event: ev(true), rewards }, rules('earliest'), OPEN), null);
  assert.deepEqual(decideJoin({ event: ev(true), rewards }, rules('earliest'), CLOSED), { skipLearn: true, reward: null });
  // Activated too late: skipped.
  assert.deepEqual(decideJoin({ event: ev(true, 11_500), rewards }, rules('earliest'), 12_000), { skipLearn: true, reward: null });
  // Activated in time: earliest joins early; activated without reward → default reward at the window's end.
  assert.deepEqual(decideJoin({ event: ev(true, 4000), rewards }, rules('earliest'), OPEN), { skipLearn: false, reward: 1 });
  assert.deepEqual(decideJoin({ event: ev(true, 4000), rewards: [] }, rules('sum', 0.2), CLOSED), { skipLearn: false, reward: 0.2 });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JoinCandidate } from '../store/index.js';
import { JoinStats } from './loop_stats.js';

const RULES = { rewardWaitMs: 1000, defaultReward: 0.25, rewardAggregation: 'earliest' as const };
const event = (timestamp: number) => ({ timestamp, deferActivation: false, activatedAt: null });

test('default-reward joins are counted once the write commits, not when decided', () => {
  const stats = new JoinStats();
  const rule = stats.rule(RULES, 5000);
  const none: JoinCandidate = { event: event(1000), rewards: [] };
  const rewarded: JoinCandidate = { event: event(1000), rewards: [{ value: 1, timestamp: 1500 }] };
  const lateOnly: JoinCandidate = { event: event(1000), rewards: [{ value: 1, timestamp: 4000 }] };
  assert.deepEqual(rule.decide(none), { skipLearn: false, reward: 0.25 });
  assert.deepEqual(rule.decide(rewarded), { skipLearn: false, reward: 1 });
  assert.deepEqual(rule.decide(lateOnly), { skipLearn: false, reward: 0.25 });
  // Window still open: no decision, nothing counted.
  assert.equal(rule.decide({ event: event(4500), rewards: [] }), null);
  assert.equal(stats.eventsDefaulted, 0);
  rule.commit();
  assert.equal(stats.eventsDefaulted, 2);
  rule.commit();
  assert.equal(stats.eventsDefaulted, 2);
});

test('a reward is late after its window or when the store asked nothing (event already joined)', () => {
  const stats = new JoinStats();
  const inWindow = stats.rewardRule(RULES, 1500);
  inWindow.decide({ event: event(1000), rewards: [{ value: 1, timestamp: 1500 }] });
  inWindow.settle(true);
  assert.equal(stats.rewardsLate, 0);
  const afterWindow = stats.rewardRule(RULES, 2500);
  assert.deepEqual(afterWindow.decide({ event: event(1000), rewards: [{ value: 1, timestamp: 2500 }] }), { skipLearn: false, reward: 0.25 });
  afterWindow.settle(true);
  assert.equal(stats.rewardsLate, 1);
  assert.equal(stats.eventsDefaulted, 1);
  stats.rewardRule(RULES, 1200).settle(true);
  assert.equal(stats.rewardsLate, 2);
  // Unknown eventId: counted elsewhere, never late.
  stats.rewardRule(RULES, 1200).settle(false);
  assert.equal(stats.rewardsLate, 2);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  baselineRanking,
  eventLearningMode,
  eventModelId,
  eventModelVersion,
  learningModeOf,
  learnsFrom,
  servesBaseline,
} from './learning_mode.js';
import { azureRanking } from './rank_order.js';

test('learning modes: who ranks and who learns', () => {
  assert.equal(learningModeOf({}), 'Online');
  assert.equal(learningModeOf({ learningMode: 'Apprentice' }), 'Apprentice');
  assert.deepEqual(['Online', 'Apprentice', 'LoggingOnly'].map((m) => servesBaseline(m as 'Online')), [false, true, true]);
  assert.deepEqual(['Online', 'Apprentice', 'LoggingOnly'].map((m) => learnsFrom(m as 'Online')), [true, true, false]);
});

test('learning modes: the baseline ranking, in Azure order with excluded actions', () => {
  assert.deepEqual(baselineRanking(3), [
    { index: 0, probability: 1 },
    { index: 1, probability: 0 },
    { index: 2, probability: 0 },
  ]);
  assert.deepEqual(baselineRanking(3, 2).map((r) => r.index), [2, 0, 1]);
  // Request [a (excluded), b, c]: _multi = [b, c], the baseline b (first non-excluded) is rewardActionId.
  const actions = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  assert.deepEqual(azureRanking(actions, [1, 2], baselineRanking(2)), [
    { id: 'a', probability: 0 },
    { id: 'b', probability: 1 },
    { id: 'c', probability: 0 },
  ]);
});

test('learning modes: the mode travels in the logged modelVersion; older events are Online', () => {
  assert.equal(eventModelVersion(12, 'Online'), '12');
  assert.equal(eventModelVersion(12, 'Apprentice'), '12;Apprentice');
  assert.equal(eventModelVersion('7', 'LoggingOnly'), '7;LoggingOnly');
  for (const m of ['Online', 'Apprentice', 'LoggingOnly'] as const) {
    assert.equal(eventLearningMode(eventModelVersion(42, m)), m);
    assert.equal(eventModelId(eventModelVersion(42, m)), '42');
  }
  assert.equal(eventLearningMode(undefined), 'Online');
  assert.equal(eventLearningMode('5'), 'Online');
  assert.equal(eventLearningMode('5;Bogus'), 'Online');
});

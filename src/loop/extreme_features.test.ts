// Feature values at the edge of a 32-bit float, and policies that would not fit in memory: every one is a 400
// naming what is wrong, never a 5xx, never an event stored with probabilities that are not numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, learnedFinite, parsePolicyArguments } from '../engine/index.js';
import { testLoop } from './loop.fixtures.js';
import { LoopError, type RankRequest } from './types.js';

const SQUARECB = '--cb_explore_adf --squarecb --power_t 0 -l 0.001 --cb_type mtr -q ::';

function request(a: unknown, b: unknown, eventId?: string): RankRequest {
  return {
    ...(eventId === undefined ? {} : { eventId }),
    contextFeatures: [{ a }],
    actions: [
      { id: 'x', features: [{ b }] },
      { id: 'y', features: [{ b: 2 }] },
    ],
  } as RankRequest;
}

async function refused(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof LoopError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

test('rank: a feature value past the float32 range is a 400 naming it; the largest float32 is accepted', async () => {
  const { loop } = await testLoop();
  try {
    await refused(loop.rank(request(1e39, 1)), 'InvalidRankRequest', /contextFeatures\[0\]\.a: numbers must be finite as 32-bit floats/);
    await refused(loop.rank(request(1, -3.5e38)), 'InvalidRankRequest', /actions\[0\]\.features\[0\]\.b: numbers must be finite as 32-bit floats/);
    await refused(loop.rank(request([1, 1e39], 1)), 'InvalidRankRequest', /a\[1\]: numbers must be finite as 32-bit floats/);
    assert.equal(loop.status().eventsRanked, 0);
    const r = await loop.rank(request(3.4028234e38, 1));
    assert.equal(r.ranking.length, 2);
    assert.equal(loop.status().eventsRanked, 1);
  } finally {
    await loop.close();
  }
});

test('rank: SquareCB scores that overflow make a 400, and nothing is stored', async () => {
  const { loop } = await testLoop();
  try {
    await loop.updatePolicy({ name: 'squarecb', arguments: SQUARECB });
    // A model with weights: on a fresh one every score is 0 whatever the features.
    for (let i = 0; i < 20; i++) {
      const r = await loop.rank(request(1, 1, `learn-${i}`));
      await loop.reward(r.eventId, r.rewardActionId === 'x' ? 1 : 0);
    }
    await loop.flush();
    const ranked = loop.status().eventsRanked;
    // 1e20 × 1e20 under -q :: is 1e40: inf as a float, and the score with it.
    await refused(loop.rank(request(1e20, 1e20, 'overflow')), 'InvalidRankRequest', /scores for these features are not finite/);
    assert.equal(loop.status().eventsRanked, ranked);
    assert.equal(await loop.exportDsjson('overflow'), null);
    // The same loop still ranks ordinary requests, with a proper distribution.
    const r = await loop.rank(request(1, 1));
    const sum = r.ranking.reduce((s, a) => s + a.probability, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `${sum}`);
  } finally {
    await loop.close();
  }
});

test('policy: -b past what a served loop can hold is a 400 naming --bit_precision; the limit itself is accepted', async () => {
  const { loop } = await testLoop();
  try {
    for (const args of ['--cb_explore_adf -b 25 -q ::', '--cb_explore_adf --bit_precision 30 -q ::']) {
      await refused(loop.updatePolicy({ name: 'big', arguments: args }), 'InvalidPolicyConfiguration', /^--bit_precision: at most 24 for a served loop/);
    }
    assert.equal((await loop.getPolicy()).name, 'azure-default');
    // Replay (the engine's own parser) keeps VW's range.
    assert.equal(parsePolicyArguments('--cb_explore_adf -b 30').bits, 30);
  } finally {
    await loop.close();
  }
});

test('engine: an event whose SquareCB loss is NaN counts as not finite, so the trainer skips it alone', () => {
  const learner = createLearner(parsePolicyArguments(SQUARECB));
  const ctx = (v: number) =>
    `{"FromUrl":[{"a":${v}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[{"b":${v}}]},{"_tag":"y","i":{"constant":1,"id":"y"},"j":[{"b":2}]}]}`;
  for (let k = 0; k < 10; k++) {
    const ex = learner.featurize(ctx(1));
    learner.learn(ex, { index: k % 2, cost: -1, probability: 0.5 });
    assert.equal(learnedFinite(learner, ex), true);
  }
  const ex = learner.featurize(ctx(1e20));
  learner.learn(ex, { index: 0, cost: -1, probability: 0.5 });
  assert.ok(Number.isNaN(learner.stats.sumLoss));
  assert.equal(learnedFinite(learner, ex), false);
});

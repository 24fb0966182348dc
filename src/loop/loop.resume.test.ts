// A restarted trainer resumes with the policy's own settings. The model header keeps neither --l1, --l2 nor
// --initial_t (VW's parse_args.cc does not `.keep()` them), so a learner rebuilt from the header alone learned
// on without them after every restart: the model then differed from the one an uninterrupted run makes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, parsePolicyArguments } from '../engine/index.js';
import { parseLine, testLoop } from './loop.fixtures.js';
import type { LearningLoop } from './loop.js';

const ARGS = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --l1 1e-6 --l2 1e-4 --initial_t 1 --cb_type mtr -q ::';

async function simulate(loop: LearningLoop, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const r = await loop.rank({
      eventId: `r-${i}`,
      contextFeatures: [{ user: { tier: ['gold', 'silver', 'bronze'][i % 3] } }],
      actions: ['a', 'b', 'c'].map((id) => ({ id, features: [{ item: { id, even: i % 2 === 0 } }] })),
    });
    await loop.reward(r.eventId, r.rewardActionId === ['a', 'b', 'c'][i % 3] ? 1 : 0);
  }
  await loop.flush();
}

test('a model resumed after a restart keeps learning with --l1, --l2 and --initial_t: the same model as an uninterrupted run', async () => {
  const t = await testLoop();
  await t.loop.updatePolicy({ name: 'regularized', arguments: ARGS });
  await simulate(t.loop, 0, 60);
  await t.loop.close();
  const loop = await t.reopen();
  try {
    await simulate(loop, 60, 60);
    assert.equal(loop.status().eventsLearned, 120);
    const learner = createLearner(parsePolicyArguments(ARGS));
    for (let i = 0; i < 120; i++) {
      const line = parseLine(await loop.exportDsjson(`r-${i}`));
      const ex = learner.featurize(JSON.stringify(line.c));
      learner.learn(ex, { index: line._labelIndex as number, cost: line._label_cost as number, probability: line._label_probability as number });
    }
    assert.ok(Buffer.from(await loop.getModel()).equals(Buffer.from(learner.saveModel())));
  } finally {
    await loop.close();
  }
});

// Loop.importModel (PUT /model): the imported model ranks at once and the trainer continues from it, learning
// exactly what is joined after the import (checked byte for byte against a learner of our own resumed from the
// same bytes: an event learned twice or lost changes the weights); a follower's import is carried out by the
// trainer leader (docs/scale-out.md) and reaches both processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyArguments, DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { parseLine, prng, T0, tempStoreUrl } from './loop.fixtures.js';
import { openLoop, type LearningLoop } from './loop.js';
import { resume } from './trainer_checkpoint.js';
import type { RankRequest } from './types.js';

const TYPES = ['student', 'parent', 'retiree'];
const ITEMS = ['news', 'sports', 'music', 'movies', 'cooking'];
const BEST: Record<string, string> = { student: 'music', parent: 'cooking', retiree: 'news' };

function request(eventId: string, type: string): RankRequest {
  return { contextFeatures: [{ user: { type } }], actions: ITEMS.map((id) => ({ id, features: [{ item: { id } }] })), eventId };
}

/** Ranks and rewards n users; returns the event ids in join order (each reward joins its event at once). */
async function traffic(loop: LearningLoop, prefix: string, n: number, rng: () => number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const type = TYPES[Math.floor(rng() * TYPES.length)]!;
    const r = await loop.rank(request(`${prefix}-${i}`, type));
    await loop.reward(r.eventId, r.rewardActionId === BEST[type] ? 1 : 0);
    ids.push(r.eventId);
  }
  return ids;
}

async function probabilities(loop: LearningLoop, eventId: string, type: string): Promise<Record<string, number>> {
  const r = await loop.rank(request(eventId, type));
  return Object.fromEntries(r.ranking.map((a) => [a.id, a.probability]));
}

test('an imported model ranks at once, and the trainer learns on top of it exactly the events joined after the import', async () => {
  const rng = prng(11);
  const source = await openLoop({ store: tempStoreUrl() });
  const url = tempStoreUrl();
  const loop = await openLoop({ store: url });
  try {
    await traffic(source, 'src', 400, rng);
    await source.flush();
    const imported = await source.getModel();
    assert.equal(source.status().eventsLearned, 400);

    // Events joined and learned before the import belong to the model it replaces.
    await traffic(loop, 'before', 60, rng);
    await loop.flush();
    const versionBefore = Number(loop.status().modelVersion);
    await loop.importModel(imported);
    assert.deepEqual(Buffer.from(await loop.getModel()), Buffer.from(imported));
    assert.ok(Number(loop.status().modelVersion) > versionBefore);
    assert.equal(loop.status().eventsLearned, 0);
    for (const type of TYPES) assert.deepEqual(await probabilities(loop, `probe-${type}`, type), await probabilities(source, `probe-${type}`, type), type);

    // Learning goes on from the imported weights with the live policy, from the join head at the import.
    const after = await traffic(loop, 'after', 120, rng);
    await loop.flush();
    assert.equal(loop.status().eventsLearned, 120);
    const reference = resume(imported, parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS), {}).inner;
    for (const id of after) {
      const line = parseLine(await loop.exportDsjson(id));
      reference.learn(reference.featurize(JSON.stringify(line.c)), {
        index: line._labelIndex as number,
        cost: line._label_cost as number,
        probability: line._label_probability as number,
      });
    }
    assert.deepEqual(Buffer.from(await loop.getModel()), Buffer.from(reference.saveModel()));

    // Reopened: the trainer resumes from what it exported, nothing is learned again.
    await loop.close();
    const again = await openLoop({ store: url });
    try {
      await again.flush();
      assert.deepEqual(Buffer.from(await again.getModel()), Buffer.from(reference.saveModel()));
      assert.equal(again.status().eventsLearned, 120);
    } finally {
      await again.close();
    }
  } finally {
    await source.close();
    await loop.close();
  }
});

test("a follower's import is carried out by the trainer leader and reaches both processes", async () => {
  const url = tempStoreUrl();
  const clock = { now: T0 };
  const leader = await openLoop({ store: url, now: () => clock.now });
  const follower = await openLoop({ store: url, sharedStore: true, now: () => clock.now });
  const source = await openLoop({ store: tempStoreUrl() });
  try {
    assert.equal(leader.status().trainerLeader, true);
    assert.equal(follower.status().trainerLeader, false);
    await traffic(source, 'src', 200, prng(3));
    await source.flush();
    const imported = await source.getModel();
    await follower.importModel(imported);
    assert.deepEqual(Buffer.from(await follower.getModel()), Buffer.from(imported));
    // The leader installs what its own trainer exported.
    assert.deepEqual(Buffer.from(await leader.getModel()), Buffer.from(imported));
    assert.deepEqual(await probabilities(follower, 'f-1', 'parent'), await probabilities(source, 's-1', 'parent'));
    // Both processes sign with the store's one identity: an archive exported by one is taken by the other.
    const archive = await leader.getSignedModel();
    assert.deepEqual(Buffer.from(await follower.getSignedModel()), Buffer.from(archive));
    await follower.importModel(archive);
  } finally {
    await follower.close();
    await leader.close();
    await source.close();
  }
});

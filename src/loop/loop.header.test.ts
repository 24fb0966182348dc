// Model headers write every option the policy gives, its defaults included, as VW 9.10 does (policy_args.ts
// modelOptionsString). A model stored before headers did so (its header without the spelt-out defaults) must
// still be the policy's model after a restart: resumed, not retrained from the log, and saved from then on with
// VW's header.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { readModel, writeModel } from '../engine/index.js';
import { testLoop } from './loop.fixtures.js';
import type { LearningLoop } from './loop.js';

const ARGS = '--cb_explore_adf --epsilon 0.05 -l 0.5 --power_t 0.5 --clip_p 0 --cb_type mtr -q ::';
const VW_HEADER =
  ' --cb_adf --cb_explore_adf --cb_type mtr --clip_p 0 --csoaa_ldf multiline --csoaa_rank --epsilon 0.0500000007450581' +
  ' --learning_rate 0.5 --power_t 0.5 --quadratic ::';
const OLD_HEADER = ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --quadratic ::';

async function simulate(loop: LearningLoop, from: number, n: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const r = await loop.rank({
      eventId: `h-${i}`,
      contextFeatures: [{ user: { tier: ['gold', 'silver'][i % 2] } }],
      actions: ['a', 'b', 'c'].map((id) => ({ id, features: [{ item: { id } }] })),
    });
    await loop.reward(r.eventId, r.rewardActionId === 'a' ? 1 : 0);
  }
  await loop.flush();
}

test('a model stored with the old header (defaults left out) is still the policy\'s model after a restart', async () => {
  const t = await testLoop();
  await t.loop.updatePolicy({ name: 'explicit-defaults', arguments: ARGS });
  await simulate(t.loop, 0, 40);
  assert.equal(readModel(await t.loop.getModel()).options, VW_HEADER);
  await t.loop.close();

  // Rewrite the stored model as it was written before: the same state under the header without the defaults.
  const db = new Database(t.storeUrl.slice('sqlite:'.length).split('?')[0] as string);
  const row = db.prepare('SELECT id, bytes, created_at FROM models ORDER BY id DESC LIMIT 1').get() as { id: number; bytes: Buffer; created_at: number };
  const old = writeModel({ ...readModel(row.bytes), options: OLD_HEADER });
  db.prepare('UPDATE models SET bytes = ? WHERE id = ?').run(Buffer.from(old), row.id);
  db.close();

  const loop = await t.reopen();
  try {
    // Resumed (the stored model's creation time and count), not retrained from the log.
    assert.equal(loop.status().eventsLearned, 40);
    assert.equal(readModel(await loop.getModel()).options, OLD_HEADER);
    const before = await loop.getModelProperties();
    await simulate(loop, 40, 10);
    assert.equal(loop.status().eventsLearned, 50);
    const after = await loop.getModelProperties();
    assert.equal(after.creationTime, before.creationTime);
    assert.equal(readModel(await loop.getModel()).options, VW_HEADER);
  } finally {
    await loop.close();
  }
});

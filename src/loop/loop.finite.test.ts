// A model with a non-finite weight is never stored, published nor ranked with: a policy that the validation
// accepts but whose updates overflow float on these events (a huge learning rate and initial_t with l2) makes
// the trainer go back to its last good model and skip the events that poisoned it, counting them in an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { companionPath } from '../store/sqlite_models.js';
import { createLearner, DEFAULT_POLICY_ARGUMENTS, loadLearner, modelProblem, parsePolicyArguments, readModel, writeModel } from '../engine/index.js';
import { RankEngine } from './rank_engine.js';
import { tempStoreUrl, T0 } from './loop.fixtures.js';
import { openLoop } from './loop.js';

const POISONING = '--cb_explore_adf -q :: --learning_rate 1e10 --power_t 0.5 --initial_t 3.4e38 --l2 1e-3 --cb_type ips --epsilon 0.2';

function capture(): { lines: string[]; logger: { info(o: object | string, m?: string): void; warn(o: object | string, m?: string): void; error(o: object | string, m?: string): void } } {
  const lines: string[] = [];
  const put = (level: string) => (o: object | string, m?: string) => lines.push(`${level} ${typeof o === 'string' ? o : (m ?? '')}`);
  return { lines, logger: { info: put('info'), warn: put('warn'), error: put('error') } };
}

test('a model that came out non-finite is never published: learning goes back to the last good one and skips the poison', async () => {
  const storeUrl = tempStoreUrl();
  const { lines, logger } = capture();
  const clock = { now: T0 };
  const loop = await openLoop({ store: storeUrl, now: () => clock.now, logger });
  const n = 60;
  try {
    await loop.updatePolicy({ name: 'extreme', arguments: POISONING });
    for (let i = 0; i < n; i++) {
      const r = await loop.rank({
        eventId: `e${i}`,
        contextFeatures: [{ u: { tier: i % 2 ? 'a' : 'b', x: i % 10 === 9 ? 1e6 : (i % 3) + 1 } }],
        actions: [{ id: 'x', features: [{ a: 1 }] }, { id: 'y', features: [{ a: 2 }] }],
      });
      await loop.reward(r.eventId, i % 3 === 0 ? 1 : 0);
    }
    await loop.flush();
    const bytes = await loop.getModel();
    assert.equal(modelProblem(bytes), null);
    const status = loop.status();
    assert.ok(status.eventsLearned > 0 && status.eventsLearned < n, `eventsLearned ${status.eventsLearned}`);
    assert.ok(lines.some((l) => /^error .*non-finite.*skipped the \d+ event/.test(l)), lines.join('\n'));
    // Ranking still answers finite probabilities.
    const r = await loop.rank({ contextFeatures: [{ u: { tier: 'a', x: 2 } }], actions: [{ id: 'x', features: [{ a: 1 }] }, { id: 'y', features: [{ a: 2 }] }] });
    for (const a of r.ranking) assert.ok(Number.isFinite(a.probability) && a.probability > 0, JSON.stringify(r));
  } finally {
    await loop.close();
  }
  // Every stored model is finite, and the loop opens again on the same store.
  const file = storeUrl.slice('sqlite:'.length).split('?')[0]!;
  // Large models' bytes are in the companion file (store/sqlite_models.ts).
  const db = new Database(file, { readonly: true });
  db.prepare('ATTACH DATABASE ? AS companion').run(companionPath(file));
  const rows = db
    .prepare('SELECT m.id, COALESCE(b.bytes, m.bytes) AS bytes FROM models m LEFT JOIN companion.model_bytes b ON b.id = m.bytes_id')
    .all() as { id: number; bytes: Buffer }[];
  db.close();
  assert.ok(rows.length > 0);
  for (const row of rows) assert.equal(modelProblem(new Uint8Array(row.bytes)), null, `model ${row.id}`);
  const again = await openLoop({ store: storeUrl, now: () => clock.now });
  try {
    assert.equal((await again.getPolicy()).name, 'extreme');
    loadLearner(await again.getModel());
  } finally {
    await again.close();
  }
});

test('the ranker refuses a model holding a non-finite weight and keeps ranking with the one it has', () => {
  const good = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS)).saveModel();
  const state = readModel(good);
  state.weights[4 * 99] = Number.NEGATIVE_INFINITY;
  const engine = new RankEngine({ id: 1, bytes: good, epsilon: 0.2 }, '', 1000);
  assert.throws(() => engine.install({ id: 2, bytes: writeModel(state), epsilon: 0.2 }), /model 2 cannot be used: weight slot 99 is -Infinity/);
  const r = engine.rank({ id: 7, eventId: 'e', context: '{"u":{"a":1},"_multi":[{"a":{"id":"x"}},{"a":{"id":"y"}}]}' });
  assert.ok('modelId' in r && r.modelId === 1, JSON.stringify(r));
});

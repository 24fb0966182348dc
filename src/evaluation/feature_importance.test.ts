// Feature importance on a simulated loop whose reward depends on one action feature only (an item's category;
// ids repeat too rarely to stand in for it; the user and a noise namespace are irrelevant): that namespace scores
// 100 and comes first, the noise near 0, the category above its siblings; the cost stays within its budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runEvaluation, runPassInProcess, type RunPasses } from './evaluate.js';
import { scoreFeatureImportance } from './feature_importance.js';
import { PassCancelled } from './pass.js';
import type { FeatureScore, PassPolicy } from './types.js';
import { itemCategoryLog } from '../testing/evaluation_sims.js';

const ONLINE = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01';
const events = itemCategoryLog(5000, 11, ONLINE);

function counting(): { run: RunPasses; passes: PassPolicy[][] } {
  const passes: PassPolicy[][] = [];
  return {
    passes,
    run: async (ev, policies, options) => {
      passes.push([...policies]);
      return runPassInProcess(ev, policies, options);
    },
  };
}

const find = (scores: FeatureScore[], namespace: string, featureName?: string) =>
  scores.find((s) => s.namespace === namespace && s.featureName === featureName)!;

test('the informative namespace scores 100 and comes first, its informative feature above its siblings', async () => {
  const { run, passes } = counting();
  const r = await scoreFeatureImportance(events, ONLINE, run);
  // Groups: one per namespace, most important first; names Namespace.feature.
  assert.deepEqual([...r.featureImportance[0]!].sort(), ['Item.cat', 'Item.id', 'Item.price']);
  assert.equal(r.featureImportance[0]![0], 'Item.cat');
  assert.deepEqual(r.featureImportance.map((g) => g[0]!.split('.')[0]).sort(), ['Item', 'Noise', 'User']);
  const item = find(r.featureScores, 'Item');
  assert.equal(item.score, 100);
  assert.ok(item.lossIncrease! > 0.1, `leaving Item out raises the loss by ${item.lossIncrease}`);
  for (const ns of ['User', 'Noise']) assert.ok(find(r.featureScores, ns).score < 10, `${ns}: ${find(r.featureScores, ns).score}`);
  const cat = find(r.featureScores, 'Item', 'cat');
  const id = find(r.featureScores, 'Item', 'id');
  const price = find(r.featureScores, 'Item', 'price');
  assert.ok(cat.score > 25, `cat ${cat.score}`);
  assert.ok(cat.score > id.score + 20 && cat.score > price.score + 20, `cat ${cat.score}, id ${id.score}, price ${price.score}`);
  for (const s of r.featureScores) assert.ok(s.score >= 0 && s.score <= 100);
  // Scores are the loss increases on one scale: the most important namespace's.
  assert.ok(Math.abs(cat.score - (100 * cat.lossIncrease!) / item.lossIncrease!) < 1e-9);
  // Cost: the unmasked copy and 3 namespaces in one pass, then at most 12 features in a second.
  assert.equal(passes.length, 2);
  assert.equal(passes[0]!.length, 4);
  assert.equal(passes[0]![0]!.mask, undefined);
  assert.deepEqual(passes[0]!.slice(1).map((p) => p.mask?.namespace).sort(), ['Item', 'Noise', 'User']);
  assert.ok(passes[1]!.length <= 12);
  assert.equal(passes[1]![0]!.mask?.namespace, 'Item');
  assert.equal(r.replays, passes[0]!.length + passes[1]!.length);
  // Every copy is the online policy's learning part, scored as --cb_adf.
  for (const p of passes.flat()) assert.equal(p.arguments, '--cb_adf --cb_type mtr --learning_rate 0.01 --power_t 0');
});

test('budgets bound the replays; a known base loss saves the unmasked copy', async () => {
  const { run, passes } = counting();
  const full = await scoreFeatureImportance(events, ONLINE, runPassInProcess, { namespaceBudget: 1, featureBudget: 2 });
  const r = await scoreFeatureImportance(events, ONLINE, run, { namespaceBudget: 2, featureBudget: 2, baseLoss: full.baseLoss });
  assert.equal(passes[0]!.length, 2);
  assert.ok(passes[0]!.every((p) => p.mask !== undefined));
  assert.ok((passes[1]?.length ?? 0) <= 2);
  assert.equal(r.baseLoss, full.baseLoss);
  // Namespaces beyond the budget (the least frequent) are not scored.
  assert.equal(r.featureScores.filter((s) => s.featureName === undefined).length, 2);
});

test('through runEvaluation: featureImportance and featureScores in the result; cancellation stops it', async () => {
  const request = {
    onlinePolicy: ONLINE,
    policies: [],
    enableOfflineExperimentation: false,
    featureImportance: true,
    startTime: events[0]!.timestamp,
    endTime: events.at(-1)!.timestamp + 1000,
  };
  const stages: string[] = [];
  const r = await runEvaluation(events.slice(0, 2000), request, { onProgress: (p) => stages.push(p.stage) });
  assert.equal(r.featureImportance[0]![0], 'Item.cat');
  assert.equal(r.featureScores[0]!.namespace, 'Item');
  assert.equal(r.featureScores[0]!.score, 100);
  assert.equal(r.optimalPolicy, '');
  assert.ok(stages.includes('feature importance: 3 namespaces'));
  let calls = 0;
  await assert.rejects(
    runEvaluation(events.slice(0, 2000), request, { cancelled: () => calls++ > 0 }),
    PassCancelled,
  );
});

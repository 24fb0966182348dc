// The namespaces an evaluation finds in logged contexts and the masks that leave them out, on the context shape
// Azure Personalizer logged (FromUrl / _multi with i and j, nested objects as their own namespaces) and on the
// public 20k simulation, where leaving a namespace out must equal VW's own `--ignore` of its (unique) letter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLearner, parsePolicyArguments } from '../engine/index.js';
import { maskContext } from './mask.js';
import { interactionLetters, sampleIndices, surveyNamespaces } from './namespaces.js';
import { runPass } from './pass.js';
import type { LoggedEvent } from './types.js';
import { NO_SHARED, vectorsDir, absent } from '../testing/fixtures.js';
import { loggedEventsFromDsjson } from '../testing/dsjson_events.js';

// One event as Azure logged it (../shared/vw-vectors/azure-shaped, shortened to two actions).
const AZURE = JSON.stringify({
  FromUrl: [{ timeofday: 'Morning', weather: 'Rainy' }, { device: { os: 'windows', type: 'desktop' } }, { history: { visits: 33, loyal: false } }],
  _multi: [
    { _tag: 'Cappucino', i: { constant: 1, id: 'Cappucino' }, j: [{ type: 'hot', origin: 'kenya' }, { price: 3.95, nutrition: { calories: 120 } }] },
    { _tag: 'Iced tea', i: { constant: 1, id: 'Iced tea' }, j: [{ type: 'cold' }, { price: 3, nutrition: { calories: 90, sugar: 21 } }] },
  ],
});

const event = (context: string, t = 0): LoggedEvent => ({
  eventId: `e${t}`,
  timestamp: t,
  context,
  chosenIndex: 0,
  chosenProbability: 0.5,
  reward: 1,
  actionCount: 2,
});

test('namespaces are VW\'s: the nearest enclosing key, shared or action, with their features by frequency', () => {
  const other = JSON.stringify({ FromUrl: [{ timeofday: 'Evening' }], level: 3, _multi: [{ i: { constant: 1, id: 'x' }, j: [{ type: 'hot' }], size: 2 }] });
  const s = surveyNamespaces([event(AZURE, 0), event(other, 1), event(AZURE, 2)]);
  assert.equal(s.sampled, 3);
  const byName = new Map(s.namespaces.map((n) => [n.name, n]));
  assert.deepEqual([...byName.keys()].sort(), ['', 'FromUrl', 'device', 'history', 'i', 'j', 'nutrition']);
  assert.deepEqual(byName.get('FromUrl'), {
    name: 'FromUrl',
    shared: true,
    action: false,
    events: 3,
    features: [
      { name: 'timeofday', events: 3 },
      { name: 'weather', events: 2 },
    ],
  });
  // `loyal: false` makes no feature (VW skips false); `visits` does.
  assert.deepEqual(byName.get('history')!.features, [{ name: 'visits', events: 2 }]);
  assert.equal(byName.get('i')!.action && !byName.get('i')!.shared, true);
  assert.deepEqual(byName.get('j')!.features.map((f) => f.name), ['type', 'origin', 'price']);
  // Top-level scalars of the context and of an action: the default namespace ''.
  assert.deepEqual(byName.get('')!, { name: '', shared: true, action: true, events: 1, features: [{ name: 'level', events: 1 }, { name: 'size', events: 1 }] });
  // Letters to interact: FromUrl, device, history shared; i, j, nutrition per action. '' has no letter.
  const letters = interactionLetters(s);
  assert.deepEqual([...letters.shared].sort(), ['F', 'd', 'h']);
  assert.deepEqual([...letters.action].sort(), ['i', 'j', 'n']);
});

test('a survey of a long log reads a sample spread over all of it', () => {
  assert.deepEqual(sampleIndices(10, 4), [0, 2, 5, 7]);
  assert.deepEqual(sampleIndices(3, 4), [0, 1, 2]);
  const events = Array.from({ length: 5000 }, (_, t) => event(JSON.stringify({ [t < 4000 ? 'Old' : 'New']: { x: 1 }, _multi: [{ A: { y: 1 } }] }), t));
  const s = surveyNamespaces(events, 100);
  assert.equal(s.sampled, 100);
  assert.deepEqual(s.namespaces.map((n) => [n.name, n.events]), [['A', 100], ['Old', 80], ['New', 20]]);
});

test('masking a namespace keeps the namespaces nested in it; masking a feature keeps its siblings', () => {
  const noFromUrl = JSON.parse(maskContext(AZURE, { namespace: 'FromUrl' }));
  assert.deepEqual(noFromUrl.FromUrl, [{ device: { os: 'windows', type: 'desktop' } }, { history: { visits: 33, loyal: false } }]);
  assert.deepEqual(noFromUrl._multi, JSON.parse(AZURE)._multi);
  const noDevice = JSON.parse(maskContext(AZURE, { namespace: 'device' }));
  assert.deepEqual(noDevice.FromUrl, [{ timeofday: 'Morning', weather: 'Rainy' }, { history: { visits: 33, loyal: false } }]);
  const noPrice = JSON.parse(maskContext(AZURE, { namespace: 'j', feature: 'price' }));
  assert.deepEqual(noPrice._multi[0].j, [{ type: 'hot', origin: 'kenya' }, { nutrition: { calories: 120 } }]);
  assert.deepEqual(noPrice._multi[1].j, [{ type: 'cold' }, { nutrition: { calories: 90, sugar: 21 } }]);
  // `_tag` is not a feature and stays; the i namespace goes from every action.
  const noI = JSON.parse(maskContext(AZURE, { namespace: 'i' }));
  assert.deepEqual(noI._multi.map((a: Record<string, unknown>) => Object.keys(a)), [['_tag', 'j'], ['_tag', 'j']]);
  // The default namespace: top-level scalars only.
  const flat = JSON.stringify({ level: 3, U: { a: 1 }, _multi: [{ size: 2, A: { b: 1 } }] });
  assert.deepEqual(JSON.parse(maskContext(flat, { namespace: '' })), { U: { a: 1 }, _multi: [{ A: { b: 1 } }] });
  assert.deepEqual(JSON.parse(maskContext(flat, { namespace: '', feature: 'size' })), { level: 3, U: { a: 1 }, _multi: [{ A: { b: 1 } }] });
  // A numeric array under k is feature k of namespace k.
  const arr = JSON.stringify({ emb: [0.5, 0.25], _multi: [{ A: { b: 1 } }] });
  assert.deepEqual(JSON.parse(maskContext(arr, { namespace: 'emb' })), { _multi: [{ A: { b: 1 } }] });
});

test('a masked context has exactly the features VW has without that namespace', () => {
  const learner = createLearner(parsePolicyArguments('--cb_explore_adf -q ::'));
  const features = (text: string) => learner.explain(text, 0, 10_000).map((c) => c.name).sort();
  const all = features(AZURE);
  const masked = features(maskContext(AZURE, { namespace: 'device' }));
  // Every linear and quadratic term involving device^os or device^type is gone, nothing else.
  assert.ok(all.some((n) => n.includes('device^os')));
  assert.ok(!masked.some((n) => n.includes('device^')));
  assert.deepEqual(masked, all.filter((n) => !n.includes('device^')));
});

test('sim-20k: leaving out a namespace replays exactly as VW\'s --ignore of its letter', async (t) => {
  const vectors = vectorsDir();
  if (!vectors) return absent(t, NO_SHARED);
  const events = (await loggedEventsFromDsjson(join(vectors, 'sim-20k.dsjson.gz'))).slice(0, 5000);
  const args = '--cb_adf --cb_type mtr -q :: --power_t 0 -l 0.01';
  const r = runPass(events, [{ arguments: args, mask: { namespace: 'Geo' } }, { arguments: `${args} --ignore G` }, { arguments: args }], {
    rewardModel: '--cb_adf --cb_type mtr',
  });
  const [masked, ignored, full] = r.policies;
  assert.equal(masked!.averageLoss, ignored!.averageLoss);
  assert.deepEqual(masked!.pi, ignored!.pi);
  assert.notEqual(masked!.averageLoss, full!.averageLoss);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLearner, parsePolicyArguments, DEFAULT_POLICY_ARGUMENTS, type Learner } from '../engine/index.js';
import { buildContext } from './context.js';
import { explainContext, featureNames, inferenceExplanation, MAX_ENTRIES, MAX_INTERACTIONS, rounded } from './explain.js';
import { explainTerms, MAX_PAIR_FEATURES } from './explain_terms.js';
import { validateRankRequest, type ValidRank } from './validate_rank.js';

function trained(args: string): Learner {
  const learner = createLearner(parsePolicyArguments(args));
  let seed = 3;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < 300; i++) {
    const v = validateRankRequest(request(i));
    const ex = learner.featurize(buildContext(v));
    learner.predict(ex);
    learner.learn(ex, { index: Math.floor(rnd() * v.included.length), cost: rnd() < 0.5 ? -1 : 0, probability: 0.25 });
  }
  return learner;
}

function request(i: number) {
  return {
    contextFeatures: [
      { user: { type: `t${i % 3}`, visits: (i % 5) + 1, loc: { city: i % 2 ? 'Delft' : 'Köln' } } },
      { timeOfDay: i % 2 ? 'morning' : 'night', scores: [0.5, i % 4, 2], '1': '2', note: 'a b:c|d\te', city: ' Köln☃ ', zero: 0, off: false },
    ],
    actions: ['a', 'b', 'c', 'd'].map((id, k) => ({ id, features: [{ item: { name: id, price: k + 0.5 } }, { fresh: k % 2 === 0 }] })),
    excludedActions: i % 3 === 0 ? ['b'] : [],
  };
}

/** The reference: every term of the full context featurized with names (Learner.explain), named the same way. */
function reference(learner: Learner, v: ValidRank, k: number): Map<string, number> {
  const names = featureNames(v, v.included[k]!);
  const sums = new Map<string, number>();
  for (const t of learner.explain(buildContext(v), k, Number.POSITIVE_INFINITY)) {
    if (t.name.includes('Constant')) continue;
    const name = t.name.split('*').map((a) => names.get(a) ?? `?${a}`).join('^');
    sums.set(name, (sums.get(name) ?? 0) + t.contribution);
  }
  return sums;
}

for (const args of [
  DEFAULT_POLICY_ARGUMENTS,
  '--cb_explore_adf --cb_type ips -q ui -q jF --epsilon 0.1',
  '--cb_explore_adf --cb_type dr -q :: --cubic FFj',
  '--cb_explore_adf --hash all -q :: -b 20',
  '--cb_explore_adf --chain_hash -q :: --hash_seed 5',
]) {
  test(`explanations: the scores are the model's terms, summed per feature sent (${args})`, () => {
    const learner = trained(args);
    for (let i = 0; i < 12; i++) {
      const v = validateRankRequest(request(i));
      for (let k = 0; k < v.included.length; k++) {
        const position = v.included[k]!;
        const named = explainTerms(learner, explainContext(v, position), v, position);
        assert.equal(named.via, 'index', 'the cheap path named every term');
        const [explained] = inferenceExplanation(v, position, named, Number.POSITIVE_INFINITY);
        // The fallback (featurizing with names) gives the same explanation.
        assert.deepEqual(inferenceExplanation(v, position, explainTerms(learner, explainContext(v, position), v, position, 'names'), Number.POSITIVE_INFINITY), [explained]);
        // By default: every feature sent, and the MAX_INTERACTIONS interactions of largest |score|.
        const [short] = inferenceExplanation(v, position, named);
        const linear = explained!.features.filter((x) => !x.name.includes('^'));
        const pairs = explained!.features.filter((x) => x.name.includes('^'));
        assert.deepEqual(short!.features, [...linear, ...pairs.slice(0, MAX_INTERACTIONS)].sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || explained!.features.indexOf(a) - explained!.features.indexOf(b)));
        assert.equal(explained!.id, v.actions[position]!.id);
        const want = reference(learner, v, k);
        const got = new Map(explained!.features.map((x) => [x.name, x.score]));
        assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
        for (const [name, cost] of want) assert.ok(Math.abs(got.get(name)! + cost) <= 1e-6 * Math.abs(cost) + 1e-12, `${name}: ${got.get(name)} vs ${-cost}`);
        // Largest |score| first, and scores add up to the action's score without its bias (a reward, not a cost).
        const scores = explained!.features.map((x) => Math.abs(x.score));
        assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
        const constant = learner.explain(buildContext(v), k, Number.POSITIVE_INFINITY).find((t) => t.name === 'Constant')?.contribution ?? 0;
        const total = explained!.features.reduce((s, x) => s + x.score, 0);
        const score = learner.scores(learner.featurize(buildContext(v)))[k]!;
        assert.ok(Math.abs(total + (score - constant)) < 1e-4, `Σ ${total} vs ${-(score - constant)}`);
      }
    }
  });
}

test('explanations: names are the client\'s, interactions a^b, the service\'s own i.*', () => {
  const learner = trained(DEFAULT_POLICY_ARGUMENTS);
  const v = validateRankRequest(request(1));
  const [e] = inferenceExplanation(v, 2, explainTerms(learner, explainContext(v, 2), v, 2), Number.POSITIVE_INFINITY);
  const names = new Set(e!.features.map((x) => x.name));
  for (const n of ['user.type', 'user.visits', 'user.loc.city', 'timeOfDay', 'scores', 'item.name', 'item.price', 'fresh', 'i.id', 'i.constant']) {
    assert.ok(names.has(n), `${n} in ${[...names].join(', ')}`);
  }
  assert.ok([...names].some((n) => n === 'item.name^user.type' || n === 'user.type^item.name'));
  assert.ok(![...names].some((n) => n.includes('Constant') || n.includes('#') || n.includes('FromUrl')));
  // A fresh model: every feature is there, with score 0.
  const fresh = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS));
  const [z] = inferenceExplanation(v, 2, explainTerms(fresh, explainContext(v, 2), v, 2), Number.POSITIVE_INFINITY);
  assert.equal(z!.features.length, e!.features.length);
  assert.ok(z!.features.every((x) => x.score === 0));
});

test('explanations: scores print short, to 7 significant digits', () => {
  assert.equal(rounded(0.012345678918743134), 0.01234568);
  assert.equal(rounded(-123456789), -123456800);
  assert.equal(rounded(1.5e-9), 1.5e-9);
  assert.equal(rounded(0), 0);
  assert.equal(rounded(-0), 0);
  assert.equal(String(rounded(Math.fround(0.1) * 3)), '0.3');
});

test('explanations: a request far larger than usual stays bounded (interactions unnamed, at most MAX_ENTRIES)', () => {
  const learner = trained(DEFAULT_POLICY_ARGUMENTS);
  const big = Object.fromEntries(Array.from({ length: MAX_PAIR_FEATURES + 50 }, (_, i) => [`f${i}`, i + 1]));
  const v = validateRankRequest({ contextFeatures: [{ user: big }], actions: [{ id: 'a', features: [{ item: { name: 'a' } }] }] });
  const started = performance.now();
  const named = explainTerms(learner, explainContext(v, 0), v, 0);
  const [e] = inferenceExplanation(v, 0, named);
  const ms = performance.now() - started;
  assert.equal(named.via, 'index');
  assert.ok(e!.features.length <= MAX_ENTRIES);
  const names = new Set(e!.features.map((x) => x.name));
  assert.ok(names.has('user.f0') && names.has('item.name') && names.has('#other'), [...names].slice(0, 5).join(', '));
  assert.ok(![...names].some((n) => n.includes('^')), 'no pairs named');
  assert.ok(ms < 2000, `${ms} ms`);
});

test('explanations: an action of more terms than MAX_EXPLAIN_TERMS is explained by its linear features', () => {
  const learner = trained(DEFAULT_POLICY_ARGUMENTS);
  const big = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${i}`, `v${i}`]));
  const v = validateRankRequest({ contextFeatures: [{ user: big }], actions: [{ id: 'a', features: [{ item: { name: 'a' } }] }] });
  const started = performance.now();
  const [e] = inferenceExplanation(v, 0, explainTerms(learner, explainContext(v, 0), v, 0));
  assert.ok(performance.now() - started < 1000);
  assert.equal(e!.features.length, 500 + 3); // user.f0 … f499, item.name, i.id, i.constant
  assert.ok(!e!.features.some((x) => x.name.includes('^') || x.name === '#other'));
});

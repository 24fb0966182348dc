// The action cache (json_features.ts) and the per-action interaction blocks (featurizer.ts) must give exactly the
// features of a fresh parse: same indices, values, counts and tags, whatever was featurized before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MultiExample } from './example.js';
import { createFeaturizer, FeatureLimitError, type FeaturizerConfig } from './featurizer.js';
import { FeatureError } from './json_scanner.js';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';

/** The featurizer settings of Azure's default policy (`-q ::`, 18 bits), as the policy parser gives them. */
const DEFAULT: FeaturizerConfig = parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS);

const A1 = '{"_tag":"a1","i":{"constant":1,"id":"a1"},"j":[{"cat":"x","price":1.25},{"nutrition":{"cal":80}}]}';
const A2 = '{"_tag":"a2","i":{"constant":1,"id":"a2"},"j":[{"cat":"y","price":0.5,"vegan":true}]}';
const A3 = '{ "i" : { "id" : "a3" }, "n": [1, 0, null, 2.5], "_x": {]}[, "_y": 3}';

const CONTEXTS = [
  `{"FromUrl":[{"user":{"tier":"gold"}},{"t":"m"}],"_multi":[${A1},${A2}]}`,
  `{"FromUrl":[{"user":{"tier":"gold"}},{"t":"m"}],"_multi":[${A2},${A1},${A3}]}`,
  // A shared namespace with the action's letter (item ~ i, nope ~ n) merges into the same group.
  `{"item":{"shared":1},"_multi":[${A1},${A2},${A3}]}`,
  `{"nope":{"z":"q"},"u":{"v":2},"_multi":[${A3},${A1}]}`,
  // The same action twice in one event, and an action with no features.
  `{"u":{"v":2},"_multi":[${A1},{},${A1},null]}`,
  // Shared letters that change the compiled list.
  `{"a":{"b":1},"z":{"y":"w"},"_multi":[${A2},${A3}]}`,
  // _multi inside an array's object: the array's later numbers continue from the array_hash the actions leave.
  `{"arr":[{"_multi":[${A3},${A1}]},7,8],"u":{"v":1}}`,
  `{"arr":[{"_multi":[${A1},${A3}]},7,8],"u":{"v":1}}`,
  `{"arr":[{"_multi":[${A1},${A2}]},7,8],"u":{"v":1}}`,
];

function snapshot(ex: MultiExample): unknown {
  return {
    tags: ex.tags,
    actions: ex.actions.map((fv) => ({
      index: Array.from(fv.index.subarray(0, fv.count)),
      value: Array.from(fv.value.subarray(0, fv.count)),
    })),
  };
}

for (const [name, config] of [
  ['-q ::', DEFAULT],
  ['-q :: --cubic ijn', { ...DEFAULT, cubic: ['ijn'] }],
  ['-q ij -q in --ignore_linear j', { ...DEFAULT, quadratic: ['ij', 'in'], ignoreLinear: ['j'] }],
  ['--interactions ::: --noconstant', { ...DEFAULT, quadratic: [], interactions: [':::'], noConstant: true }],
] as [string, FeaturizerConfig][]) {
  test(`remembered actions give the features of a fresh parse (${name})`, () => {
    const expected = CONTEXTS.map((c) => snapshot(createFeaturizer(config)(c)));
    for (const reuse of [false, true]) {
      const fz = createFeaturizer(config, { reuse });
      for (let round = 0; round < 3; round++) {
        const order = round === 1 ? [...CONTEXTS.keys()].reverse() : [...CONTEXTS.keys()];
        for (const i of order) assert.deepEqual(snapshot(fz(CONTEXTS[i]!)), expected[i], `context ${i}, round ${round}, reuse ${reuse}`);
      }
    }
  });
}

test('a failing event does not disturb remembered actions', () => {
  const fz = createFeaturizer(DEFAULT);
  const good = `{"u":{"v":2},"_multi":[${A1},${A2}]}`;
  const expected = snapshot(createFeaturizer(DEFAULT)(good));
  assert.deepEqual(snapshot(fz(good)), expected);
  assert.throws(() => fz(`{"u":{"v":2},"_multi":[${A1},{"i":[true]}]}`));
  assert.throws(() => fz(`{"u":{"v":2},"_multi":[${A1},${A2.slice(0, -1)}`));
  assert.deepEqual(snapshot(fz(good)), expected);
});

test('many distinct actions (cache turnover) give the features of a fresh parse', () => {
  const fz = createFeaturizer(DEFAULT);
  for (let e = 0; e < 3000; e++) {
    const multi = [];
    for (let k = 0; k < 4; k++) multi.push(`{"i":{"id":"x${(e * 7 + k * 13) % 2500}"},"j":{"p":${(e + k) % 5}}}`);
    const ctx = `{"u":{"e":"${e % 11}"},"_multi":[${multi.join(',')}]}`;
    if (e % 97 === 0 || e > 2900) assert.deepEqual(snapshot(fz(ctx)), snapshot(createFeaturizer(DEFAULT)(ctx)), `event ${e}`);
    else fz(ctx);
  }
});

test('examples stay intact across slabs, and an event larger than the slab has room for is complete', () => {
  const fz = createFeaturizer(DEFAULT);
  const small = `{"u":{"v":2},"_multi":[${A1},${A2}]}`;
  const big = (n: number) => {
    const multi = [];
    for (let k = 0; k < n; k++) multi.push(`{"i":{"id":"b${k}","w":${k % 7}},"j":{"p":${k},"q":"r${k % 3}","s":1.5}}`);
    return `{"u":{"v":2,"x":"y","z":0.25},"w":{"a":1,"b":2},"_multi":[${multi.join(',')}]}`;
  };
  const kept: [MultiExample, unknown][] = [];
  for (const ctx of [small, small, big(40), small, big(600), big(5), big(900), small, big(3000), small]) {
    const ex = fz(ctx);
    const expected = snapshot(createFeaturizer(DEFAULT)(ctx));
    assert.deepEqual(snapshot(ex), expected);
    kept.push([ex, expected]);
  }
  for (const [ex, expected] of kept) assert.deepEqual(snapshot(ex), expected);
});

test('maxFeatures refuses an event before expanding it, and the next event is featurized exactly', () => {
  const wide = (n: number): string =>
    `{"FromUrl":[{"u":{${Array.from({ length: n }, (_, i) => `"f${i}":1`).join(',')}}}],"_multi":[${A1},${A2}]}`;
  const limited = createFeaturizer(DEFAULT, { maxFeatures: 100_000 });
  const fresh = createFeaturizer(DEFAULT);
  // 300 context features: each action has 300·301/2 = 45,150 u×u terms alone, 90,300 for two: within the limit…
  const ok = limited(wide(300));
  assert.equal(ok.actions.length, 2);
  const total = ok.actions.reduce((s, a) => s + a.count, 0);
  assert.ok(total > 90_300 && total <= 100_000, `${total}`);
  // …600 are not (180,300 u×u terms per action): refused with the limit named, before any is built.
  const t0 = performance.now();
  assert.throws(() => limited(wide(100_000)), (e: unknown) => e instanceof FeatureLimitError && e instanceof FeatureError && e.limit === 100_000 && /more than 100000 features/.test(e.message));
  assert.ok(performance.now() - t0 < 2000, 'refused without expanding 5·10⁹ terms');
  assert.throws(() => limited(wide(600)), /more than 100000 features/);
  for (const c of CONTEXTS) assert.deepEqual(snapshot(limited(c)), snapshot(fresh(c)), c);
  // A lower limit for one call (the ranker's main-thread budget) applies to that event alone; a higher one
  // does not lift maxFeatures.
  assert.throws(() => limited(wide(300), 0, undefined, 50_000), (e: unknown) => e instanceof FeatureLimitError && e.limit === 50_000);
  assert.equal(limited(wide(300)).actions.reduce((s, a) => s + a.count, 0), total);
  assert.throws(() => limited(wide(600), 0, undefined, 1e9), (e: unknown) => e instanceof FeatureLimitError && e.limit === 100_000);
  for (const c of CONTEXTS) assert.deepEqual(snapshot(limited(c, 0, undefined, 50_000)), snapshot(fresh(c)), c);
});

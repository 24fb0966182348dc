// VW 9.10 `--cbify K --cb_explore_adf` through the engine: cbify's seeds and draws (the documented test vector and
// first sampled classes), the per-action weight offsets (slots VW's --audit printed), the -q :: expansion, the
// policy's cbify options, and short runs of every bake-off dataset whose losses and sampled classes are pinned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLearner, FNV_PRIME, merand48NoAdvance, parsePolicyArguments } from '../engine/index.js';
import { NO_SHARED, sharedDir, needs } from '../testing/fixtures.js';
import { createCbifyFeaturizer } from './cbify_features.js';
import { decodeDataset, type Dataset } from './dataset.js';
import { fileOrder, shuffledOrder } from './order.js';
import { BakeoffPolicyError, parseCbifyPolicy } from './policy.js';
import { runPolicy } from './runner.js';
import { CBIFY_APP_SEED, sampleAfterNormalizing } from './sample.js';
import { inSpread, reference, RUNS } from './vw_reference.js';

const RUN_A = '--cbify K --cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr';
const RUN_E = '--cbify K --cb_explore_adf --squarecb --cb_type mtr';
const RUN_AQ = `${RUN_A} -q ::`;
const RUN_ARGS: Record<string, string> = { a: RUN_A, e: RUN_E, a_q: RUN_AQ };
const multiclass = (): string | undefined => {
  const s = sharedDir();
  return s === undefined ? undefined : join(s, 'data', 'multiclass');
};
const skip = needs(multiclass(), NO_SHARED);
const load = (name: string): Dataset => decodeDataset(readFileSync(join(multiclass()!, name, `${name}.tsv.gz`)), name);
const withK = (args: string, d: Dataset): string => args.replace('--cbify K', `--cbify ${d.classes}`);

test("cbify's seed: app_seed = uniform_hash('vw') = 53980556; u_t = merand48_noadvance(app_seed + t)", () => {
  assert.equal(CBIFY_APP_SEED, 53980556n);
  const u = [0, 1, 2, 3, 4].map((t) => merand48NoAdvance(CBIFY_APP_SEED + BigInt(t)));
  assert.deepEqual(u, [0.43831300735473633, 0.8400139808654785, 0.24171483516693115, 0.6434158086776733, 0.04511666297912598]);
});

test('sample_after_normalizing: walk of the float running sum, the drawn entry renormalized', () => {
  const seed = CBIFY_APP_SEED; // u = 0.438313
  assert.deepEqual(sampleAfterNormalizing(Float32Array.of(0.25, 0.25, 0.25, 0.25), 4, seed), { position: 1, probability: 0.25 });
  // draw = 0.5·u = 0.219: the running sum passes it at the second entry.
  assert.deepEqual(sampleAfterNormalizing(Float32Array.of(0.1, 0.4), 2, seed), { position: 1, probability: Math.fround(Math.fround(0.4) / 0.5) });
  assert.deepEqual(sampleAfterNormalizing(Float32Array.of(0.4, 0.1), 2, seed), { position: 0, probability: Math.fround(Math.fround(0.4) / 0.5) });
  assert.deepEqual(sampleAfterNormalizing(Float32Array.of(-1, 0, 2), 3, seed), { position: 2, probability: 1 });
  assert.deepEqual(sampleAfterNormalizing(Float32Array.of(0, 0), 2, seed), { position: 0, probability: 1 });
});

test('per-action weight offsets: the slots VW --audit printed for segmentation (K = 7)', () => {
  const config = parsePolicyArguments('--cb_explore_adf --epsilon 0.05 --cb_type mtr');
  const learner = createLearner(config);
  const featurize = createCbifyFeaturizer(config, { classes: 7, columns: 2, width: learner.gd.width });
  const ex = featurize(Float32Array.of(140, 0), 0);
  assert.equal(ex.actions.length, 7);
  for (let a = 0; a < 7; a++) {
    const fv = ex.actions[a]!;
    assert.equal(fv.count, 2, 'x0 and the constant (x1 = 0 is left out)');
    assert.equal(learner.gd.slotOf(fv, 0, 0), 162512 + a, `f^x0 of action ${a}`);
    assert.equal(learner.gd.slotOf(fv, 1, 0), 116056 + a, `Constant of action ${a}`);
    assert.equal(fv.value[0], 140);
  }
  // dr: two sub-models per feature; s = bitlen(K·2) − 1 is the same 3 bits, so slots are (h·2 + m) of the same h'.
  const dr = parsePolicyArguments('--cb_explore_adf --epsilon 0.05 --cb_type dr');
  const drLearner = createLearner(dr);
  assert.equal(drLearner.gd.width, 2);
  const drEx = createCbifyFeaturizer(dr, { classes: 7, columns: 2, width: 2 })(Float32Array.of(140, 0), 0);
  for (let a = 0; a < 7; a++) assert.equal(drEx.actions[a]!.index[0], ex.actions[a]!.index[0]);
});

test('-q :: interacts the row with itself (i ≤ j) from the offset indices; the constant stays out', () => {
  const config = parsePolicyArguments('--cb_explore_adf --epsilon 0.2 -q ::');
  const featurize = createCbifyFeaturizer(config, { classes: 3, columns: 3, width: 1 });
  const ex = featurize(Float32Array.of(2, 0, 0.5), 0);
  for (let a = 0; a < 3; a++) {
    const fv = ex.actions[a]!;
    assert.equal(fv.count, 2 + 1 + 3, 'x0, x2, the constant, then x0·x0, x0·x2, x2·x2');
    const [h0, h2] = [fv.index[0]!, fv.index[1]!];
    assert.deepEqual([...fv.index.subarray(3, 6)], [(Math.imul(FNV_PRIME, h0) ^ h0) >>> 0, (Math.imul(FNV_PRIME, h0) ^ h2) >>> 0, (Math.imul(FNV_PRIME, h2) ^ h2) >>> 0]);
    assert.deepEqual([...fv.value.subarray(0, 6)], [2, 0.5, 1, 4, 1, 0.25]);
    assert.equal(h0 & 3, a, 'the action sits in the low bits (s = bitlen(3) = 2)');
  }
  // Numeric names (the bake-off's oml_to_vw.py): default namespace, the hash of `j` is j, so features 0..2^s-1
  // share one weight per action.
  const numeric = createCbifyFeaturizer(config, { classes: 3, columns: 3, width: 1, names: 'numeric' })(Float32Array.of(2, 1, 0.5), 0);
  assert.deepEqual([...numeric.actions[1]!.index.subarray(0, 3)], [1, 1, 1]);
});

test("the policy: cbify's options are understood, the rest goes to the engine", () => {
  const p = parseCbifyPolicy('--cbify 7 --epsilon 0.05 --loss0 -1 --loss1 0 --random_seed 12345', 7);
  // --random_seed goes to the engine, whose bagging draws from it (cbify itself never reads it).
  assert.equal(p.engineArguments, '--cb_explore_adf --epsilon 0.05 --random_seed 12345');
  assert.deepEqual([p.loss0, p.loss1], [-1, 0]);
  assert.equal(p.config.exploration.kind, 'epsilon');
  assert.throws(() => parseCbifyPolicy('--cbify 6 --epsilon 0.1', 7), /--cbify 6 does not match the dataset's 7 classes/);
  assert.throws(() => parseCbifyPolicy('--loss1 1e39', 7), (e: unknown) => e instanceof BakeoffPolicyError && /--loss1 needs a finite number/.test((e as Error).message));
  assert.throws(() => parseCbifyPolicy('--epsilon 0.1 --bogus', 7), /--bogus: unsupported argument/);
  assert.throws(() => parseCbifyPolicy('--ccb_explore_adf', 7), /not a cbify policy/);
});

test('shuffle: Fisher–Yates over merand48 seeded with S, a fixed permutation per seed', () => {
  assert.deepEqual([...shuffledOrder(10, 1n)], [1, 8, 6, 3, 7, 2, 9, 5, 0, 4]);
  assert.deepEqual([...shuffledOrder(10, 0n)], [7, 6, 2, 3, 1, 5, 4, 8, 9, 0]);
  const big = shuffledOrder(5000, 2n ** 64n - 1n);
  assert.deepEqual([...big].sort((a, b) => a - b), [...fileOrder(5000)]);
});

test('row 0 is uniform: the first sampled class is ⌊K·u_0⌋ + 1 (letter 12, segmentation 4, as VW printed)', { skip }, () => {
  for (const [name, first] of [['letter', 12], ['segmentation', 4]] as const) {
    const d = load(name);
    const r = runPolicy(d, withK(RUN_A, d), { order: shuffledOrder(d.labels.length, 1n), limit: 1, keepSampled: true });
    assert.equal(r.sampled![0]! + 1, first, name);
  }
});

// Short runs (a prefix of the order shuffled with seed 1) of runs a, e and a_q of docs/bakeoff.md: the mistakes and a
// digest of the sampled classes, as the engine gives them on the full run's order (the full runs are in the
// benchmark). Any change in featurization, learning or sampling moves these.
const PINNED: [string, number, string, number, string][] = [
  // dataset, rows, run, mistakes, sha256(sampled classes) prefix
  ['letter', 2000, 'a', 1930, 'd57cb9cec37ca3a0'],
  ['letter', 2000, 'e', 1890, '5903864e55ada444'],
  ['pendigits', 2000, 'a', 1759, '5d2e7e851f689974'],
  ['pendigits', 2000, 'e', 1287, '8659ce406addbb32'],
  ['optdigits', 1000, 'a', 887, '7ec3dc49b6b39b2c'],
  ['optdigits', 1000, 'e', 575, '3abceb28ac949e72'],
  ['satimage', 1000, 'a', 818, '298147db04f93f1d'],
  ['satimage', 1000, 'e', 685, 'd7bb6edb49772566'],
  ['segmentation', 2310, 'a', 1759, 'f69b472b3c03e662'],
  ['segmentation', 2310, 'e', 1461, '17658fb948d16d16'],
  // -q ::, the interactions hashed from the per-action indices
  ['optdigits', 1000, 'a_q', 869, '75ab6d0b35f5061b'],
  ['segmentation', 1000, 'a_q', 830, '011e55a6245665c2'],
];

test('short bake-off runs a and e on every dataset (a_q on two): pinned losses and sampled classes', { skip }, () => {
  const cache = new Map<string, Dataset>();
  for (const [name, rows, run, mistakes, digest] of PINNED) {
    const d = cache.get(name) ?? load(name);
    cache.set(name, d);
    const r = runPolicy(d, withK(RUN_ARGS[run]!, d), { order: shuffledOrder(d.labels.length, 1n), limit: rows, keepSampled: true });
    assert.equal(r.rows, rows);
    assert.equal(r.mistakes, mistakes, `${name} run ${run}: loss ${r.loss}`);
    assert.equal(createHash('sha256').update(r.sampled!).digest('hex').slice(0, 16), digest, `${name} run ${run}: sampled classes`);
    // SquareCB learns: on every set it beats ε-greedy at -l 0.001 over the same rows (docs/bakeoff.md table).
    if (run === 'e') {
      const a = PINNED.find((p) => p[0] === name && p[2] === 'a')!;
      assert.ok(mistakes < a[3], `${name}: squarecb ${mistakes} < run a ${a[3]}`);
    }
  }
});

/** Run f (--regcb) once the engine parses it. */
const regcb = (() => {
  try {
    parseCbifyPolicy('--regcb --mellowness 0.001 --cb_type mtr', 7);
    return true;
  } catch {
    return false;
  }
})();

test("against VW 9.10's table: segmentation's runs a, b, d, e, f, g land in VW's spread, and so does our spread's mean", { skip }, (t) => {
  const d = load('segmentation');
  const order = shuffledOrder(d.labels.length, 1n);
  if (!regcb) t.diagnostic('run f left out: the engine does not parse --regcb yet');
  for (const spec of RUNS.filter((r) => ['a', 'b', 'd', 'e', 'g', ...(regcb ? ['f'] : [])].includes(r.run))) {
    const ref = reference(spec.run, 'segmentation')!;
    const policy = `--cbify 7 --cb_explore_adf ${spec.args}`;
    // The 10 phase shifts VW's spread was measured with (M label-less rows before the data, M = 0, 1000, …).
    const losses = Array.from({ length: 10 }, (_, m) => runPolicy(d, policy, { order, seedOffset: 1000 * m }).loss);
    const mean = losses.reduce((a, b) => a + b, 0) / losses.length;
    assert.ok(inSpread(losses[0]!, ref), `run ${spec.run}: ${losses[0]} outside VW's ${ref.mean} ± ${ref.sd} [${ref.min}, ${ref.max}]`);
    assert.ok(mean >= ref.min && mean <= ref.max, `run ${spec.run}: our mean ${mean} outside VW's [${ref.min}, ${ref.max}]`);
    // Every shift learns: below the best constant (0.8571) and, for the learning runs, far below chance (6/7).
    for (const l of losses) assert.ok(l < 0.86, `run ${spec.run}: ${l}`);
  }
});

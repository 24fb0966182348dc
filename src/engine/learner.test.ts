// The whole learner against VW 9.10 on the tiny 50-event run (vw-vectors/tiny): progressive predictions, every
// weight/G/N of the readable model, the cb_adf counters and the save-resume statistics; the dr run; and VW's
// binary models loaded and used test-only on the last 5k events of sim-20k (vw-vectors/models).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLearner, learnerFromState, loadLearner, type Learner } from './learner.js';
import { parsePolicyArguments } from './policy_args.js';
import { readModel } from './model_file.js';
import { STRIDE } from './gd.js';
import { createFeaturizer } from './featurizer.js';
import { SKIP_MESSAGE, close, parseDsjsonLine, printedAs, readPreds, readText, sharedDir } from './learner.fixtures.js';
import type { SquareCb } from './explorers/squarecb.js';
import { absent } from '../testing/fixtures.js';

const TINY_ARGS = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q :: -b 18';

interface Readable {
  header: Map<string, string>;
  weights: Map<number, number[]>;
}

/** --readable_model text: "key value" / "Key:value" header lines, then "slot:w G N" weight lines. */
function parseReadable(text: string): Readable {
  const header = new Map<string, string>();
  const weights = new Map<number, number[]>();
  let inWeights = false;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (inWeights || /^\d+:/.test(line)) {
      inWeights = true;
      const [slot, rest] = line.split(':');
      weights.set(Number(slot), rest!.split(' ').map(Number));
      continue;
    }
    const m = /^([^:]*?):(.*)$/.exec(line);
    const sp = line.lastIndexOf(' ');
    if (m && !line.includes(' ')) header.set(m[1]!, m[2]!);
    else if (line.startsWith('options:')) header.set('options', line.slice(8));
    else header.set(line.slice(0, sp), line.slice(sp + 1));
  }
  return { header, weights };
}

/** Replays DSJSON lines progressively (predict, then learn), returning the pmfs. */
function replay(learner: Learner, lines: string[], learn = true): Map<number, number>[] {
  const out: Map<number, number>[] = [];
  for (const line of lines) {
    const ev = parseDsjsonLine(line);
    if (ev.skipLearn) continue;
    const ex = learner.featurize(ev.context);
    const { order, probs, k } = learner.rank(ex);
    const m = new Map<number, number>();
    for (let i = 0; i < k; i++) m.set(order[i]!, probs[i]!);
    out.push(m);
    if (learn && ev.label) learner.learn(ex, ev.label, ev.weight);
  }
  return out;
}

/** Share of events whose every probability prints as VW printed it. */
function printedRate(ours: Map<number, number>[], vw: Map<number, number>[]): number {
  assert.equal(ours.length, vw.length);
  let matched = 0;
  for (let e = 0; e < vw.length; e++) {
    let ok = ours[e]!.size === vw[e]!.size;
    for (const [a, p] of vw[e]!) if (!printedAs(ours[e]!.get(a), p)) ok = false;
    if (ok) matched++;
  }
  return matched / vw.length;
}

function assertWeights(learner: Learner, vw: Map<number, number[]>, label: string): void {
  const w = learner.gd.weights;
  let checked = 0;
  for (const [slot, vals] of vw) {
    for (let j = 0; j < vals.length; j++) {
      const ours = w[slot * STRIDE + j]!;
      assert.ok(close(ours, vals[j]!, 1e-5), `${label} slot ${slot}[${j}]: ${ours} vs ${vals[j]}`);
      checked++;
    }
  }
  // and nothing non-zero that VW does not have
  for (let s = 0; s < w.length / STRIDE; s++) {
    if (w[s * STRIDE] !== 0 || w[s * STRIDE + 1] !== 0 || w[s * STRIDE + 2] !== 0) {
      assert.ok(vw.has(s), `${label}: slot ${s} non-zero here only`);
    }
  }
  assert.ok(checked > 100, `${label}: only ${checked} values checked`);
}

test('tiny-50 mtr: predictions, weights/G/N, counters and resume state equal VW', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const lines = readText(join(dir, 'tiny-50.dsjson')).trim().split('\n');
  const learner = createLearner(parsePolicyArguments(TINY_ARGS));
  const pmfs = replay(learner, lines);
  const rate = printedRate(pmfs, readPreds(join(dir, 'tiny-preds.txt')));
  assert.equal(rate, 1);

  const vw = parseReadable(readText(join(dir, 'tiny-readable.txt')));
  assertWeights(learner, vw.weights, 'tiny');
  const state = learner.toModelState();
  const h = vw.header;
  assert.equal(state.cbAdf[0]!.eventSum, 50n);
  assert.equal(state.cbAdf[0]!.actionSum, 250n);
  assert.equal(state.options, h.get('options'));
  const r = state.resume!;
  const num = (k: string): number => Number(h.get(k));
  assert.ok(close(r.normalizedSumNormX, num('norm normalizer'), 1e-5));
  assert.equal(r.t, num('t'));
  assert.ok(close(r.sumLoss, num('sum_loss'), 1e-5));
  assert.ok(close(r.sumLossSinceLastDump, num('sum_loss_since_last_dump'), 1e-5));
  assert.equal(r.dumpInterval, num('dump_interval'));
  assert.equal(r.minLabel, num('min_label'));
  assert.equal(r.maxLabel, num('max_label'));
  assert.equal(r.weightedLabeledExamples, num('weighted_labeled_examples'));
  assert.equal(r.exampleNumber, BigInt(num('example_number')));
  assert.equal(r.totalFeatures, BigInt(num('total_features')));
  assert.ok(close(r.totalWeight, num('total_weight'), 1e-5));
  assert.equal(r.oldWeightedLabeledExamples, num('sd::oec.weighted_labeled_examples'));
  assert.equal(r.currentPass, 1n);
  assert.ok(close(learner.stats.averageLoss, -0.49619, 1e-5));

  // VW's binary model of the same run: same weights; ours reloads to the same state
  const vwState = readModel(new Uint8Array(readFileSync(join(dir, 'tiny-model.vw'))));
  let maxDiff = 0;
  for (let i = 0; i < vwState.weights.length; i += STRIDE) {
    for (let j = 0; j < 3; j++) maxDiff = Math.max(maxDiff, Math.abs(vwState.weights[i + j]! - state.weights[i + j]!));
  }
  assert.ok(maxDiff < 1e-5, `max weight difference vs tiny-model.vw ${maxDiff}`);
  // the saved files are byte-identical to VW's (save-resume and --predict_only_model)
  assert.deepEqual(Buffer.from(learner.saveModel()), readFileSync(join(dir, 'tiny-model.vw')));
  const po = readFileSync(join(dir, 'tiny-model-predict-only.vw'));
  assert.deepEqual(Buffer.from(learner.saveModel({ predictOnly: true })), po);
  const fromPo = loadLearner(new Uint8Array(po));
  assert.equal(fromPo.gd.weights[1113 * STRIDE], learner.gd.weights[1113 * STRIDE]);
  assert.equal(fromPo.gd.weights[1113 * STRIDE + 1], 0);
  assert.equal(fromPo.config.learningRate, 0.5); // not in a predict-only header: VW's default applies
  const again = loadLearner(learner.saveModel());
  assert.deepEqual(again.toModelState().weights.filter((_, i) => i % STRIDE !== 3), state.weights.filter((_, i) => i % STRIDE !== 3));
  assert.equal(again.cbAdf.eventSum, 50);
});

test('tiny-50 dr: both interleaved sub-models equal VW (tiny-readable-dr.txt)', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const lines = readText(join(dir, 'tiny-50.dsjson')).trim().split('\n');
  const learner = createLearner(parsePolicyArguments(TINY_ARGS.replace('mtr', 'dr')), { quiet: true });
  replay(learner, lines);
  const vw = parseReadable(readText(join(dir, 'tiny-readable-dr.txt')));
  assertWeights(learner, vw.weights, 'tiny-dr');
  const r = learner.toModelState().resume!;
  assert.ok(close(r.normalizedSumNormX, Number(vw.header.get('norm normalizer')), 1e-5));
  assert.equal(r.totalWeight, Number(vw.header.get('total_weight')));
  assert.ok(close(r.minLabel, Number(vw.header.get('min_label')), 1e-5));
  assert.ok(close(r.sumLoss, Number(vw.header.get('sum_loss')), 1e-5));
  assert.equal(r.dumpInterval, 1);
});

for (const [name, file] of [
  ['ips', 'ips'],
  ['dr', 'dr'],
  ['squarecb', 'squarecb'],
  ['mtr -b 20', 'mtr-b20'],
] as const) {
  test(`VW model-${file}-15k.vw loaded, test-only on the last 5k events`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const dir = join(shared, 'vw-vectors');
    // squarecb's --epsilon defaults to 0 in VW (cb_explore_adf_squarecb.cc); say so explicitly for the header
    // options, which do not carry it.
    const overrides = name === 'squarecb' ? '--epsilon 0' : '';
    const learner = loadLearner(new Uint8Array(readFileSync(join(dir, 'models', `model-${file}-15k.vw`))), overrides);
    if (name === 'squarecb') assert.equal((learner.explorer as SquareCb).counter, 15000);
    const lines = readText(join(dir, 'sim-20k.dsjson.gz')).trim().split('\n').slice(15000);
    const pmfs = replay(learner, lines, false);
    const rate = printedRate(pmfs, readPreds(join(dir, 'models', `preds-${file}-test.txt.gz`)));
    assert.equal(rate, 1, `pmf printed as VW's on a share ${rate} of the events`);
    // The average loss of these runs, as VW printed it: model_predict.test.ts.
  });
}

test('learnerFromState keeps the model and resets performance counters like VW', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const lines = readText(join(dir, 'tiny-50.dsjson')).trim().split('\n');
  const config = parsePolicyArguments(TINY_ARGS);
  const a = createLearner(config);
  replay(a, lines.slice(0, 25));
  const b = learnerFromState(config, a.toModelState());
  assert.equal(b.stats.exampleNumber, 0);
  assert.equal(b.stats.t, 25);
  const pa = replay(a, lines.slice(25));
  const pb = replay(b, lines.slice(25));
  assert.deepEqual(pb, pa);
  assert.deepEqual(b.gd.weights, a.gd.weights);
});

test('explain lists the largest |w·x| terms with names', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const lines = readText(join(dir, 'tiny-50.dsjson')).trim().split('\n');
  const learner = createLearner(parsePolicyArguments(TINY_ARGS));
  replay(learner, lines);
  const ctx = parseDsjsonLine(lines[49]!).context;
  const terms = learner.explain(ctx, 1, 5);
  assert.equal(terms.length, 5);
  for (let i = 1; i < terms.length; i++) {
    assert.ok(Math.abs(terms[i - 1]!.contribution) >= Math.abs(terms[i]!.contribution));
  }
  assert.ok(terms.every((x) => /\^/.test(x.name) || x.name === 'Constant'), terms.map((x) => x.name).join(','));
  const sum = learner.explain(ctx, 1, 1000).reduce((s, x) => s + x.contribution, 0);
  assert.ok(Math.abs(sum - learner.scores(learner.featurize(ctx))[1]!) < 1e-6);
});

test('squarecb: no importance weight except for the last action (VW 9.10 loop bound), counter per learn', () => {
  const ctx = JSON.stringify({ U: { a: 1 }, _multi: [1, 2, 3, 4, 5].map((i) => ({ A: { id: `a${i}` } })) });
  const constantG = (index: number): number => {
    const l = createLearner(parsePolicyArguments('--cb_explore_adf --squarecb --epsilon 0 --power_t 0 -l 0.001 -q ::'));
    const ex = l.featurize(ctx);
    l.predict(ex);
    l.learn(ex, { index, cost: -1, probability: 0.04 });
    assert.equal((l.explorer as SquareCb).counter, 1);
    return l.gd.weights[(11650396 % 2 ** 18) * STRIDE + 1]!;
  };
  // explore/README.md: Constant's G is 0.8 (iw = 1·1/5) for index 2, 20 (iw = 25·1/5) for the last index
  assert.ok(close(constantG(2), 0.8, 1e-6));
  assert.ok(close(constantG(4), 20, 1e-6));
});

test('--l1 truncates and --l2 contracts the weights', () => {
  const ctx = JSON.stringify({ U: { a: 1 }, _multi: [{ A: { id: 'x' } }, { A: { id: 'y' } }] });
  const run = (extra: string): Learner => {
    const l = createLearner(parsePolicyArguments(`--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.1 --cb_type ips -q :: ${extra}`));
    const ex = l.featurize(ctx);
    for (let i = 0; i < 30; i++) {
      l.predict(ex);
      l.learn(ex, { index: i % 2, cost: i % 2 ? -1 : 0, probability: 0.5 });
    }
    return l;
  };
  const plain = run('');
  const l1 = run('--l1 0.001');
  const l2 = run('--l2 0.01');
  assert.equal(plain.gd.gravity, 0);
  assert.ok(l1.gd.gravity > 0);
  assert.ok(l2.gd.contraction < 1);
  const ex = plain.featurize(ctx);
  const mag = (l: Learner): number => Math.abs(l.scores(ex)[1]!);
  assert.ok(mag(l1) < mag(plain));
  assert.ok(mag(l2) < mag(plain));
  assert.equal(l2.toModelState().resume!.l2State, l2.gd.contraction);
});

test('learner.featurize works out of the box for createLearner and loadLearner, with and without reuse', () => {
  const config = parsePolicyArguments(TINY_ARGS);
  const context = JSON.stringify({
    User: { tier: 'gold', age: 0.5 },
    _multi: [{ Action: { id: 'a1', price: 0.2 } }, { Action: { id: 'a2', cat: 'x y' } }, { Action: { id: 'a3' } }],
  });
  const expected = createFeaturizer(config)(context);
  const flat = (ex: ReturnType<typeof expected.actions.slice>) =>
    ex.map((a) => ({ index: Array.from(a.index.subarray(0, a.count)), value: Array.from(a.value.subarray(0, a.count)) }));
  const fresh = createLearner(config);
  const loaded = loadLearner(fresh.saveModel());
  const reused = loadLearner(fresh.saveModel(), '', { reuseExamples: true });
  for (const learner of [fresh, loaded, reused]) {
    // Twice: a reused featurizer must give the same features on its second call.
    for (let i = 0; i < 2; i++) {
      const ex = learner.featurize(context);
      assert.deepEqual(flat(ex.actions), flat(expected.actions));
      assert.equal(learner.predict(ex).length, 3);
    }
  }
  // Non-reused examples stay valid after the next call.
  const first = loaded.featurize(context);
  loaded.featurize(JSON.stringify({ _multi: [{ B: { z: 1 } }] }));
  assert.deepEqual(flat(first.actions), flat(expected.actions));
});

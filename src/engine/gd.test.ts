// gd + cb_adf(mtr) against VW's --audit of the first 3 tiny events (vw-vectors/tiny/tiny-3-audit.txt):
// per-action predictions and every weight/G that VW printed, which shows the state after each learn call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Gd, STRIDE, quakeInvSqrt } from './gd.js';
import { CbAdf } from './cb_adf.js';
import type { FeatureVector } from './example.js';
import {
  SKIP_MESSAGE,
  auditToFeatureVector,
  close,
  parseAuditLine,
  parseDsjsonLine,
  readText,
  sharedDir,
  type AuditFeature,
} from './learner.fixtures.js';
import { absent } from '../testing/fixtures.js';

const OPTS = { learningRate: 0.001, powerT: 0, initialT: 0, l1: 0, l2: 0, bits: 18, width: 1 };

interface AuditBlock {
  pred: number;
  features: AuditFeature[];
}

function auditBlocks(text: string): AuditBlock[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('[warning]') && !l.startsWith('You can'));
  const blocks: AuditBlock[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    blocks.push({ pred: Number(lines[i]), features: parseAuditLine(lines[i + 1]!) });
  }
  return blocks;
}

test('tiny-3 audit: predictions and weights/G after each learn (mtr, power_t 0)', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const blocks = auditBlocks(readText(join(dir, 'tiny-3-audit.txt')));
  const events = readText(join(dir, 'tiny-3.dsjson')).trim().split('\n').map(parseDsjsonLine);
  assert.equal(blocks.length, 18); // 3 events × (5 predictions + 1 learn)

  const gd = new Gd(OPTS);
  const cb = new CbAdf(gd, 'mtr', 0);
  const scores = new Float32Array(5);
  let checkedWeights = 0;
  for (let e = 0; e < 3; e++) {
    const evBlocks = blocks.slice(e * 6, e * 6 + 6);
    const actions: FeatureVector[] = evBlocks.slice(0, 5).map((b) => auditToFeatureVector(b.features));
    cb.scores(actions, scores);
    for (let a = 0; a < 5; a++) {
      const b = evBlocks[a]!;
      assert.ok(Math.abs(scores[a]! - b.pred) <= 1e-5, `event ${e} action ${a}: ${scores[a]} vs ${b.pred}`);
      // the weights VW printed here are the state after the previous events' learning
      for (const ft of b.features) {
        const s = ft.slot * STRIDE;
        assert.ok(close(gd.weights[s]!, ft.weight, 1e-5), `${ft.name} w ${gd.weights[s]} vs ${ft.weight}`);
        assert.ok(close(gd.weights[s + 1]!, ft.g, 1e-5), `${ft.name} G ${gd.weights[s + 1]} vs ${ft.g}`);
        checkedWeights++;
      }
    }
    const label = events[e]!.label!;
    cb.learn(actions, label, 1);
  }
  assert.ok(checkedWeights >= 800);
  assert.equal(cb.eventSum, 3);
  assert.equal(cb.actionSum, 15);
});

test('worked check of docs/learner.md §5.2: Context^hour after event 2', () => {
  // 55 features all seen for the first time (N = |x|), cost −1, p 0.84, iw = (1/0.84)·(2/10).
  const gd = new Gd(OPTS);
  const n = 55;
  const fv: FeatureVector = { index: new Uint32Array(n), value: new Float32Array(n), count: n };
  for (let i = 0; i < n; i++) {
    fv.index[i] = i * 7 + 1;
    fv.value[i] = i === 0 ? 0.479 : 1;
  }
  gd.learn(fv, 0, -1, Math.fround(Math.fround(1 / Math.fround(0.84)) * Math.fround(2 / 10)));
  const s = fv.index[0]! * STRIDE;
  assert.ok(close(gd.weights[s]!, -1.80703e-5, 1e-5), String(gd.weights[s]));
  assert.ok(close(gd.weights[s + 1]!, 0.218515, 1e-5), String(gd.weights[s + 1]));
  assert.equal(gd.weights[s + 2], Math.fround(0.479));
  assert.equal(gd.minLabel, -1);
  assert.equal(gd.maxLabel, 0);
  assert.ok(close(gd.tw[0]!, 0.238095, 1e-5));
  assert.ok(close(gd.nsnx[0]!, 0.238095 * 55, 1e-5));
});

test('no update when the loss is 0, and label range widening clips predictions', () => {
  const gd = new Gd(OPTS);
  const fv: FeatureVector = { index: Uint32Array.of(3, 9), value: Float32Array.of(1, 0.5), count: 2 };
  gd.learn(fv, 0, 0, 1);
  assert.equal(gd.tw[0], 0);
  assert.equal(gd.weights[3 * STRIDE + 1], 0);
  gd.learn(fv, 0, 2, 1);
  assert.equal(gd.maxLabel, 2);
  assert.ok(gd.partial(fv, 0) > 0);
  gd.maxLabel = Math.fround(0.0001); // a narrower range clips the returned prediction but not the partial one
  assert.equal(gd.predict(fv, 0), Math.fround(0.0001));
  assert.ok(gd.partial(fv, 0) > 0.0001);
});

test('power_t 0.5 uses VW quake_inv_sqrt and sqrt normalizer', () => {
  // quake_inv_sqrt(4) with one Newton step ≈ 0.49915
  assert.ok(Math.abs(quakeInvSqrt(4) - 0.5) < 2e-3);
  assert.notEqual(quakeInvSqrt(4), 0.5);
  const gd = new Gd({ ...OPTS, powerT: 0.5, learningRate: 0.5, invSqrt: 'quake' });
  const fv: FeatureVector = { index: Uint32Array.of(5), value: Float32Array.of(2), count: 1 };
  gd.learn(fv, 0, 1, 1);
  // first step: G = 4·1·4 = 16, N = 2, rate = invsqrt(16)/2, multiplier sqrt(1/1) = 1, ppu = 4·rate
  const rate = Math.fround(quakeInvSqrt(16) * 0.5);
  assert.equal(gd.weights[5 * STRIDE + 3], rate);
  const ppu = Math.fround(4 * rate);
  const u = Math.fround((1 - Math.fround(Math.exp(Math.fround(-2 * 0.5 * ppu)))) / ppu);
  assert.ok(close(gd.weights[5 * STRIDE]!, u * 2 * rate, 1e-6));
});

test('power_t 0.5 uses the x86 rsqrtss estimate by default (AMD Zen 5: rsqrt(16) = 0x3e7ff800)', () => {
  const gd = new Gd({ ...OPTS, powerT: 0.5, learningRate: 0.5 });
  const fv: FeatureVector = { index: Uint32Array.of(5), value: Float32Array.of(2), count: 1 };
  gd.learn(fv, 0, 1, 1);
  // G = 16: the estimate 0.24999237 (bits 0x3e7ff800), not quake's 0.24957
  const est = new DataView(Uint32Array.of(0x3e7ff800).buffer).getFloat32(0, true);
  assert.equal(gd.weights[5 * STRIDE + 3], Math.fround(est * 0.5));
  assert.notEqual(gd.weights[5 * STRIDE + 3], Math.fround(quakeInvSqrt(16) * 0.5));
});

test('dr width 2 interleaves sub-models in one weight space', () => {
  const gd = new Gd({ ...OPTS, width: 2 });
  const fv: FeatureVector = { index: Uint32Array.of(11650396), value: Float32Array.of(1), count: 1 };
  gd.learn(fv, 1, -1, 1);
  const slot1 = (11650396 * 2 + 1) % 2 ** 18;
  assert.notEqual(gd.weights[slot1 * STRIDE], 0);
  assert.equal(gd.weights[(slot1 - 1) * STRIDE], 0);
  assert.equal(gd.tw[0], 0);
  assert.equal(gd.tw[1], 1);
});

// gd.cc pred_per_update_feature: a feature whose square overflows float (a value past ~1.8e19, or an interaction
// of two large ones, such as a millisecond timestamp paired with itself by -q ::) counts 1 in the normalizer.
// Without that rule x²/N² = ∞/∞ = NaN enters normalized_sum_norm_x and every later update of the model is NaN,
// replaced by 0: one such event would stop all learning for good.
test('a feature whose square overflows float leaves the normalizer finite; later events still learn', () => {
  const fv = (index: number[], value: number[]): FeatureVector => ({
    index: Uint32Array.from(index),
    value: Float32Array.from(value),
    count: index.length,
  });
  for (const powerT of [0, 0.5]) {
    const gd = new Gd({ ...OPTS, powerT });
    const huge = fv([11, 12, 13], [1, 1.7e12 * 1.7e12, 1e300]); // 2.9e24 squared overflows; 1e300 is ∞ as float
    gd.learn(huge, 0, 1, 1);
    assert.ok(Number.isFinite(gd.nsnx[0]!), `power_t ${powerT}: normalized_sum_norm_x ${gd.nsnx[0]}`);
    assert.equal(gd.nsnx[0], 1 + 1 + 1); // x²/N² = 1 for the finite feature, 1 for each overflowing one
    assert.equal(gd.tw[0], 1);
    // The overflowing event itself makes no update (its pred_per_update is NaN → update 0, as in VW).
    assert.equal(gd.weights[11 * STRIDE], 0);

    const normal = fv([21, 22], [1, 0.5]);
    const before = gd.predict(normal, 0);
    for (let i = 0; i < 20; i++) gd.learn(normal, 0, 1, 1);
    const after = gd.predict(normal, 0);
    assert.ok(Number.isFinite(after) && after > before + 0.01, `power_t ${powerT}: prediction ${before} → ${after}`);
    assert.ok(Number.isFinite(gd.weights[21 * STRIDE]!) && gd.weights[21 * STRIDE]! > 0);
  }
});

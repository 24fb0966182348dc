// Exploration rules against VW: epsilon-greedy ties, and SquareCB's pmf recomputed from the scores VW printed
// in a full --audit run (vw-vectors/explore/scores-audit-squarecb.csv.gz) vs its -p output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  countTied,
  enforceMinimumProbability,
  epsilonGreedy,
  rankActions,
  squareCb,
  squareCbGamma,
} from './explore.js';
import { SKIP_MESSAGE, readPreds, readText, sharedDir } from './learner.fixtures.js';
import { absent } from '../testing/fixtures.js';

test('rank by (score, index) and epsilon-greedy with relative ties', () => {
  const scores = Float32Array.of(0.5, -0.2, -0.2, -0.20001, 0.1);
  const order = new Uint32Array(5);
  const probs = new Float32Array(5);
  rankActions(scores, 5, order);
  assert.deepEqual([...order], [3, 1, 2, 4, 0]);
  // -0.20001 vs -0.2: |diff| 1e-5 <= 1e-4·0.40001 → three tied leaders
  assert.equal(countTied(scores, order, 5), 3);
  epsilonGreedy(scores, order, 5, 0.2, false, probs);
  const lead = Math.fround(Math.fround(0.2 / 5) + Math.fround(Math.fround(0.8) / 3));
  assert.deepEqual([...probs], [lead, lead, lead, Math.fround(0.04), Math.fround(0.04)]);
  epsilonGreedy(scores, order, 5, 0.2, true, probs);
  assert.equal(probs[0], Math.fround(Math.fround(0.04) + Math.fround(0.8)));
  assert.equal(probs[1], Math.fround(0.04));
  // all zero scores: uniform
  epsilonGreedy(new Float32Array(5), Uint32Array.of(0, 1, 2, 3, 4), 5, 0.2, false, probs);
  for (const p of probs) assert.ok(Math.abs(p - 0.2) < 1e-7);
});

test('enforce_minimum_probability projects onto the floor', () => {
  const p = Float32Array.of(0.97, 0.01, 0.01, 0.01);
  enforceMinimumProbability(0.2, true, p, 4);
  for (let i = 1; i < 4; i++) assert.ok(Math.abs(p[i]! - 0.05) < 1e-7);
  assert.ok(Math.abs(p[0]! - 0.85) < 1e-6);
  const u = Float32Array.of(0.5, 0.5, 0);
  enforceMinimumProbability(1, false, u, 3);
  assert.deepEqual([...u], [0.5, 0.5, 0]);
});

test('squarecb event 3 by hand (explore/README.md)', () => {
  const scores = Float32Array.of(-0.000293, -0.000275, -0.000456, -0.000384, -0.000207);
  const order = new Uint32Array(5);
  const probs = new Float32Array(5);
  rankActions(scores, 5, order);
  squareCb(scores, order, 5, squareCbGamma(10, 0.5, 2), 0, probs);
  assert.deepEqual([...order], [2, 3, 0, 1, 4]);
  assert.ok(Math.abs(probs[1]! - 0.199959) < 1e-6);
  assert.ok(Math.abs(probs[0]! - 0.200376) < 1e-6);
  assert.equal(squareCbGamma(10, 0.5, 0), 0);
});

for (const [name, scale] of [
  ['squarecb', 10],
  ['squarecb-g100', 100],
] as const) {
  test(`${name}: pmf from VW's audit scores matches preds-${name} on all 20k events`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const dir = join(shared, 'vw-vectors', 'explore');
    const scoreLines = readText(join(dir, 'scores-audit-squarecb.csv.gz')).trim().split('\n');
    const preds = readPreds(join(dir, `preds-${name}.txt.gz`));
    assert.equal(preds.length, 20000);
    // Both runs train the same unweighted model; only γ differs (g100: scale 100, exponent 0.5).
    const scores = new Float32Array(5);
    const order = new Uint32Array(5);
    const probs = new Float32Array(5);
    let worst = 0;
    for (let e = 0; e < preds.length; e++) {
      const s = scoreLines[e]!.split(',').map(Number);
      for (let a = 0; a < 5; a++) scores[a] = s[a]!;
      rankActions(scores, 5, order);
      squareCb(scores, order, 5, squareCbGamma(scale, 0.5, e), 0, probs);
      for (let i = 0; i < 5; i++) {
        const vw = preds[e]!.get(order[i]!);
        assert.ok(vw !== undefined);
        worst = Math.max(worst, Math.abs(vw - probs[i]!));
      }
    }
    // printed scores have 6 decimals; the pmf follows them to ~1e-5 (g100 amplifies score rounding 10×)
    assert.ok(worst < (scale === 10 ? 2e-5 : 2e-4), `max |Δp| ${worst}`);
  });
}

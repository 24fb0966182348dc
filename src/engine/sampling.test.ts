import { test } from 'node:test';
import { sharedDir as sharedFolder, absent } from '../testing/fixtures.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { merand48, merand48NoAdvance, sampleAction, samplingSeed } from './sampling.js';

const sharedDir = (): string | null => sharedFolder() ?? null;

function vectorRows(t: { skip: (m: string) => void }): string[][] | null {
  const shared = sharedDir();
  if (shared === null) {
    absent(t, 'reference data ../shared is absent');
    return null;
  }
  return readFileSync(join(shared, 'vw-vectors', 'hash-and-sampling-vectors.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'));
}

test('merand48 sequence from state 1', (t) => {
  const rows = vectorRows(t);
  if (rows === null) return;
  const seq = rows.filter((r) => r[0] === 'merand48');
  assert.equal(seq.length, 8);
  let state = 1n;
  for (const [, i, value, after] of seq) {
    const [v, next] = merand48(state);
    state = next;
    assert.equal(next, BigInt(after!), `state after call ${i}`);
    assert.equal(Math.fround(v), Math.fround(Number(value)), `value ${i}`);
  }
});

test('RL-client sampling matches all 36 vectors (seed, draw, chosen, swap)', (t) => {
  const rows = vectorRows(t);
  if (rows === null) return;
  const cases = rows.filter((r) => r[0]!.startsWith('evt-'));
  assert.equal(cases.length, 36);
  for (const [eventId, appId, seed, draw, pmfText, chosen] of cases) {
    assert.equal(samplingSeed(eventId!, appId!), BigInt(seed!));
    assert.equal(Math.fround(merand48NoAdvance(BigInt(seed!))), Math.fround(Number(draw)));
    // Give the pmf with non-trivial action indices to check that `chosen` is the action index.
    const probs = pmfText!.split(',').map(Number);
    const pmf = probs.map((p, i) => ({ index: 10 + i, probability: p }));
    const r = sampleAction(pmf, eventId!, appId!);
    const pos = Number(chosen);
    assert.equal(r.chosen, 10 + pos, `${eventId}/${appId}`);
    assert.equal(r.ranking[0]!.index, 10 + pos);
    if (pos !== 0) assert.equal(r.ranking[pos]!.index, 10);
    assert.equal(r.ranking[0]!.probability, Math.fround(Math.fround(probs[pos]!) / Math.fround(probs.reduce((s, p) => Math.fround(s + Math.fround(p)), 0))));
  }
});

test('a zero pmf picks the first action with probability 1', () => {
  const r = sampleAction([{ index: 3, probability: 0 }, { index: 1, probability: -1 }], 'e');
  assert.deepEqual(r, { chosen: 3, ranking: [{ index: 3, probability: 1 }, { index: 1, probability: 0 }] });
});

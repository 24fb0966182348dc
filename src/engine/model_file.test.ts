import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { vectorsDir, absent } from '../testing/fixtures.js';
import { ModelFileError, readModel, writeModel } from './model_file.js';
import { modelOptionsString, parsePolicyArguments } from './policy_args.js';
import type { ModelState } from './types.js';

const VECTORS = vectorsDir();
const SKIP = 'reference vectors (../shared/vw-vectors) not found next to the repository';
const load = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(VECTORS as string, rel)));

// Every cb model file among the reference vectors, with figures read off the files by an independent parser.
const MODELS: { file: string; predictOnly: boolean; bits: number; records: number; cbAdf: [bigint, bigint]; squareCb?: bigint }[] = [
  { file: 'tiny/tiny-model.vw', predictOnly: false, bits: 18, records: 222, cbAdf: [50n, 250n] },
  { file: 'tiny/tiny-model-predict-only.vw', predictOnly: true, bits: 18, records: 222, cbAdf: [50n, 250n] },
  { file: 'models/model-ips-15k.vw', predictOnly: false, bits: 18, records: 243, cbAdf: [0n, 0n] },
  { file: 'models/model-dr-15k.vw', predictOnly: false, bits: 18, records: 486, cbAdf: [0n, 0n] },
  { file: 'models/model-squarecb-15k.vw', predictOnly: false, bits: 18, records: 243, cbAdf: [15000n, 75000n], squareCb: 15000n },
  { file: 'models/model-mtr-b20-15k.vw', predictOnly: false, bits: 20, records: 243, cbAdf: [15000n, 75000n] },
  { file: 'azure-shaped/model-mtr-8k.vw', predictOnly: false, bits: 18, records: 1951, cbAdf: [8000n, 55910n] },
];

function nonZeroSlots(s: ModelState): number {
  let n = 0;
  for (let i = 0; i < s.weights.length; i += 4) {
    if (s.weights[i] !== 0 || (s.resume && (s.weights[i + 1] !== 0 || s.weights[i + 2] !== 0))) n++;
  }
  return n;
}

for (const m of MODELS) {
  test(`${m.file}: parses, writes back byte-identical, header options reproduced`, (t) => {
    if (!VECTORS) return absent(t, SKIP);
    const bytes = load(m.file);
    const s = readModel(bytes);
    assert.equal(s.version, '9.10.0');
    assert.equal(s.id, '');
    assert.equal(s.bits, m.bits);
    assert.equal(s.weights.length, 2 ** m.bits * 4);
    assert.equal(s.resume === null, m.predictOnly);
    assert.deepEqual(s.cbAdf, [{ eventSum: m.cbAdf[0], actionSum: m.cbAdf[1] }]);
    assert.equal(s.explorerCounter, m.squareCb);
    assert.equal(nonZeroSlots(s), m.records);
    for (let i = 3; i < s.weights.length; i += 4) assert.equal(s.weights[i], 0);
    assert.deepEqual(writeModel(s), bytes);
    assert.deepEqual(writeModel(s, { predictOnly: m.predictOnly }), bytes);
    assert.equal(modelOptionsString(parsePolicyArguments(s.options), { predictOnly: m.predictOnly }), s.options);
  });
}

test('tiny-model.vw holds exactly the values of tiny-readable.txt', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const s = readModel(load('tiny/tiny-model.vw'));
  const text = readFileSync(join(VECTORS, 'tiny/tiny-readable.txt'), 'utf8').split('\n');
  assert.equal(s.minLabel, -1);
  assert.equal(s.maxLabel, 0);
  const r = s.resume;
  assert.ok(r);
  // State lines, printed by VW with 6 significant digits.
  const close = (x: number, printed: string): void => assert.ok(Math.abs(x - Number(printed)) <= 5e-6 * Math.abs(x), `${x} vs ${printed}`);
  const value = (name: string): string => text.find((l) => l.startsWith(`${name} `))!.slice(name.length + 1);
  close(r.normalizedSumNormX, value('norm normalizer'));
  close(r.sumLoss, value('sum_loss'));
  close(r.sumLossSinceLastDump, value('sum_loss_since_last_dump'));
  close(r.totalWeight, value('total_weight'));
  assert.equal(r.t, 50);
  assert.equal(r.initialT, 0);
  assert.equal(r.dumpInterval, 64);
  assert.equal(r.minLabel, -1);
  assert.equal(r.maxLabel, 0);
  assert.equal(r.weightedLabeledExamples, 50);
  assert.equal(r.weightedLabels, 0);
  assert.equal(r.weightedUnlabeledExamples, 0);
  assert.equal(r.exampleNumber, 50n);
  assert.equal(r.totalFeatures, 13750n);
  assert.equal(r.oldWeightedLabeledExamples, 32);
  assert.equal(r.currentPass, 1n);
  assert.equal(r.l1State, 0);
  assert.equal(r.l2State, 1);
  // Every weight line `slot:w G N`, and no other non-zero slot.
  const weightLines = text.filter((l) => /^\d+:/.test(l));
  assert.equal(weightLines.length, 222);
  const seen = new Set<number>();
  for (const l of weightLines) {
    const [slotText, rest] = l.split(':') as [string, string];
    const slot = Number(slotText);
    seen.add(slot);
    const [w, g, n] = rest.split(' ') as [string, string, string];
    close(s.weights[slot * 4] as number, w);
    close(s.weights[slot * 4 + 1] as number, g);
    close(s.weights[slot * 4 + 2] as number, n);
  }
  for (let i = 0; i < s.weights.length / 4; i++) {
    if (!seen.has(i)) assert.equal(s.weights[i * 4], 0);
  }
  // First record, exact float32 from the file.
  assert.equal(s.weights[1113 * 4], Math.fround(-0.00045140390284359455));
  assert.equal(s.weights[1113 * 4 + 1], Math.fround(39.52571487426758));
});

test('the save-resume tiny model written predict-only is byte-identical to VW\'s --predict_only_model file', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const s = readModel(load('tiny/tiny-model.vw'));
  assert.deepEqual(writeModel(s, { predictOnly: true }), load('tiny/tiny-model-predict-only.vw'));
  assert.throws(() => writeModel(readModel(load('tiny/tiny-model-predict-only.vw')), { predictOnly: false }), ModelFileError);
});

test('dr keeps both interleaved sub-models (even and odd slots)', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const s = readModel(load('models/model-dr-15k.vw'));
  let even = 0;
  let odd = 0;
  for (let i = 0; i < s.weights.length / 4; i++) if (s.weights[i * 4] !== 0) (i % 2 ? odd++ : even++);
  assert.equal(even, 243);
  assert.equal(odd, 243);
});

test('ccb/tiny-20-model.vw: the CCB flag before cb_adf counters, and written back byte for byte', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const bytes = load('ccb/tiny-20-model.vw');
  const s = readModel(bytes);
  assert.equal(s.ccbHasSeenMultiSlot, true);
  assert.match(s.options, / --cb_sample --cb_type mtr --ccb_explore_adf /);
  // tiny-20-readable.txt: event_sum 60, action_sum 408 after 20 events of 3 slots.
  assert.deepEqual(s.cbAdf, [{ eventSum: 60n, actionSum: 408n }]);
  assert.deepEqual(writeModel(s), bytes);
});

function expectModelError(bytes: Uint8Array, re: RegExp): void {
  assert.throws(() => readModel(bytes), (e: unknown) => {
    assert.ok(e instanceof ModelFileError, String(e));
    assert.match(e.message, re);
    return true;
  });
}

test('corrupt, truncated and unsupported files raise ModelFileError', (t) => {
  if (!VECTORS) return absent(t, SKIP);
  const good = load('tiny/tiny-model.vw');
  const s = readModel(good);
  const optionsAt = Buffer.from(good).indexOf('--cb_type');
  const headerEnd = Buffer.from(good).indexOf('::\u0000') + 3; // end of the options text and its NUL
  const copy = (f: (b: Uint8Array) => void): Uint8Array => {
    const b = good.slice();
    f(b);
    return b;
  };

  expectModelError(new Uint8Array(0), /truncated: version length/);
  expectModelError(good.subarray(0, 30), /truncated/);
  expectModelError(good.subarray(0, headerEnd + 4), /truncated: checksum needs 4 bytes/);
  expectModelError(good.subarray(0, good.length - 3), /truncated: \d+ weight bytes is not a whole number of 16-byte records/);
  expectModelError(copy((b) => (b[optionsAt + 10] = 0x69)), /checksum mismatch \(stored 1059919448, computed \d+\)/);
  expectModelError(copy((b) => (b[headerEnd + 4] ^= 1)), /checksum mismatch \(stored 1059919449/);
  expectModelError(copy((b) => (b[4] = 0x38)), /unsupported version '8.10.0'/);
  expectModelError(copy((b) => (b[4 + 7 + 4 + 1] = 0x6e)), /not a model file/);
  expectModelError(copy((b) => (b[headerEnd + 8 + 16] = 7)), /bad gd resume flag 7/);
  const lastRecord = good.length - 16;
  expectModelError(copy((b) => new DataView(b.buffer).setUint32(lastRecord, 1 << 18, true)), /weight index 262144 must be less than 262144/);

  // A well-formed file of an unsupported reduction (valid checksum) is refused by name.
  const rnd = writeModel({ ...s, options: s.options.replace(' --epsilon', ' --rnd 4 --epsilon') });
  expectModelError(rnd, /reduction not supported: --rnd/);
});

test('writeModel writes only non-zero slots in ascending order with the chained checksum', () => {
  const weights = new Float32Array(2 ** 4 * 4);
  weights.set([0.5, 0, 0, 0.25], 3 * 4); // rate (4th float) is never written
  weights.set([0, 0, 2, 0], 9 * 4); // N alone makes a save-resume record
  weights.set([-0, 0, 0, 0], 12 * 4);
  const state: ModelState = {
    version: '9.10.0',
    id: 'N/A',
    minLabel: -1,
    maxLabel: 0,
    bits: 4,
    options: modelOptionsString(parsePolicyArguments('--cb_explore_adf --epsilon 1 -b 4 --cb_type ips -l 0.5'), { predictOnly: true }),
    cbAdf: [{ eventSum: 3n, actionSum: 9n }],
    resume: null,
    weights,
  };
  assert.equal(state.options, ' --cb_adf --cb_explore_adf --cb_type ips --csoaa_ldf multiline --csoaa_rank --epsilon 1');
  const bytes = writeModel(state);
  const back = readModel(bytes);
  assert.equal(back.id, 'N/A');
  assert.equal(back.weights[3 * 4], 0.5);
  assert.equal(back.weights[3 * 4 + 3], 0);
  assert.equal(back.weights[9 * 4 + 2], 0); // predict-only keeps w only
  // version(4+7) id(4+4) m(1) labels(8) bits lda ngram skip(16) options(4+len+1) checksum(8) cb_adf(16) flag(1) record(8)
  assert.equal(bytes.length, 11 + 8 + 1 + 8 + 16 + 4 + state.options.length + 1 + 8 + 16 + 1 + 8);
  assert.deepEqual(writeModel(back), bytes);
});

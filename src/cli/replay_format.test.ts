// VW 9.10's number formats in replay output, against what fmt 9 and libstdc++ print for the same floats:
// VW::fmt_float(p, 6) for -p probabilities, fmt_float(p, 2) and a precision-2 stream for progress rows, and the
// default stream precision 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCppFloat } from '../engine/index.js';
import { fmtFloat, fmtProbability, formatPredictionLine } from './replay_format.js';

/** [float, fmt_float(f, 6), fmt_float(f, 2), stream precision 2, stream precision 6] */
const CASES: [number, string, string, string, string][] = [
  [0.0078125, '0.007812', '0.01', '0.0078', '0.0078125'],
  [0.0234375, '0.023438', '0.02', '0.023', '0.0234375'],
  [0.125, '0.125', '0.12', '0.12', '0.125'],
  [0.375, '0.375', '0.38', '0.38', '0.375'],
  [0.083333336, '0.083333', '0.08', '0.083', '0.0833333'],
  [9.39095e-05, '0.000094', '0', '9.4e-05', '9.39095e-05'],
  [0.84, '0.84', '0.84', '0.84', '0.84'],
  [0.04, '0.04', '0.04', '0.04', '0.04'],
  [0.2, '0.2', '0.2', '0.2', '0.2'],
  [1, '1', '1', '1', '1'],
  [0, '0', '0', '0', '0'],
  [2.5e-07, '0', '0', '2.5e-07', '2.5e-07'],
  [5e-07, '0', '0', '5e-07', '5e-07'],
  [0.9999996, '1', '1', '1', '1'],
  [0.44, '0.44', '0.44', '0.44', '0.44'],
  [1.5e-05, '0.000015', '0', '1.5e-05', '1.5e-05'],
  [-0.125, '-0.125', '-0.12', '-0.12', '-0.125'],
  [100, '100', '100', '1e+02', '100'],
  [1234.5, '1234.5', '1234.5', '1.2e+03', '1234.5'],
  [0.005, '0.005', '0', '0.005', '0.005'],
  [0.995, '0.995', '1', '1', '0.995'],
  [0.0625, '0.0625', '0.06', '0.062', '0.0625'],
  [3.0517578e-05, '0.000031', '0', '3.1e-05', '3.05176e-05'],
  [0.99999, '0.99999', '1', '1', '0.99999'],
  [1e-10, '0', '0', '1e-10', '1e-10'],
];

test('fmt_float(p, 6) and fmt_float(p, 2): fixed decimals, halfway cases to even, trailing zeros dropped', () => {
  for (const [x, d6, d2] of CASES) {
    const v = Math.fround(x);
    assert.equal(fmtFloat(v, 6), d6, `fmt_float(${x}, 6)`);
    assert.equal(fmtFloat(v, 2), d2, `fmt_float(${x}, 2)`);
    if (v >= 0) assert.equal(fmtProbability(v), d6, `fmtProbability(${x})`);
  }
});

test('stream output with precision 2 and 6 (%g), halfway cases to even', () => {
  for (const [x, , , g2, g6] of CASES) {
    const v = Math.fround(x);
    assert.equal(formatCppFloat(v, 2), g2, `precision 2: ${x}`);
    assert.equal(formatCppFloat(v, 6), g6, `precision 6: ${x}`);
  }
});

test('-p line: VW 9.10 prints at most 6 decimals, not 6 significant digits', () => {
  const line = formatPredictionLine([
    { index: 2, probability: Math.fround(0.9166667) },
    { index: 0, probability: Math.fround(1 / 12) },
    { index: 1, probability: Math.fround(9.39095e-5) },
  ]);
  assert.equal(line, '2:0.916667,0:0.083333,1:0.000094\n\n');
});

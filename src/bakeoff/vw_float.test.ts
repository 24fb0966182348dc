// VW's text-format float parser (parse_primitives.h parse_float): exact where VW is exact, VW's rounding where it
// is not, and a refusal for what is not a number.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVwFloat } from './vw_float.js';

const f = Math.fround;

test('integers and short decimals read as the float nearest to them', () => {
  for (const t of ['0', '7', '140.0', '-3', '15', '0.5', '0.25', '1e3', '2.5E2', '-0.75']) assert.equal(parseVwFloat(t), f(Number(t)), t);
});

test('digits accumulate in a float and meet one float power of ten: not always the nearest float', () => {
  // 0.001 = 1 × (((1/10)/10)/10), each step rounded to float: 0.0009999999310821295, one float below f(0.001).
  const tenth = f(1 / 10);
  const thousandth = f(f(tenth / 10) / 10);
  assert.equal(parseVwFloat('0.001'), thousandth);
  assert.notEqual(parseVwFloat('0.001'), f(0.001));
  // 16 decimals: 7333333500000001 does not fit a float's 24 bits; the accumulated float times 10^-15 lands
  // several floats above the nearest (segmentation's TSV writes such values).
  const v = parseVwFloat('7.333333500000001');
  assert.ok(v > f(7.333333500000001), `${v}`);
  assert.ok(Math.abs(v - 7.3333335) < 1e-6);
  // At most 35 decimals count: the 36th and later digits are read and dropped.
  assert.equal(parseVwFloat('1.' + '0'.repeat(40) + '9'), 1);
});

test('text that is not a finite decimal number is NaN (the reader refuses it)', () => {
  for (const t of ['', '-', '.', 'abc', '1.5x', 'inf', 'NaN', '1,5', '0x10']) assert.ok(Number.isNaN(parseVwFloat(t)), t);
  assert.equal(parseVwFloat('+2'), 2); // strtof's path
  assert.equal(parseVwFloat('1e39'), Infinity); // beyond float: the reader refuses it as not finite
});

// evaluation_series.ts: 2022-09-01-preview's summaries and time series re-aggregated from 5-minute bins, checked
// against sums worked out here by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { halfWidth } from '../evaluation/estimators.js';
import { evaluationSeries } from './evaluation_series.js';
import type { Evaluation } from './types.js';

const T = Date.parse('2024-01-01T10:00:00Z');
const MIN = 60_000;

/** A bin: start, IPS numerator n, events N, sum of squares. */
const bin = (at: number, n: number, N: number, sos: number) => ({ timeStamp: new Date(at).toISOString(), ipsEstimatorNumerator: n, ipsEstimatorDenominator: N, sumOfSquares: sos });

const evaluation = {
  policyResults: [
    {
      name: 'Online',
      arguments: '--cb_explore_adf',
      policySource: 'Online',
      summary: [bin(T, 3, 10, 3), bin(T + 5 * MIN, 0, 4, 0), bin(T + 55 * MIN, 6, 6, 6), bin(T + 65 * MIN, 2, 5, 2)],
    },
  ],
} as unknown as Evaluation;

test('Expanding: one point per bin, each from the range start; the last one is the summary', () => {
  const s = evaluationSeries(evaluation, { startTime: T, endTime: T + 70 * MIN, intervalInMinutes: 5, window: 'Expanding' });
  const p = s.value[0]!;
  assert.deepEqual(p.timeseries.data.map((d) => [d.timeStamp.slice(11, 16), d.expectedReward]), [
    ['10:00', 3 / 10],
    ['10:05', 3 / 14],
    ['10:55', 9 / 20],
    ['11:05', 11 / 25],
  ]);
  assert.equal(p.summary.expectedReward, 11 / 25);
  const h = halfWidth(11, 11, 25);
  assert.deepEqual(p.summary.confidenceInterval, [11 / 25 - h, 11 / 25 + h]);
  assert.deepEqual(p.timeseries.data.at(-1)!.confidenceInterval, p.summary.confidenceInterval);
  assert.deepEqual([s.startTime, s.endTime, s.intervalInMinutes], ['2024-01-01T10:00:00.000Z', '2024-01-01T11:10:00.000Z', 5]);
});

test('Rolling 60: one point per clock hour, that hour alone', () => {
  const p = evaluationSeries(evaluation, { startTime: T, endTime: T + 70 * MIN, intervalInMinutes: 60, window: 'Rolling' }).value[0]!;
  assert.deepEqual(p.timeseries.data.map((d) => [d.timeStamp.slice(11, 16), d.expectedReward]), [
    ['10:00', 9 / 20],
    ['11:00', 2 / 5],
  ]);
  assert.equal(p.summary.expectedReward, 11 / 25);
});

test('the range selects the bins it overlaps, whole', () => {
  // 10:07 … 10:58: the 10:05 bin (partly inside) and the 10:55 bin count, 10:00 and 11:05 do not.
  const p = evaluationSeries(evaluation, { startTime: T + 7 * MIN, endTime: T + 58 * MIN, intervalInMinutes: 5, window: 'Expanding' }).value[0]!;
  assert.deepEqual(p.timeseries.data.map((d) => d.timeStamp.slice(11, 16)), ['10:05', '10:55']);
  assert.equal(p.summary.expectedReward, 6 / 10);
  // Nothing in range: no points, a zero estimate.
  const none = evaluationSeries(evaluation, { startTime: T + 20 * MIN, endTime: T + 30 * MIN, intervalInMinutes: 5, window: 'Expanding' }).value[0]!;
  assert.deepEqual([none.timeseries.data, none.summary], [[], { expectedReward: 0, confidenceInterval: [0, 0] }]);
});

test('combinations the spec does not allow are 400 BadRequest', () => {
  const q = { startTime: T, endTime: T + MIN };
  for (const bad of [
    { ...q, intervalInMinutes: 7, window: 'Expanding' as const },
    { ...q, intervalInMinutes: 60, window: 'Expanding' as const },
    { ...q, intervalInMinutes: 5, window: 'Rolling' as const },
    { startTime: T, endTime: T, intervalInMinutes: 5, window: 'Expanding' as const },
  ]) {
    assert.throws(() => evaluationSeries(evaluation, bad), (e: any) => e.code === 'BadRequest' && e.status === 400, JSON.stringify(bad));
  }
});

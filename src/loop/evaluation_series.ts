// 2022-09-01-preview's view of an evaluation's results (Personalizer.json 2022-09-01-preview "EvaluationResult",
// "PolicyResult", "Summary", "TimeSeries", "Data"; GET /evaluations/{id}?startTime&endTime&intervalInMinutes&window):
// per policy an expected reward with its 95% interval over the asked range, and a time series, both re-aggregated
// from the evaluation's 5-minute bins (evaluation/estimators.ts: IPS numerator n, event count N, sum of squares).
//   summary           over every bin that overlaps [startTime, endTime): n/N, n/N ± halfWidth(n, SoS, N)
//   window=Expanding  (intervalInMinutes 5 only) one point per non-empty bin: everything from startTime to the end
//                     of that bin
//   window=Rolling    (intervalInMinutes 60, 360, 720 or 1440) one point per non-empty interval, aligned to the
//                     clock (UTC): the bins inside that interval alone; the point's timeStamp is its start
// Bins are whole: one that overlaps the range counts whole, as the 5-minute figures cannot be split (an evaluation
// of [10:02, 10:07) asked for over the same range shows both of its bins, 10:00 and 10:05).
import { BIN_MS, halfWidth } from '../evaluation/estimators.js';
import { LoopError, type Evaluation, type EvaluationPolicyResult } from './types.js';

export const INTERVALS = [5, 60, 360, 720, 1440] as const;
export type SeriesWindow = 'Expanding' | 'Rolling';

export interface SeriesQuery {
  /** ms since epoch */
  startTime: number;
  endTime: number;
  intervalInMinutes: number;
  window: SeriesWindow;
}

export interface Estimate {
  expectedReward: number;
  /** [lower, upper] of the 95% interval. */
  confidenceInterval: [number, number];
}

export interface SeriesPoint extends Estimate {
  timeStamp: string;
}

export interface PolicySeries {
  name: string;
  arguments: string;
  policySource: string;
  summary: Estimate;
  timeseries: { data: SeriesPoint[] };
}

export interface EvaluationSeries {
  startTime: string;
  endTime: string;
  intervalInMinutes: number;
  value: PolicySeries[];
}

/** Checks the combination the spec allows; LoopError BadRequest otherwise. */
export function checkSeriesQuery(q: SeriesQuery): void {
  if (!(INTERVALS as readonly number[]).includes(q.intervalInMinutes)) {
    throw new LoopError('BadRequest', `intervalInMinutes: must be one of ${INTERVALS.join(', ')} (got ${q.intervalInMinutes})`);
  }
  if (q.window === 'Expanding' && q.intervalInMinutes !== 5) throw new LoopError('BadRequest', 'window=Expanding goes with intervalInMinutes=5 only');
  if (q.window === 'Rolling' && q.intervalInMinutes === 5) throw new LoopError('BadRequest', 'window=Rolling goes with intervalInMinutes 60, 360, 720 or 1440');
  if (!(q.startTime < q.endTime)) throw new LoopError('BadRequest', 'startTime: must be before endTime');
}

class Sums {
  n = 0;
  count = 0;
  sos = 0;
  add(n: number, count: number, sos: number): void {
    this.n += n;
    this.count += count;
    this.sos += sos;
  }
  estimate(): Estimate {
    const mean = this.count > 0 ? this.n / this.count : 0;
    const h = halfWidth(this.n, this.sos, this.count);
    return { expectedReward: mean, confidenceInterval: [mean - h, mean + h] };
  }
}

function policySeries(p: EvaluationPolicyResult, q: SeriesQuery): PolicySeries {
  const bins = (p.summary ?? [])
    .map((b) => ({ at: Date.parse(b.timeStamp ?? ''), n: b.ipsEstimatorNumerator ?? 0, count: b.ipsEstimatorDenominator ?? 0, sos: b.sumOfSquares ?? 0 }))
    .filter((b) => Number.isFinite(b.at) && b.at + BIN_MS > q.startTime && b.at < q.endTime && b.count > 0)
    .sort((a, b) => a.at - b.at);
  const total = new Sums();
  const data: SeriesPoint[] = [];
  if (q.window === 'Expanding') {
    for (const b of bins) {
      total.add(b.n, b.count, b.sos);
      data.push({ timeStamp: new Date(b.at).toISOString(), ...total.estimate() });
    }
  } else {
    const width = q.intervalInMinutes * 60_000;
    let current: { start: number; sums: Sums } | null = null;
    for (const b of bins) {
      total.add(b.n, b.count, b.sos);
      const start = Math.floor(b.at / width) * width;
      if (current === null || current.start !== start) {
        if (current) data.push({ timeStamp: new Date(current.start).toISOString(), ...current.sums.estimate() });
        current = { start, sums: new Sums() };
      }
      current.sums.add(b.n, b.count, b.sos);
    }
    if (current) data.push({ timeStamp: new Date(current.start).toISOString(), ...current.sums.estimate() });
  }
  return { name: p.name, arguments: p.arguments, policySource: p.policySource, summary: total.estimate(), timeseries: { data } };
}

/** The evaluation's results over the asked range; it must have been read with its bins (Loop.getEvaluation). */
export function evaluationSeries(evaluation: Evaluation, q: SeriesQuery): EvaluationSeries {
  checkSeriesQuery(q);
  return {
    startTime: new Date(q.startTime).toISOString(),
    endTime: new Date(q.endTime).toISOString(),
    intervalInMinutes: q.intervalInMinutes,
    value: evaluation.policyResults.map((p) => policySeries(p, q)),
  };
}

// The estimators an evaluation reports (docs/evaluation.md "Estimators"). Azure's PolicyResultSummary fields are
// the Decision Service dashboard's aggregates (microsoft/mwt-ds DataScience/dashboard_utils.py): per event with
// logged probability p, reward r and the policy's probability π of the logged action,
//   N += 1;  n += r·π/p;  d += π/p;  Ne += [π > 0];  SoS += (r·π/p)²
// so IPS = n/N and SNIPS = n/d. confidenceInterval is the Gaussian 95% half-width of the IPS mean with the sample
// variance, 1.96·sqrt((SoS − n²/N)/(N − 1)/N): it reproduces the v1.1-preview.3 Evaluations_Get example
// (n 22.2, N 1906, SoS 2.484 → 0.0015344538; n 2.2, N 196, SoS 2.424 → 0.015529361).
// The doubly robust estimate adds, per event, DR_t = dm_t + π/p·(r − q̂(x, a_logged)), dm_t = Σ_a π(a) q̂(x, a);
// the direct method's estimate alone is the mean of dm_t.
import type { PolicyResultSummary } from './types.js';

/**
 * z of the 95% intervals: 1.96, as Azure rounded it. The example's intervals come out of 1.96 to 1e-9; the exact
 * normal quantile (1.95996…) would make them 1.8e-5 smaller (0.0155290748 for 0.015529361).
 */
export const Z95 = 1.96;

export class PolicyAccumulator {
  N = 0;
  n = 0;
  d = 0;
  ne = 0;
  sos = 0;
  drSum = 0;
  drSos = 0;
  dmSum = 0;

  /** One event: reward r, logged probability p, the policy's π of the logged action, DR direct term dm, q̂(logged). */
  add(r: number, p: number, pi: number, dm: number, qLogged: number): void {
    const w = pi / p;
    const v = r * w;
    this.N++;
    this.n += v;
    this.d += w;
    if (pi > 0) this.ne++;
    this.sos += v * v;
    this.dmSum += dm;
    const dr = dm + w * (r - qLogged);
    this.drSum += dr;
    this.drSos += dr * dr;
  }

  get ips(): number {
    return this.N > 0 ? this.n / this.N : 0;
  }

  get snips(): number {
    return this.d > 0 ? this.n / this.d : 0;
  }

  get dr(): number {
    return this.N > 0 ? this.drSum / this.N : 0;
  }

  /** The direct method's estimate: the mean of Σ_a π(a) q̂(x, a). */
  get dm(): number {
    return this.N > 0 ? this.dmSum / this.N : 0;
  }

  get confidenceInterval(): number {
    return halfWidth(this.n, this.sos, this.N);
  }

  get drConfidenceInterval(): number {
    return halfWidth(this.drSum, this.drSos, this.N);
  }

  summary(timeStamp: number, aggregateTimeWindow: string): PolicyResultSummary {
    return {
      timeStamp: new Date(timeStamp).toISOString(),
      ipsEstimatorNumerator: this.n,
      ipsEstimatorDenominator: this.N,
      snipsEstimatorDenominator: this.d,
      aggregateTimeWindow,
      nonZeroProbability: this.ne,
      sumOfSquares: this.sos,
      confidenceInterval: this.confidenceInterval,
      averageReward: this.ips,
      doublyRobustEstimate: this.dr,
      doublyRobustConfidenceInterval: this.drConfidenceInterval,
    };
  }
}

/** 1.96 × the standard error of a mean from its sum and sum of squares (sample variance, N − 1). */
export function halfWidth(sum: number, sumOfSquares: number, count: number): number {
  if (count < 2) return 0;
  const variance = Math.max(0, (sumOfSquares - (sum * sum) / count) / (count - 1));
  return Z95 * Math.sqrt(variance / count);
}

/** Azure's summary bins: 5 minutes, aligned to the clock. */
export const BIN_MS = 5 * 60_000;
export const BIN_WINDOW = 'PT5M';

export interface PolicyColumns {
  pi: ArrayLike<number>;
  dm: ArrayLike<number>;
}

/**
 * The per-bin summaries and the total of one policy. bins without events are left out. totalWindow: the evaluated range as an ISO-8601 duration; totalStamp: its end.
 */
export function summarize(
  events: readonly { timestamp: number; reward: number; chosenProbability: number }[],
  columns: PolicyColumns,
  qLogged: ArrayLike<number>,
  totalStamp: number,
  totalWindow: string,
): { summary: PolicyResultSummary[]; totalSummary: PolicyResultSummary } {
  const total = new PolicyAccumulator();
  // Keyed by bin start: rank order and clock order can differ by a few milliseconds across a bin edge.
  const bins = new Map<number, PolicyAccumulator>();
  for (let t = 0; t < events.length; t++) {
    const e = events[t]!;
    const start = Math.floor(e.timestamp / BIN_MS) * BIN_MS;
    let bin = bins.get(start);
    if (!bin) bins.set(start, (bin = new PolicyAccumulator()));
    const pi = columns.pi[t]!;
    const dm = columns.dm[t]!;
    const q = qLogged[t]!;
    bin.add(e.reward, e.chosenProbability, pi, dm, q);
    total.add(e.reward, e.chosenProbability, pi, dm, q);
  }
  const summary = [...bins.keys()].sort((a, b) => a - b).map((start) => bins.get(start)!.summary(start, BIN_WINDOW));
  return { summary, totalSummary: total.summary(totalStamp, totalWindow) };
}

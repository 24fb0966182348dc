// Rank latency and throughput for the dashboard, from the request-duration histogram GET /metrics exposes
// (metrics_http.ts): the Rank routes' buckets are read when the overview is asked for and kept as snapshots, so
// that the figures cover the last WINDOW_S seconds (the difference of two snapshots) as well as the process's
// life. Quantiles are interpolated inside the histogram's buckets, as Prometheus's histogram_quantile does.
import type { HttpDuration } from '../metrics.js';

const WINDOW_S = 60;
const KEEP = 64;

interface Snapshot {
  at: number;
  /** Cumulative counts per upper bound (seconds), ascending; +Inf last. */
  counts: number[];
  count: number;
  sum: number;
}

export interface LatencyFigures {
  /** Seconds the figures cover. */
  windowSeconds: number;
  requests: number;
  /** Rank calls answered per second over the window. */
  perSecond: number | null;
  /** Milliseconds; null without requests. */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
}

export interface RankLatency {
  recent: LatencyFigures;
  sinceStart: LatencyFigures;
}

const isRank = (route: unknown) => typeof route === 'string' && /\/rank$/.test(route);

function quantile(q: number, bounds: number[], counts: number[]): number | null {
  const total = counts[counts.length - 1]!;
  if (total === 0) return null;
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (let i = 0; i < bounds.length; i++) {
    if (counts[i]! >= rank) {
      const bound = bounds[i]!;
      // Beyond the last finite bound: the last finite bound, as histogram_quantile answers.
      if (!Number.isFinite(bound)) return prevBound * 1000;
      const inBucket = counts[i]! - prevCount;
      const frac = inBucket > 0 ? (rank - prevCount) / inBucket : 1;
      return (prevBound + (bound - prevBound) * frac) * 1000;
    }
    prevBound = bounds[i]!;
    prevCount = counts[i]!;
  }
  return null;
}

export class RankLatencyTracker {
  private readonly snapshots: Snapshot[] = [];
  private readonly started: number;
  private bounds: number[] = [];

  constructor(
    private readonly histogram: HttpDuration,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  private async read(): Promise<Snapshot> {
    const metric = await this.histogram.get();
    const byBound = new Map<number, number>();
    let count = 0;
    let sum = 0;
    for (const v of metric.values) {
      const labels = v.labels as Record<string, string | number>;
      if (labels['method'] !== 'POST' || !isRank(labels['route'])) continue;
      if (v.metricName?.endsWith('_bucket')) {
        const le = labels['le'] === '+Inf' ? Infinity : Number(labels['le']);
        byBound.set(le, (byBound.get(le) ?? 0) + v.value);
      } else if (v.metricName?.endsWith('_count')) count += v.value;
      else if (v.metricName?.endsWith('_sum')) sum += v.value;
    }
    const bounds = [...byBound.keys()].sort((a, b) => a - b);
    if (bounds.length > 0) this.bounds = bounds;
    return { at: this.now(), counts: this.bounds.map((b) => byBound.get(b) ?? 0), count, sum };
  }

  private figures(to: Snapshot, from: Snapshot | null, since: number): LatencyFigures {
    const counts = to.counts.map((c, i) => c - (from?.counts[i] ?? 0));
    const requests = to.count - (from?.count ?? 0);
    const seconds = Math.max(0.001, (to.at - since) / 1000);
    return {
      windowSeconds: Math.round(seconds * 10) / 10,
      requests,
      perSecond: requests / seconds,
      p50: quantile(0.5, this.bounds, counts),
      p95: quantile(0.95, this.bounds, counts),
      p99: quantile(0.99, this.bounds, counts),
      mean: requests > 0 ? ((to.sum - (from?.sum ?? 0)) / requests) * 1000 : null,
    };
  }

  async measure(): Promise<RankLatency> {
    const now = await this.read();
    // The newest snapshot at least WINDOW_S old, or the oldest kept (then the window is shorter).
    let base: Snapshot | null = null;
    for (const s of this.snapshots) if (now.at - s.at >= WINDOW_S * 1000) base = s;
    base ??= this.snapshots[0] ?? null;
    const last = this.snapshots[this.snapshots.length - 1];
    if (last === undefined || now.at - last.at >= 5000) {
      this.snapshots.push(now);
      // Keep what the next windows need: drop the ones older than another, still old enough, snapshot.
      while (this.snapshots.length > KEEP || (this.snapshots.length > 1 && now.at - this.snapshots[1]!.at >= WINDOW_S * 1000)) this.snapshots.shift();
    }
    return {
      recent: base === null ? this.figures(now, null, this.started) : this.figures(now, base, base.at),
      sinceStart: this.figures(now, null, this.started),
    };
  }
}

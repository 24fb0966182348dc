// What the dashboard's overview shows, from the store's per-minute buckets (store/dashboard_minutes.ts): per
// bucket and over the range, the events ranked, joined, rewarded and skipped, the average reward of the online
// policy next to the IPS estimates for Baseline1 and uniform random (as Azure's portal chart did: docs/azure-api.md §5,
// docs/evaluation.md), the exploration share; each average with a 95 % normal confidence half-width.
import type { MinuteBucket } from '../../loop/types.js';
import type { OverviewQuery } from './overview_query.js';

export interface Estimate {
  value: number | null;
  /** Half-width of the 95 % confidence interval (1.96 standard errors); null with fewer than 2 events. */
  ci95: number | null;
}

export interface Totals {
  ranked: number;
  joined: number;
  skipped: number;
  rewarded: number;
  explored: number;
  /** explored / joined */
  explorationShare: number | null;
  online: Estimate;
  baseline1: Estimate;
  random: Estimate;
}

/** Column-wise, one entry per bucket of the range (empty buckets included): what a chart library plots. */
export interface Series {
  /** Bucket start, seconds since epoch. */
  time: number[];
  ranked: number[];
  joined: number[];
  rewarded: number[];
  skipped: number[];
  online: (number | null)[];
  baseline1: (number | null)[];
  random: (number | null)[];
  explorationShare: (number | null)[];
}

function estimate(n: number, sum: number, sq: number): Estimate {
  if (n === 0) return { value: null, ci95: null };
  const mean = sum / n;
  if (n < 2) return { value: mean, ci95: null };
  const variance = Math.max(0, (sq - n * mean * mean) / (n - 1));
  return { value: mean, ci95: 1.96 * Math.sqrt(variance / n) };
}

export function totals(rows: readonly MinuteBucket[]): Totals {
  const t = rows.reduce(
    (a, r) => {
      a.ranked += r.ranked;
      a.joined += r.joined;
      a.skipped += r.skipped;
      a.rewarded += r.rewarded;
      a.explored += r.explored;
      a.rewardSum += r.rewardSum;
      a.rewardSq += r.rewardSq;
      a.baselineIps += r.baselineIps;
      a.baselineIpsSq += r.baselineIpsSq;
      a.randomIps += r.randomIps;
      a.randomIpsSq += r.randomIpsSq;
      return a;
    },
    { ranked: 0, joined: 0, skipped: 0, rewarded: 0, explored: 0, rewardSum: 0, rewardSq: 0, baselineIps: 0, baselineIpsSq: 0, randomIps: 0, randomIpsSq: 0 },
  );
  return {
    ranked: t.ranked,
    joined: t.joined,
    skipped: t.skipped,
    rewarded: t.rewarded,
    explored: t.explored,
    explorationShare: t.joined > 0 ? t.explored / t.joined : null,
    online: estimate(t.joined, t.rewardSum, t.rewardSq),
    baseline1: estimate(t.joined, t.baselineIps, t.baselineIpsSq),
    random: estimate(t.joined, t.randomIps, t.randomIpsSq),
  };
}

export function series(rows: readonly MinuteBucket[], q: OverviewQuery): Series {
  const n = Math.ceil((q.toMinute - q.fromMinute) / q.interval);
  const s: Series = { time: [], ranked: [], joined: [], rewarded: [], skipped: [], online: [], baseline1: [], random: [], explorationShare: [] };
  const byStart = new Map(rows.map((r) => [r.minute, r]));
  for (let i = 0; i < n; i++) {
    const minute = q.fromMinute + i * q.interval;
    const r = byStart.get(minute);
    s.time.push(minute * 60);
    s.ranked.push(r?.ranked ?? 0);
    s.joined.push(r?.joined ?? 0);
    s.rewarded.push(r?.rewarded ?? 0);
    s.skipped.push(r?.skipped ?? 0);
    const j = r?.joined ?? 0;
    s.online.push(j > 0 ? r!.rewardSum / j : null);
    s.baseline1.push(j > 0 ? r!.baselineIps / j : null);
    s.random.push(j > 0 ? r!.randomIps / j : null);
    s.explorationShare.push(j > 0 ? r!.explored / j : null);
  }
  return s;
}

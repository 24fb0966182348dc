// Per-minute aggregates the dashboard charts (docs/dashboard.md), kept by both stores so that a chart over a week
// of a million events reads ~10,000 small rows instead of the events. A minute is the UTC minute of the event's
// rank time (floor(ts / 60000)); `ranked` moves when an event is logged, the other figures when it is joined, in
// the join's own transaction, so they are exact and survive a crash with the join.
//
// The estimates are the ones Azure's portal chart showed, from the logs alone (docs/azure-api.md §5, docs/evaluation.md):
// - Online: the reward the loop's choices got (their plain average);
// - Baseline1 (the first action the application listed, `_multi` index 0): IPS, reward·1[chosen = 0] / p;
// - random (uniform over the K actions ranked): IPS, reward·(1/K) / p;
// with p the logged probability of the chosen action. A multi-slot event counts with its first slot's decision
// and that slot's baselineAction (Azure's evaluations of multi-slot loops measured the first slot only).
// `explored`: the chosen action was not the policy's top one (its probability is below the highest logged one).
import type { JoinDecision, LoggedSlot, RewardRecord } from './types.js';

export const MINUTE_MS = 60_000;

/**
 * Each figure is kept at four widths, rows of 1, 5, 15 and 60 minutes starting at UTC multiples of their width,
 * so that a bucket of the dashboard (1, 5, 15, 60, 360 or 1440 minutes, aligned to UTC multiples of its width)
 * sums one row, or 6 or 24 hourly ones: a week in hourly buckets reads 168 rows, not 10,080.
 */
export const LEVELS = [1, 5, 15, 60] as const;

/** The widest row width that divides `interval` (whose buckets are then whole rows). */
export function levelFor(interval: number): number {
  return [...LEVELS].reverse().find((l) => interval % l === 0) ?? 1;
}

/** One bucket (or a sum of consecutive ones). Sums of squares let the dashboard draw confidence intervals. */
/** One bucket's figures: a minute's joins (MinuteDelta), plus its first minute and the Ranks made in it. */
export interface MinuteBucket extends MinuteDelta {
  /** First minute of the bucket, minutes since epoch (UTC). */
  minute: number;
  ranked: number;
}

/** What a join adds to its minute. */
export interface JoinFigures {
  minute: number;
  skipped: number;
  joined: number;
  rewarded: number;
  explored: number;
  reward: number;
  baseline: number;
  random: number;
}

export function minuteOf(ts: number): number {
  return Math.floor(ts / MINUTE_MS);
}

/** The event's columns a join's figures need (the stores keep `a` and `p` as compact JSON arrays). */
export interface JoinedColumns {
  ts: number;
  chosenIndex: number;
  chosenProbability: number;
  /** JSON `a`: 1-based `_multi` indices, chosen first. */
  actions: string;
  /** JSON `p`, aligned with `a`. */
  probabilities: string;
  /** A multi-slot event's slots (parsed), or null. */
  slots: LoggedSlot[] | null;
}

// Probabilities are float32s widened by the engine; two that print alike are the same.
const TIE = 1e-9;

export function joinFigures(e: JoinedColumns, decision: NonNullable<JoinDecision>, rewards: readonly RewardRecord[]): JoinFigures {
  const minute = minuteOf(e.ts);
  if (decision.skipLearn) return { minute, skipped: 1, joined: 0, rewarded: 0, explored: 0, reward: 0, baseline: 0, random: 0 };
  const slot = e.slots?.[0];
  const probabilities = slot ? slot.probabilities : (JSON.parse(e.probabilities) as number[]);
  const k = slot ? slot.actions.length : (JSON.parse(e.actions) as number[]).length;
  const baselineIndex = slot ? slot.baseline : 0;
  const p = e.chosenProbability;
  const top = probabilities.reduce((m, x) => (x > m ? x : m), 0);
  const r = decision.reward;
  const ips = p > 0 ? r / p : 0;
  return {
    minute,
    skipped: 0,
    joined: 1,
    rewarded: rewards.length > 0 ? 1 : 0,
    explored: p < top - TIE ? 1 : 0,
    reward: r,
    baseline: e.chosenIndex === baselineIndex ? ips : 0,
    random: k > 0 ? ips / k : 0,
  };
}

/** Sums of one minute's joins, as the stores add them to the minute's row. */
export interface MinuteDelta {
  /** Joined and learnable (not skipLearn). */
  joined: number;
  /** Joined with skipLearn (deferred, never activated). */
  skipped: number;
  /** Joined with at least one reward received (the others got defaultReward). */
  rewarded: number;
  /** Joined learnable events whose chosen action was not the top one. */
  explored: number;
  rewardSum: number;
  rewardSq: number;
  baselineIps: number;
  baselineIpsSq: number;
  randomIps: number;
  randomIpsSq: number;
}

export function emptyDelta(): MinuteDelta {
  return { joined: 0, skipped: 0, rewarded: 0, explored: 0, rewardSum: 0, rewardSq: 0, baselineIps: 0, baselineIpsSq: 0, randomIps: 0, randomIpsSq: 0 };
}

export function addFigures(d: MinuteDelta, f: JoinFigures): void {
  d.joined += f.joined;
  d.skipped += f.skipped;
  d.rewarded += f.rewarded;
  d.explored += f.explored;
  d.rewardSum += f.reward;
  d.rewardSq += f.reward * f.reward;
  d.baselineIps += f.baseline;
  d.baselineIpsSq += f.baseline * f.baseline;
  d.randomIps += f.random;
  d.randomIpsSq += f.random * f.random;
}

// The apprentice report (Microsoft Learn "concept-apprentice-mode": how well the learner matches the baseline
// before a switch to Online; docs/learning-modes.md). The trainer scores every event ranked in Apprentice mode
// before learning it (progressive validation, as VW's own average loss): does its greedy choice equal the baseline,
// what reward does it expect from its own choice, and what reward did the baseline actually get.
//
// The aggregates are kept per block of BLOCK events (the curve), plus totals, and stored in the store's settings
// under REPORT_KEY at each model export, with the highest joinSeq they include: a trainer that resumes from a model
// older than the report (a restart between the two writes, a policy change that retrains from the log) does not
// count those events twice.
export const REPORT_KEY = 'apprenticeReport';
/** Events per point of the curve. */
export const BLOCK = 100;
/** Points kept (the report stays a few kilobytes). */
export const MAX_BLOCKS = 200;
/** "recent": the last this many events, as Azure's portal showed (its most recent 1,000 events). */
export const RECENT_EVENTS = 1000;

export interface ApprenticeTotals {
  events: number;
  /** Events where the learner's greedy choice was the baseline. */
  agreed: number;
  /** Σ observed reward of the baseline (the reward the application's choice got). */
  baselineReward: number;
  /** Σ the learner's estimated reward for its own greedy choice (minus its predicted cost). */
  estimatedReward: number;
}

export interface StoredApprenticeReport {
  /** Highest joinSeq counted. */
  cursor: number;
  totals: ApprenticeTotals;
  /** Closed blocks of BLOCK events (oldest first, at most MAX_BLOCKS), then the open one. */
  blocks: ApprenticeTotals[];
  /** ms since epoch: first and last counted event (at learning time). */
  since: number;
  updated: number;
}

function zero(): ApprenticeTotals {
  return { events: 0, agreed: 0, baselineReward: 0, estimatedReward: 0 };
}

export function emptyReport(at: number, cursor = 0): StoredApprenticeReport {
  return { cursor, totals: zero(), blocks: [], since: at, updated: at };
}

/**
 * The learner's view of one apprentice event, from its predicted costs (before learning it): `agreed` when the
 * baseline's cost is strictly the lowest (a tie, as with a fresh model, is no agreement: the learner has no
 * preference yet), or when it is the only action.
 */
export function scoreEvent(costs: ArrayLike<number>, baseline: number): { agreed: boolean; estimatedReward: number } {
  let best = 0;
  for (let i = 1; i < costs.length; i++) if (costs[i]! < costs[best]!) best = i;
  let agreed = best === baseline;
  if (agreed) for (let i = 0; i < costs.length; i++) if (i !== baseline && costs[i] === costs[baseline]) agreed = false;
  return { agreed, estimatedReward: -costs[best]! };
}

function add(t: ApprenticeTotals, agreed: boolean, baselineReward: number, estimatedReward: number): void {
  t.events++;
  if (agreed) t.agreed++;
  t.baselineReward += baselineReward;
  t.estimatedReward += Number.isFinite(estimatedReward) ? estimatedReward : 0;
}

/** Counts one event (joinSeq `seq`) unless the report already includes it. */
export function record(
  r: StoredApprenticeReport,
  seq: number,
  event: { agreed: boolean; estimatedReward: number; baselineReward: number },
  at: number,
): boolean {
  if (seq <= r.cursor) return false;
  r.cursor = seq;
  if (r.totals.events === 0) r.since = at;
  r.updated = at;
  add(r.totals, event.agreed, event.baselineReward, event.estimatedReward);
  let open = r.blocks[r.blocks.length - 1];
  if (open === undefined || open.events >= BLOCK) {
    open = zero();
    r.blocks.push(open);
    if (r.blocks.length > MAX_BLOCKS) r.blocks.shift();
  }
  add(open, event.agreed, event.baselineReward, event.estimatedReward);
  return true;
}

/** A stored report that is not one of ours (hand-edited, an older shape) is started afresh. */
export function parseReport(value: unknown): StoredApprenticeReport | null {
  if (typeof value !== 'object' || value === null) return null;
  const r = value as Partial<StoredApprenticeReport>;
  if (typeof r.cursor !== 'number' || typeof r.totals !== 'object' || !Array.isArray(r.blocks)) return null;
  if (typeof r.since !== 'number' || typeof r.updated !== 'number') return null;
  return r as StoredApprenticeReport;
}

// ------------------------------------------------------------------------------------------------ what is served

export interface ApprenticeFigures {
  events: number;
  /** Share of events where the learner would have chosen the baseline (0 … 1). */
  agreement: number;
  /** Average reward the baseline actually got. */
  averageBaselineReward: number;
  /** Average reward the learner expected from its own choice. */
  averageEstimatedReward: number;
}

export interface ApprenticeReport extends ApprenticeFigures {
  /** The learning mode now. */
  learningMode: string;
  /** The last RECENT_EVENTS events (whole blocks). */
  recent: ApprenticeFigures;
  /** One point per BLOCK events, oldest first. */
  history: ApprenticeFigures[];
  /** ISO date-times of the first and the last event counted. */
  since: string;
  lastUpdated: string;
}

function figures(t: ApprenticeTotals): ApprenticeFigures {
  const n = t.events;
  return {
    events: n,
    agreement: n === 0 ? 0 : t.agreed / n,
    averageBaselineReward: n === 0 ? 0 : t.baselineReward / n,
    averageEstimatedReward: n === 0 ? 0 : t.estimatedReward / n,
  };
}

export function servedReport(r: StoredApprenticeReport, learningMode: string): ApprenticeReport {
  const recent = zero();
  for (let i = r.blocks.length - 1; i >= 0 && recent.events < RECENT_EVENTS; i--) {
    const b = r.blocks[i]!;
    recent.events += b.events;
    recent.agreed += b.agreed;
    recent.baselineReward += b.baselineReward;
    recent.estimatedReward += b.estimatedReward;
  }
  return {
    learningMode,
    ...figures(r.totals),
    recent: figures(recent),
    history: r.blocks.map(figures),
    since: new Date(r.since).toISOString(),
    lastUpdated: new Date(r.updated).toISOString(),
  };
}

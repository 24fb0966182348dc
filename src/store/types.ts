// The store's contract: everything the loop must not lose. Async so that a PostgreSQL implementation can sit
// behind the same interface; the SQLite one resolves after the transaction has committed (docs/architecture.md,
// "Data that must survive a crash"). No HTTP, no learning rules here: join decisions are made by the caller's
// `decide` function, which the store runs inside its transaction so that reading the event and writing the join
// are one atomic step.
import type { StoreHealth } from './disk_full.js';
import type { MinuteBucket } from './dashboard_minutes.js';

export type { MinuteBucket } from './dashboard_minutes.js';

export type { StoreHealth } from './disk_full.js';

/** One rank call as logged (docs/features.md §0; DSJSON fields docs/learner.md §7.1). */
export interface NewEvent {
  eventId: string;
  /** Rank time, ms since epoch. */
  timestamp: number;
  /** The DSJSON `c` text: {"FromUrl":[…],"_multi":[…]}. */
  context: string;
  /** DSJSON `a`: 1-based indices into `_multi`, chosen first. */
  actions: number[];
  /** DSJSON `p`, aligned with `actions`. */
  probabilities: number[];
  /** 0-based index into `_multi` of the chosen action (`_labelIndex`). */
  chosenIndex: number;
  chosenProbability: number;
  modelVersion: string;
  deferActivation: boolean;
  /**
   * A multi-slot Rank (docs/multi-slot.md): each slot's decision, in request order. `context` is then the DSJSON
   * CCB `c` (with `_slots`), and actions/probabilities/chosenIndex/chosenProbability repeat the first slot's
   * decision in the single-slot form (1-based `a`). Absent for a single-slot Rank.
   */
  slots?: LoggedSlot[];
}

/** One slot of a multi-slot Rank as logged: a DSJSON CCB `_outcomes` entry without its label (docs/learner.md §7.3). */
export interface LoggedSlot {
  /** The request's slot id (`_id`). */
  id: string;
  /** `_a`: 0-based `_multi` indices of the slot's candidates, the chosen one first. */
  actions: number[];
  /** `_p`, aligned with `actions`. */
  probabilities: number[];
  /** `_ba`: 0-based `_multi` index of the slot's baselineAction. */
  baseline: number;
}

/** A joined slot: its decision and the reward it was joined with (null when the event is skipLearn). */
export interface JoinedSlot extends LoggedSlot {
  reward: number | null;
}

export interface JoinRecord {
  /** Position in the learning order; the trainer's cursor counts in these. */
  joinSeq: number;
  /** The aggregated reward (or the default reward); null when skipLearn. */
  reward: number | null;
  /** DSJSON `_skipLearn`: a deferred event never activated inside its window. */
  skipLearn: boolean;
  joinedAt: number;
  /** A multi-slot event's reward per slot (slot order); `reward` is then the first slot's. */
  slotRewards?: number[];
}

export interface EventRecord extends NewEvent {
  seq: number;
  activatedAt: number | null;
  join: JoinRecord | null;
}

export interface RewardRecord {
  value: number;
  /** Arrival time, ms since epoch. */
  timestamp: number;
  /** A multi-slot reward: the slot it rewards (SlotReward.slotId). Absent for a single-slot reward. */
  slotId?: string;
}

/** One SlotReward of a multi-slot reward call. */
export interface SlotRewardInput {
  slotId: string;
  value: number;
}

/**
 * What addSlotRewards did. `notMultiSlot`: the event was ranked by a single-slot Rank; `unknownSlot`: `slotId`
 * names no slot of the event. Both write nothing.
 */
export type SlotRewardOutcome =
  | { outcome: RewardOutcome }
  | { outcome: 'notMultiSlot' }
  | { outcome: 'unknownSlot'; slotId: string };

/** What a join decision needs of an event: its window and its activation (never its kilobytes of context). */
export type JoinEvent = Pick<EventRecord, 'timestamp' | 'deferActivation' | 'activatedAt'>;

/** What a join decision sees: the event and every reward received for it, in arrival order. */
export interface JoinCandidate {
  event: JoinEvent;
  rewards: RewardRecord[];
  /** A multi-slot event's slot ids, in slot order (its rewards then carry a slotId). */
  slots?: string[];
}

/**
 * null = not decidable yet (window open, no early rule fired). A multi-slot event's decision carries the reward of
 * each slot (`slotRewards`, slot order), and `reward` is the first slot's.
 */
export type JoinDecision = { skipLearn: false; reward: number; slotRewards?: number[] } | { skipLearn: true; reward: null } | null;
export type Decide = (candidate: JoinCandidate) => JoinDecision;

/** A joined event as the trainer reads it, in joinSeq order. */
export interface JoinedEvent {
  joinSeq: number;
  eventId: string;
  context: string;
  chosenIndex: number;
  chosenProbability: number;
  reward: number | null;
  skipLearn: boolean;
  /** The event's logged modelVersion (it carries the learning mode it was ranked in: loop/learning_mode.ts). */
  modelVersion?: string;
  /** A multi-slot event: each slot's decision and reward (context is then the DSJSON CCB `c`). */
  slots?: JoinedSlot[];
}

export interface NewModel {
  /** VW binary model file (save-resume, so that learning can continue from it). */
  bytes: Uint8Array;
  /** Canonical learning arguments the model was trained with (epsilon excluded: it does not change weights). */
  policy: string;
  /** When this model's lineage started (fresh, reset or retrained), ms since epoch. */
  createdAt: number;
  modifiedAt: number;
  /** The highest joinSeq the model includes. */
  cursor: number;
  /** How many events the model has learned (skipped events excluded). */
  eventsLearned: number;
}

export interface ModelRecord extends NewModel {
  /** Monotonic model version. */
  id: number;
}

export interface Counters {
  eventsRanked: number;
  rewardsReceived: number;
  rewardsUnknownEvent: number;
  activations: number;
  activationsUnknownEvent: number;
  eventsJoined: number;
  eventsSkipped: number;
}

/** Evaluation.evaluationType: asked for by a client, or run by auto-optimization. */
export type EvaluationKind = 'Manual' | 'Auto';

/** An offline evaluation job as the store keeps it. Its JSON texts are the loop's; the store does not read them. */
export interface NewEvaluation {
  id: string;
  name: string;
  kind: EvaluationKind;
  status: string;
  /** JSON: the accepted contract and what a job needs to run it (again, after a restart). */
  contract: string;
  /** ms since epoch */
  createdAt: number;
}

export interface EvaluationRecord extends NewEvaluation {
  startedAt: number | null;
  finishedAt: number | null;
  /** How many times a job started on it. */
  attempts: number;
  /** 0 … 1 */
  progress: number;
  stage: string | null;
  failureReason: string | null;
  /** JSON: the result without its per-bin summaries (small enough to list). */
  summary: string | null;
  /** JSON: the whole result, megabytes for long ranges; null unless asked for (getEvaluation with result). */
  result: string | null;
}

/** The columns an update sets; absent ones are left as they are. */
export type EvaluationUpdate = Partial<
  Pick<EvaluationRecord, 'status' | 'startedAt' | 'finishedAt' | 'attempts' | 'progress' | 'stage' | 'failureReason' | 'summary' | 'result'>
>;

/** A joined, learnable event as an evaluation replays it (rank order). */
export interface EvaluationEventRow {
  seq: number;
  eventId: string;
  /** Rank time, ms since epoch. */
  timestamp: number;
  /** The DSJSON `c` text, whole again. */
  context: string;
  chosenIndex: number;
  chosenProbability: number;
  reward: number;
  /** The logged `a` array's length: how many actions the Rank offered. */
  actionCount: number;
}

/** What a range holds, estimated cheaply (index ends and a small sample) for a request-time size check. */
export interface EvaluationEventsEstimate {
  /** Events ranked in the range (joined or not): an upper bound of those an evaluation replays. */
  events: number;
  /** Their contexts' total length in characters, extrapolated from a sample. */
  contextBytes: number;
}

/** The exact extent of the joined, learnable events of a range. */
export interface EvaluationEventsExtent {
  count: number;
  firstSeq: number;
  lastSeq: number;
}

/**
 * A lease's fencing token. Leases elect the one process (of those sharing a store) that runs a singleton job: the
 * `trainer` lease's holder learns, exports models, sweeps due joins, applies retention and runs evaluation jobs.
 * Each acquisition by a new holder moves `epoch`; a write fenced with an older epoch is refused (LeaseLostError),
 * so a holder that was presumed dead (paused, cut off) can never overwrite its successor's model.
 */
export interface LeaseGrant {
  name: string;
  holder: string;
  epoch: number;
  /** ms since epoch, on the store's clock (the database server's for PostgreSQL). */
  expiresAt: number;
}

/** Log retention's bounds on one purge (Store.purgeEventsBefore). */
export interface PurgeOptions {
  /** Only events joined with joinSeq ≤ this (a model's cursor) are deleted. */
  learnedThrough?: number;
  /** At most this many events (the oldest). */
  limit?: number;
}

export type RewardOutcome = 'unknown' | 'recorded' | 'joined';
export type ActivateOutcome = 'unknown' | 'recorded' | 'already' | 'joined';

export interface Store {
  /** false when the eventId already exists (the first event is kept; the unique constraint decides, race-free). */
  insertEvent(event: NewEvent): Promise<boolean>;
  getEvent(eventId: string): Promise<EventRecord | null>;
  getRewards(eventId: string): Promise<RewardRecord[]>;
  /** Stores the reward (or counts it as unknown) and, if the event is still unjoined, asks `decide`. */
  addReward(eventId: string, value: number, at: number, decide: Decide): Promise<RewardOutcome>;
  /**
   * A multi-slot reward call: stores every SlotReward (in one transaction, or none of them when the event is not
   * multi-slot or a slotId names none of its slots) and, if the event is still unjoined, asks `decide` once.
   * Unknown events are counted as addReward counts them (each SlotReward a reward).
   */
  addSlotRewards(eventId: string, rewards: SlotRewardInput[], at: number, decide: Decide): Promise<SlotRewardOutcome>;
  /** Records the first activation and, if the event is still unjoined, asks `decide`. */
  activate(eventId: string, at: number, decide: Decide): Promise<ActivateOutcome>;
  /**
   * Offers the unjoined events ranked at or before `rankedBefore` (at most `limit`, in rank order) to `decide`;
   * `at` is the join time. Returns how many were joined. An event goes no earlier than those ranked before it: one
   * whose clock stepped back waits for them to be due, and an undecided one holds back those after it.
   */
  joinDue(rankedBefore: number, at: number, decide: Decide, limit?: number): Promise<number>;
  /** Joined events with joinSeq > after, ascending. */
  readJoined(after: number, limit: number): Promise<JoinedEvent[]>;
  /** The last joinSeq handed out (0 when none); survives deleteLogs. */
  headJoinSeq(): Promise<number>;

  /**
   * Inserts a model version atomically with its cursor; keeps the last few versions. With `fence`, in the same
   * transaction checks that the lease is still held at that epoch (LeaseLostError otherwise, nothing written).
   */
  saveModel(model: NewModel, fence?: LeaseGrant): Promise<ModelRecord>;
  latestModel(): Promise<ModelRecord | null>;
  /** The latest model's id without its bytes (null when none): what followers poll to notice a new model. */
  latestModelId(): Promise<number | null>;

  /**
   * Takes the lease `name` for `holder` for `ttlMs` when it is free, expired or already this holder's (then it is
   * renewed, same epoch). A new holder gets epoch + 1. null when another holder's lease is still running.
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null>;
  /** Extends a held lease; null (and nothing changed) when it was taken over or has expired meanwhile. */
  renewLease(grant: LeaseGrant, ttlMs: number): Promise<LeaseGrant | null>;
  /** Gives a held lease up at once (a clean shutdown), so that another process takes over without waiting. */
  releaseLease(grant: LeaseGrant): Promise<void>;
  /** Bytes the store takes (files on disk, or the database's size); null when unknown. */
  sizeBytes(): Promise<number | null>;

  getSetting<T>(key: string): Promise<T | undefined>;
  putSetting(key: string, value: unknown): Promise<void>;
  /**
   * Several settings in one transaction; resolves with the new settings revision. With `expectedRevision`, a
   * compare-and-set: rejects with StaleSettingsError, writing nothing, when the settings were changed since.
   */
  putSettings(entries: Record<string, unknown>, expectedRevision?: number): Promise<number>;
  /** Moves on every settings write; read it before the settings it guards. */
  settingsRevision(): Promise<number>;
  /** writable: false while writes fail for lack of disk space (they reject with StoreFullError). */
  health(): StoreHealth;

  /**
   * Moves a stored setting that cannot be used into the set-aside table and stores `replacement` in its place,
   * in one transaction.
   */
  setAsideSetting(key: string, replacement: unknown, reason: string, at: number): Promise<void>;
  /** Moves a stored model that cannot be loaded into the set-aside table (it is no longer latestModel()). */
  setAsideModel(id: number, reason: string, at: number): Promise<void>;

  counters(): Promise<Counters>;
  deleteLogs(): Promise<void>;
  /**
   * Deletes events ranked before `before`, with everything keyed by them (rewards, joins, slot rewards, the
   * context parts no remaining event uses); returns how many events. Oldest first, in one transaction: `limit`
   * bounds the events of one call, so that a large purge is many short transactions, each letting other writes
   * in. With `learnedThrough`, only events joined at or below that joinSeq (the trainer has learned them) go; an
   * event not yet joined or learned stays whatever its age.
   */
  purgeEventsBefore(before: number, options?: PurgeOptions): Promise<number>;
  /** Rank-time range of the retained events, null when there are none. */
  logsDateRange(): Promise<{ from: number; to: number } | null>;
  /**
   * The dashboard's aggregates (dashboard_minutes.ts) of the minutes [from, to) (minutes since epoch, multiples
   * of `interval`), summed in buckets of `interval` minutes at UTC multiples of it; empty buckets are left out.
   */
  dashboardMinutes(from: number, to: number, interval: number): Promise<MinuteBucket[]>;

  // Offline evaluations (the loop's evaluation jobs). Joined events are read for a rank-time range [from, to).

  /**
   * null when the range holds no joined, learnable event (not skipLearn); else a cheap estimate of its size:
   * O(log n) lookups and a few events read, fit for the request path.
   */
  estimateEvaluationEvents(from: number, to: number): Promise<EvaluationEventsEstimate | null>;
  /** Exact count and seq bounds of the joined, learnable events of the range (reads the range's index). */
  evaluationEventsExtent(from: number, to: number): Promise<EvaluationEventsExtent | null>;
  /** Joined, learnable events ranked in [from, to) with afterSeq < seq <= lastSeq, in rank order, at most `limit`. */
  readEvaluationEvents(from: number, to: number, afterSeq: number, lastSeq: number, limit: number): Promise<EvaluationEventRow[]>;
  insertEvaluation(evaluation: NewEvaluation): Promise<void>;
  /**
   * Sets the given columns; with `onlyIfStatus`, only while the status is one of those. false when no row
   * changed (deleted meanwhile, or in another status).
   */
  updateEvaluation(id: string, update: EvaluationUpdate, onlyIfStatus?: readonly string[]): Promise<boolean>;
  /** `result: true` reads the whole result too (megabytes); otherwise `result` is null. */
  getEvaluation(id: string, options?: { result?: boolean }): Promise<EvaluationRecord | null>;
  /** Every evaluation, newest first, without `result`. */
  listEvaluations(): Promise<EvaluationRecord[]>;
  /** false when there was no such evaluation. */
  deleteEvaluation(id: string): Promise<boolean>;
  close(): Promise<void>;
}

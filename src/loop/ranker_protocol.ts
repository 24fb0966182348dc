// Messages between the loop (main thread) and the ranker worker, which featurizes, scores, explores and samples
// the heavy Rank requests off the main thread (ranker.ts; docs/architecture.md "Threads and processes"): the main
// thread keeps HTTP, validation and the durable log, and hands the worker the logged context text. Jobs and
// results travel in batches, one message per event-loop turn each way, because a message costs more than a job's
// own data.

export interface RankerInit {
  /** The RL client's appId (sampling seed, docs/learner.md §6). */
  appId: string;
  /** Features one Rank may expand to (featurizer maxFeatures). */
  maxFeatures: number;
  model: RankerModel;
}

export interface RankerModel {
  id: number;
  /** VW model bytes (a copy: the main thread keeps its own for GET /model). */
  bytes: Uint8Array;
  /** The service's explorationPercentage, which overrides the model file's epsilon (policy.ts). */
  epsilon: number;
  /** A multi-slot (--ccb_explore_adf) model: it ranks multi-slot jobs only (model_kind.ts). Default false. */
  ccb?: boolean;
}

export interface RankJob {
  id: number;
  /** The DSJSON context text (buildContext). */
  context: string;
  eventId: string;
  /** A multi-slot Rank: its slot ids in order (each slot is sampled with the seed eventId + slotId). */
  slots?: string[];
}

/** One slot's decision: its candidates (`_multi` indices), the chosen one first, and their probabilities. */
export interface SlotRanking {
  index: number[];
  probability: number[];
}

/** The sampled ranking, chosen action first: `_multi` indices and their float32 probabilities. */
export interface RankResult {
  id: number;
  modelId: number;
  index: number[];
  probability: number[];
  /** A multi-slot Rank: each slot's decision, in slot order (index/probability then repeat the first slot's). */
  slots?: SlotRanking[];
}

/** `invalid`: the features could not be featurized (a 400); `failed`: anything else. */
export interface RankFailure {
  id: number;
  invalid?: string;
  failed?: string;
  /** The job's kind (single-slot or multi-slot) is not the model's: the loop switched and the model follows. */
  wrongKind?: boolean;
}

export type ToRanker =
  | { type: 'rank'; jobs: RankJob[] }
  | { type: 'model'; model: RankerModel }
  | { type: 'epsilon'; epsilon: number };

export type FromRanker =
  | { type: 'ranked'; results: (RankResult | RankFailure)[] }
  | { type: 'log'; level: 'warn' | 'error'; message: string };

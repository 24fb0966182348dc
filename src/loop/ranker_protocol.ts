// Messages between the loop (main thread) and the ranker worker, which featurizes, scores, explores and samples
// the heavy Rank requests off the main thread (ranker.ts; architecture.md "Threads and processes"): the main
// thread keeps HTTP, validation and the durable log, and hands the worker the logged context text. Jobs and
// results travel in batches, one message per event-loop turn each way, because a message costs more than a job's
// own data.

export interface RankerInit {
  /** The RL client's appId (sampling seed, vw-learner.md §6). */
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
}

export interface RankJob {
  id: number;
  /** The DSJSON context text (buildContext). */
  context: string;
  eventId: string;
}

/** The sampled ranking, chosen action first: `_multi` indices and their float32 probabilities. */
export interface RankResult {
  id: number;
  modelId: number;
  index: number[];
  probability: number[];
}

/** `invalid`: the features could not be featurized (a 400); `failed`: anything else. */
export interface RankFailure {
  id: number;
  invalid?: string;
  failed?: string;
}

export type ToRanker =
  | { type: 'rank'; jobs: RankJob[] }
  | { type: 'model'; model: RankerModel }
  | { type: 'epsilon'; epsilon: number };

export type FromRanker =
  | { type: 'ranked'; results: (RankResult | RankFailure)[] }
  | { type: 'log'; level: 'warn' | 'error'; message: string };

// Messages between the evaluation jobs (main thread) and a job's worker. The worker reads the logged events from
// the store itself (its own connection, as the trainer does), runs the evaluation and writes its result; the
// main thread keeps the small status columns (running, progress, failed) and never touches the result.
import type { AcceptedContract } from './evaluation_contract.js';

export interface EvaluationJobInit {
  storeUrl: string;
  evaluationId: string;
  contract: AcceptedContract;
  /** Size limits checked exactly while the events are read (the request checked an estimate). */
  maxEvents: number;
  maxContextBytes: number;
  /** The loop's clock minus Date.now(): the worker's finish time on the loop's clock (tests move it). */
  clockOffsetMs: number;
}

export type FromEvaluationWorker =
  | { type: 'progress'; fraction: number; stage: string }
  /** The result is committed (status completed). */
  | { type: 'done' }
  /** `reason` is shown to clients; `detail` (a stack) only goes to the log. */
  | { type: 'failed'; reason: string; detail?: string };

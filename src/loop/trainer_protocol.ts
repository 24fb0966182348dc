// Messages between the loop (main thread) and the trainer worker. The worker owns the learning copy of the model;
// the main thread ranks with the last snapshot the worker published (docs/architecture.md "Threads and processes").
//
// Snapshots travel as VW model bytes (the ArrayBuffer is transferred, not copied) rather than as a
// SharedArrayBuffer of weights: every export must be persisted as a VW model file anyway, the main thread needs an
// immutable snapshot (no torn reads while the worker keeps learning), and loading 2^18 × 4 floats takes a few
// milliseconds per export, which at modelExportFrequency ≥ 1 s is negligible.

import type { LeaseGrant } from '../store/index.js';

export interface TrainerInit {
  storeUrl: string;
  /**
   * The trainer lease this process holds (leadership.ts): every export is fenced with it, so a trainer whose
   * process lost the lease can never overwrite its successor's model (Store.saveModel). null: unfenced (tools).
   */
  lease: LeaseGrant | null;
  /** The effective policy arguments (epsilon included). */
  policyArguments: string;
  modelExportMs: number;
}

export type TrainerRequest =
  | { op: 'flush' }
  | { op: 'policy'; policyArguments: string }
  | { op: 'reset'; at: number }
  /** PUT /model: continue from these model bytes (already checked against the policy), exported as they are. */
  | { op: 'import'; bytes: Uint8Array; at: number }
  | { op: 'stop'; flush: boolean };

export type TrainerNotice =
  | { op: 'wake' }
  | { op: 'settings'; modelExportMs: number }
  /** The lease was taken again at the next epoch (leadership.ts): exports are fenced with this grant from now on. */
  | { op: 'lease'; lease: LeaseGrant };

export type ToWorker = (TrainerRequest & { id: number }) | TrainerNotice;

export interface PublishedModel {
  id: number;
  bytes: Uint8Array;
  policy: string;
  createdAt: number;
  modifiedAt: number;
  cursor: number;
  eventsLearned: number;
}

export type FromWorker =
  | { type: 'model'; model: PublishedModel }
  | { type: 'progress'; cursor: number; eventsLearned: number }
  | { type: 'reply'; id: number; error?: string; /** the error was the store's disk being full */ full?: boolean }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /** A fenced export was refused: another process holds the lease. The worker stops without exporting. */
  | { type: 'leaseLost'; message: string };

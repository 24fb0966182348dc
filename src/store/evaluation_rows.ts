// The evaluations table as both stores lay it out (SQLite schema 7, PostgreSQL's the same columns): the row type,
// its columns, and the mapping to the contract's EvaluationRecord.
import type { EvaluationRecord, EvaluationUpdate } from './types.js';

export interface EvaluationRow {
  id: string;
  name: string;
  kind: 'Manual' | 'Auto';
  status: string;
  contract: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  attempts: number;
  progress: number;
  stage: string | null;
  failure_reason: string | null;
  summary: string | null;
  result?: string | null;
}

/** Every column but `result` (megabytes: read only when asked for). */
export const COLUMNS = `id, name, kind, status, contract, created_at, started_at, finished_at, attempts, progress, stage,
  failure_reason, summary`;

/** EvaluationUpdate's fields and their columns. */
export const UPDATE_COLUMNS: Record<keyof EvaluationUpdate, string> = {
  status: 'status',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  attempts: 'attempts',
  progress: 'progress',
  stage: 'stage',
  failureReason: 'failure_reason',
  summary: 'summary',
  result: 'result',
};

export function toRecord(r: EvaluationRow): EvaluationRecord {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    contract: r.contract,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: r.attempts,
    progress: r.progress,
    stage: r.stage,
    failureReason: r.failure_reason,
    summary: r.summary,
    result: r.result ?? null,
  };
}

/** `[3,1,2]` (the logged DSJSON `a`, compact as both stores write it) → 3, without parsing it. */
export function arrayLength(text: string): number {
  if (text.length <= 2) return 0;
  let n = 1;
  for (let i = 1; i < text.length - 1; i++) if (text.charCodeAt(i) === 44 /* , */) n++;
  return n;
}

// A stored evaluation as the API shows it (Personalizer.json "Evaluation", v1.0 fields with v1.1-preview.3's
// evaluationType, optimalPolicy, creationTime, policySource, averageReward). Until a result exists the policy
// results are the custom policies asked for, without figures, as in the spec's Evaluations_Create example.
// Lists carry each policy's totalSummary but not its 5-minute bins (the spec's Evaluations_List example):
// a list of many long evaluations would otherwise run to tens of megabytes.
import type { EvaluationResult, Progress } from '../evaluation/index.js';
import type { EvaluationRecord } from '../store/index.js';
import { parseStoredContract, type AcceptedContract } from './evaluation_contract.js';
import { isoTime } from './date_time.js';
import type { Evaluation, EvaluationPolicyResult, EvaluationStatus } from './types.js';

/** What the store keeps in `summary`: the result without the per-bin summaries. */
export interface ResultSummary extends Omit<EvaluationResult, 'policyResults'> {
  policyResults: EvaluationPolicyResult[];
}

export function withoutBins(result: EvaluationResult): ResultSummary {
  return { ...result, policyResults: result.policyResults.map(({ summary: _bins, ...rest }) => rest) };
}

/** Statuses with a result: completed, and auto-optimization's two outcomes. */
export const FINISHED_WITH_RESULT: readonly string[] = ['completed', 'optimalPolicyApplied', 'onlinePolicyRetained'];
export const IN_PROGRESS: readonly string[] = ['pending', 'running'];

function contractOf(record: EvaluationRecord): AcceptedContract | null {
  try {
    return parseStoredContract(record.contract);
  } catch {
    return null;
  }
}

/**
 * `record` read with its result (GET one) shows every bin; read without (lists) the totals only. `live`: the
 * running job's latest progress, fresher than the stored one.
 */
export function evaluationView(record: EvaluationRecord, live?: Progress): Evaluation {
  const contract = contractOf(record);
  const view: Evaluation = {
    id: record.id,
    name: record.name,
    startTime: isoTime(contract?.startTime ?? record.createdAt),
    endTime: isoTime(contract?.endTime ?? record.createdAt),
    jobId: record.id,
    status: record.status as EvaluationStatus,
    policyResults: (contract?.policies ?? []).map((p) => ({ name: p.name, arguments: p.arguments, policySource: 'Custom' })),
    featureImportance: [],
    evaluationType: record.kind,
    optimalPolicy: '',
    creationTime: isoTime(record.createdAt),
  };
  const text = record.result ?? record.summary;
  if (text !== null && FINISHED_WITH_RESULT.includes(record.status)) {
    const r = JSON.parse(text) as ResultSummary;
    view.policyResults = r.policyResults;
    view.featureImportance = r.featureImportance;
    view.optimalPolicy = r.optimalPolicy;
    view.featureScores = r.featureScores;
    view.eventCount = r.events;
  }
  if (IN_PROGRESS.includes(record.status)) {
    view.progress = live ?? { fraction: record.progress, stage: record.stage ?? (record.status === 'pending' ? 'queued' : '') };
  }
  // An Auto run ends in optimalPolicyApplied or onlinePolicyRetained; between its result and that decision (a
  // moment, or until the next start should the process stop then) it is still at work.
  if (record.kind === 'Auto' && record.status === 'completed') {
    view.status = 'running';
    view.progress = { fraction: 1, stage: 'deciding whether to apply the optimal policy' };
  }
  if (record.status === 'failed' && record.failureReason !== null) view.failureReason = record.failureReason;
  if (record.kind === 'Auto' && record.stage !== null && record.status !== 'failed' && !IN_PROGRESS.includes(record.status)) {
    view.decisionReason = record.stage;
  }
  return view;
}

// 2022-09-01-preview's feature importance resource (Personalizer.json 2022-09-01-preview "FeatureImportances_*"):
// PUT with the client's id, GET, list, DELETE. A feature importance is an evaluation job (evaluation_jobs.ts) over
// the same logged events, with no custom policy and feature importance on (evaluation/feature_importance.ts
// computes it), stored under FEATURE_IMPORTANCE_ID_PREFIX so that it never shows among the evaluations.
//
// Scores: the evaluation's 0 … 100 (how much the loss rises without the feature or namespace, relative to the most
// important namespace) divided by 100, most important first, as the spec's example shows them (1, 0.55, 0).
// Errors: a malformed body 400 InvalidContract; an id taken 409 FeatureImportanceAlreadyExists; unknown ids 404
// FeatureImportanceNotFound; an empty range 400 NoLogsExistInDateRange (evaluation_jobs.ts).
import type { EvaluationRecord, Store } from '../store/index.js';
import type { FeatureScore } from '../evaluation/index.js';
import { validateEvaluationContract } from './evaluation_contract.js';
import { shortestFloat32 } from './float32.js';
import { FEATURE_IMPORTANCE_ID_PREFIX, type Evaluations } from './evaluations.js';
import { evaluationView, type ResultSummary } from './evaluation_view.js';
import { LoopError, type FeatureImportance, type FeatureImportanceContract, type JobStatus } from './types.js';

const MAX_ID = 256;

function checkId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) {
    throw new LoopError('BadRequest', `featureImportanceId: must be a non-empty string of at most ${MAX_ID} characters`);
  }
}

function notFound(id: string): LoopError {
  return new LoopError('FeatureImportanceNotFound', `no feature importance has the id '${id}'`, 404);
}

/** An evaluation job's status in 2022-09-01-preview's words (EvaluationJobStatus, FeatureImportanceStatus). */
export function jobStatus(status: string): JobStatus {
  switch (status) {
    case 'pending':
      return 'NotSubmitted';
    case 'running':
      return 'Running';
    case 'completed':
      return 'Succeeded';
    case 'optimalPolicyApplied':
      return 'OptimalPolicyApplied';
    case 'onlinePolicyRetained':
      return 'OnlinePolicyRetained';
    default:
      return 'Failed';
  }
}

export class FeatureImportances {
  constructor(
    private readonly store: Store,
    private readonly evaluations: Evaluations,
    private readonly onlinePolicy: () => string,
  ) {}

  async create(id: string, body: FeatureImportanceContract): Promise<FeatureImportance> {
    checkId(id);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LoopError('InvalidContract', 'the body must be {name, startTime, endTime}');
    let contract;
    try {
      contract = validateEvaluationContract({ name: body.name, startTime: body.startTime, endTime: body.endTime, policies: [] }, this.onlinePolicy());
    } catch (e) {
      if (e instanceof LoopError && e.code === 'InvalidEvaluationContract') throw new LoopError('InvalidContract', e.message);
      throw e;
    }
    const record = await this.evaluations.createJob(contract, FEATURE_IMPORTANCE_ID_PREFIX + id, 'FeatureImportanceAlreadyExists', 'a feature importance');
    return this.view(record);
  }

  async get(id: string): Promise<FeatureImportance> {
    checkId(id);
    const record = await this.store.getEvaluation(FEATURE_IMPORTANCE_ID_PREFIX + id);
    if (!record) throw notFound(id);
    return this.view(record);
  }

  /** Newest first. */
  async list(): Promise<FeatureImportance[]> {
    return (await this.store.listEvaluations()).filter((r) => r.id.startsWith(FEATURE_IMPORTANCE_ID_PREFIX)).map((r) => this.view(r));
  }

  async delete(id: string): Promise<void> {
    checkId(id);
    if (!(await this.evaluations.jobs.delete(FEATURE_IMPORTANCE_ID_PREFIX + id))) throw notFound(id);
  }

  private view(record: EvaluationRecord): FeatureImportance {
    const id = record.id.slice(FEATURE_IMPORTANCE_ID_PREFIX.length);
    const evaluation = evaluationView(record, this.evaluations.jobs.live(record.id));
    const out: FeatureImportance = {
      id,
      name: evaluation.name,
      startTime: evaluation.startTime,
      endTime: evaluation.endTime,
      creationTime: evaluation.creationTime,
      status: jobStatus(record.status),
      featureScores: [],
    };
    if (record.status === 'completed' && record.summary !== null) {
      const scores: FeatureScore[] = (JSON.parse(record.summary) as ResultSummary).featureScores ?? [];
      out.featureScores = scores
        // FeatureScore.score is a float32 on the wire (its shortest decimal); that also keeps 100·x/x/100 at exactly 1.
        .map((s) => ({ namespace: s.namespace, ...(s.featureName !== undefined ? { featureName: s.featureName } : {}), score: Math.min(1, Math.max(0, shortestFloat32(s.score / 100))) }))
        .sort((a, b) => b.score - a.score);
    }
    if (evaluation.failureReason !== undefined) out.description = evaluation.failureReason;
    else if (evaluation.progress) out.description = `${evaluation.progress.stage} (${Math.round(evaluation.progress.fraction * 100)}%)`;
    return out;
  }
}

// The loop's offline-evaluation operations (Personalizer.json "Evaluations_*",
// "ServiceConfiguration_ApplyFromEvaluation"): validation, the job queue, the wire views, applying an evaluated
// policy, and auto-optimization. loop.ts delegates its Loop methods here.
//
// applyFromEvaluation's errors (docs/azure-api.md §4): an unknown evaluation is 404 EvaluationNotFound; one without a
// result yet (pending, running, failed) 400 OperationNotAllowed; an unknown policy name 400
// LearningSettingsNotFound; Baseline1 and BaselineRand, which are not learning settings, 400
// InvalidPolicyConfiguration. Policy names match exactly, else case-insensitively when that is unambiguous (the
// spec's own example applies "online"). Applying Online changes nothing.
import { ONLINE } from '../evaluation/index.js';
import type { EvaluationRecord, Store } from '../store/index.js';
import { AutoOptimizer } from './auto_optimize.js';
import { validateEvaluationContract, type AcceptedContract } from './evaluation_contract.js';
import { EvaluationJobs } from './evaluation_jobs.js';
import { evaluationView, FINISHED_WITH_RESULT, type ResultSummary } from './evaluation_view.js';
import { LoopError, type Evaluation, type EvaluationContract, type LoopOptions, type PolicyContract, type PolicyReference, type ServiceConfiguration } from './types.js';

const MAX_ID = 256;
/**
 * Feature importances (feature_importances.ts) are evaluation jobs stored under this prefix: they share the
 * evaluations' queue and table, and never show among the evaluations. No evaluation id may take it.
 */
export const FEATURE_IMPORTANCE_ID_PREFIX = '~featureImportance:';

function isFeatureImportance(id: string): boolean {
  return id.startsWith(FEATURE_IMPORTANCE_ID_PREFIX);
}

export interface EvaluationsOptions {
  store: Store;
  storeUrl: string;
  now: () => number;
  logger?: LoopOptions['logger'];
  service: () => ServiceConfiguration;
  policy: () => PolicyContract;
  updatePolicy: (policy: PolicyContract) => Promise<unknown>;
}

function notFound(evaluationId: string): LoopError {
  return new LoopError('EvaluationNotFound', `no evaluation has the id '${evaluationId}'`, 404);
}

function checkId(evaluationId: unknown, field = 'evaluationId'): asserts evaluationId is string {
  if (typeof evaluationId !== 'string' || evaluationId.length === 0 || evaluationId.length > MAX_ID) {
    throw new LoopError('BadRequest', `${field}: must be a non-empty string of at most ${MAX_ID} characters`);
  }
}

export class Evaluations {
  readonly jobs: EvaluationJobs;
  readonly auto: AutoOptimizer;

  constructor(private readonly o: EvaluationsOptions) {
    this.jobs = new EvaluationJobs({
      store: o.store,
      storeUrl: o.storeUrl,
      now: o.now,
      ...(o.logger ? { logger: o.logger } : {}),
      onCompleted: async (id) => {
        const record = await o.store.getEvaluation(id);
        if (record) await this.auto.completed(record);
      },
    });
    this.auto = new AutoOptimizer({
      store: o.store,
      now: o.now,
      ...(o.logger ? { logger: o.logger } : {}),
      service: o.service,
      policy: o.policy,
      createAuto: async (contract: AcceptedContract) => {
        await this.jobs.create(contract, 'Auto');
      },
      applyPolicy: async (policy) => {
        await o.updatePolicy(policy);
      },
    });
  }

  /** This process became the trainer leader: it runs the jobs and auto-optimization from now on. */
  async lead(): Promise<void> {
    this.auto.forget();
    await this.auto.recover();
    await this.jobs.start();
  }

  /** This process stepped down: its running job ends, the row left for the new leader. */
  follow(): Promise<void> {
    return this.jobs.close(true);
  }

  close(): Promise<void> {
    return this.jobs.close();
  }

  /** `id`: the client's, for 2022-09-01-preview's PUT (409 EvaluationAlreadyExists when taken); else a new one. */
  async create(body: EvaluationContract, id?: string): Promise<Evaluation> {
    if (id !== undefined) {
      checkId(id);
      if (isFeatureImportance(id)) throw new LoopError('BadRequest', `evaluationId: may not start with '${FEATURE_IMPORTANCE_ID_PREFIX}'`);
    }
    const contract = validateEvaluationContract(body, this.o.policy().arguments);
    return evaluationView(await this.createJob(contract, id, 'EvaluationAlreadyExists', 'evaluation'));
  }

  /**
   * Stores and queues a job, under `id` when given: taken → 409 `conflictCode`. The id is checked first and the
   * insert's own failure read again, so that two PUTs racing for one id get one 200 and one 409, never a 500.
   */
  async createJob(contract: AcceptedContract, id: string | undefined, conflictCode: string, what: string): Promise<EvaluationRecord> {
    if (id === undefined) return this.jobs.create(contract, 'Manual');
    const taken = (): LoopError => new LoopError(conflictCode, `${what} with id '${id.replace(FEATURE_IMPORTANCE_ID_PREFIX, '')}' already exists: DELETE it first, or choose another id`, 409);
    if (await this.o.store.getEvaluation(id)) throw taken();
    try {
      return await this.jobs.create(contract, 'Manual', id);
    } catch (e) {
      if (!(e instanceof LoopError) && (await this.o.store.getEvaluation(id))) throw taken();
      throw e;
    }
  }

  async get(evaluationId: string): Promise<Evaluation> {
    checkId(evaluationId);
    if (isFeatureImportance(evaluationId)) throw notFound(evaluationId);
    const record = await this.o.store.getEvaluation(evaluationId, { result: true });
    if (!record) throw notFound(evaluationId);
    return evaluationView(record, this.jobs.live(evaluationId));
  }

  async list(): Promise<Evaluation[]> {
    return (await this.o.store.listEvaluations()).filter((r) => !isFeatureImportance(r.id)).map((r) => evaluationView(r, this.jobs.live(r.id)));
  }

  async delete(evaluationId: string): Promise<void> {
    checkId(evaluationId);
    if (isFeatureImportance(evaluationId) || !(await this.jobs.delete(evaluationId))) throw notFound(evaluationId);
  }

  async apply(reference: PolicyReference): Promise<void> {
    if (typeof reference !== 'object' || reference === null) throw new LoopError('BadRequest', 'the body must be {evaluationId, policyName}');
    const { evaluationId, policyName } = reference;
    checkId(evaluationId);
    checkId(policyName, 'policyName');
    const record = isFeatureImportance(evaluationId) ? undefined : await this.o.store.getEvaluation(evaluationId);
    if (!record) throw notFound(evaluationId);
    if (!FINISHED_WITH_RESULT.includes(record.status) || record.summary === null) {
      throw new LoopError('OperationNotAllowed', `evaluation '${evaluationId}' is ${record.status}: only the policies of a completed evaluation can be applied`);
    }
    const results = (JSON.parse(record.summary) as ResultSummary).policyResults;
    const exact = results.find((p) => p.name === policyName);
    const folded = results.filter((p) => p.name.toLowerCase() === policyName.toLowerCase());
    const policy = exact ?? (folded.length === 1 ? folded[0] : undefined);
    if (!policy) {
      throw new LoopError(
        'LearningSettingsNotFound',
        `evaluation '${evaluationId}' has no policy named '${policyName}' (it has ${results.map((p) => `'${p.name}'`).join(', ')})`,
      );
    }
    if (policy.name === ONLINE) return;
    if (policy.policySource === 'Baseline' || policy.policySource === 'Random' || policy.arguments.trim() === '') {
      throw new LoopError(
        'InvalidPolicyConfiguration',
        `'${policy.name}' is a reference policy of the evaluation (${policy.policySource === 'Baseline' ? "the Rank call's first action" : 'a uniformly random action'}), not learning settings: it cannot be applied`,
      );
    }
    try {
      await this.o.updatePolicy({ name: policy.name, arguments: policy.arguments });
    } catch (e) {
      // e.g. --cb_adf alone, which replay scores but a served loop cannot use (it must explore).
      if (e instanceof LoopError) throw new LoopError(e.code, `'${policy.name}' cannot be made the live policy: ${e.message}`, e.status);
      throw e;
    }
  }
}

// The learning loop's public contract, in Azure's wire names (docs/azure-api.md §3). api/ calls only this;
// nothing here knows HTTP. Errors carry Azure's error code and the HTTP status api/ should answer with.
import type { X509Certificate } from 'node:crypto';
import type { FeatureScore, PolicyResult } from '../evaluation/index.js';
import type { Counters, MinuteBucket } from '../store/index.js';

export type { MinuteBucket } from '../store/index.js';
import type { ApprenticeReport } from './apprentice_report.js';

export type { ApprenticeReport, ApprenticeFigures } from './apprentice_report.js';

export type FeatureObject = Record<string, unknown>;

export interface RankableAction {
  id: string;
  features: FeatureObject[];
}

export interface RankRequest {
  contextFeatures?: FeatureObject[];
  actions: RankableAction[];
  excludedActions?: string[];
  eventId?: string;
  deferActivation?: boolean;
}

export interface RankedAction {
  id: string;
  probability: number;
}

/** One feature the client sent (or an interaction of two, `a^b`) and its score for the explained action. */
export interface FeatureScoreExplanation {
  name: string;
  /** Positive: supports choosing the action (the model's predicted reward); negative: against it. */
  score: number;
}

/** inferenceExplanation's entries: the action (rewardActionId) and its features' scores. */
export interface InferenceExplanation {
  id: string;
  features: FeatureScoreExplanation[];
}

export interface RankResponse {
  ranking: RankedAction[];
  eventId: string;
  rewardActionId: string;
  /** Only with isInferenceExplainabilityEnabled. */
  inferenceExplanation?: InferenceExplanation[];
}

/** SlotRequest (v1.1-preview.3): a slot to fill, its own features, the actions it may not show, its baseline. */
export interface SlotRequest {
  id: string;
  features?: FeatureObject[];
  excludedActions?: string[];
  baselineAction: string;
}

/** MultiSlotRankRequest (v1.1-preview.3, POST /multislot/rank). */
export interface MultiSlotRankRequest {
  contextFeatures?: FeatureObject[];
  actions: RankableAction[];
  slots: SlotRequest[];
  eventId?: string;
  deferActivation?: boolean;
}

/** SlotResponse: the action a slot shows (absent when earlier slots took every action the slot may show). */
export interface SlotResponse {
  id: string;
  rewardActionId?: string;
}

export interface MultiSlotRankResponse {
  slots: SlotResponse[];
  eventId: string;
}

/** SlotReward and MultiSlotRewardRequest (v1.1-preview.3, POST /multislot/events/{eventId}/reward). */
export interface SlotReward {
  slotId: string;
  value: number;
}

export interface MultiSlotRewardRequest {
  reward: SlotReward[];
}

export type RewardAggregation = 'earliest' | 'sum' | 'average';
export type LearningMode = 'Online' | 'Apprentice' | 'LoggingOnly';

export interface ServiceConfiguration {
  rewardWaitTime: string; // ISO-8601 duration
  defaultReward: number;
  rewardAggregation: string;
  explorationPercentage: number;
  modelExportFrequency: string; // ISO-8601 duration
  logMirrorEnabled?: boolean;
  logMirrorSasUri?: string;
  logRetentionDays: number;
  lastConfigurationEditDate?: string;
  learningMode?: LearningMode;
  isAutoOptimizationEnabled?: boolean;
  autoOptimizationFrequency?: string;
  autoOptimizationStartDate?: string;
  /** Rank responses carry inferenceExplanation (Microsoft Learn "how-to-inference-explainability"). */
  isInferenceExplainabilityEnabled?: boolean;
}

export interface PolicyContract {
  name: string;
  arguments: string;
}

/** EvaluationContract (Personalizer.json, POST /evaluations). */
export interface EvaluationContract {
  name: string;
  /** ISO-8601 date-times: the evaluation covers the events ranked in [startTime, endTime). */
  startTime: string;
  endTime: string;
  /** Custom policies to compare besides Online, Baseline1 and BaselineRand. */
  policies: PolicyContract[];
  /** Also search for better learning settings (optimization discovery). */
  enableOfflineExperimentation?: boolean;
}

/** Evaluation.status: v1.0's values, `running` while a job works on it, and auto-optimization's two outcomes. */
export type EvaluationStatus = 'pending' | 'running' | 'completed' | 'failed' | 'optimalPolicyApplied' | 'onlinePolicyRetained';

/** A PolicyResult as sent: in lists and while pending, without its per-bin `summary` (and totals). */
export type EvaluationPolicyResult = Omit<PolicyResult, 'summary' | 'totalSummary'> & Partial<Pick<PolicyResult, 'summary' | 'totalSummary'>>;

/** Evaluation (Personalizer.json v1.0, with v1.1-preview.3's fields), plus fields of ours the SDKs ignore. */
export interface Evaluation {
  id: string;
  name: string;
  startTime: string;
  endTime: string;
  jobId: string;
  status: EvaluationStatus;
  policyResults: EvaluationPolicyResult[];
  /** Groups of feature names, most important first. */
  featureImportance: string[][];
  evaluationType: 'Manual' | 'Auto';
  /** The best policy found ('' until completed, or when none beats the others). */
  optimalPolicy: string;
  creationTime: string;
  /** Beyond Azure: while pending or running, how far the job is (fraction of the current stage). */
  progress?: { fraction: number; stage: string };
  /** Beyond Azure: why a failed evaluation failed. */
  failureReason?: string;
  /** Beyond Azure: why auto-optimization applied the optimal policy or kept the online one. */
  decisionReason?: string;
  /** Beyond Azure: the per-namespace and per-feature importance scores (0 … 100). */
  featureScores?: FeatureScore[];
  /** Beyond Azure: how many logged events were evaluated. */
  eventCount?: number;
}

/** FeatureImportanceContract (2022-09-01-preview, PUT /featureImportances/{id}). */
export interface FeatureImportanceContract {
  name: string;
  startTime: string;
  endTime: string;
}

/** 2022-09-01-preview's job status (EvaluationJobStatus; FeatureImportanceStatus is its first six values). */
export type JobStatus = 'NotSubmitted' | 'Running' | 'Succeeded' | 'Failed' | 'Timeout' | 'Canceled' | 'OptimalPolicyApplied' | 'OnlinePolicyRetained';

/** FeatureImportance (2022-09-01-preview). */
export interface FeatureImportance {
  id: string;
  name: string;
  startTime: string;
  endTime: string;
  creationTime: string;
  status: JobStatus;
  /** 0 … 1, most important first; empty until Succeeded. */
  featureScores: { namespace: string; featureName?: string; score: number }[];
  /** Progress while it runs; why it failed. */
  description?: string;
}

/** PolicyReferenceContract (POST /configurations/applyFromEvaluation). */
export interface PolicyReference {
  evaluationId: string;
  policyName: string;
}

export interface ModelProperties {
  creationTime: string;
  lastModifiedTime: string;
}

export interface LogsProperties {
  dateRange?: { from: string; to: string };
}

/** A write refused for lack of disk space: api/ answers its status (507) and code, in Azure's error shape. */
export { StoreFullError, StoreUnavailableError } from '../store/errors.js';

/** A domain error: api/ answers `status` with {"error":{"code","message"}}. */
export class LoopError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
  ) {
    super(message);
    this.name = 'LoopError';
  }
}

export interface LoopStatus {
  ready: boolean;
  modelVersion: string;
  eventsRanked: number;
  rewardsReceived: number;
  rewardsUnknownEvent: number;
  eventsLearned: number;
  /**
   * false while the trainer worker is being restarted (ranking is unaffected, learning waits), and in a process
   * that is not the trainer leader (it runs no trainer).
   */
  trainerRunning?: boolean;
  /**
   * This process holds the store's trainer lease: it trains, sweeps joins and runs evaluations (docs/scale-out.md).
   * The lease's epoch, which moves at each restart, is in stats() (LoopStats.trainerLeaseEpoch).
   */
  trainerLeader?: boolean;
  /** false while the store's disk is full (writes answered 507; the loop is not ready). */
  storeWritable?: boolean;
}

/**
 * Figures for monitoring, read when metrics are scraped (api/metrics*.ts). The counts from the store (ranked …
 * skipped) span the store's life; eventsDefaulted and rewardsLate span the process's.
 */
export interface LoopStats extends Counters {
  /** Learned by the trainer so far (in its memory; exported with the next model). */
  eventsLearned: number;
  /** Joined with defaultReward because no reward arrived in their window. */
  eventsDefaulted: number;
  /** Events (with their rewards and joins) deleted by log retention since this process started. */
  eventsPurged: number;
  /** Rewards for a known event that are never learned: after its window, or after it was joined. */
  rewardsLate: number;
  /** Joins (learnable or skipped) the trainer has not read yet. */
  trainerLagEvents: number;
  /** 0 when trainerLagEvents is 0; else seconds since the model that ranks was exported. */
  trainerLagSeconds: number;
  modelVersion: number;
  /** Seconds since the model that ranks was exported (its lastModifiedTime). */
  modelAgeSeconds: number;
  /** Bytes the store takes on disk; null when unknown (a store that is not a local file). */
  storeBytes: number | null;
  /** Evaluation jobs waiting or working. */
  evaluationsPending: number;
  evaluationsRunning: number;
  /** This process is the trainer leader (docs/scale-out.md). */
  trainerLeader: boolean;
  /** The trainer lease's fencing epoch while this process holds it, else null. */
  trainerLeaseEpoch: number | null;
  /** The apprentice report's figures (last RECENT_EVENTS events), null when there is none. */
  apprentice?: { events: number; agreement: number; averageBaselineReward: number; averageEstimatedReward: number } | null;
  /** The log mirror's counts since this process started (docs/log-mirror.md); null when it has no directory. */
  logMirror?: { lines: number; bytes: number; errors: number } | null;
}

export interface Loop {
  /**
   * `source`: the JSON text `request` was parsed from, when the caller has it. The logged context then copies
   * the features as the client wrote them (context.ts) instead of re-serializing them.
   */
  rank(request: RankRequest, source?: string): Promise<RankResponse>;
  reward(eventId: string, value: number): Promise<void>;
  activate(eventId: string): Promise<void>;

  /**
   * Multi-slot (docs/multi-slot.md): only on a loop whose policy has --ccb_explore_adf (LoopError
   * InvalidMultiSlotApiAccess otherwise); on such a loop rank and reward refuse with InvalidSingleSlotApiAccess.
   */
  rankMultiSlot(request: MultiSlotRankRequest, source?: string): Promise<MultiSlotRankResponse>;
  rewardMultiSlot(eventId: string, request: MultiSlotRewardRequest): Promise<void>;
  activateMultiSlot(eventId: string): Promise<void>;

  getServiceConfiguration(): Promise<ServiceConfiguration>;
  updateServiceConfiguration(config: ServiceConfiguration): Promise<ServiceConfiguration>;

  getPolicy(): Promise<PolicyContract>;
  updatePolicy(policy: PolicyContract): Promise<PolicyContract>;
  resetPolicy(): Promise<PolicyContract>;

  /** The current model as a VW binary model file. */
  getModel(): Promise<Uint8Array>;
  /** The current model as a signed archive (model_signing.ts): model.vw, signer.der, sha512_signature.bin. */
  getSignedModel(): Promise<Uint8Array>;
  /**
   * PUT /model: a signed archive or a plain VW model file, checked (signature, format, fit with the live policy:
   * LoopError 400 otherwise) and made live at once: the next Rank uses it, the trainer continues from it.
   */
  importModel(body: Uint8Array): Promise<void>;
  resetModel(): Promise<void>;
  getModelProperties(): Promise<ModelProperties>;

  deleteLogs(): Promise<void>;
  getLogsProperties(): Promise<LogsProperties>;

  /**
   * Validates and queues an evaluation; it runs off the request path (GET it to follow it). `evaluationId`: the
   * client's (2022-09-01-preview's PUT): LoopError EvaluationAlreadyExists (409) when taken.
   */
  createEvaluation(contract: EvaluationContract, evaluationId?: string): Promise<Evaluation>;
  /** LoopError EvaluationNotFound (404) when there is none with this id. */
  getEvaluation(evaluationId: string): Promise<Evaluation>;
  /** Newest first, each policy's totals without the per-bin summaries. */
  listEvaluations(): Promise<Evaluation[]>;
  /** Deletes it, stopping its job if it runs; LoopError EvaluationNotFound (404) when there is none. */
  deleteEvaluation(evaluationId: string): Promise<void>;
  /** Makes an evaluated policy the live one (`Online`: nothing changes). */
  applyFromEvaluation(reference: PolicyReference): Promise<void>;

  /** 2022-09-01-preview: a feature importance job with the client's id (409 FeatureImportanceAlreadyExists). */
  createFeatureImportance(id: string, contract: FeatureImportanceContract): Promise<FeatureImportance>;
  /** LoopError FeatureImportanceNotFound (404) when there is none with this id. */
  getFeatureImportance(id: string): Promise<FeatureImportance>;
  /** Newest first. */
  listFeatureImportances(): Promise<FeatureImportance[]>;
  /** Deletes it, stopping its job if it runs; 404 FeatureImportanceNotFound when there is none. */
  deleteFeatureImportance(id: string): Promise<void>;
  /**
   * Beyond Azure: how the learner compares with the baseline in Apprentice mode (apprentice_report.ts), as of the
   * last model export. LoopError ApprenticeModeNeverTurnedOn (404) when no Apprentice event was ever learned and
   * the mode is not Apprentice now.
   */
  apprenticeReport(): Promise<ApprenticeReport>;

  status(): LoopStatus;
  /** Monitoring figures (a few cheap store reads); for metrics scrapes, not the request path. */
  stats(): Promise<LoopStats>;
  /**
   * The dashboard's activity figures (store/dashboard_minutes.ts) of the UTC minutes [fromMinute, toMinute)
   * (multiples of `interval`), in buckets of `interval` minutes; empty buckets left out. Kept by the store: a few
   * rows per bucket.
   */
  activity(fromMinute: number, toMinute: number, interval: number): Promise<MinuteBucket[]>;
  /** Stop the trainer, flush and close the store. */
  close(): Promise<void>;
}

export interface LoopOptions {
  /** `sqlite:<file>` (default `sqlite:./data/personalizer.db`) or `postgres://…`. */
  store: string;
  /** Other processes serve the same store (Workers=N, replicas): see StoreOpenOptions.shared. */
  sharedStore?: boolean;
  /** The RL client's appId: seeds sampling together with the eventId (docs/learner.md §6). */
  appId?: string;
  /** pino-compatible logger (child loggers are fine). */
  logger?: { info(o: object | string, m?: string): void; warn(o: object | string, m?: string): void; error(o: object | string, m?: string): void };
  /** For tests: overrides the clock (ms since epoch). */
  now?: () => number;
  /** Model export and import (docs/model-import.md); each field has a default. */
  models?: ModelImportOptions;
  /**
   * The default policy (the DefaultPolicy setting, checked with policy.ts configuredDefaultPolicy): what a store
   * created from scratch gets, and what DELETE /configurations/policy restores. Azure's default when omitted.
   */
  defaultPolicy?: PolicyContract;
  /** The log mirror's directory and file size (docs/log-mirror.md); without it logMirrorEnabled=true is refused. */
  logMirror?: { directory: string; maxFileBytes: number };
}

export interface ModelImportOptions {
  /** The identity that signs exports (ModelSigning:Key/Certificate); default: the store's own, made once. */
  signingIdentity?: { key: string; certificate: string };
  /** Certificates whose signed archives PUT /model accepts besides the signing identity's. */
  trusted?: X509Certificate[];
  /** Plain VW model files are accepted (default true). */
  allowUnsigned?: boolean;
  /** Largest model file in bytes (default 64 MiB). */
  maxBytes?: number;
}

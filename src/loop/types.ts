// The learning loop's public contract, in Azure's wire names (azure-api.md §3). api/ calls only this;
// nothing here knows HTTP. Errors carry Azure's error code and the HTTP status api/ should answer with.

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

export interface RankResponse {
  ranking: RankedAction[];
  eventId: string;
  rewardActionId: string;
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
}

export interface PolicyContract {
  name: string;
  arguments: string;
}

export interface ModelProperties {
  creationTime: string;
  lastModifiedTime: string;
}

export interface LogsProperties {
  dateRange?: { from: string; to: string };
}

/** A write refused for lack of disk space: api/ answers its status (507) and code, in Azure's error shape. */
export { StoreFullError } from '../store/errors.js';

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
  /** false while the trainer worker is being restarted (ranking is unaffected, learning waits). */
  trainerRunning?: boolean;
  /** false while the store's disk is full (writes answered 507; the loop is not ready). */
  storeWritable?: boolean;
}

export interface Loop {
  /**
   * `source`: the JSON text `request` was parsed from, when the caller has it. The logged context then copies
   * the features as the client wrote them (context.ts) instead of re-serializing them.
   */
  rank(request: RankRequest, source?: string): Promise<RankResponse>;
  reward(eventId: string, value: number): Promise<void>;
  activate(eventId: string): Promise<void>;

  getServiceConfiguration(): Promise<ServiceConfiguration>;
  updateServiceConfiguration(config: ServiceConfiguration): Promise<ServiceConfiguration>;

  getPolicy(): Promise<PolicyContract>;
  updatePolicy(policy: PolicyContract): Promise<PolicyContract>;
  resetPolicy(): Promise<PolicyContract>;

  /** The current model as a VW binary model file. */
  getModel(): Promise<Uint8Array>;
  resetModel(): Promise<void>;
  getModelProperties(): Promise<ModelProperties>;

  deleteLogs(): Promise<void>;
  getLogsProperties(): Promise<LogsProperties>;

  status(): LoopStatus;
  /** Stop the trainer, flush and close the store. */
  close(): Promise<void>;
}

export interface LoopOptions {
  /** `sqlite:<file>` (default `sqlite:./data/personalizer.db`); `postgres://…` later. */
  store: string;
  /** The RL client's appId: seeds sampling together with the eventId (vw-learner.md §6). */
  appId?: string;
  /** pino-compatible logger (child loggers are fine). */
  logger?: { info(o: object | string, m?: string): void; warn(o: object | string, m?: string): void; error(o: object | string, m?: string): void };
  /** For tests: overrides the clock (ms since epoch). */
  now?: () => number;
}

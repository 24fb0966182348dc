// The learning loop behind the Loop contract: rank → explore → log → join rewards → learn online
// (docs/architecture.md). Ranking uses the last model snapshot the trainer worker published and never waits for
// training; its computing runs in the ranker (ranker.ts: here, or in its worker for heavy Ranks), validation and
// logging here. Every acknowledged write is committed to the store before the promise resolves.
//
// Decisions where Azure is silent:
// - activate / reward for an unknown eventId: accepted (204) and counted, never learned. Azure ingested these
//   events asynchronously and could not tell at request time either.
// - an activation after the event's reward window is recorded but does not make the event learnable.
// - eventsLearned counts the events the current learning model includes (it restarts at 0 after a model reset
//   or a policy change).
//
// Several processes may serve one store (docs/scale-out.md): each ranks, logs and joins rewards itself, but only
// the trainer leader (leadership.ts) runs the trainer, the join sweep, retention, auto-optimization and
// evaluation jobs. Every process follows the models and settings the others write (store_watch.ts); a model reset
// or a flush asked of a follower is carried out by the leader (leader_requests.ts). A lone process is the leader.
import { loadCcbLearner, loadLearner, multiSlotArguments } from '../engine/index.js';
import { freshModelBytes, isMultiSlotArguments } from './model_kind.js';
import { openStore, StaleSettingsError, StoreFullError, StoreUnavailableError, type LeaseGrant, type ModelRecord, type Store } from '../store/index.js';
import { buildContext } from './context.js';
import { DAY } from './duration.js';
import { generateEventId } from './event_id.js';
import { shortestFloat32 } from './float32.js';
import { JoinStats } from './loop_stats.js';
import { eventToDsjson } from './dsjson_export.js';
import { Evaluations } from './evaluations.js';
import { FeatureImportances } from './feature_importances.js';
import { acknowledge, awaitDone, pendingRequest, postRequest, type LeaderOp } from './leader_requests.js';
import { Leadership } from './leadership.js';
import { LogMirror, LOG_MIRROR_SETTING, type LogMirrorMarker } from './log_mirror.js';
import { StoreWatch } from './store_watch.js';
import { AZURE_DEFAULT_POLICY, learningSignature, parsePolicy, validatePolicy, withEpsilon } from './policy.js';
import { loadModel, loadSettings } from './stored_state.js';
import {
  loopSettings,
  validateServiceConfiguration,
  type LoopSettings,
} from './service_config.js';
import { Ranker } from './ranker.js';
import { MultiSlotEvents, singleSlotRefused } from './multislot.js';
import { checkModelFits, modelFromBody, type ImportRules } from './model_import.js';
import { signedArchive, type SigningIdentity } from './model_signing.js';
import { signingIdentity } from './model_identity.js';
import type { RankerModel } from './ranker_protocol.js';
import { TrainerHandle } from './trainer.js';
import type { PublishedModel } from './trainer_protocol.js';
import {
  LoopError,
  type Evaluation,
  type EvaluationContract,
  type FeatureImportance,
  type FeatureImportanceContract,
  type ApprenticeReport,
  type InferenceExplanation,
  type LogsProperties,
  type Loop,
  type LoopOptions,
  type LoopStats,
  type MinuteBucket,
  type LoopStatus,
  type ModelProperties,
  type MultiSlotRankRequest,
  type MultiSlotRankResponse,
  type MultiSlotRewardRequest,
  type PolicyContract,
  type PolicyReference,
  type RankRequest,
  type RankResponse,
  type ServiceConfiguration,
} from './types.js';
import { validateRankRequest, MAX_ID_LENGTH, type ValidRank } from './validate_rank.js';
import { baselineRanking, eventModelVersion, learningModeOf, servesBaseline } from './learning_mode.js';
import { explainContext, inferenceExplanation } from './explain.js';
import { apprenticeFigures, apprenticeReportOf } from './apprentice_view.js';
import { azureRanking } from './rank_order.js';

/**
 * Features one Rank may expand to, linear and interaction terms of all its actions (featurizer maxFeatures).
 * Azure set no such limit, but with the default `-q ::` a request of a few thousand features expands
 * quadratically: 8,000 context features took 4 s and 1.6 GB, and a 1 MiB body would exhaust memory. 2 million
 * is ~50 ms of work and 700× a typical request (10 actions × 20 features: ~2,800).
 */
const MAX_RANK_FEATURES = 2_000_000;
/** PUT /model's default model size limit (the ModelSizeLimit setting's default). */
const DEFAULT_MODEL_BYTES = 64 * 1024 * 1024;
const MAINTAIN_MS = 500;
const JOIN_BATCH = 1000;
const PURGE_EVERY_MS = 60 * 60 * 1000;
/** Events deleted per retention transaction (applyRetention). */
const PURGE_BATCH = 1000;
/** Retention transactions per maintenance turn: a large backlog goes over several turns, joins swept in between. */
const PURGE_BATCHES_PER_TURN = 20;
const TRAINER_RESTART_MS = 1000;
/** Joined events wait at most this long for the trainer (models are exported every second at the most often). */
const WAKE_MS = 20;
/** While the store's disk is full, the condition is logged once per this interval (not once per request). */
const FULL_REPORT_MS = 30_000;
/** Settings writes retried after a concurrent change (each retry starts from the reloaded settings). */
const SETTINGS_RETRIES = 5;
/** How long a follower's model reset waits for the leader to carry it out (it stays requested after that). */
const RESET_WAIT_MS = 10_000;
/** How long a follower's flush waits for the leader to learn and export what was joined. */
const FLUSH_WAIT_MS = 30_000;
/** How often the leader looks for evaluations that other processes stored as pending. */
const ADOPT_MS = 1000;

/** The Loop plus what the CLI and tests need. */
export interface LearningLoop extends Loop {
  /**
   * Joins what is due, learns everything joined and publishes the model now. On a follower the leader does the
   * learning and the export (asked through the store); it rejects when no leader did so within FLUSH_WAIT_MS.
   */
  flush(): Promise<void>;
  /** Joins events whose reward window has closed and applies log retention (runs on a timer too). */
  maintain(): Promise<void>;
  /** The DSJSON line Azure would have logged for an event (docs/learner.md §7.1), null if unknown. */
  exportDsjson(eventId: string): Promise<string | null>;
  /** Auto-optimization's next due time as stored (null when it is off); the leader runs what is due first. */
  nextAutoOptimizationAt(): Promise<number | null>;
  /** flush: false stops the trainer without learning what is pending (as a crash would). */
  close(options?: { flush?: boolean }): Promise<void>;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkEventId(eventId: unknown, code: string): asserts eventId is string {
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > MAX_ID_LENGTH) {
    throw new LoopError(code, `eventId: must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

class PersonalizerLoop implements LearningLoop {
  /** The model ranking uses (the ranker holds its learner); GET /model answers its bytes. */
  private model!: ModelRecord;
  private ranker!: Ranker;
  /** Only while this process is the trainer leader. */
  private trainer: TrainerHandle | null = null;
  private evaluations!: Evaluations;
  private featureImportances!: FeatureImportances;
  private leadership!: Leadership;
  private watch!: StoreWatch;
  private timer: NodeJS.Timeout | undefined;
  /** Settings writes in flight: the watch leaves the settings alone meanwhile (the write reloads them if stale). */
  private writingSettings = 0;
  /** Settles when the last settings write queued in this process has ended (writeSettings). */
  private settingsWrites: Promise<void> = Promise.resolve();
  private lastAdopt = 0;
  private maintaining: Promise<void> | null = null;
  /** Log retention's last run: when, with which logRetentionDays and model cursor, and whether it kept old events. */
  private retention = { lastRun: -Infinity, days: 0, cursor: 0, heldBack: false, unfinished: false };
  private closed = false;
  private wakePending = false;
  private counts = { eventsRanked: 0, rewardsReceived: 0, rewardsUnknownEvent: 0, eventsLearned: 0, eventsPurged: 0 };
  private readonly joinStats = new JoinStats();
  /** The highest joinSeq the trainer has learned (its progress reports), for the trainer lag. */
  private trainerCursor = 0;
  private settings: LoopSettings;
  /** The policy has --ccb_explore_adf (model_kind.ts): the multislot API serves, single-slot Rank and Reward refuse. */
  private multiSlot: boolean;
  private readonly multi: MultiSlotEvents;
  /** The store's settings revision the in-memory service and policy were read at (compare-and-set on writes). */
  private settingsRevision = 0;
  private fullReportedAt = 0;
  /** The log mirror (log_mirror.ts), when a directory for it was given; only the leader runs it. */
  private mirror: LogMirror | null = null;
  /** The model-signing identity and import rules, made (or read from the store) at the first need. */
  private importSetup: Promise<{ identity: SigningIdentity; rules: ImportRules }> | null = null;

  private constructor(
    private readonly options: LoopOptions,
    private readonly store: Store,
    private readonly now: () => number,
    private service: ServiceConfiguration,
    private policy: PolicyContract,
  ) {
    this.settings = loopSettings(service);
    this.multiSlot = isMultiSlotArguments(policy.arguments);
    this.multi = new MultiSlotEvents({
      store,
      ranker: () => this.ranker,
      now,
      joinStats: this.joinStats,
      settings: () => this.settings,
      learningMode: () => learningModeOf(this.service),
      multiSlot: () => this.multiSlot,
      counts: () => this.counts,
      wakeTrainer: () => this.wakeTrainer(),
    });
  }

  static async open(options: LoopOptions): Promise<PersonalizerLoop> {
    const store = await openStore(options.store, { shared: options.sharedStore === true });
    const now = options.now ?? Date.now;
    let loop: PersonalizerLoop | undefined;
    try {
      // Read before the settings it guards: a change in between only makes the first write reload them.
      let revision = await store.settingsRevision();
      // Unusable stored settings are set aside and replaced by the defaults (stored_state.ts); those writes move
      // the revision, so the loop takes the one they left.
      const { service, policy, wrote } = await loadSettings(store, now(), options.logger, options.defaultPolicy);
      if (wrote) revision = await store.settingsRevision();
      loop = new PersonalizerLoop(options, store, now, service, policy);
      loop.settingsRevision = revision;
      await loop.start();
      return loop;
    } catch (e) {
      // The ranker's worker, if start() got that far.
      await loop?.ranker?.stop();
      await store.close();
      throw e;
    }
  }

  private async start(): Promise<void> {
    let model = await loadModel(this.store, this.now(), this.options.logger);
    if (!model) {
      // A fresh model: all weights 0, so every action scores the same and the pmf is uniform (docs/azure-api.md §5
      // "equal probabilities until the first model update").
      const config = parsePolicy(this.policy.arguments);
      const t = this.now();
      model = await this.store.saveModel({
        bytes: freshModelBytes(config),
        policy: learningSignature(config),
        createdAt: t,
        modifiedAt: t,
        cursor: 0,
        eventsLearned: 0,
      });
    }
    this.model = model;
    const log = (level: 'warn' | 'error', message: string): void => this.options.logger?.[level]({ component: 'ranker' }, message);
    this.ranker = new Ranker({ appId: this.options.appId ?? '', maxFeatures: MAX_RANK_FEATURES, model: this.rankerModel(model) }, log);
    const c = await this.store.counters();
    this.trainerCursor = model.cursor;
    this.counts = {
      eventsRanked: c.eventsRanked,
      rewardsReceived: c.rewardsReceived,
      rewardsUnknownEvent: c.rewardsUnknownEvent,
      eventsLearned: model.eventsLearned,
      eventsPurged: 0,
    };
    this.evaluations = new Evaluations({
      store: this.store,
      storeUrl: this.options.store,
      now: this.now,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      service: () => this.service,
      policy: () => this.policy,
      updatePolicy: (policy) => this.updatePolicy(policy),
    });
    if (this.options.logMirror) {
      this.mirror = new LogMirror(this.options.logMirror, this.store, this.now, (level, message) =>
        this.options.logger?.[level]({ component: 'logmirror' }, message),
      );
    }
    this.featureImportances = new FeatureImportances(this.store, this.evaluations, () => this.policy.arguments);
    const logTo = (component: string) => (level: 'info' | 'warn' | 'error', message: string): void =>
      this.options.logger?.[level]({ component }, message);
    this.watch = new StoreWatch({
      store: this.store,
      modelId: () => this.model.id,
      settingsRevision: () => this.settingsRevision,
      installModel: (m) => this.onModel(m),
      reloadSettings: () => (this.writingSettings > 0 ? Promise.resolve() : this.reloadSettings()),
      log: logTo('watch'),
    });
    this.leadership = new Leadership({
      store: this.store,
      elected: (grant) => this.lead(grant),
      deposed: () => this.follow(),
      extended: async (grant) => this.trainer?.notify({ op: 'lease', lease: grant }),
      log: logTo('leadership'),
    });
    await this.leadership.start();
    this.watch.start();
    this.timer = setInterval(() => {
      this.maintain().catch((e: unknown) => {
        // A full disk is reported by reportStoreHealth, once per interval; an unreachable store by the trainer, once
        // a minute (and /ready answers 503 meanwhile).
        if (!(e instanceof StoreFullError) && !(e instanceof StoreUnavailableError)) this.options.logger?.error({ err: e }, 'loop maintenance failed');
      });
    }, MAINTAIN_MS);
    this.timer.unref();
  }

  /**
   * This process became the trainer leader. Its trainer resumes from the last model any leader exported (boot()),
   * so nothing is lost and nothing learned twice; that model is installed for ranking first.
   */
  private async lead(grant: LeaseGrant): Promise<void> {
    if (this.closed) return;
    await this.watch.poll();
    this.spawnTrainer(grant);
    // Jobs left pending are adopted at the maintenance turns even if this fails (the store may be failing now).
    await this.evaluations.lead().catch((e: unknown) => this.options.logger?.error({ err: e }, 'evaluation jobs could not be resumed'));
  }

  /** This process is no longer the leader: its trainer ends at once, without exporting (another one exports now). */
  private async follow(): Promise<void> {
    const trainer = this.trainer;
    this.trainer = null;
    await trainer?.kill();
    await this.mirror?.suspend();
    await this.evaluations.follow();
  }

  // The worker resumes from the last persisted model, so restarting it after a crash loses nothing.
  private spawnTrainer(grant: LeaseGrant): void {
    const handle: TrainerHandle = new TrainerHandle(
      { storeUrl: this.options.store, lease: grant, policyArguments: this.policy.arguments, modelExportMs: this.settings.modelExportMs },
      {
        model: (m) => this.onModel(m),
        progress: (cursor, learned) => {
          this.trainerCursor = cursor;
          this.counts.eventsLearned = learned;
        },
        log: (level, message) => this.options.logger?.[level]({ component: 'trainer' }, message),
        leaseLost: (message) => {
          this.options.logger?.warn({ component: 'trainer' }, `a model export was refused: ${message}`);
          void this.leadership.lost('a fenced model export was refused');
        },
        exit: (code) => {
          // Restarted only while it is still this leader's trainer (not ended by a step-down or a close).
          if (this.closed || this.trainer !== handle) return;
          this.options.logger?.error({ code }, 'trainer worker exited; restarting it');
          setTimeout(() => {
            const lease = this.leadership.lease;
            if (!this.closed && this.trainer === handle && lease) this.spawnTrainer(lease);
          }, TRAINER_RESTART_MS).unref();
        },
      },
    );
    this.trainer = handle;
  }

  // At most one wake per WAKE_MS, however many joins were made meanwhile: the trainer then learns them in one
  // batch (one read, one progress message) instead of a few per event-loop turn, which under a stream of
  // rewards cost both threads more than the learning itself. Learning stays well ahead of the first export.
  private wakeTrainer(): void {
    if (this.wakePending) return;
    this.wakePending = true;
    setTimeout(() => {
      this.wakePending = false;
      this.trainer?.notify({ op: 'wake' });
    }, WAKE_MS).unref();
  }

  /** Exploration is the service's explorationPercentage, whatever the model file says (policy.ts). */
  private rankerModel(model: ModelRecord): RankerModel {
    return { id: model.id, bytes: model.bytes, epsilon: this.service.explorationPercentage, ccb: isMultiSlotArguments(model.policy) };
  }

  private onModel(m: PublishedModel): void {
    // The trainer's hand-over and the watch may both bring a model: never go back to an older one.
    if (m.id <= this.model.id) return;
    try {
      this.ranker.install(this.rankerModel(m));
      this.model = m;
      this.counts.eventsLearned = m.eventsLearned;
      this.trainerCursor = m.cursor;
    } catch (e) {
      this.options.logger?.error({ err: e }, `model ${m.id} could not be loaded; ranking keeps model ${this.model.id}`);
    }
  }

  // ---------------------------------------------------------------------------------------------- rank & events

  async rank(request: RankRequest, source?: string): Promise<RankResponse> {
    if (this.multiSlot) throw singleSlotRefused('POST /rank');
    const v = validateRankRequest(request);
    const eventId = v.eventId ?? generateEventId();
    const context = buildContext(v, source);
    const r = await this.ranker.rank(context, eventId);
    if (!('modelId' in r)) {
      if (r.invalid !== undefined) throw new LoopError('InvalidRankRequest', `features: ${r.invalid}`);
      if (r.wrongKind) throw new LoopError('ModelRankingError', 'the single-slot model is not loaded yet (the loop was just switched to single-slot); retry shortly', 503);
      throw new Error(`rank failed: ${r.failed}`);
    }
    // Apprentice and LoggingOnly answer and log the baseline (learning_mode.ts); the model still ranked it, which
    // validated the features alike in every mode.
    const mode = learningModeOf(this.service);
    const ranking = servesBaseline(mode)
      ? baselineRanking(r.index.length)
      : r.index.map((index, i) => ({ index, probability: shortestFloat32(r.probability[i]!) }));
    const first = ranking[0]!;
    const explanation = this.service.isInferenceExplainabilityEnabled === true ? this.explain(v, v.included[first.index]!) : undefined;
    const inserted = await this.store.insertEvent({
      eventId,
      timestamp: this.now(),
      context,
      actions: ranking.map((r) => r.index + 1),
      probabilities: ranking.map((r) => r.probability),
      chosenIndex: first.index,
      chosenProbability: first.probability,
      modelVersion: eventModelVersion(r.modelId, mode),
      deferActivation: v.deferActivation,
    });
    if (!inserted) {
      throw new LoopError('InvalidRankRequest', `eventId: '${eventId}' was already used by an earlier rank call`);
    }
    this.counts.eventsRanked++;
    const response: RankResponse = { ranking: azureRanking(v.actions, v.included, ranking), eventId, rewardActionId: v.actions[v.included[first.index]!]!.id };
    if (explanation !== undefined) response.inferenceExplanation = explanation;
    return response;
  }

  /** inferenceExplanation for request position `position` (explain.ts); omitted, and logged, should it fail. */
  private explain(v: ValidRank, position: number): InferenceExplanation[] | undefined {
    try {
      return inferenceExplanation(v, position, this.ranker.explain(explainContext(v, position), v, position));
    } catch (e) {
      this.options.logger?.warn({ err: e }, 'inference explanation failed; the Rank is answered without it');
      return undefined;
    }
  }

  async reward(eventId: string, value: number): Promise<void> {
    if (this.multiSlot) throw singleSlotRefused('POST /events/{eventId}/reward');
    checkEventId(eventId, 'InvalidRewardRequest');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < -1 || value > 1) {
      throw new LoopError('InvalidRewardRequest', 'value: must be a number between -1 and 1');
    }
    const t = this.now();
    const rule = this.joinStats.rewardRule(this.settings, t);
    const outcome = await this.store.addReward(eventId, value, t, rule.decide);
    rule.settle(outcome !== 'unknown');
    if (outcome === 'unknown') this.counts.rewardsUnknownEvent++;
    else this.counts.rewardsReceived++;
    if (outcome === 'joined') this.wakeTrainer();
  }

  async activate(eventId: string): Promise<void> {
    checkEventId(eventId, 'InvalidEventIdToActivate');
    const t = this.now();
    const rule = this.joinStats.rule(this.settings, t);
    const outcome = await this.store.activate(eventId, t, rule.decide);
    rule.commit();
    if (outcome === 'joined') this.wakeTrainer();
  }

  rankMultiSlot(request: MultiSlotRankRequest, source?: string): Promise<MultiSlotRankResponse> {
    return this.multi.rank(request, source);
  }

  rewardMultiSlot(eventId: string, request: MultiSlotRewardRequest): Promise<void> {
    return this.multi.reward(eventId, request);
  }

  activateMultiSlot(eventId: string): Promise<void> {
    return this.multi.activate(eventId);
  }

  // ---------------------------------------------------------------------------------------------- configuration

  async getServiceConfiguration(): Promise<ServiceConfiguration> {
    return { ...this.service };
  }

  async updateServiceConfiguration(config: ServiceConfiguration): Promise<ServiceConfiguration> {
    // Turning the log mirror on: it writes the events joined from now on (log_mirror.ts).
    const head = await this.store.headJoinSeq();
    const { service } = await this.writeSettings(() => {
      const service = validateServiceConfiguration(config, this.now(), this.service, { logMirror: this.mirror !== null });
      if (this.multiSlot && service.isAutoOptimizationEnabled === true) {
        // Azure: auto-optimization is unavailable for multi-slot loops (Microsoft Learn, concept-auto-optimization).
        throw new LoopError(
          'ProblemTypeIncompatibleWithAutoOptimization',
          'isAutoOptimizationEnabled: auto-optimization is not available on a multi-slot loop (its policy has --ccb_explore_adf)',
        );
      }
      const policy =
        service.explorationPercentage === this.service.explorationPercentage
          ? this.policy
          : { ...this.policy, arguments: withEpsilon(this.policy.arguments, service.explorationPercentage) };
      const marker: LogMirrorMarker = { since: head, at: this.now() };
      const turnsMirrorOn = service.logMirrorEnabled === true && this.service.logMirrorEnabled !== true;
      return { service, policy, ...(turnsMirrorOn ? { extra: { [LOG_MIRROR_SETTING]: marker } } : {}) };
    });
    return { ...service };
  }

  async getPolicy(): Promise<PolicyContract> {
    return { ...this.policy };
  }

  async updatePolicy(body: PolicyContract): Promise<PolicyContract> {
    const { policy } = await this.writeSettings(() => {
      const { policy, explorationPercentage } = validatePolicy(body, this.service.explorationPercentage);
      let service =
        explorationPercentage === this.service.explorationPercentage
          ? this.service
          : { ...this.service, explorationPercentage, lastConfigurationEditDate: iso(this.now()) };
      // Switching to multi-slot turns auto-optimization off, as Azure's conversion did (docs/multi-slot.md).
      if (isMultiSlotArguments(policy.arguments) && service.isAutoOptimizationEnabled === true) {
        service = { ...service, isAutoOptimizationEnabled: false, lastConfigurationEditDate: iso(this.now()) };
      }
      return { service, policy };
    });
    return { ...policy };
  }

  /**
   * Stores the settings `change` derives from the live ones, as a compare-and-set on the revision they were read
   * at: should the stored settings have changed meanwhile (a concurrent request, another writer), they are
   * reloaded and `change` runs again on them, so that a stale copy never overwrites a newer one.
   */
  private async writeSettings(
    change: () => { service: ServiceConfiguration; policy: PolicyContract; extra?: Record<string, unknown> },
  ): Promise<{ service: ServiceConfiguration; policy: PolicyContract }> {
    this.writingSettings++;
    // One write at a time in this process: concurrent requests would otherwise all read the same revision, and
    // all but one lose each compare-and-set round, until some ran out of retries (a 500 under a burst of policy
    // changes). The retries remain for other processes' writes.
    const previous = this.settingsWrites;
    let done!: () => void;
    this.settingsWrites = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      for (let attempt = 0; ; attempt++) {
        const next = change();
        try {
          this.settingsRevision = await this.store.putSettings({ ...next.extra, service: next.service, policy: next.policy }, this.settingsRevision);
        } catch (e) {
          if (!(e instanceof StaleSettingsError) || attempt >= SETTINGS_RETRIES) throw e;
          await this.reloadSettings();
          continue;
        }
        await this.apply(next.service, next.policy);
        return next;
      }
    } finally {
      done();
      this.writingSettings--;
    }
  }

  /** Makes the stored settings live again (after another writer changed them). */
  private async reloadSettings(): Promise<void> {
    const revision = await this.store.settingsRevision();
    const service = await this.store.getSetting<ServiceConfiguration>('service');
    const policy = await this.store.getSetting<PolicyContract>('policy');
    this.settingsRevision = revision;
    if (service && policy) await this.apply(service, policy);
  }

  /**
   * DELETE /configurations/policy: back to the configured default policy (DefaultPolicy, docs/policy-presets.md).
   * A multi-slot loop stays multi-slot, on the default's multi-slot form: its clients call /multislot/*, which a
   * single-slot policy would refuse (docs/multi-slot.md).
   */
  async resetPolicy(): Promise<PolicyContract> {
    const base = this.options.defaultPolicy ?? AZURE_DEFAULT_POLICY;
    return this.updatePolicy(this.multiSlot ? { name: base.name, arguments: multiSlotArguments(base.arguments) } : base);
  }

  /** Makes stored settings live: the snapshot's epsilon at once, the trainer's policy (retraining if needed). */
  private async apply(service: ServiceConfiguration, policy: PolicyContract): Promise<void> {
    const policyChanged = policy.arguments !== this.policy.arguments;
    this.service = service;
    this.policy = policy;
    this.settings = loopSettings(service);
    this.multiSlot = isMultiSlotArguments(policy.arguments);
    this.ranker.setEpsilon(service.explorationPercentage);
    // A follower has no trainer: the leader retrains when its watch brings it the new policy.
    this.trainer?.notify({ op: 'settings', modelExportMs: this.settings.modelExportMs });
    if (policyChanged && this.trainer) {
      const trainer = this.trainer;
      try {
        await trainer.request({ op: 'policy', policyArguments: policy.arguments });
      } catch (e) {
        // The new policy is stored already, so the request succeeds: a trainer that could not take it (exiting,
        // restarting) is restarted, and a new trainer starts from the stored policy (spawnTrainer).
        this.options.logger?.error({ err: e, component: 'trainer' }, 'the trainer did not take the new policy; restarting it');
        if (this.trainer === trainer && trainer.running) void trainer.kill();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- model & logs

  async getModel(): Promise<Uint8Array> {
    return this.model.bytes;
  }

  private modelImportSetup(): Promise<{ identity: SigningIdentity; rules: ImportRules }> {
    const o = this.options.models ?? {};
    this.importSetup ??= signingIdentity(this.store, o.signingIdentity, this.now()).then((identity) => ({
      identity,
      rules: {
        trusted: [identity.certificate, ...(o.trusted ?? [])],
        allowUnsigned: o.allowUnsigned !== false,
        maxBytes: o.maxBytes ?? DEFAULT_MODEL_BYTES,
      },
    }));
    // A failed attempt (the store unreachable) is tried again at the next request.
    this.importSetup.catch(() => (this.importSetup = null));
    return this.importSetup;
  }

  async getSignedModel(): Promise<Uint8Array> {
    const { identity } = await this.modelImportSetup();
    return signedArchive(this.model.bytes, identity);
  }

  async importModel(body: Uint8Array): Promise<void> {
    const { rules } = await this.modelImportSetup();
    const model = modelFromBody(body, rules);
    if (model.length > rules.maxBytes) throw new LoopError('PayloadSizeExceeded', `The model is larger than the limit of ${rules.maxBytes} bytes.`, 413);
    const live = parsePolicy(this.policy.arguments);
    checkModelFits(model, live);
    // What the ranker will do with it: a model that passed the checks above but still does not load is refused
    // here rather than left for the trainer and the ranker to fail on.
    try {
      if (live.ccb) loadCcbLearner(model, '', { maxFeatures: MAX_RANK_FEATURES });
      else loadLearner(model, '', { maxFeatures: MAX_RANK_FEATURES });
    } catch (e) {
      throw new LoopError('InvalidModelMetadata', `The model does not load: ${(e as Error).message}`);
    }
    const at = this.now();
    if (this.trainer) {
      await this.trainer.request({ op: 'import', bytes: model, at });
      return;
    }
    const id = await postRequest(this.store, 'import', at, model);
    if (await awaitDone(this.store, 'import', id, RESET_WAIT_MS)) await this.watch.poll();
    else this.options.logger?.warn(`no trainer leader imported the model within ${RESET_WAIT_MS} ms; the import stays requested until one does`);
  }

  async resetModel(): Promise<void> {
    if (this.trainer) {
      await this.trainer.request({ op: 'reset', at: this.now() });
      return;
    }
    const id = await postRequest(this.store, 'reset', this.now());
    if (await awaitDone(this.store, 'reset', id, RESET_WAIT_MS)) await this.watch.poll();
    else this.options.logger?.warn(`no trainer leader reset the model within ${RESET_WAIT_MS} ms; the reset stays requested until one does`);
  }

  async getModelProperties(): Promise<ModelProperties> {
    const m = this.model;
    return { creationTime: iso(m.createdAt), lastModifiedTime: iso(m.modifiedAt) };
  }

  async deleteLogs(): Promise<void> {
    await this.store.deleteLogs();
  }

  async getLogsProperties(): Promise<LogsProperties> {
    const r = await this.store.logsDateRange();
    return r ? { dateRange: { from: iso(r.from), to: iso(r.to) } } : {};
  }

  // ---------------------------------------------------------------------------------------------- evaluations

  createEvaluation(contract: EvaluationContract, evaluationId?: string): Promise<Evaluation> {
    return this.evaluations.create(contract, evaluationId);
  }

  getEvaluation(evaluationId: string): Promise<Evaluation> {
    return this.evaluations.get(evaluationId);
  }

  listEvaluations(): Promise<Evaluation[]> {
    return this.evaluations.list();
  }

  deleteEvaluation(evaluationId: string): Promise<void> {
    return this.evaluations.delete(evaluationId);
  }

  applyFromEvaluation(reference: PolicyReference): Promise<void> {
    return this.evaluations.apply(reference);
  }

  // ------------------------------------------------------------------------ feature importances (2022-09-01-preview)

  createFeatureImportance(id: string, contract: FeatureImportanceContract): Promise<FeatureImportance> {
    return this.featureImportances.create(id, contract);
  }

  getFeatureImportance(id: string): Promise<FeatureImportance> {
    return this.featureImportances.get(id);
  }

  listFeatureImportances(): Promise<FeatureImportance[]> {
    return this.featureImportances.list();
  }

  deleteFeatureImportance(id: string): Promise<void> {
    return this.featureImportances.delete(id);
  }

  /** Auto-optimization's next due time (null when off): what the schedule stored. */
  nextAutoOptimizationAt(): Promise<number | null> {
    // Only the leader runs auto-optimization (a follower's tick could start a second Auto evaluation).
    return this.trainer ? this.evaluations.auto.nextDueAt() : this.evaluations.auto.storedDueAt();
  }

  async exportDsjson(eventId: string): Promise<string | null> {
    const event = await this.store.getEvent(eventId);
    return event ? eventToDsjson(event, await this.store.getRewards(eventId)) : null;
  }

  async apprenticeReport(): Promise<ApprenticeReport> {
    return apprenticeReportOf(this.store, learningModeOf(this.service));
  }

  // ---------------------------------------------------------------------------------------------- lifecycle

  status(): LoopStatus {
    const store = this.store.health();
    return {
      // Ranking needs only the snapshot, so a restarting trainer does not make the loop unready. A store whose disk
      // is full does: every Rank would be answered 507.
      ready: !this.closed && store.writable && store.reachable !== false,
      storeWritable: store.writable,
      modelVersion: String(this.model.id),
      ...this.counts,
      trainerRunning: this.trainer?.running ?? false,
      trainerLeader: this.leadership.leader,
    };
  }

  activity(fromMinute: number, toMinute: number, interval: number): Promise<MinuteBucket[]> {
    return this.store.dashboardMinutes(fromMinute, toMinute, interval);
  }

  async stats(): Promise<LoopStats> {
    const c = await this.store.counters();
    const evaluations = await this.store.listEvaluations();
    const t = this.now();
    // Each join, learnable or skipped, takes the next joinSeq (store/sqlite.ts tryJoin); the cursor is the last
    // the trainer learned, so the difference is what it has still to read.
    const trainerLagEvents = Math.max(0, c.eventsJoined + c.eventsSkipped - this.trainerCursor);
    const modelAgeSeconds = Math.max(0, (t - this.model.modifiedAt) / 1000);
    return {
      ...c,
      eventsLearned: this.counts.eventsLearned,
      eventsPurged: this.counts.eventsPurged,
      eventsDefaulted: this.joinStats.eventsDefaulted,
      rewardsLate: this.joinStats.rewardsLate,
      trainerLagEvents,
      trainerLagSeconds: trainerLagEvents > 0 ? modelAgeSeconds : 0,
      modelVersion: this.model.id,
      modelAgeSeconds,
      storeBytes: await this.store.sizeBytes(),
      evaluationsPending: evaluations.filter((e) => e.status === 'pending').length,
      evaluationsRunning: evaluations.filter((e) => e.status === 'running').length,
      trainerLeader: this.leadership.leader,
      trainerLeaseEpoch: this.leadership.lease?.epoch ?? null,
      apprentice: await apprenticeFigures(this.store),
      logMirror: this.mirror ? { ...this.mirror.stats } : null,
    };
  }

  maintain(): Promise<void> {
    this.maintaining ??= this.doMaintain().finally(() => (this.maintaining = null));
    return this.maintaining;
  }

  private async doMaintain(): Promise<void> {
    if (this.closed) return;
    this.reportStoreHealth();
    // The leader's duties (a follower's trainer field is null).
    if (!this.trainer) return;
    const t = this.now();
    await this.sweep(t);
    await this.serveRequests();
    if (Date.now() - this.lastAdopt >= ADOPT_MS) {
      this.lastAdopt = Date.now();
      await this.evaluations.jobs.adopt();
    }
    await this.evaluations.auto.tick().catch((e: unknown) => {
      if (!(e instanceof StoreFullError) && !(e instanceof StoreUnavailableError)) this.options.logger?.error({ err: e }, 'auto-optimization failed');
    });
    await this.mirror?.tick(this.service.logMirrorEnabled === true);
    await this.applyRetention(t);
  }

  /**
   * Log retention (docs/retention-and-quotas.md): deletes the events ranked more than logRetentionDays ago, in
   * transactions of PURGE_BATCH events, so that Rank and Reward wait for one short transaction at most. Only events
   * the model that ranks has learned (joinSeq ≤ its cursor, which is stored with it) go: the trainer never loses an
   * event it has yet to learn, and an event is joined only after its reward window (shorter than any retention:
   * service_config.ts). Runs at the leader's first maintenance, every PURGE_EVERY_MS, at once when logRetentionDays
   * changes, and again as soon as a new model has learned events a run had to keep.
   */
  private async applyRetention(t: number): Promise<void> {
    const days = this.settings.logRetentionDays;
    if (days === -1) return;
    const r = this.retention;
    const cursor = this.model.cursor;
    const due = r.unfinished || t - r.lastRun >= PURGE_EVERY_MS || days !== r.days || (r.heldBack && cursor > r.cursor);
    if (!due) return;
    r.lastRun = t;
    r.days = days;
    r.cursor = cursor;
    const before = t - days * DAY;
    let purged = 0;
    r.unfinished = false;
    for (let batch = 0; ; batch++) {
      const n = await this.store.purgeEventsBefore(before, { learnedThrough: cursor, limit: PURGE_BATCH });
      purged += n;
      this.counts.eventsPurged += n;
      if (n < PURGE_BATCH || this.closed) break;
      // The rest at the next turn (MAINTAIN_MS), after the join sweep.
      if (batch + 1 >= PURGE_BATCHES_PER_TURN) {
        r.unfinished = true;
        break;
      }
      // Between transactions, the requests that queued behind this one go first.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const range = await this.store.logsDateRange();
    r.heldBack = range !== null && range.from < before;
    if (purged > 0) {
      this.options.logger?.info({ purged, before: iso(before), heldBack: r.heldBack, more: r.unfinished }, 'log retention: events deleted');
    }
  }

  /** Joins the events whose reward window has closed (store-atomic: safe from any process). */
  private async sweep(t: number): Promise<void> {
    const rule = this.joinStats.rule(this.settings, t);
    let joined = 0;
    for (;;) {
      const n = await this.store.joinDue(t - this.settings.rewardWaitMs, t, rule.decide, JOIN_BATCH);
      rule.commit();
      joined += n;
      if (n < JOIN_BATCH) break;
    }
    if (joined > 0) this.wakeTrainer();
  }

  /** Carries out the resets and flushes that followers asked for (leader_requests.ts). */
  private async serveRequests(): Promise<void> {
    for (const op of ['reset', 'import', 'flush'] as LeaderOp[]) {
      const request = await pendingRequest(this.store, op);
      if (!request || !this.trainer) continue;
      if (op === 'import') {
        // Checked by the follower that took it; one the trainer still cannot take is dropped, not retried forever.
        await this.trainer
          .request({ op: 'import', bytes: new Uint8Array(Buffer.from(request.model ?? '', 'base64')), at: request.at })
          .catch((e: unknown) => this.options.logger?.error({ err: e }, 'a model import asked by another process failed'));
      } else {
        await this.trainer.request(op === 'reset' ? { op: 'reset', at: request.at } : { op: 'flush' });
      }
      await acknowledge(this.store, op, request.id);
    }
  }

  /** A full disk is logged when it starts, then once per FULL_REPORT_MS, and when writes work again. */
  private reportStoreHealth(): void {
    const health = this.store.health();
    const t = Date.now();
    if (health.writable) {
      if (this.fullReportedAt !== 0) this.options.logger?.info('store: writes work again (disk space is back)');
      this.fullReportedAt = 0;
      return;
    }
    if (t - this.fullReportedAt < FULL_REPORT_MS) return;
    this.fullReportedAt = t;
    this.options.logger?.error(
      { since: iso(health.since ?? t) },
      'store: the disk is full; writes are refused with 507 InsufficientStorage and /ready answers 503 until space is freed',
    );
  }

  async flush(): Promise<void> {
    await this.maintain();
    if (this.trainer) {
      await this.trainer.request({ op: 'flush' });
      // What was joined by the sweep above is mirrored too (maintain() ran the mirror before it).
      await this.mirror?.tick(this.service.logMirrorEnabled === true);
      return;
    }
    // A follower: its own writes are committed; the leader joins what is due, learns and exports.
    await this.sweep(this.now());
    const id = await postRequest(this.store, 'flush', this.now());
    if (!(await awaitDone(this.store, 'flush', id, FLUSH_WAIT_MS))) {
      throw new Error(`no trainer leader learned and exported the joined events within ${FLUSH_WAIT_MS} ms`);
    }
    await this.watch.poll();
  }

  /**
   * A leader exports what it learned (unless flush: false, which stops as a crash would) and then releases the
   * trainer lease, so that another process takes over at once rather than after the lease's expiry.
   */
  async close(options: { flush?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    await this.watch.stop();
    await this.maintaining;
    const clean = options.flush !== false;
    // What was joined since the last turn (requests have finished: serve.ts closes the server first).
    if (clean && this.trainer) await this.mirror?.tick(this.service.logMirrorEnabled === true);
    this.closed = true;
    await this.leadership.stop(clean, async () => {
      await this.evaluations.close();
      await this.trainer?.stop(true);
    });
    await this.evaluations.close();
    await this.mirror?.suspend();
    const trainer = this.trainer;
    this.trainer = null;
    if (clean) await trainer?.stop(true);
    else await trainer?.kill();
    await this.ranker.stop();
    await this.store.close();
  }
}

export function openLoop(options: LoopOptions): Promise<LearningLoop> {
  return PersonalizerLoop.open(options);
}

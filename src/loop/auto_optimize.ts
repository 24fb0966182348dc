// Auto-optimization (ServiceConfiguration isAutoOptimizationEnabled, autoOptimizationFrequency,
// autoOptimizationStartDate; https://learn.microsoft.com/azure/ai-services/personalizer/concept-auto-optimization,
// docs/evaluation.md): periodically an evaluation of type Auto over about the last two weeks of logs,
// with optimization discovery; its optimal policy replaces the live one only if its estimated reward is higher
// AND the lower end of its 95% interval is above the online policy's lower end (a Seldonian-style safety test:
// a candidate merely lucky on this data is not applied). The last AUTO_KEPT Auto evaluations are kept.
//
// Schedule: the first run is due at autoOptimizationStartDate (at once when that is past), then every
// autoOptimizationFrequency. The next due time is stored (setting `autoOptimization`), so a restart neither
// skips a run nor repeats one; after a long stop one run is made, and the next is due a whole period later. A
// run over a range without logs stores no evaluation and only moves the due time on. Changing the start date or
// the frequency starts the schedule again from the start date.
import { isMultiSlotArguments } from './model_kind.js';
import { ONLINE } from '../evaluation/index.js';
import type { EvaluationRecord, Store } from '../store/index.js';
import { parseDateTime, isoTime } from './date_time.js';
import { DAY, parseDuration } from './duration.js';
import { parseStoredContract, type AcceptedContract } from './evaluation_contract.js';
import { MAX_EVALUATION_EVENTS } from './evaluation_jobs.js';
import type { ResultSummary } from './evaluation_view.js';
import type { LoopOptions, PolicyContract, ServiceConfiguration } from './types.js';

/** How much of the log an Auto evaluation covers (Azure: "the last two weeks"). */
export const AUTO_RANGE_MS = 14 * DAY;
/** Auto evaluations kept (Azure: "a history of 24 runs"); older ones are deleted. */
export const AUTO_KEPT = 24;
const SETTING = 'autoOptimization';

// ---------------------------------------------------------------------------------------------- the decision

export interface AutoDecision {
  apply: boolean;
  /** The policy to make live when `apply`. */
  policy?: PolicyContract;
  /** Why, in a sentence (shown as the evaluation's decisionReason). */
  reason: string;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(4) : String(x);
}

/** Whether an Auto evaluation's optimal policy should replace the online one (pure; see the top). */
export function decideAutoOptimization(result: Pick<ResultSummary, 'policyResults' | 'optimalPolicy'>): AutoDecision {
  const online = result.policyResults.find((p) => p.name === ONLINE)?.totalSummary;
  if (!online) return { apply: false, reason: 'the evaluation has no result for the online policy' };
  if (result.optimalPolicy === '' || result.optimalPolicy === ONLINE) {
    return { apply: false, reason: 'no policy was found that does better than the online one' };
  }
  const candidate = result.policyResults.find((p) => p.name === result.optimalPolicy);
  const c = candidate?.totalSummary;
  if (!candidate || !c) return { apply: false, reason: `the optimal policy '${result.optimalPolicy}' has no result` };
  if (candidate.policySource === 'Baseline' || candidate.policySource === 'Random' || candidate.arguments.trim() === '') {
    return { apply: false, reason: `the optimal policy '${candidate.name}' has no learning settings to apply` };
  }
  const candidateLow = c.averageReward - c.confidenceInterval;
  const onlineLow = online.averageReward - online.confidenceInterval;
  if (!(c.averageReward > online.averageReward)) {
    return { apply: false, reason: `'${candidate.name}' estimates ${fmt(c.averageReward)}, not above the online policy's ${fmt(online.averageReward)}` };
  }
  if (!(candidateLow > onlineLow)) {
    return {
      apply: false,
      reason: `'${candidate.name}' estimates ${fmt(c.averageReward)} against the online policy's ${fmt(online.averageReward)}, but the lower end of its 95% interval (${fmt(candidateLow)}) is not above the online policy's (${fmt(onlineLow)})`,
    };
  }
  return {
    apply: true,
    policy: { name: candidate.name, arguments: candidate.arguments },
    reason: `'${candidate.name}' estimates ${fmt(c.averageReward)} (95% lower end ${fmt(candidateLow)}) against the online policy's ${fmt(online.averageReward)} (${fmt(onlineLow)})`,
  };
}

// ---------------------------------------------------------------------------------------------- the schedule

/** The stored schedule: the next due time, and the configuration it was computed for. */
export interface AutoSchedule {
  /** `<start ms>|<frequency ms>`: a change of either starts the schedule again. */
  basis: string;
  nextDueAt: number;
}

/** The schedule's basis in a configuration, or null when auto-optimization is off (or its fields are unusable). */
export function scheduleBasis(c: ServiceConfiguration): { basis: string; startAt: number; frequencyMs: number } | null {
  if (c.isAutoOptimizationEnabled !== true) return null;
  const startAt = parseDateTime(c.autoOptimizationStartDate);
  const frequencyMs = c.autoOptimizationFrequency === undefined ? null : parseDuration(c.autoOptimizationFrequency);
  if (startAt === null || frequencyMs === null || frequencyMs <= 0) return null;
  return { basis: `${startAt}|${frequencyMs}`, startAt, frequencyMs };
}

/** The first due time after `now` of the series due, due + f, due + 2f, … (never `due` itself). */
export function nextDueAfter(due: number, frequencyMs: number, now: number): number {
  const periods = Math.max(1, Math.floor((now - due) / frequencyMs) + 1);
  return due + periods * frequencyMs;
}

// ---------------------------------------------------------------------------------------------- the runs

export interface AutoOptimizerOptions {
  store: Store;
  now: () => number;
  logger?: LoopOptions['logger'];
  service: () => ServiceConfiguration;
  policy: () => PolicyContract;
  /** Stores and queues an Auto evaluation (the size checks of any evaluation apply). */
  createAuto: (contract: AcceptedContract) => Promise<void>;
  applyPolicy: (policy: PolicyContract) => Promise<void>;
}

export class AutoOptimizer {
  private schedule: AutoSchedule | null | undefined;
  private running: Promise<void> | null = null;

  constructor(private readonly o: AutoOptimizerOptions) {}

  /** Runs what is due (called from the loop's maintenance timer). */
  tick(): Promise<void> {
    this.running ??= this.doTick().finally(() => (this.running = null));
    return this.running;
  }

  /** Reads the stored schedule again at the next tick (this process became the leader: others moved it on). */
  forget(): void {
    this.schedule = undefined;
  }

  /** The stored next due time as the leader left it, without running anything (a follower runs no optimization). */
  async storedDueAt(): Promise<number | null> {
    return (await this.o.store.getSetting<AutoSchedule>(SETTING))?.nextDueAt ?? null;
  }

  /** The stored next due time (tests, diagnostics); null when none is scheduled. */
  async nextDueAt(): Promise<number | null> {
    await this.tick();
    return this.schedule?.nextDueAt ?? null;
  }

  private async doTick(): Promise<void> {
    // Not for multi-slot loops (Azure: auto-optimization is unavailable there; docs/multi-slot.md).
    if (isMultiSlotArguments(this.o.policy().arguments)) return;
    const b = scheduleBasis(this.o.service());
    if (!b) return;
    if (this.schedule === undefined) this.schedule = (await this.o.store.getSetting<AutoSchedule>(SETTING)) ?? null;
    if (this.schedule?.basis !== b.basis) {
      this.schedule = { basis: b.basis, nextDueAt: b.startAt };
      await this.o.store.putSetting(SETTING, this.schedule);
    }
    const now = this.o.now();
    const due = this.schedule.nextDueAt;
    if (now < due) return;
    await this.run(due, now);
    this.schedule = { basis: b.basis, nextDueAt: nextDueAfter(due, b.frequencyMs, now) };
    await this.o.store.putSetting(SETTING, this.schedule);
  }

  private async run(due: number, now: number): Promise<void> {
    const autos = (await this.o.store.listEvaluations()).filter((r) => r.kind === 'Auto');
    // Already made for this due time (stored before the process stopped, its due time not yet moved on).
    if (autos.some((r) => dueOf(r) === due)) return;
    if (autos.some((r) => r.status === 'pending' || r.status === 'running')) {
      this.o.logger?.warn({ due: isoTime(due) }, 'auto-optimization: the previous run has not finished; this one is skipped');
      return;
    }
    let from = now - AUTO_RANGE_MS;
    const estimate = await this.o.store.estimateEvaluationEvents(from, now);
    if (estimate === null) {
      this.o.logger?.info({ due: isoTime(due) }, 'auto-optimization: no joined events in the last 14 days; nothing to evaluate');
      return;
    }
    // Azure took about the last two weeks; a loop that logs more than an evaluation holds takes the latest part.
    if (estimate.events > MAX_EVALUATION_EVENTS) from = now - Math.floor((AUTO_RANGE_MS * MAX_EVALUATION_EVENTS) / estimate.events);
    const contract: AcceptedContract = {
      name: `Auto-${isoTime(now)}`,
      startTime: from,
      endTime: now,
      policies: [],
      enableOfflineExperimentation: true,
      featureImportance: true,
      onlinePolicy: this.o.policy().arguments,
      dueAt: due,
    };
    try {
      await this.o.createAuto(contract);
      this.o.logger?.info({ due: isoTime(due) }, 'auto-optimization: evaluation queued');
    } catch (e) {
      this.o.logger?.warn({ err: e, due: isoTime(due) }, 'auto-optimization: the evaluation could not be created; this run is skipped');
    }
  }

  /** After an evaluation completed: an Auto one is decided on (and older Auto ones deleted). */
  async completed(record: EvaluationRecord): Promise<void> {
    if (record.kind !== 'Auto' || record.status !== 'completed' || record.summary === null) return;
    const decision = decideAutoOptimization(JSON.parse(record.summary) as ResultSummary);
    let status = decision.apply ? 'optimalPolicyApplied' : 'onlinePolicyRetained';
    let reason = decision.reason;
    if (decision.apply && decision.policy) {
      try {
        await this.o.applyPolicy(decision.policy);
      } catch (e) {
        status = 'onlinePolicyRetained';
        reason = `${reason}; it could not be applied: ${(e as Error).message}`;
      }
    }
    await this.o.store.updateEvaluation(record.id, { status, stage: reason }, ['completed']);
    this.o.logger?.info({ evaluationId: record.id, status, reason }, 'auto-optimization decided');
    await this.prune();
  }

  /** At start: Auto evaluations completed before the process stopped, not yet decided on. */
  async recover(): Promise<void> {
    for (const r of (await this.o.store.listEvaluations()).reverse()) {
      if (r.kind === 'Auto' && r.status === 'completed') await this.completed(r);
    }
  }

  private async prune(): Promise<void> {
    const autos = (await this.o.store.listEvaluations()).filter((r) => r.kind === 'Auto');
    for (const r of autos.slice(AUTO_KEPT)) {
      if (r.status !== 'pending' && r.status !== 'running') await this.o.store.deleteEvaluation(r.id);
    }
  }
}

function dueOf(record: EvaluationRecord): number | undefined {
  try {
    return parseStoredContract(record.contract).dueAt;
  } catch {
    return undefined;
  }
}

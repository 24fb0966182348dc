// Multi-slot Rank, Reward and Activate (docs/multi-slot.md; v1.1-preview.3 "MultiSlot_Rank", "MultiSlotEvents_
// Reward", "MultiSlotEvents_Activate"): validation (validate_multislot.ts), the DSJSON CCB context
// (multislot_context.ts), the ranker's per-slot decisions, and the durable log. The joins follow the single-slot
// rules slot by slot (joiner.ts); the trainer learns the joined events with the CCB learner (model_kind.ts).
//
// Decisions where Azure is silent:
// - each slot is sampled with the seed eventId + slotId (the RL client's per-slot seed), the appId not included;
// - Apprentice and LoggingOnly answer each slot's baselineAction, logged as the slot's only candidate with
//   probability 1 (the log says what was shown, and with probability 1 the learner's update is the plain one);
// - a slot whose candidates were all taken by earlier slots gets no rewardActionId (the spec's SlotResponse
//   requires only `id`), and is never learned;
// - a reward for a slot id the event does not have, or a multi-slot reward for an event ranked by single-slot
//   Rank, is a 400 InvalidRewardRequest and stores nothing; a reward for an unknown event is accepted and counted
//   as for single-slot events.
import type { LearningMode } from './types.js';
import type { LoggedSlot, Store } from '../store/index.js';
import { generateEventId } from './event_id.js';
import { eventModelVersion, servesBaseline } from './learning_mode.js';
import { shortestFloat32 } from './float32.js';
import type { JoinStats } from './loop_stats.js';
import { buildMultiSlotContext } from './multislot_context.js';
import type { Ranker } from './ranker.js';
import type { SlotRanking } from './ranker_protocol.js';
import type { LoopSettings } from './service_config.js';
import { LoopError, type MultiSlotRankRequest, type MultiSlotRankResponse, type MultiSlotRewardRequest } from './types.js';
import { validateMultiSlotRank, validateMultiSlotReward, type ValidMultiSlotRank } from './validate_multislot.js';
import { MAX_ID_LENGTH } from './validate_rank.js';

export interface MultiSlotDeps {
  store: Store;
  ranker: () => Ranker;
  now: () => number;
  joinStats: JoinStats;
  settings: () => LoopSettings;
  learningMode: () => LearningMode;
  /** The loop's policy has --ccb_explore_adf. */
  multiSlot: () => boolean;
  counts: () => { eventsRanked: number; rewardsReceived: number; rewardsUnknownEvent: number };
  wakeTrainer: () => void;
}

/** Azure's code for a multi-slot call on a loop that is not multi-slot (v1.1-preview.3 PersonalizerErrorCode). */
export const NOT_MULTI_SLOT = 'InvalidMultiSlotApiAccess';
/** Ours, of the same family: a single-slot Rank or Reward on a multi-slot loop. */
export const NOT_SINGLE_SLOT = 'InvalidSingleSlotApiAccess';

export function singleSlotRefused(what: string): LoopError {
  return new LoopError(
    NOT_SINGLE_SLOT,
    `${what} is single-slot, but this loop is multi-slot (its policy has --ccb_explore_adf): use POST /multislot/rank ` +
      'and /multislot/events/{eventId}/reward, or set a single-slot policy with PUT /configurations/policy',
  );
}

function checkEventId(eventId: unknown, code: string): asserts eventId is string {
  if (typeof eventId !== 'string' || eventId.length === 0 || eventId.length > MAX_ID_LENGTH) {
    throw new LoopError(code, `eventId: must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
}

export class MultiSlotEvents {
  constructor(private readonly d: MultiSlotDeps) {}

  private requireMultiSlot(): void {
    if (!this.d.multiSlot()) {
      throw new LoopError(
        NOT_MULTI_SLOT,
        'this loop is not multi-slot: switch its policy to --ccb_explore_adf with PUT /configurations/policy ' +
          `(e.g. '--ccb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::') before calling the multislot API`,
      );
    }
  }

  async rank(request: MultiSlotRankRequest, source?: string): Promise<MultiSlotRankResponse> {
    this.requireMultiSlot();
    const v = validateMultiSlotRank(request);
    const eventId = v.eventId ?? generateEventId();
    const context = buildMultiSlotContext(v, source);
    // Apprentice and LoggingOnly answer and log the baselines (learning_mode.ts); the model still ranks the event,
    // which validates its features alike in every mode.
    const mode = this.d.learningMode();
    const sampled = await this.sample(v, context, eventId);
    const rankings = servesBaseline(mode) ? this.baselines(v) : sampled.rankings;
    const slots: LoggedSlot[] = v.slots.map((s, k) => ({
      id: s.id,
      actions: rankings[k]!.index,
      probabilities: rankings[k]!.probability.map(shortestFloat32),
      baseline: s.baseline,
    }));
    const first = slots[0]!;
    const inserted = await this.d.store.insertEvent({
      eventId,
      timestamp: this.d.now(),
      context,
      // The first slot's decision in the single-slot form (store/types.ts NewEvent.slots).
      actions: first.actions.map((i) => i + 1),
      probabilities: first.probabilities,
      chosenIndex: first.actions[0] ?? 0,
      chosenProbability: first.probabilities[0] ?? 1,
      modelVersion: eventModelVersion(sampled.modelId, mode),
      deferActivation: v.deferActivation,
      slots,
    });
    if (!inserted) throw new LoopError('InvalidRankRequest', `eventId: '${eventId}' was already used by an earlier rank call`);
    this.d.counts().eventsRanked++;
    return {
      slots: slots.map((s) => (s.actions.length === 0 ? { id: s.id } : { id: s.id, rewardActionId: v.actions[s.actions[0]!]!.id })),
      eventId,
    };
  }

  private async sample(v: ValidMultiSlotRank, context: string, eventId: string): Promise<{ rankings: SlotRanking[]; modelId: number }> {
    const r = await this.d.ranker().rank(context, eventId, v.slots.map((s) => s.id));
    if (!('modelId' in r)) {
      if (r.invalid !== undefined) throw new LoopError('InvalidRankRequest', `features: ${r.invalid}`);
      if (r.wrongKind) {
        // Only between a policy switch and its first model reaching this process (a few ms on the leader).
        throw new LoopError('ModelRankingError', 'the multi-slot model is not loaded yet (the loop was just switched to multi-slot); retry shortly', 503);
      }
      throw new Error(`multi-slot rank failed: ${r.failed}`);
    }
    if (r.slots === undefined || r.slots.length !== v.slots.length) throw new Error('multi-slot rank failed: one decision per slot expected');
    return { rankings: r.slots, modelId: r.modelId };
  }

  /** Apprentice and LoggingOnly: each slot shows its baselineAction (validated unique and not excluded). */
  private baselines(v: ValidMultiSlotRank): SlotRanking[] {
    return v.slots.map((s) => ({ index: [s.baseline], probability: [1] }));
  }

  async reward(eventId: string, body: MultiSlotRewardRequest): Promise<void> {
    this.requireMultiSlot();
    checkEventId(eventId, 'InvalidRewardRequest');
    const rewards = validateMultiSlotReward(body);
    const t = this.d.now();
    const rule = this.d.joinStats.rewardRule(this.d.settings(), t);
    const r = await this.d.store.addSlotRewards(eventId, rewards, t, rule.decide);
    if (r.outcome === 'notMultiSlot') {
      throw new LoopError('InvalidRewardRequest', `eventId: '${eventId}' was ranked by a single-slot Rank: reward it with POST /events/{eventId}/reward`);
    }
    if (r.outcome === 'unknownSlot') {
      const i = rewards.findIndex((x) => x.slotId === r.slotId);
      throw new LoopError('InvalidRewardRequest', `reward[${i}].slotId: '${r.slotId}' is not a slot of event '${eventId}'`);
    }
    rule.settle(r.outcome !== 'unknown');
    if (r.outcome === 'unknown') this.d.counts().rewardsUnknownEvent += rewards.length;
    else this.d.counts().rewardsReceived += rewards.length;
    if (r.outcome === 'joined') this.d.wakeTrainer();
  }

  async activate(eventId: string): Promise<void> {
    this.requireMultiSlot();
    checkEventId(eventId, 'InvalidEventIdToActivate');
    const t = this.d.now();
    const rule = this.d.joinStats.rule(this.d.settings(), t);
    const outcome = await this.d.store.activate(eventId, t, rule.decide);
    rule.commit();
    if (outcome === 'joined') this.d.wakeTrainer();
  }
}


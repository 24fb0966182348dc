// The joiner's rules: when a ranked event becomes a training example and with which reward. The only place
// that knows rewardWaitTime, defaultReward and rewardAggregation (docs/architecture.md "Where each concern lives").
// Sources: docs/azure-api.md §5 (late rewards, deferred activation, aggregation), docs/learner.md §7.1 (joiner side:
// cost = −reward, default reward when no outcome, `_skipLearn`).
//
// - The reward window of an event is [rank time, rank time + rewardWaitTime]; rewards arriving after it are
//   stored but never learned.
// - `earliest`: the first reward inside the window decides, so the event is learnable as soon as it arrives
//   (and, for deferActivation events, once activated inside the window). `sum` and `average` wait for the
//   window to close.
// - When the window has closed: a deferActivation event not activated inside it is skipped (`_skipLearn`);
//   otherwise the aggregated reward, or defaultReward when none arrived.
// The configuration in force at join time applies (an event ranked before a change is joined with the new rules).
// A multi-slot event (docs/multi-slot.md) follows the same rules slot by slot, and is joined as a whole: each
// slot's rewards are aggregated on their own, a slot without one gets defaultReward once the event is due, and
// with `earliest` the event is learnable early once every slot has its first reward (and it is active). Rewards
// without a slotId (a single-slot reward call) do not count for a multi-slot event.
import type { Decide, JoinCandidate, JoinDecision, RewardRecord } from '../store/index.js';
import type { LoopSettings } from './service_config.js';

export type JoinRules = Pick<LoopSettings, 'rewardWaitMs' | 'defaultReward' | 'rewardAggregation'>;

function aggregate(rewards: RewardRecord[], how: JoinRules['rewardAggregation']): number {
  switch (how) {
    case 'earliest':
      return rewards[0]!.value;
    case 'sum':
      return rewards.reduce((s, r) => s + r.value, 0);
    case 'average':
      return rewards.reduce((s, r) => s + r.value, 0) / rewards.length;
  }
}

export function decideJoin(candidate: JoinCandidate, rules: JoinRules, now: number): JoinDecision {
  if (candidate.slots !== undefined) return decideSlots(candidate, candidate.slots, rules, now);
  const { event, rewards } = candidate;
  const windowEnd = event.timestamp + rules.rewardWaitMs;
  const inWindow = rewards.filter((r) => r.timestamp <= windowEnd);
  const active = !event.deferActivation || (event.activatedAt !== null && event.activatedAt <= windowEnd);
  if (now < windowEnd) {
    if (rules.rewardAggregation === 'earliest' && active && inWindow.length > 0) {
      return { skipLearn: false, reward: inWindow[0]!.value };
    }
    return null;
  }
  if (!active) return { skipLearn: true, reward: null };
  if (inWindow.length === 0) return { skipLearn: false, reward: rules.defaultReward };
  return { skipLearn: false, reward: aggregate(inWindow, rules.rewardAggregation) };
}

function decideSlots({ event, rewards }: JoinCandidate, slots: string[], rules: JoinRules, now: number): JoinDecision {
  const windowEnd = event.timestamp + rules.rewardWaitMs;
  const active = !event.deferActivation || (event.activatedAt !== null && event.activatedAt <= windowEnd);
  const bySlot = new Map<string, RewardRecord[]>();
  for (const r of rewards) {
    if (r.slotId === undefined || r.timestamp > windowEnd) continue;
    const list = bySlot.get(r.slotId);
    if (list) list.push(r);
    else bySlot.set(r.slotId, [r]);
  }
  if (now < windowEnd) {
    if (rules.rewardAggregation === 'earliest' && active && slots.every((id) => bySlot.has(id))) {
      const slotRewards = slots.map((id) => bySlot.get(id)![0]!.value);
      return { skipLearn: false, reward: slotRewards[0]!, slotRewards };
    }
    return null;
  }
  if (!active) return { skipLearn: true, reward: null };
  const slotRewards = slots.map((id) => {
    const list = bySlot.get(id);
    return list ? aggregate(list, rules.rewardAggregation) : rules.defaultReward;
  });
  return { skipLearn: false, reward: slotRewards[0]!, slotRewards };
}

export function joinRule(rules: JoinRules, now: number): Decide {
  return (candidate) => decideJoin(candidate, rules, now);
}

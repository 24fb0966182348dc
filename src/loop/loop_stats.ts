// Figures for monitoring that the store's counters do not hold: joins given the default reward and rewards that
// arrive too late to be learned, counted by wrapping the joiner's decision (joiner.ts), and the store's size on
// disk. Plain numbers: api/metrics*.ts turns them into Prometheus metrics (README, "Metrics").
import type { Decide, JoinCandidate } from '../store/index.js';
import { decideJoin, type JoinRules } from './joiner.js';

export class JoinStats {
  /** Events joined with defaultReward because no reward arrived inside their window (since the process started). */
  eventsDefaulted = 0;
  /** Rewards for a known event that will never be learned: past its window, or after it was joined. */
  rewardsLate = 0;

  /**
   * joinRule (joiner.ts) for one store write, and `commit`, to call once that write has succeeded: only then are
   * the default-reward joins it decided counted (a write that fails is rolled back, its joins made again later).
   */
  rule(rules: JoinRules, now: number): { decide: Decide; commit: () => void } {
    let defaulted = 0;
    return {
      decide: (candidate) => {
        const decision = decideJoin(candidate, rules, now);
        if (decision !== null && !decision.skipLearn && noRewardInWindow(candidate, rules)) defaulted++;
        return decision;
      },
      commit: () => {
        this.eventsDefaulted += defaulted;
        defaulted = 0;
      },
    };
  }

  /**
   * rule() for one reward arriving at `now`; `settle` takes the store's answer: the reward is late when its event
   * was already joined (the store then asks nothing) or when it came after the event's window.
   */
  rewardRule(rules: JoinRules, now: number): { decide: Decide; settle: (known: boolean) => void } {
    const inner = this.rule(rules, now);
    let asked = false;
    let afterWindow = false;
    return {
      decide: (candidate) => {
        asked = true;
        afterWindow = now > candidate.event.timestamp + rules.rewardWaitMs;
        return inner.decide(candidate);
      },
      settle: (known) => {
        inner.commit();
        if (known && (!asked || afterWindow)) this.rewardsLate++;
      },
    };
  }
}

function noRewardInWindow({ event, rewards }: JoinCandidate, rules: JoinRules): boolean {
  const windowEnd = event.timestamp + rules.rewardWaitMs;
  return !rewards.some((r) => r.timestamp <= windowEnd);
}

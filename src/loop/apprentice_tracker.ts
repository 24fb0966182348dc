// The trainer's side of the apprentice report (apprentice_report.ts): scores each Apprentice event with the model
// as it is before learning it, and stores the aggregates with each model export.
import type { Learner } from '../engine/index.js';
import type { JoinedEvent, Store } from '../store/index.js';
import { emptyReport, parseReport, record, REPORT_KEY, scoreEvent, type StoredApprenticeReport } from './apprentice_report.js';

type Example = ReturnType<Learner['featurize']>;

export class ApprenticeTracker {
  private report: StoredApprenticeReport | null = null;
  private dirty = false;

  /** The stored report, if any (a trainer that resumes continues it). */
  async load(store: Pick<Store, 'getSetting'>): Promise<void> {
    this.report = parseReport(await store.getSetting(REPORT_KEY));
  }

  /** Before `learner` learns `ex`, an Apprentice event: how its greedy choice compares with the logged baseline. */
  observe(learner: Learner, ex: Example, e: JoinedEvent, at: number): void {
    const { agreed, estimatedReward } = scoreEvent(learner.scores(ex), e.chosenIndex);
    this.report ??= emptyReport(at, 0);
    if (record(this.report, e.joinSeq, { agreed, estimatedReward, baselineReward: e.reward ?? 0 }, at)) this.dirty = true;
  }

  /**
   * A multi-slot Apprentice event (docs/multi-slot.md): each slot's candidate costs as the model scores them before
   * learning the event, and its baseline's position among them. The event agrees when every slot's greedy choice is
   * its baseline; the estimated and baseline rewards are the slots' means, on the single-slot scale.
   */
  observeSlots(slots: { costs: ArrayLike<number>; baseline: number; reward: number }[], e: JoinedEvent, at: number): void {
    if (slots.length === 0) return;
    let agreed = true;
    let estimatedReward = 0;
    let baselineReward = 0;
    for (const s of slots) {
      const scored = scoreEvent(s.costs, s.baseline);
      agreed &&= scored.agreed;
      estimatedReward += scored.estimatedReward / slots.length;
      baselineReward += s.reward / slots.length;
    }
    this.report ??= emptyReport(at, 0);
    if (record(this.report, e.joinSeq, { agreed, estimatedReward, baselineReward }, at)) this.dirty = true;
  }

  /** Stores the report when it changed (after a model export). */
  async save(store: Pick<Store, 'putSetting'>): Promise<void> {
    if (!this.dirty || this.report === null) return;
    await store.putSetting(REPORT_KEY, this.report);
    this.dirty = false;
  }
}

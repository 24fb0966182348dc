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

  /** Stores the report when it changed (after a model export). */
  async save(store: Pick<Store, 'putSetting'>): Promise<void> {
    if (!this.dirty || this.report === null) return;
    await store.putSetting(REPORT_KEY, this.report);
    this.dirty = false;
  }
}

// The apprentice report as the loop serves it: read from the store (the trainer leader writes it at each model
// export, apprentice_tracker.ts), so every process answers the same and it survives restarts.
import type { Store } from '../store/index.js';
import { emptyReport, parseReport, REPORT_KEY, servedReport, type ApprenticeFigures, type ApprenticeReport } from './apprentice_report.js';
import { LoopError, type LearningMode } from './types.js';

export async function apprenticeReportOf(store: Pick<Store, 'getSetting'>, mode: LearningMode): Promise<ApprenticeReport> {
  const stored = parseReport(await store.getSetting(REPORT_KEY));
  if (stored !== null) return servedReport(stored, mode);
  if (mode === 'Apprentice') {
    // Turned on, nothing learned yet.
    return servedReport(emptyReport(Date.now()), mode);
  }
  throw new LoopError(
    'ApprenticeModeNeverTurnedOn',
    'Apprentice mode was never turned on for this loop (set learningMode to Apprentice in PUT /configurations/service)',
    404,
  );
}

/** The recent figures for the metrics (null when there is no report). */
export async function apprenticeFigures(store: Pick<Store, 'getSetting'>): Promise<ApprenticeFigures | null> {
  const stored = parseReport(await store.getSetting(REPORT_KEY));
  return stored === null ? null : servedReport(stored, '').recent;
}

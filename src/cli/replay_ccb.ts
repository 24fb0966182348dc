// `personalizer replay` under `--ccb_explore_adf`: progressive multi-slot learning over a CCB DSJSON log, as
// `vw --ccb_explore_adf --dsjson` runs it (docs/multi-slot-engine.md). Each event's slots are decided and
// learned in order (-t: decided only, each sampled); `-p` prints one line per slot, then a blank line
// (decision_scores.cc to_string); the progress table shows the slots' labels and first actions
// (conditional_contextual_bandit.cc generate_ccb_label_printout, decision_scores.cc print_update).
import { formatCppFloat, FeatureError, type CcbLearner, type SlotDecision } from '../engine/index.js';
import { NO_LABELED_SLOT, parseCcbLine, readLineBatches, DsjsonError, type CcbSlotLabel } from '../dsjson/index.js';
import { fmtProbability, formatProgressRow, TABLE_HEADER, type ProgressRow, type Summary } from './replay_format.js';
import type { ReplayOptions } from './replay_args.js';
import type { ReplayOutput } from './replay_progress.js';
import { openPredictions } from './replay_predictions.js';
import { guardRead, ioError } from './replay_io.js';

/** Errors printed one by one before only counting them. */
const MAX_REPORTED_ERRORS = 100;

export function ccbHeader(opts: ReplayOptions, learner: CcbLearner): string {
  const c = learner.config;
  let s = '';
  for (const q of c.quadratic) s += `creating quadratic features for pairs: ${q}\n`;
  if (opts.testOnly) s += 'only testing\n';
  if (opts.finalRegressor) s += `final_regressor = ${opts.finalRegressor}\n`;
  if (opts.predictions) s += `predictions = ${opts.predictions}\n`;
  s += `Reading datafile = ${opts.dsjson}\n`;
  s += `Num weight bits = ${c.bits}\nlearning rate = ${c.learningRate}\ninitial_t = ${c.initialT}\npower_t = ${c.powerT}\n`;
  s += `cb_type = ${c.cbType}\nInput label = CCB\nOutput pred = DECISION_PROBS\n`;
  return s + TABLE_HEADER;
}

/** One event's `-p` text: a line per slot (`action:probability,…`, the chosen first), then a blank line. */
export function formatCcbPrediction(decisions: readonly SlotDecision[]): string {
  let s = '';
  for (const d of decisions) {
    for (let i = 0; i < d.actions.length; i++) s += (i > 0 ? ',' : '') + d.actions[i] + ':' + fmtProbability(d.probabilities[i]!);
    s += '\n';
  }
  return s + '\n';
}

/** generate_ccb_label_printout: `action:cost` per slot (`?` unlabeled), cut with `...` after two of three or more. */
export function ccbLabelText(labels: readonly (CcbSlotLabel | null)[], slots: number): string {
  const parts: string[] = [];
  for (let s = 0; s < slots; s++) {
    const l = labels[s] ?? null;
    parts.push(l === null ? '?' : `${l.action}:${formatCppFloat(Math.fround(l.cost), 6)}`);
    if (s >= 1 && slots > 2) {
      parts.push('...');
      break;
    }
  }
  return parts.join(',');
}

/** The progress-table schedule of shared_data (a row each time the weighted example count reaches 1, 2, 4, …). */
class CcbProgress {
  private dumpInterval = 1;
  private sinceLoss = 0;
  private sinceWeight = 0;

  constructor(private readonly learner: CcbLearner) {}

  add(loss: number, labeled: boolean, weight: number, label: () => string, predict: () => string, features: number): ProgressRow | undefined {
    if (labeled) {
      this.sinceLoss += loss;
      this.sinceWeight += weight;
    }
    const s = this.learner.stats;
    const seen = s.weightedLabeledExamples + s.weightedUnlabeledExamples;
    if (seen < this.dumpInterval) return undefined;
    this.dumpInterval *= 2;
    const row: ProgressRow = {
      ...(s.weightedLabeledExamples > 0 ? { averageLoss: s.averageLoss } : {}),
      ...(this.sinceWeight > 0 ? { sinceLast: this.sinceLoss / this.sinceWeight } : {}),
      exampleCounter: s.exampleNumber,
      exampleWeight: seen,
      label: label(),
      predict: predict(),
      features,
    };
    this.sinceLoss = 0;
    this.sinceWeight = 0;
    return row;
  }
}

export function ccbSummary(learner: CcbLearner): Summary {
  const s = learner.stats;
  return {
    examples: s.exampleNumber,
    weightedExampleSum: s.weightedLabeledExamples + s.weightedUnlabeledExamples,
    weightedLabelSum: 0,
    ...(s.weightedLabeledExamples > 0 ? { averageLoss: s.averageLoss } : {}),
    totalFeatures: s.totalFeatures,
  };
}

/** `skipped`: lines that are not valid events; `events`: the valid ones (those VW drops unread included). */
export async function replayCcb(opts: ReplayOptions, learner: CcbLearner, out: ReplayOutput): Promise<{ summary: Summary; skipped: number; events: number }> {
  let errors = 0;
  let events = 0;
  const report = (lineNumber: number, message: string) => {
    errors++;
    if (errors <= MAX_REPORTED_ERRORS) out.log(`personalizer replay: skipping line ${lineNumber}: ${message}\n`);
  };
  if (!opts.quiet) out.log(ccbHeader(opts, learner));
  const preds = opts.predictions ? await openPredictions(opts.predictions) : undefined;
  const progress = new CcbProgress(learner);
  const what = `--dsjson ${opts.dsjson}`;
  let lineNumber = 0;
  const batches = readLineBatches(opts.dsjson, { onProgress: (read, total) => out.progress(read, total) });
  for await (const lines of guardRead(batches, what)) {
    let predText = '';
    for (const line of lines) {
      const r = parseCcbLine(line, ++lineNumber);
      if (r instanceof DsjsonError) {
        report(r.lineNumber, r.reason);
        continue;
      }
      if ('skipped' in r) {
        if (r.reason === NO_LABELED_SLOT) events++;
        continue;
      }
      events++;
      if (r.skipLearn) continue;
      let decisions: SlotDecision[];
      const before = learner.stats.sumLoss;
      const featuresBefore = learner.stats.totalFeatures;
      let ex;
      try {
        ex = learner.featurize(line, r.contextStart, r.contextEnd);
        if (opts.testOnly) {
          decisions = learner.predict(ex, []);
          learner.updateStats(ex, decisions, r.labels, r.weight);
        } else decisions = learner.learn(ex, r.labels, r.weight);
      } catch (e) {
        if (e instanceof FeatureError || e instanceof RangeError) {
          report(r.lineNumber, e.message);
          continue;
        }
        throw e;
      }
      if (preds) predText += formatCcbPrediction(decisions);
      const features = learner.stats.totalFeatures - featuresBefore;
      const labeled = r.labels.slice(0, ex.slotCount).some((l) => l !== null);
      const slots = ex.slotCount;
      const labels = r.labels;
      const label = () => ccbLabelText(labels, slots);
      const predict = () => decisions.map((d) => (d.actions.length > 0 ? String(d.actions[0]) : '?')).join(',');
      const row = progress.add(learner.stats.sumLoss - before, labeled, r.weight, label, predict, features);
      if (row && !opts.quiet) out.log(formatProgressRow(row));
    }
    if (preds && predText) await preds.write(predText).catch((e) => Promise.reject(ioError(`-p ${opts.predictions}`, e)));
  }
  if (preds) await preds.close().catch((e) => Promise.reject(ioError(`-p ${opts.predictions}`, e)));
  return { summary: ccbSummary(learner), skipped: errors, events };
}

// `personalizer replay`: progressive learning over a DSJSON log, as `vw --dsjson <policy>` does it
// (vw-learner.md §2: every event is predicted before it is learned; -t predicts only). Output matches VW:
// `-p` lines, the progress table and summary on stderr, binary and readable models.
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import {
  createLearner,
  loadLearner,
  parsePolicyArguments,
  readModel,
  formatReadableModel,
  DEFAULT_POLICY_ARGUMENTS,
  PolicyArgumentError,
  type Learner,
} from '../engine/index.js';
import { readDsjsonBatches, type DsjsonError } from '../dsjson/index.js';
import { parseReplayArgs, REPLAY_USAGE, UsageError, type ReplayOptions } from './replay_args.js';
import { formatPredictionLine, formatSummary, TABLE_HEADER, formatProgressRow } from './replay_format.js';
import { ReplayStats } from './replay_stats.js';
import { createReplayOutput, type ReplayOutput } from './replay_progress.js';

/** Errors printed one by one before only counting them (a broken log should not flood the terminal). */
const MAX_REPORTED_ERRORS = 100;

export async function runReplay(argv: string[]): Promise<number> {
  let opts: ReplayOptions;
  try {
    opts = parseReplayArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`personalizer replay: ${e.message}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(REPLAY_USAGE);
    return 0;
  }
  let learner: Learner;
  try {
    learner = await openLearner(opts);
  } catch (e) {
    if (!(e instanceof PolicyArgumentError)) throw e;
    process.stderr.write(`personalizer replay: ${e.message}\n`);
    return 2;
  }
  const out = createReplayOutput(opts.quiet);
  try {
    const stats = await replay(opts, learner, out);
    out.stop();
    if (!opts.quiet) process.stderr.write(formatSummary(stats.summary()));
  } catch (e) {
    out.stop();
    throw e;
  }
  if (opts.finalRegressor || opts.readableModel) {
    const bytes = learner.saveModel({ predictOnly: opts.predictOnlyModel });
    if (opts.finalRegressor) await writeFile(opts.finalRegressor, bytes);
    if (opts.readableModel)
      await writeFile(opts.readableModel, formatReadableModel(readModel(bytes), { predictOnly: opts.predictOnlyModel }));
  }
  return 0;
}

/**
 * -i: the model's own options define the policy; --policy, when given, overrides them (VW: command line wins).
 * reuseExamples: replay ranks and learns each event before featurizing the next, so learner.featurize() may
 * recycle its buffers (no allocation per event).
 */
async function openLearner(opts: ReplayOptions): Promise<Learner> {
  const options = { quiet: opts.quiet, reuseExamples: true };
  if (opts.initialRegressor) return loadLearner(await readFile(opts.initialRegressor), opts.policy, options);
  return createLearner(parsePolicyArguments(opts.policy ?? DEFAULT_POLICY_ARGUMENTS), options);
}

function header(opts: ReplayOptions, learner: Learner): string {
  const c = learner.config;
  let s = '';
  for (const q of c.quadratic) s += `creating quadratic features for pairs: ${q}\n`;
  if (opts.testOnly) s += 'only testing\n';
  if (opts.finalRegressor) s += `final_regressor = ${opts.finalRegressor}\n`;
  if (opts.predictions) s += `predictions = ${opts.predictions}\n`;
  s += `Reading datafile = ${opts.dsjson}\n`;
  s += `Num weight bits = ${c.bits}\nlearning rate = ${c.learningRate}\ninitial_t = ${c.initialT}\npower_t = ${c.powerT}\n`;
  s += `cb_type = ${c.cbType}\nInput label = CB\nOutput pred = ACTION_PROBS\n`;
  return s + TABLE_HEADER;
}

async function replay(opts: ReplayOptions, learner: Learner, out: ReplayOutput): Promise<ReplayStats> {
  const stats = new ReplayStats();
  let errors = 0;
  const report = (e: DsjsonError | { lineNumber: number; message: string }) => {
    errors++;
    if (errors <= MAX_REPORTED_ERRORS) out.log(`personalizer replay: skipping line ${e.lineNumber}: ${'reason' in e ? e.reason : e.message}\n`);
  };
  if (!opts.quiet) out.log(header(opts, learner));
  const preds = opts.predictions ? createWriteStream(opts.predictions) : undefined;
  const learn = !opts.testOnly;
  for await (const batch of readDsjsonBatches(opts.dsjson, {
    onError: report,
    onProgress: (read, total) => out.progress(read, total),
  })) {
    let predText = '';
    for (const { line, event } of batch) {
      // _skipLearn: VW drops the event before prediction (parse_line_json), so it is neither predicted nor counted.
      if (event.skipLearn) continue;
      let ex;
      try {
        ex = learner.featurize(line, event.contextStart, event.contextEnd);
      } catch (e) {
        report({ lineNumber: event.lineNumber, message: (e as Error).message });
        continue;
      }
      const k = ex.actions.length;
      const label = event.label;
      if (label && label.index >= k) {
        // VW: "_labelIndex must be smaller than number of actions" — the line is a parse error.
        report({ lineNumber: event.lineNumber, message: `_labelIndex ${label.index} is out of range for ${k} actions` });
        continue;
      }
      const { order, probs } = learner.rank(ex);
      let chosenProbability = 0;
      let features = 0;
      for (let i = 0; i < k; i++) {
        if (label && order[i] === label.index) chosenProbability = probs[i]!;
        features += ex.actions[i]!.count;
      }
      if (preds) predText += formatRanked(order, probs, k);
      const row = stats.add(event.weight, features, label, chosenProbability, k > 0 ? { index: order[0]!, probability: probs[0]! } : undefined);
      if (row && !opts.quiet) out.log(formatProgressRow(row));
      if (label && learn) learner.learn(ex, label, event.weight);
      else if (learn) learner.stats.update(false, 0, event.weight, features); // unlabeled: counted, not learned
    }
    if (preds && predText) await write(preds, predText);
  }
  if (preds) await new Promise<void>((resolve, reject) => preds.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (errors > MAX_REPORTED_ERRORS) out.log(`personalizer replay: ${errors} lines skipped in total\n`);
  return stats;
}

function formatRanked(order: ArrayLike<number>, probs: ArrayLike<number>, k: number): string {
  const pmf = new Array<{ index: number; probability: number }>(k);
  for (let i = 0; i < k; i++) pmf[i] = { index: order[i]!, probability: probs[i]! };
  return formatPredictionLine(pmf);
}

function write(stream: WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text)) resolve();
    else {
      stream.once('drain', resolve);
      stream.once('error', reject);
    }
  });
}

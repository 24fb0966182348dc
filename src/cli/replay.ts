// `personalizer replay`: progressive learning over a DSJSON log, as `vw --dsjson <policy>` does it
// (docs/learner.md §2: every event is predicted before it is learned; -t predicts only); a --ccb_explore_adf
// policy or model replays a multi-slot log instead (replay_ccb.ts). Output matches VW:
// `-p` lines, the progress table and summary on stderr, binary and readable models.
import { readFile, writeFile } from 'node:fs/promises';
import {
  createLearner,
  loadLearner,
  parsePolicyArguments,
  readModel,
  formatReadableModel,
  DEFAULT_POLICY_ARGUMENTS,
  PolicyArgumentError,
  cbAdfLoss,
  cbAdfFeatureCount,
  createCcbLearner,
  loadCcbLearner,
  CcbLearner,
  type Learner,
} from '../engine/index.js';
import { replayCcb } from './replay_ccb.js';
import { parseReplayArgs, refuseJsonInput, REPLAY_USAGE, UsageError, type ReplayOptions } from './replay_args.js';
import { formatPredictionLine, formatSummary, TABLE_HEADER, formatProgressRow, type Summary } from './replay_format.js';
import { ReplayStats } from './replay_stats.js';
import { createReplayOutput, type ReplayOutput } from './replay_progress.js';
import { BatchReader, LINE_ERROR, SKIP_LEARN } from './replay_batch.js';
import { openBatchSource, threadsSetting } from './replay_source.js';
import { openPredictions } from './replay_predictions.js';
import { checkInput, checkOutput, guardRead, ioError, ReplayIoError } from './replay_io.js';
import { formatCbAdfPrediction } from './replay_cb_adf.js';
import { stopAt } from './replay_stop.js';

/** Errors printed one by one before only counting them (a broken log should not flood the terminal). */
const MAX_REPORTED_ERRORS = 100;

export async function runReplay(argv: string[]): Promise<number> {
  let opts: ReplayOptions;
  let threads: number | undefined;
  try {
    opts = parseReplayArgs(argv);
    threads = threadsSetting();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`personalizer replay: ${e.message}\n\n${REPLAY_USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(REPLAY_USAGE);
    return 0;
  }
  let learner: Learner | CcbLearner;
  try {
    learner = await openLearner(opts);
  } catch (e) {
    if (e instanceof PolicyArgumentError) {
      process.stderr.write(`personalizer replay: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ReplayIoError) return failure(e.message);
    if (opts.initialRegressor) return failure(`-i ${opts.initialRegressor}: not a VW model replay can load (${(e as Error).message})`);
    throw e;
  }
  try {
    // Every other file is checked before the run, so that a typo fails at once, not after hours of replay.
    await checkInput(opts.dsjson, `--dsjson ${opts.dsjson}`);
    for (const [flag, path] of outputs(opts)) await checkOutput(path, `${flag} ${path}`);
  } catch (e) {
    if (e instanceof ReplayIoError) return failure(e.message);
    throw e;
  }
  const out = createReplayOutput(opts.quiet);
  let result: { summary: Summary; skipped: number; events: number };
  try {
    if (learner instanceof CcbLearner) result = await replayCcb(opts, learner, out);
    else {
      const r = await replay(opts, learner, out, threads);
      result = { summary: r.stats.summary(), skipped: r.skipped, events: r.events };
    }
    out.stop();
  } catch (e) {
    out.stop();
    if (e instanceof ReplayIoError) return failure(e.message);
    throw e;
  }
  const { summary, skipped, events } = result;
  if (!opts.quiet) process.stderr.write(formatSummary(summary, skipped));
  // VW warns about a bad line and goes on; so does replay (exit 0), but it says how many it skipped, even
  // with --quiet, and a log with no valid event at all is a failure.
  if (skipped > 0) process.stderr.write(`personalizer replay: ${skipped} line${skipped === 1 ? '' : 's'} skipped (not valid DSJSON events)\n`);
  if (events === 0) return failure(`--dsjson ${opts.dsjson}: no valid DSJSON event in the file`);
  try {
    await saveModels(opts, learner);
  } catch (e) {
    if (e instanceof ReplayIoError) return failure(e.message);
    throw e;
  }
  return 0;
}

/** -f and --readable_model; a write that fails is a ReplayIoError naming the option. */
async function saveModels(opts: ReplayOptions, learner: Learner | CcbLearner): Promise<void> {
  if (!opts.finalRegressor && !opts.readableModel) return;
  const bytes = learner.saveModel({ predictOnly: opts.predictOnlyModel });
  if (opts.finalRegressor) await writeFile(opts.finalRegressor, bytes).catch((e) => Promise.reject(ioError(`-f ${opts.finalRegressor}`, e)));
  if (opts.readableModel) {
    const text = formatReadableModel(readModel(bytes), { predictOnly: opts.predictOnlyModel });
    await writeFile(opts.readableModel, text).catch((e) => Promise.reject(ioError(`--readable_model ${opts.readableModel}`, e)));
  }
}

/** A runtime failure: one line on stderr, exit code 1 (main.ts). */
function failure(line: string): number {
  process.stderr.write(`personalizer replay: ${line}\n`);
  return 1;
}

function outputs(opts: ReplayOptions): [string, string][] {
  const o: [string, string | undefined][] = [
    ['-p', opts.predictions],
    ['-f', opts.finalRegressor],
    ['--readable_model', opts.readableModel],
  ];
  return o.filter((x): x is [string, string] => x[1] !== undefined);
}

/**
 * -i: the model's own options define the policy; --policy, when given, is merged in as VW merges a command line
 * with a model's (its -l, --power_t, --epsilon win; other options must agree).
 * reuseExamples: replay ranks and learns each event before featurizing the next, so learner.featurize() may
 * recycle its buffers (no allocation per event).
 */
async function openLearner(opts: ReplayOptions): Promise<Learner | CcbLearner> {
  refuseJsonInput(opts.policy);
  // Offline, `--cb_adf` alone (no exploration) is a policy to replay and evaluate like any other.
  const options = { quiet: opts.quiet, reuseExamples: true, allowNoExploration: true };
  if (opts.initialRegressor) {
    await checkInput(opts.initialRegressor, `-i ${opts.initialRegressor}`);
    const bytes = await readFile(opts.initialRegressor).catch((e) => Promise.reject(ioError(`-i ${opts.initialRegressor}`, e)));
    // A --ccb_explore_adf model replays multi-slot logs (conditional_contextual_bandit.cc).
    if (/(^|\s)--ccb_explore_adf(\s|$)/.test(readModel(bytes).options)) return loadCcbLearner(bytes, opts.policy, { quiet: opts.quiet });
    return loadLearner(bytes, opts.policy, options);
  }
  const config = parsePolicyArguments(opts.policy ?? DEFAULT_POLICY_ARGUMENTS, { allowNoExploration: true });
  if (config.ccb) return createCcbLearner(config, { quiet: opts.quiet });
  return createLearner(config, options);
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
  s += `cb_type = ${c.cbType}\nInput label = CB\nOutput pred = ${c.exploration.kind === 'none' ? 'ACTION_SCORES' : 'ACTION_PROBS'}\n`;
  return s + TABLE_HEADER;
}

/** `skipped`: lines that are not valid events; `events`: the valid ones (those VW drops unread included). */
async function replay(opts: ReplayOptions, learner: Learner, out: ReplayOutput, threads: number | undefined): Promise<{ stats: ReplayStats; skipped: number; events: number }> {
  const stats = new ReplayStats();
  let errors = 0;
  let events = 0;
  const report = (lineNumber: number, message: string) => {
    errors++;
    if (errors <= MAX_REPORTED_ERRORS) out.log(`personalizer replay: skipping line ${lineNumber}: ${message}\n`);
  };
  if (!opts.quiet) out.log(header(opts, learner));
  const preds = opts.predictions ? await openPredictions(opts.predictions) : undefined;
  const learn = !opts.testOnly;
  const cbAdfOnly = learner.config.exploration.kind === 'none';
  const dr = learner.config.cbType === 'dr';
  const what = `--dsjson ${opts.dsjson}`;
  const source = await openBatchSource(opts.dsjson, learner.config, threads).catch((e) => Promise.reject(ioError(what, e)));
  const reader = new BatchReader();
  const ex = reader.example;
  // Line numbers in a batch count from its first line.
  let lineOffset = 0;
  try {
    for await (const batch of guardRead(source.batches, what)) {
      out.progress(batch.bytesRead, source.total);
      let predText = '';
      reader.reset(batch);
      while (reader.next()) {
        const kind = reader.kind;
        if (kind === SKIP_LEARN) {
          events++;
          continue;
        }
        if (kind === LINE_ERROR) {
          if (reader.stop) throw stopAt(what, lineOffset + reader.line, reader.message);
          if (reader.isEvent) events++;
          report(lineOffset + reader.line, reader.message);
          continue;
        }
        events++;
        const k = ex.actions.length;
        const label = reader.label;
        const weight = reader.weight;
        const { order, probs } = learner.rank(ex);
        let chosenProbability = 0;
        let features = 0;
        for (let i = 0; i < k; i++) {
          if (label && order[i] === label.index) chosenProbability = probs[i]!;
          features += ex.actions[i]!.count;
        }
        if (preds) predText += cbAdfOnly ? formatCbAdfPrediction(order, probs, k, learner.config.rankAll) : formatRanked(order, probs, k);
        // cb_adf alone reports its loss once it has learned the event (dr: from the predictions made meanwhile).
        let loss: number | undefined;
        if (cbAdfOnly && label) {
          if (learn) learner.learn(ex, label, weight);
          loss = cbAdfLoss(order[0]!, label, learn && dr ? learner.cbAdf.drPredictions : null);
        }
        const row = stats.add(weight, features, label, chosenProbability, k > 0 ? { index: order[0]!, probability: probs[0]! } : undefined, loss);
        // cb_adf alone totals the shared example's features once per event (its progress row shows the same count).
        const counted = cbAdfOnly ? cbAdfFeatureCount(features, k, ex.sharedFeatures ?? 0, learner.config.noConstant) : features;
        stats.totalFeatures += counted - features;
        if (row && !opts.quiet) out.log(formatProgressRow(row));
        if (label && learn && !cbAdfOnly) learner.learn(ex, label, weight);
        else if (learn && !label) learner.stats.update(false, 0, weight, counted); // unlabeled: counted, not learned
      }
      lineOffset += batch.lines;
      source.release();
      if (preds && predText) await preds.write(predText).catch((e) => Promise.reject(ioError(`-p ${opts.predictions}`, e)));
    }
  } finally {
    await source.close();
  }
  if (preds) await preds.close().catch((e) => Promise.reject(ioError(`-p ${opts.predictions}`, e)));
  return { stats, skipped: errors, events };
}

function formatRanked(order: ArrayLike<number>, probs: ArrayLike<number>, k: number): string {
  const pmf = new Array<{ index: number; probability: number }>(k);
  for (let i = 0; i < k; i++) pmf[i] = { index: order[i]!, probability: probs[i]! };
  return formatPredictionLine(pmf);
}

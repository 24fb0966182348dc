// `personalizer evaluate`: Azure's offline evaluation over a DSJSON log (docs/evaluation.md), on the worker pool:
// read the joined events, replay every policy over them, print a table (or JSON) of the estimates.
// Exit codes: 0 done, 1 the log cannot be evaluated (missing, unreadable, multi-slot, no event), 2 usage.
import { createPassPool, readLoggedEvents, runEvaluation, UnsupportedLogError, type EvaluationResult, type PassPool } from '../evaluation/index.js';
import { EVALUATE_USAGE, parseEvaluateArgs, PolicyRejected, type EvaluateCliOptions } from './evaluate_args.js';
import { formatEvaluation } from './evaluate_format.js';
import { createEvaluateOutput } from './evaluate_progress.js';
import { UsageError } from './replay_args.js';
import { checkInput, ioError, ReplayIoError } from './replay_io.js';

/** Malformed lines reported one by one before only counting them (a broken log should not flood the terminal). */
const MAX_REPORTED_ERRORS = 100;

function failure(line: string): number {
  process.stderr.write(`personalizer evaluate: ${line}\n`);
  return 1;
}

export async function runEvaluate(argv: string[]): Promise<number> {
  let opts: EvaluateCliOptions;
  try {
    opts = parseEvaluateArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    // A refused policy's message already lists the supported arguments: the usage would only bury it.
    process.stderr.write(`personalizer evaluate: ${e.message}\n${e instanceof PolicyRejected ? '' : `\n${EVALUATE_USAGE}`}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(EVALUATE_USAGE);
    return 0;
  }
  const what = `--dsjson ${opts.dsjson}`;
  try {
    await checkInput(opts.dsjson, what);
  } catch (e) {
    if (e instanceof ReplayIoError) return failure(e.message);
    throw e;
  }
  const out = createEvaluateOutput();
  let reported = 0;
  let log;
  try {
    log = await readLoggedEvents(opts.dsjson, {
      onError: (e) => {
        if (++reported <= MAX_REPORTED_ERRORS) out.log(`personalizer evaluate: line ${e.lineNumber}: ${e.reason} (skipped)\n`);
      },
      onProgress: (read, total) => out.progress('reading the log', total > 0 ? read / total : 1),
    });
  } catch (e) {
    out.stop();
    if (e instanceof UnsupportedLogError) return failure(`${what}: ${e.message}`);
    if ((e as NodeJS.ErrnoException)?.code !== undefined) return failure(ioError(what, e).message);
    throw e;
  }
  const events = log.events;
  if (log.malformed > MAX_REPORTED_ERRORS) out.log(`personalizer evaluate: … ${log.malformed - MAX_REPORTED_ERRORS} more malformed lines skipped\n`);
  if (events.length === 0) {
    out.stop();
    return failure(`${what}: no event to evaluate (no line with a label${log.malformed > 0 ? `; ${log.malformed} malformed` : ''})`);
  }
  let startTime = Infinity;
  let endTime = -Infinity;
  for (const e of events) {
    if (e.timestamp < startTime) startTime = e.timestamp;
    if (e.timestamp > endTime) endTime = e.timestamp;
  }
  // --threads 0: replay on this thread (no worker).
  // The evaluation is this process's only work: its threads keep the priority the user started it with.
  const pool: PassPool | undefined =
    opts.threads === 0 ? undefined : createPassPool({ lowPriority: false, ...(opts.threads !== undefined ? { threads: opts.threads } : {}) });
  let result: EvaluationResult;
  try {
    result = await runEvaluation(
      events,
      {
        onlinePolicy: opts.online,
        policies: opts.policies,
        enableOfflineExperimentation: opts.optimize,
        featureImportance: opts.featureImportance,
        startTime,
        endTime,
      },
      { ...(pool ? { runPasses: pool.runPasses } : {}), onProgress: (p) => out.progress(p.stage, p.fraction) },
    );
  } finally {
    out.stop();
    await pool?.close();
  }
  process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : formatEvaluation(result, { file: opts.dsjson, startTime, endTime }));
  const left = log.unlabeled + log.skipLearn;
  if (left > 0) process.stderr.write(`personalizer evaluate: ${left} event${left === 1 ? '' : 's'} left out (${log.unlabeled} without a label, ${log.skipLearn} with _skipLearn)\n`);
  if (log.malformed > 0) process.stderr.write(`personalizer evaluate: ${log.malformed} line${log.malformed === 1 ? '' : 's'} skipped (not valid DSJSON events)\n`);
  return 0;
}

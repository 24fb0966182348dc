// An evaluation job's worker thread: pages the evaluated range's joined events in from the store (rank order),
// runs the whole evaluation (evaluation/: replays, estimators, discovery, feature importance) and commits the
// result with status `completed`. All the work of an evaluation happens here, off the thread that ranks.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createPassPool, runEvaluation, type EvaluationResult, type LoggedEvent } from '../evaluation/index.js';
import { openStore, type Store } from '../store/index.js';
import type { EvaluationJobInit, FromEvaluationWorker } from './evaluation_protocol.js';
import { withoutBins } from './evaluation_view.js';

/** Events per read transaction. */
const PAGE = 2000;
/** Progress messages at most this often (the main thread persists them at most once a second). */
const PROGRESS_MS = 250;

const port = parentPort!;
const init = workerData as EvaluationJobInit;

// Reading and packing the events and summarizing the results run on this thread: at the lowest priority, like the
// pass threads (evaluation/pass_worker.ts: Linux keeps a nice value per thread), so that Rank never waits for them.
try {
  setPriority(19);
} catch {
  // not permitted here: the evaluation still runs, at normal priority
}
const { contract } = init;

function post(m: FromEvaluationWorker): void {
  port.postMessage(m);
}

let lastProgress = 0;
function progress(fraction: number, stage: string, force = false): void {
  const t = Date.now();
  if (!force && t - lastProgress < PROGRESS_MS) return;
  lastProgress = t;
  post({ type: 'progress', fraction: Math.max(0, Math.min(1, fraction)), stage });
}

class JobFailure extends Error {}

async function readEvents(store: Store): Promise<LoggedEvent[]> {
  const { startTime: from, endTime: to } = contract;
  const extent = await store.evaluationEventsExtent(from, to);
  if (!extent) throw new JobFailure('NoLogsExistInDateRange: no joined events are left in the range (the logs were deleted or purged since the evaluation was created)');
  if (extent.count > init.maxEvents) {
    throw new JobFailure(`LogsSizeExceedAllowedLimit: the range holds ${extent.count} joined events; an evaluation takes at most ${init.maxEvents}`);
  }
  const events: LoggedEvent[] = [];
  let bytes = 0;
  for (let after = extent.firstSeq - 1; ; ) {
    const rows = await store.readEvaluationEvents(from, to, after, extent.lastSeq, PAGE);
    if (rows.length === 0) break;
    for (const r of rows) {
      bytes += r.context.length;
      events.push({
        eventId: r.eventId,
        timestamp: r.timestamp,
        context: r.context,
        chosenIndex: r.chosenIndex,
        chosenProbability: r.chosenProbability,
        reward: r.reward,
        actionCount: r.actionCount,
      });
    }
    if (bytes > init.maxContextBytes) {
      throw new JobFailure(
        `LogsSizeExceedAllowedLimit: the range's logged contexts exceed ${Math.round(init.maxContextBytes / 2 ** 20)} MiB; evaluate a shorter range`,
      );
    }
    after = rows[rows.length - 1]!.seq;
    progress(events.length / extent.count, 'reading logged events');
  }
  return events;
}

async function run(): Promise<void> {
  const store = await openStore(init.storeUrl);
  try {
    progress(0, 'reading logged events', true);
    const events = await readEvents(store);
    // The replay passes run on a pool of threads at the lowest priority, one per core: they use the cores the
    // service leaves idle and yield them to Rank. Terminating this job's thread (DELETE) stops them with it.
    const pool = createPassPool();
    let result: EvaluationResult;
    try {
      result = await runEvaluation(
        events,
        {
          onlinePolicy: contract.onlinePolicy,
          policies: contract.policies,
          enableOfflineExperimentation: contract.enableOfflineExperimentation,
          featureImportance: contract.featureImportance,
          startTime: contract.startTime,
          endTime: contract.endTime,
        },
        { runPasses: pool.runPasses, onProgress: (p) => progress(p.fraction, p.stage) },
      );
    } finally {
      await pool.close();
    }
    progress(1, 'storing the result', true);
    const written = await store.updateEvaluation(
      init.evaluationId,
      {
        status: 'completed',
        finishedAt: Date.now() + init.clockOffsetMs,
        progress: 1,
        stage: null,
        summary: JSON.stringify(withoutBins(result)),
        result: JSON.stringify(result),
      },
      ['running'],
    );
    if (!written) throw new JobFailure('the evaluation was deleted while it ran');
    post({ type: 'done' });
  } finally {
    await store.close();
  }
}

run().then(
  () => port.close(),
  (err: unknown) => {
    if (err instanceof JobFailure) post({ type: 'failed', reason: err.message });
    else post({ type: 'failed', reason: `the evaluation failed: ${(err as Error).message ?? String(err)}`, detail: (err as Error).stack ?? String(err) });
    port.close();
  },
);

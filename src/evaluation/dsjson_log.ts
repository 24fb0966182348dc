// A DSJSON log (VW `--dsjson`, what Azure Personalizer exported) read as the logged events an evaluation replays.
// Only events a learner would learn from count: a line without a label, or with `_skipLearn`, is left out (VW
// does not learn from either). A malformed line is reported and skipped, as `vw --dsjson` does; a multi-slot
// (CCB or slates) line stops the read, since an evaluation of the rest would silently leave those decisions out.
import { readDsjsonBatches, type DsjsonError } from '../dsjson/index.js';
import type { LoggedEvent } from './types.js';

export class UnsupportedLogError extends Error {
  constructor(readonly lineNumber: number, reason: string) {
    super(`line ${lineNumber}: ${reason}: offline evaluation reads single-slot (cb_explore_adf) events only`);
    this.name = 'UnsupportedLogError';
  }
}

export interface LogReadOptions {
  /** A malformed line (skipped). */
  onError?: (error: DsjsonError) => void;
  /** Compressed bytes read so far, and the file size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface LoggedLog {
  events: LoggedEvent[];
  /** Valid lines left out: without a label (predict-only), or with `_skipLearn`. */
  unlabeled: number;
  skipLearn: number;
  /** Malformed lines skipped. */
  malformed: number;
}

export async function readLoggedEvents(path: string, options: LogReadOptions = {}): Promise<LoggedLog> {
  const log: LoggedLog = { events: [], unlabeled: 0, skipLearn: 0, malformed: 0 };
  let lastTime = 0;
  const batches = readDsjsonBatches(path, {
    onError: (e) => {
      if (e.unsupported) throw new UnsupportedLogError(e.lineNumber, e.reason);
      log.malformed++;
      options.onError?.(e);
    },
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  for await (const batch of batches) {
    for (const { line, event } of batch) {
      if (event.skipLearn) {
        log.skipLearn++;
        continue;
      }
      const label = event.label;
      if (!label) {
        log.unlabeled++;
        continue;
      }
      // A line without a readable Timestamp keeps its predecessor's time: the order is the file's either way.
      const time = Date.parse(event.timestamp);
      if (Number.isFinite(time)) lastTime = time;
      log.events.push({
        eventId: event.eventId,
        timestamp: lastTime,
        context: line.slice(event.contextStart, event.contextEnd),
        chosenIndex: label.index,
        chosenProbability: label.probability,
        reward: -label.cost,
        actionCount: event.a.length,
      });
    }
  }
  return log;
}

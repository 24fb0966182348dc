// The -p file of `personalizer replay`: opened before the run; a write error later surfaces from write() or
// close() (and so as one line on stderr), never as a crash.
import { open } from 'node:fs/promises';
import { ioError } from './replay_io.js';

export interface PredictionsFile {
  /** Resolves once the stream accepts more (backpressure); rejects with the stream's error. */
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPredictions(path: string): Promise<PredictionsFile> {
  const fh = await open(path, 'w').catch((e) => Promise.reject(ioError(`-p ${path}`, e)));
  const stream = fh.createWriteStream();
  let failed: Error | undefined;
  stream.on('error', (e) => (failed = e));
  return {
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        if (failed) return reject(failed);
        if (stream.errored) return reject(stream.errored);
        if (stream.write(text)) return resolve();
        // Each wait removes both of its listeners whichever fires: a listener left on the stream per full
        // buffer would pile up over a long run (MaxListenersExceededWarning after 10).
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (e: Error) => {
          stream.off('drain', onDrain);
          reject(e);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failed) return reject(failed);
        // The write that failed (ENOSPC…) is the cause; end() on the destroyed stream only reports its own error.
        stream.end((e?: Error | null) => (e || failed ? reject(stream.errored ?? failed ?? e) : resolve()));
      }),
  };
}

// Where replay's stderr text goes: straight to stderr, or above a cli-progress bar when stderr is a terminal
// (a bar in a redirected log would only add noise).
import cliProgress from 'cli-progress';

export interface ReplayOutput {
  log(text: string): void;
  progress(bytesRead: number, totalBytes: number): void;
  stop(): void;
}

export function createReplayOutput(quiet: boolean): ReplayOutput {
  const err = process.stderr;
  if (quiet || !err.isTTY) {
    return {
      log: (text) => {
        err.write(text);
      },
      progress: () => {},
      stop: () => {},
    };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: err,
      format: 'replay [{bar}] {percentage}% | {value}/{total} MB | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  return {
    log: (text) => multi.log(text),
    progress: (read, total) => {
      const mb = (n: number) => Math.round(n / 1e5) / 10;
      if (!bar) bar = multi.create(mb(total), 0);
      bar.update(mb(read));
    },
    stop: () => multi.stop(),
  };
}

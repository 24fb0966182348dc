// `personalizer evaluate`'s progress: a bar on stderr when it is a terminal (reading the log, then the replay's
// stages), nothing when it is not (a bar in a redirected log would only add noise). Messages go above the bar.
import cliProgress from 'cli-progress';

export interface EvaluateOutput {
  log(text: string): void;
  /** fraction: 0 … 1 of the current stage. */
  progress(stage: string, fraction: number): void;
  stop(): void;
}

const STEPS = 1000;

export function createEvaluateOutput(enabled = process.stderr.isTTY === true): EvaluateOutput {
  const err = process.stderr;
  if (!enabled) {
    return { log: (text) => void err.write(text), progress: () => {}, stop: () => {} };
  }
  const multi = new cliProgress.MultiBar(
    {
      stream: err,
      format: 'evaluate [{bar}] {percentage}% | {stage} | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let current = '';
  return {
    log: (text) => multi.log(text),
    progress: (stage, fraction) => {
      const value = Math.round(Math.min(1, Math.max(0, fraction)) * STEPS);
      if (!bar) bar = multi.create(STEPS, value, { stage });
      else if (stage !== current) {
        // A new stage starts its own bar (and ETA) from its own 0.
        bar.start(STEPS, value, { stage });
      } else bar.update(value, { stage });
      current = stage;
    },
    stop: () => multi.stop(),
  };
}

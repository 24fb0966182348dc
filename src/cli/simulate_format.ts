// `personalizer simulate`'s output: the live line (progress bar on a terminal, a line every tenth otherwise) and
// the summary, as a table or as JSON.
import cliProgress from 'cli-progress';
import type { Figures } from '../simulate/stats.js';

export interface SimulationReport {
  scenario: string;
  url: string;
  embedded: boolean;
  seed: number;
  runId: string;
  actions: number;
  events: number;
  requested: number;
  seconds: number;
  window: number;
  overall: Figures;
  rolling: Figures;
  /** The first `window` events: the loop before it has learned much. */
  start: Figures;
  /** sha256 of every event's id, choice and reward, in event order. */
  digest: string;
  interrupted: boolean;
}

const f3 = (x: number): string => x.toFixed(3);
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

export function liveLine(rolling: Figures): string {
  return `last ${rolling.events}: loop ${f3(rolling.loopExpected)} | baseline ${f3(rolling.baseline)} | oracle ${f3(rolling.oracle)}`;
}

export function formatSummary(r: SimulationReport): string {
  const cols = [`first ${r.start.events}`, `last ${r.rolling.events}`, 'whole run'];
  const figs = [r.start, r.rolling, r.overall];
  const rows: [string, (f: Figures) => string][] = [
    ['loop, received reward', (f) => f3(f.loop)],
    ['loop, expected reward', (f) => f3(f.loopExpected)],
    ['baseline (first action)', (f) => f3(f.baseline)],
    ['random action', (f) => f3(f.random)],
    ['oracle (best action)', (f) => f3(f.oracle)],
    ['lift over baseline', (f) => pct(f.lift)],
    ["loop chose the oracle's action", (f) => `${(f.oracleShare * 100).toFixed(1)}%`],
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  const colWidth = Math.max(...cols.map((c) => c.length), 8);
  const line = (name: string, cells: string[]): string => `${name.padEnd(width)}  ${cells.map((c) => c.padStart(colWidth)).join('  ')}`;
  const head = [
    `personalizer simulate: scenario ${r.scenario}, ${r.events}${r.events < r.requested ? ` of ${r.requested}` : ''} events in ${r.seconds.toFixed(1)} s ` +
      `(${(r.events / Math.max(r.seconds, 1e-3)).toFixed(1)}/s), ${r.actions} actions, seed ${r.seed}, ${r.embedded ? 'embedded server' : r.url}`,
    '',
    line('', cols),
    ...rows.map(([name, get]) => line(name, figs.map(get))),
    '',
    'Rewards are click rates: expected = the hidden probability of a click for the action chosen, received = clicks',
    `actually drawn. Run digest ${r.digest.slice(0, 16)} (run id ${r.runId}).`,
  ];
  if (r.interrupted) head.push('Interrupted: the figures cover the events completed.');
  return head.join('\n') + '\n';
}

export interface Progress {
  update(done: number, rolling: Figures): void;
  log(text: string): void;
  stop(): void;
}

export function createProgress(total: number, enabled = process.stderr.isTTY === true): Progress {
  const err = process.stderr;
  if (!enabled) {
    let reported = 0;
    return {
      update: (done, rolling) => {
        // A line every tenth of the run: a log file gets the curve without a bar's noise.
        const tenth = Math.floor((done * 10) / total);
        if (tenth > reported) {
          reported = tenth;
          err.write(`simulate: ${done}/${total} events; ${liveLine(rolling)}\n`);
        }
      },
      log: (text) => void err.write(text),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { stream: err, format: 'simulate [{bar}] {value}/{total} | {live} | {rate}/s', hideCursor: true, clearOnComplete: true, fps: 5 },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total, 0, { live: 'waiting for the first events', rate: '0' });
  return {
    update: (done, rolling) => bar.update(done, { live: liveLine(rolling), rate: (done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1) }),
    log: (text) => {
      bar.stop();
      err.write(text);
    },
    stop: () => bar.stop(),
  };
}

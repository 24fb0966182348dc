// `personalizer bakeoff`: VW's cbify bake-off over a labelled dataset (docs/bakeoff.md). Reads the dataset, runs
// each policy in turn on the same order, prints a table (or JSON). Exit codes: 0 done, 1 the dataset cannot be
// read, 2 usage (including a policy the engine refuses).
import { readFile, writeFile } from 'node:fs/promises';
import { BakeoffPolicyError, DatasetError, decodeDataset, fileOrder, runPolicy, shuffledOrder, vwLines, type Dataset, type RunResult } from '../bakeoff/index.js';
import { BAKEOFF_USAGE, parseBakeoffArgs, type BakeoffCliOptions } from './bakeoff_args.js';
import { UsageError } from './replay_args.js';
import { checkInput, checkOutput, ioError, ReplayIoError } from './replay_io.js';

function fail(message: string, code: number): number {
  process.stderr.write(`personalizer bakeoff: ${message}\n`);
  return code;
}

export async function runBakeoff(argv: string[]): Promise<number> {
  let opts: BakeoffCliOptions;
  try {
    opts = parseBakeoffArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return fail(`${e.message}\n\n${BAKEOFF_USAGE}`, 2);
  }
  if (opts.help) {
    process.stdout.write(BAKEOFF_USAGE);
    return 0;
  }
  const what = `--multiclass ${opts.multiclass}`;
  let data: Dataset;
  try {
    await checkInput(opts.multiclass, what);
    if (opts.predictions !== undefined) await checkOutput(opts.predictions, `--predictions ${opts.predictions}`);
    if (opts.writeVw !== undefined) await checkOutput(opts.writeVw, `--write-vw ${opts.writeVw}`);
    data = decodeDataset(await readFile(opts.multiclass), opts.multiclass);
  } catch (e) {
    if (e instanceof ReplayIoError || e instanceof DatasetError) return fail(e.message, 1);
    if ((e as NodeJS.ErrnoException)?.code !== undefined) return fail(ioError(what, e).message, 1);
    throw e;
  }
  const n = data.labels.length;
  const order = opts.shuffleSeed !== undefined ? shuffledOrder(n, opts.shuffleSeed) : fileOrder(n);
  if (opts.writeVw !== undefined) {
    try {
      await writeFile(opts.writeVw, vwLines(data, order, opts.limit ?? n, opts.names));
    } catch (e) {
      return fail(ioError(`--write-vw ${opts.writeVw}`, e).message, 1);
    }
  }
  const results: (RunResult & { name: string })[] = [];
  for (const p of opts.policies) {
    try {
      const r = runPolicy(data, p.arguments, {
        order,
        seedOffset: opts.seedOffset,
        names: opts.names,
        keepSampled: opts.predictions !== undefined,
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      });
      results.push({ name: p.name, ...r });
    } catch (e) {
      if (e instanceof BakeoffPolicyError || e instanceof RangeError) return fail(`--policy "${p.arguments}": ${e.message}`, 2);
      throw e;
    }
  }
  if (opts.predictions !== undefined) {
    const sampled = results[0]!.sampled!;
    try {
      await writeFile(opts.predictions, Array.from(sampled, (a) => `${a + 1}\n`).join(''));
    } catch (e) {
      return fail(ioError(`--predictions ${opts.predictions}`, e).message, 1);
    }
  }
  const dataset = {
    file: opts.multiclass,
    classes: data.classes,
    columns: data.columns,
    rows: n,
    order: opts.shuffleSeed !== undefined ? `shuffle-seed ${opts.shuffleSeed}` : 'file',
    seedOffset: opts.seedOffset,
    featureNames: opts.names,
  };
  if (opts.json) {
    const policies = results.map(({ sampled: _, ...r }) => r);
    process.stdout.write(JSON.stringify({ dataset, policies }, null, 2) + '\n');
  } else process.stdout.write(formatTable(dataset, results));
  return 0;
}

function formatTable(d: { file: string; classes: number; columns: number; rows: number; order: string }, results: (RunResult & { name: string })[]): string {
  const head = ['policy', 'rows', 'loss', 'wall s', 'rows/s'];
  const body = results.map((r) => [r.name, String(r.rows), r.loss.toFixed(4), r.seconds.toFixed(2), Math.round(r.eventsPerSecond).toLocaleString('en-US')]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `${d.file}: ${d.rows} rows, ${d.columns} features, ${d.classes} classes; order: ${d.order}`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
  ].join('\n');
}

// The bake-off (docs/bakeoff.md): every dataset × VW's runs a … g through our engine, as
// `vw --cbify K --cb_explore_adf` runs them, next to VW 9.10's losses, wall times and run-to-run spreads.
// Our order: the dataset shuffled with BAKEOFF_SHUFFLE_SEED (default 1); our spread: the same phase shifts VW's
// was measured with (seed offsets M = 0, 1000, …; BAKEOFF_SHIFTS of them, default 10). Wall time is the learning
// loop in this process, the median over the shifts (VW's includes its start-up). Baseline: run a (Azure's policy without -q) in the same run.
// Then the policy table of docs/recommended-policy.md: every dataset × {azure-default, squarecb, regcb, cover, bag,
// recommended}, loss and wall time against azure-default measured in the same run, and against the better of VW's
// runs e and f (BAKEOFF_POLICIES=0 leaves it out; BAKEOFF_RUNS=none runs only it).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BakeoffPolicyError, decodeDataset, parseCbifyPolicy, runPolicy, shuffledOrder, vwLines, type Dataset } from '../src/bakeoff/index.js';
import { sharedDir } from '../src/testing/fixtures.js';
import { BEST_CONSTANT, DATASETS, NUMERIC_NAMES_B, RUNS, inSpread, reference, type DatasetName } from '../src/bakeoff/vw_reference.js';
import { AZURE_DEFAULT_ARGUMENTS, RECOMMENDED_ARGUMENTS, REWARD_COSTS } from '../src/bakeoff/recommended.js';
import type { BenchResult } from './types.js';
import { findVw } from './vw_binary.js';

const SEED = BigInt(process.env['BAKEOFF_SHUFFLE_SEED'] ?? '1');
const SHIFTS = Math.max(1, Number(process.env['BAKEOFF_SHIFTS'] ?? 10));
/** BAKEOFF_RUNS=e,f: only these runs (default all). */
const ONLY = (process.env['BAKEOFF_RUNS'] ?? '').split(',').filter((r) => r !== '');
const WITH_POLICIES = process.env['BAKEOFF_POLICIES'] !== '0';

/**
 * The policy table. The explorers with their VW defaults and mtr, as runs e and f (cover: Bietti et al.'s ψ = 0.1;
 * bag: greedified, the bake-off paper's better variant); recommended with Personalizer's cost encoding (REWARD_COSTS).
 */
const POLICIES: [string, string][] = [
  ['azure-default', AZURE_DEFAULT_ARGUMENTS],
  ['squarecb', '--cb_explore_adf --squarecb --cb_type mtr'],
  ['regcb', '--cb_explore_adf --regcb --mellowness 0.001 --cb_type mtr'],
  ['cover', '--cb_explore_adf --cover 4 --psi 0.1 --cb_type mtr'],
  ['bag', '--cb_explore_adf --bag 4 --greedify --cb_type mtr'],
  ['recommended', `${RECOMMENDED_ARGUMENTS} ${REWARD_COSTS}`],
];

interface Cell {
  loss: number;
  wall: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

function stats(xs: number[]): { mean: number; sd: number; min: number; max: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** (our mean − VW's mean) / √(sd² + sd²): how far apart the two spreads' centres are. */
function meansZ(c: Cell, ref: { mean: number; sd: number }): number {
  const sd = Math.sqrt(c.sd ** 2 + ref.sd ** 2);
  return sd > 0 ? (c.mean - ref.mean) / sd : 0;
}

/**
 * With a VW 9.10 binary (VW_BIN): VW on the very rows and order we played, its -p (the sampled class per row)
 * against ours, line by line. Returns the fraction of rows with the same class, or a reason it was not run.
 */
function compareWithVw(vw: string, data: Dataset, policy: string, order: Uint32Array, dir: string): number | string {
  const input = join(dir, 'rows.vw');
  const preds = join(dir, 'rows.pred');
  writeFileSync(input, vwLines(data, order));
  const r = spawnSync(vw, [...policy.split(/\s+/), '-d', input, '-p', preds, '--quiet'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `vw failed: ${(r.stderr ?? '').slice(-300)}`;
  const theirs = readFileSync(preds, 'utf8').trim().split('\n').map((l) => Number(l.trim().split(/\s+/)[0]));
  const ours = runPolicy(data, policy, { order, keepSampled: true }).sampled!;
  let same = 0;
  for (let t = 0; t < ours.length; t++) if (theirs[t] === ours[t]! + 1) same++;
  return same / ours.length;
}

function measure(data: Dataset, args: string, order: Uint32Array): Cell {
  const runs = Array.from({ length: SHIFTS }, (_, m) => runPolicy(data, args, { order, seedOffset: 1000 * m }));
  // Wall time: the median over the shifts (one run on a shared machine is too noisy).
  const walls = runs.map((r) => r.seconds).sort((a, b) => a - b);
  const wall = walls.length % 2 ? walls[(walls.length - 1) / 2]! : (walls[walls.length / 2 - 1]! + walls[walls.length / 2]!) / 2;
  return { loss: runs[0]!.loss, wall, ...stats(runs.map((r) => r.loss)) };
}

export async function run(): Promise<BenchResult[]> {
  const shared = sharedDir();
  if (shared === undefined) throw new Error('the bake-off datasets (../shared/data/multiclass) are absent');
  const rows: BenchResult[] = [];
  const cells = new Map<string, Cell | string>();
  const vw = findVw();
  const tmp = mkdtempSync(join(tmpdir(), 'bakeoff-bench-'));
  if ('missing' in vw) process.stderr.write(`bakeoff: ${vw.missing}; the line-by-line comparison with VW's -p is skipped\n`);
  for (const name of DATASETS) {
    const data = decodeDataset(readFileSync(join(shared, 'data', 'multiclass', name, `${name}.tsv.gz`)), name);
    const order = shuffledOrder(data.labels.length, SEED);
    const policy = (args: string) => `--cbify ${data.classes} --cb_explore_adf ${args}`;
    let base: Cell | undefined;
    for (const spec of RUNS) {
      if (ONLY.length > 0 && !ONLY.includes(spec.run)) continue;
      const ref = reference(spec.run, name)!;
      try {
        parseCbifyPolicy(policy(spec.args), data.classes);
      } catch (e) {
        if (!(e instanceof BakeoffPolicyError)) throw e;
        cells.set(`${spec.run}/${name}`, 'pending');
        rows.push({ name: `bakeoff ${name} ${spec.run}`, value: NaN, unit: 'loss', reference: ref.loss, note: `not run: ${e.message.split('. Supported')[0]}` });
        continue;
      }
      process.stderr.write(`bakeoff: ${name} ${spec.run}\n`);
      const c = measure(data, policy(spec.args), order);
      if (spec.run === 'a') base = c;
      cells.set(`${spec.run}/${name}`, c);
      const verdict = inSpread(c.loss, ref) ? 'in VW spread' : 'OUTSIDE VW spread';
      const z = meansZ(c, ref);
      rows.push({
        name: `bakeoff ${name} ${spec.run}`,
        value: c.loss,
        unit: 'loss',
        reference: ref.loss,
        ratio: c.loss / ref.loss,
        ...(base ? { baseline: base.loss, baselineRatio: c.loss / base.loss } : {}),
        note: `${verdict} ${ref.mean}±${ref.sd} [${ref.min}, ${ref.max}]; ours over ${SHIFTS} shifts ${c.mean.toFixed(3)}±${c.sd.toFixed(3)} [${c.min.toFixed(3)}, ${c.max.toFixed(3)}]${SHIFTS > 1 ? `, means differ by z = ${z.toFixed(2)}` : ''}`,
      });
      rows.push({
        name: `bakeoff ${name} ${spec.run} wall`,
        value: c.wall,
        unit: 's',
        reference: ref.wall,
        ratio: c.wall / ref.wall,
        ...(base ? { baseline: base.wall, baselineRatio: c.wall / base.wall } : {}),
        note: `${Math.round(data.labels.length / c.wall)} rows/s; VW's wall includes its start-up`,
      });
      if ('path' in vw) {
        const same = compareWithVw(vw.path, data, policy(spec.args), order, tmp);
        rows.push({
          name: `bakeoff ${name} ${spec.run} same class as VW`,
          value: typeof same === 'number' ? same : NaN,
          unit: 'fraction',
          note: typeof same === 'number' ? `VW ${vw.version.split(' ')[0]} on the same rows and order` : same,
        });
      }
    }
    // The numeric-feature-name pitfall: run b with `| 0:v 1:v …` names.
    const b = RUNS.find((r) => r.run === 'b')!;
    if (ONLY.length > 0 && !ONLY.includes('b')) continue;
    const numeric = runPolicy(data, policy(b.args), { order, names: 'numeric' });
    rows.push({
      name: `bakeoff ${name} b numeric-names`,
      value: numeric.loss,
      unit: 'loss',
      reference: NUMERIC_NAMES_B[name],
      ratio: numeric.loss / NUMERIC_NAMES_B[name],
      note: `x-names run b: ${(cells.get(`b/${name}`) as Cell).loss.toFixed(4)}; best constant ${BEST_CONSTANT[name]}`,
    });
  }
  rmSync(tmp, { recursive: true, force: true });
  if (cells.size > 0) process.stderr.write(matrix(cells));
  if (WITH_POLICIES) rows.push(...policyTable(shared));
  return rows;
}

/** Every dataset × POLICIES on the same order and shifts, against azure-default and the better of VW's e and f. */
function policyTable(shared: string): BenchResult[] {
  const rows: BenchResult[] = [];
  const cells = new Map<string, Cell>();
  for (const name of DATASETS) {
    const data = decodeDataset(readFileSync(join(shared, 'data', 'multiclass', name, `${name}.tsv.gz`)), name);
    const order = shuffledOrder(data.labels.length, SEED);
    const [e, f] = [reference('e', name)!, reference('f', name)!];
    const best = Math.min(e.loss, f.loss);
    let base: Cell | undefined;
    for (const [policy, args] of POLICIES) {
      process.stderr.write(`bakeoff: ${name} ${policy}\n`);
      const c = measure(data, `--cbify ${data.classes} ${args}`, order);
      base ??= c;
      cells.set(`${policy}/${name}`, c);
      rows.push({
        name: `bakeoff ${name} ${policy}`,
        value: c.loss,
        unit: 'loss',
        reference: best,
        ratio: c.loss / best,
        baseline: base.loss,
        baselineRatio: c.loss / base.loss,
        note: `reference: VW's better of e and f at shift 0; ours over ${SHIFTS} shifts ${c.mean.toFixed(3)}±${c.sd.toFixed(3)} [${c.min.toFixed(3)}, ${c.max.toFixed(3)}], VW's e ${e.mean}, f ${f.mean}`,
      });
      rows.push({
        name: `bakeoff ${name} ${policy} wall`,
        value: c.wall,
        unit: 's',
        baseline: base.wall,
        baselineRatio: c.wall / base.wall,
        note: `${Math.round(data.labels.length / c.wall)} rows/s`,
      });
    }
  }
  process.stderr.write(policyMatrix(cells));
  return rows;
}

/** docs/recommended-policy.md's table: policy × dataset, loss at shift 0 (wall time), mean over the shifts. */
function policyMatrix(cells: Map<string, Cell>): string {
  const head = ['policy', ...DATASETS];
  const body = POLICIES.map(([policy]) => [
    policy,
    ...DATASETS.map((d: DatasetName) => {
      const c = cells.get(`${policy}/${d}`)!;
      return `${c.loss.toFixed(4)} (${c.wall.toFixed(2)} s), ${c.mean.toFixed(3)} ± ${c.sd.toFixed(3)}`;
    }),
  ]);
  body.push(['VW min(e, f)', ...DATASETS.map((d) => {
    const [e, f] = [reference('e', d)!, reference('f', d)!];
    return `${Math.min(e.loss, f.loss).toFixed(4)}, mean ${Math.min(e.mean, f.mean).toFixed(3)}`;
  })]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return ['', `policies, shuffle seed ${SEED}, ${SHIFTS} phase shift(s)`, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', ''].join('\n');
}

/**
 * docs/bakeoff.md's table: run × dataset, our loss on the order (its wall time), our spread over the phase shifts,
 * then VW's loss and spread. "!" marks a loss outside VW's spread.
 */
function matrix(cells: Map<string, Cell | string>): string {
  const head = ['run', ...DATASETS];
  const body = RUNS.map((spec) => [
    spec.run,
    ...DATASETS.map((d: DatasetName) => {
      const c = cells.get(`${spec.run}/${d}`);
      const ref = reference(spec.run, d)!;
      const vw = `VW ${ref.loss.toFixed(4)}, ${ref.mean.toFixed(3)} ± ${ref.sd.toFixed(3)}`;
      if (c === undefined || typeof c === 'string') return `pending; ${vw}`;
      const mark = inSpread(c.loss, ref) ? '' : ' !';
      return `${c.loss.toFixed(4)}${mark} (${c.wall.toFixed(2)} s), ${c.mean.toFixed(3)} ± ${c.sd.toFixed(3)}; ${vw}`;
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return ['', `bake-off, shuffle seed ${SEED}, ${SHIFTS} phase shift(s) ("!" = outside VW's spread)`, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), '', ''].join('\n');
}

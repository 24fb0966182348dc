// `npm run bench`: runs every dist/bench/*.bench.js module (each exports run(): Promise<BenchResult[]>),
// then prints one table and the same rows as JSON. Not part of `npm test`: benchmarks take tens of seconds.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchResult } from './types.js';

function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return '';
  return Math.abs(x) >= 1000 ? Math.round(x).toLocaleString('en-US') : x.toFixed(digits);
}

export function formatTable(rows: BenchResult[]): string {
  const head = ['benchmark', 'value', 'unit', 'reference', 'ratio', 'baseline', 'vs baseline', 'peak RSS MB', 'ref RSS MB', 'note'];
  const body = rows.map((r) => [
    r.name,
    fmt(r.value),
    r.unit,
    fmt(r.reference),
    fmt(r.ratio),
    fmt(r.baseline),
    fmt(r.baselineRatio),
    fmt(r.peakRssMb, 1),
    fmt(r.referenceRssMb, 1),
    r.note ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 || i === 2 || i === 9 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const only = process.argv.slice(2);
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.js'))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort();
  const rows: BenchResult[] = [];
  for (const file of modules) {
    process.stderr.write(`bench: ${file}\n`);
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { run?: () => Promise<BenchResult[]> };
    if (typeof mod.run !== 'function') {
      process.stderr.write(`bench: ${file} exports no run(), skipped\n`);
      continue;
    }
    try {
      rows.push(...(await mod.run()));
    } catch (e) {
      process.stderr.write(`bench: ${file} failed: ${(e as Error).stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  }
  process.stdout.write(formatTable(rows) + '\n\n' + JSON.stringify(rows, null, 2) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();

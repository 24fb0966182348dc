// `personalizer bakeoff` as a user runs it (a child process): table and JSON output, -p predictions, the same
// figures as the library run, and clear refusals (exit 2 for usage, 1 for an unreadable dataset).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { decodeDataset, runPolicy, shuffledOrder } from '../bakeoff/index.js';
import { CLI_MAIN } from '../testing/replay_cli.js';
import { NO_SHARED, sharedDir, needs } from '../testing/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'bakeoff-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'bakeoff', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A small separable problem: class = which of 3 features is largest. */
function syntheticCsv(rows: number): string {
  const lines = ['class,a,b,c'];
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < rows; i++) {
    const v = [rnd(), rnd(), rnd()].map((x) => Math.round(x * 100) / 10);
    lines.push(`${v.indexOf(Math.max(...v))},${v.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

test('CSV.gz in, JSON out: the library figures, per policy, on the shuffled order', async () => {
  const csv = syntheticCsv(3000);
  const file = join(dir, 'three.csv.gz');
  writeFileSync(file, gzipSync(csv));
  const policies = ['--cbify 3 --epsilon 0.05 --cb_type mtr', '--squarecb'];
  const r = await cli(['--multiclass', file, '--shuffle-seed', '9', '--json', ...policies.flatMap((p) => ['--policy', p]), '--name', 'greedy', '--name', 'squarecb']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { dataset: { classes: number; rows: number; order: string }; policies: { name: string; loss: number; mistakes: number; rows: number; engineArguments: string; eventsPerSecond: number }[] };
  assert.deepEqual([out.dataset.classes, out.dataset.rows, out.dataset.order], [3, 3000, 'shuffle-seed 9']);
  const data = decodeDataset(gzipSync(csv), 'x');
  const order = shuffledOrder(3000, 9n);
  for (const [i, p] of policies.entries()) {
    const lib = runPolicy(data, p, { order });
    assert.equal(out.policies[i]!.mistakes, lib.mistakes, p);
    assert.equal(out.policies[i]!.loss, lib.loss);
    assert.ok(out.policies[i]!.eventsPerSecond > 0);
  }
  assert.deepEqual(out.policies.map((p) => p.name), ['greedy', 'squarecb']);
  assert.equal(out.policies[0]!.engineArguments, '--cb_explore_adf --epsilon 0.05 --cb_type mtr');
  // An easy problem: both learn far below chance (2/3).
  for (const p of out.policies) assert.ok(p.loss < 0.4, `${p.name}: ${p.loss}`);
});

test('the table, --limit and -p: one sampled class (1-based) per row', async () => {
  const file = join(dir, 'three.csv');
  writeFileSync(file, syntheticCsv(500));
  const preds = join(dir, 'p.txt');
  const r = await cli(['--multiclass', file, '--policy', '--epsilon 0.1', '--limit', '200', '-p', preds]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /500 rows, 3 features, 3 classes; order: file/);
  const row = r.stdout.split('\n').find((l) => l.startsWith('--epsilon 0.1'))!;
  const lib = runPolicy(decodeDataset(readFileSync(file), 'x'), '--epsilon 0.1', { limit: 200, keepSampled: true });
  assert.match(row, new RegExp(`^--epsilon 0\\.1\\s+200\\s+${lib.loss.toFixed(4)}\\s`));
  assert.deepEqual(readFileSync(preds, 'utf8'), Array.from(lib.sampled!, (a) => `${a + 1}\n`).join(''));
  // --write-vw: the rows as played, VW's input format, the cells' own text, zeros left out.
  const vw = join(dir, 'rows.vw');
  assert.equal((await cli(['--multiclass', file, '--shuffle-seed', '3', '--limit', '4', '--write-vw', vw])).code, 0);
  const csvRows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const order = shuffledOrder(500, 3n);
  const expected = [...order.subarray(0, 4)].map((r) => {
    const [c, ...v] = csvRows[r]!.split(',');
    return `${Number(c) + 1} |f ${v.map((x, j) => (Number(x) === 0 ? '' : `x${j}:${x}`)).filter((x) => x).join(' ')}`.trimEnd();
  });
  assert.deepEqual(readFileSync(vw, 'utf8').trimEnd().split('\n'), expected);
  // Row 0 is uniform over 3 classes: ⌊3·u_0⌋ + 1 = 2.
  assert.equal(readFileSync(preds, 'utf8').split('\n')[0], '2');
});

test('refusals: usage errors exit 2, an unreadable dataset exits 1, each with a clear message', async () => {
  const file = join(dir, 'ok.csv');
  writeFileSync(file, '1,2\n0,3\n');
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, '1,2\n0,x\n');
  const cases: [string[], number, RegExp][] = [
    [[], 2, /--multiclass <file> is required/],
    [['--multiclass', file, '--policy', '--epsilon 0.1 --bogus'], 2, /--bogus: unsupported argument/],
    [['--multiclass', file, '--policy', '--cbify 5 --epsilon 0.1'], 2, /--cbify 5 does not match the dataset's 2 classes/],
    [['--multiclass', file, '--shuffle-seed', '-1'], 2, /--shuffle-seed must be a whole number/],
    [['--multiclass', file, '--limit', '0'], 2, /--limit must be at least 1/],
    [['--multiclass', file, '--feature-names', 'z'], 2, /--feature-names must be x or numeric/],
    [['--multiclass', file, '--policy', '--epsilon 0.1', '--policy', '--squarecb', '-p', join(dir, 'p')], 2, /--predictions needs exactly one --policy/],
    [['--multiclass', join(dir, 'missing.csv')], 1, /missing\.csv: no such file/],
    [['--multiclass', bad], 1, /bad\.csv:2: column 2 is not a finite number \('x'\)/],
  ];
  for (const [args, code, re] of cases) {
    const r = await cli(args);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: personalizer bakeoff /);
});

const shared = sharedDir();
test('a PMLB TSV straight from the reference data: letter, 1,000 rows of run b', { skip: needs(shared, NO_SHARED) }, async () => {
  const tsv = join(shared!, 'data', 'multiclass', 'letter', 'letter.tsv.gz');
  const policy = '--cbify 26 --cb_explore_adf --epsilon 0.05 --cb_type mtr';
  const r = await cli(['--multiclass', tsv, '--policy', policy, '--limit', '1000', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lib = runPolicy(decodeDataset(readFileSync(tsv), 'letter'), policy, { limit: 1000 });
  assert.equal((JSON.parse(r.stdout) as { policies: { mistakes: number }[] }).policies[0]!.mistakes, lib.mistakes);
});

// Multi-slot (CCB) replay throughput: `personalizer replay --policy "--ccb_explore_adf …"` over ccb-10k (10,000
// events, 3 slots, 8 actions), against the same CLI replaying its single-slot twin in the same run: the same
// 10,000 contexts without `_slots`, each labeled with its top slot's outcome (so one CB problem per event instead
// of three). Rounds alternate (single, multi, single, …) so both see the same machine load; medians reported.
// Then the parity of the ips and dr runs with VW 9.10 (the test suite checks mtr): per-slot pmf and average loss.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readText, repoRoot, vectorsDir } from '../src/testing/fixtures.js';
import { createCcbLearner, createLearner, parsePolicyArguments, DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, type SlotDecision } from '../src/engine/index.js';
import { isCbEvent, isCcbEvent, parseCbLine, parseCcbLine } from '../src/dsjson/index.js';
import { benchDir } from './sim.js';
import type { BenchResult } from './types.js';

const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));

function runCli(args: string[]): Promise<number> {
  const cli = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'replay', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`replay exited with ${code}: ${stderr.slice(-2000)}`))));
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface RawCcbLine {
  EventId: string;
  Timestamp: string;
  c: { _slots?: unknown } & Record<string, unknown>;
  _outcomes: { _label_cost: number; _a: number[]; _p: number[] }[];
}

/** The single-slot twin of a CCB line: its context without `_slots`, labeled with the top slot's outcome. */
function singleSlotTwin(line: string): string {
  const o = JSON.parse(line) as RawCcbLine;
  const { _slots: _, ...context } = o.c;
  const top = o._outcomes[0]!;
  return JSON.stringify({
    _label_cost: top._label_cost,
    _label_probability: top._p[0],
    _label_Action: top._a[0]! + 1,
    _labelIndex: top._a[0],
    Timestamp: o.Timestamp,
    Version: '1',
    EventId: o.EventId,
    a: top._a.map((a) => a + 1),
    c: context,
    p: top._p,
  });
}

/** Seconds to learn every line in process (parse, featurize, rank, learn): CCB lines, or single-slot ones. */
function learnInProcess(lines: string[], ccb: boolean): number {
  const t0 = performance.now();
  if (ccb) {
    const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
    lines.forEach((line, i) => {
      const e = parseCcbLine(line, i + 1);
      if (isCcbEvent(e)) learner.learn(learner.featurize(line, e.contextStart, e.contextEnd), e.labels, e.weight);
    });
  } else {
    const learner = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS), { reuseExamples: true });
    lines.forEach((line, i) => {
      const e = parseCbLine(line, i + 1);
      if (isCbEvent(e) && e.label) {
        const ex = learner.featurize(line, e.contextStart, e.contextEnd);
        learner.rank(ex);
        learner.learn(ex, e.label, e.weight);
      }
    });
  }
  return (performance.now() - t0) / 1000;
}

/** Replays ccb-10k in process under one cb_type: events whose every slot pmf equals VW's (1e-4), and the loss. */
function parity(lines: string[], vwPreds: string, cbType: string): { equal: number; events: number; loss: number } {
  const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS.replace('--cb_type mtr', `--cb_type ${cbType}`)));
  const vw = vwPreds.split('\n\n').filter((b) => b.trim() !== '').map((b) => b.split('\n').map((l) => l.split(',').map((t) => t.split(':').map(Number))));
  let equal = 0;
  let events = 0;
  for (const line of lines) {
    const e = parseCcbLine(line, events + 1);
    if (!isCcbEvent(e)) continue;
    const d: SlotDecision[] = learner.learn(learner.featurize(line, e.contextStart, e.contextEnd), e.labels, e.weight);
    const ref = vw[events++]!;
    const same = d.length === ref.length && d.every((s, i) => s.actions.every((a, j) => a === ref[i]![j]![0] && Math.abs(s.probabilities[j]! - ref[i]![j]![1]!) <= 1e-4));
    if (same) equal++;
  }
  return { equal, events, loss: learner.stats.averageLoss };
}

export async function run(): Promise<BenchResult[]> {
  const vectors = vectorsDir();
  if (vectors === undefined) throw new Error('reference data ../shared (next to the repository) is absent: ccb-10k is needed');
  const ccbText = readText(join(vectors, 'ccb', 'ccb-10k.dsjson.gz'));
  const lines = ccbText.split('\n').filter((l) => l !== '');
  const dir = benchDir();
  const ccbPath = join(dir, 'ccb-10k.dsjson');
  const cbPath = join(dir, 'ccb-10k-single-slot.dsjson');
  if (!existsSync(ccbPath)) writeFileSync(ccbPath, ccbText);
  const twin = lines.map(singleSlotTwin);
  if (!existsSync(cbPath)) writeFileSync(cbPath, twin.join('\n') + '\n');

  const single: number[] = [];
  const multi: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    single.push(await runCli(['--dsjson', cbPath, '--policy', DEFAULT_POLICY_ARGUMENTS, '--quiet']));
    multi.push(await runCli(['--dsjson', ccbPath, '--policy', DEFAULT_CCB_POLICY_ARGUMENTS, '--quiet']));
  }
  const n = lines.length;
  const singleEps = n / median(single);
  const multiEps = n / median(multi);
  const results: BenchResult[] = [
    { name: 'replay single-slot twin (mtr)', value: singleEps, unit: 'events/s', note: `${n} events, 8 actions, CLI, median of ${ROUNDS}` },
    {
      name: 'replay CCB ccb-10k (mtr)',
      value: multiEps,
      unit: 'events/s',
      baseline: singleEps,
      baselineRatio: multiEps / singleEps,
      note: `${n} events × 3 slots (21 candidate examples vs 8), CLI, median of ${ROUNDS}`,
    },
  ];
  // In process (no process start-up, no parse worker): the learner's own cost per event.
  const singleIn: number[] = [];
  const multiIn: number[] = [];
  learnInProcess(twin.slice(0, 2000), false); // warm-up (JIT)
  learnInProcess(lines.slice(0, 1000), true);
  for (let r = 0; r < ROUNDS; r++) {
    singleIn.push(learnInProcess(twin, false));
    multiIn.push(learnInProcess(lines, true));
  }
  const singleInEps = n / median(singleIn);
  const multiInEps = n / median(multiIn);
  results.push(
    { name: 'learn single-slot twin (in process)', value: singleInEps, unit: 'events/s', note: `parse + featurize + rank + learn, median of ${ROUNDS}` },
    {
      name: 'learn CCB ccb-10k (in process)',
      value: multiInEps,
      unit: 'events/s',
      baseline: singleInEps,
      baselineRatio: multiInEps / singleInEps,
      note: `parse + featurize + 3 slots ranked and learned, median of ${ROUNDS}`,
    },
  );
  for (const cbType of ['ips', 'dr']) {
    const t0 = performance.now();
    const p = parity(lines, readText(join(vectors, 'ccb', `preds-ccb-${cbType}.txt.gz`)), cbType);
    const seconds = (performance.now() - t0) / 1000;
    const vwLoss = /average loss = (\S+)/.exec(readText(join(vectors, 'ccb', `summary-ccb-${cbType}.txt`)))![1]!;
    results.push({
      name: `CCB parity ${cbType} (in process)`,
      value: (100 * p.equal) / p.events,
      unit: '% events pmf = VW',
      note: `${p.equal}/${p.events} events; average loss ${p.loss.toFixed(6)} vs VW ${vwLoss}; ${(p.events / seconds).toFixed(0)} events/s`,
    });
  }
  return results;
}

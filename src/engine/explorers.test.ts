// Every single-model explorer against VW 9.10 on the public 20k simulation (vw-vectors/explore): the pmf of every
// event, the printed average loss, the audited scores, weights and G of the first events, and the explorer's state
// through a model file (save, load, go on: the same pmfs as VW's uninterrupted run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLearner, loadLearner, type Learner } from './learner.js';
import { parsePolicyArguments, modelOptionsString } from './policy_args.js';
import { readModel } from './model_file.js';
import { formatReadableModel } from './readable_model.js';
import { STRIDE } from './gd.js';
import { SKIP_MESSAGE, parseAuditLine, parseDsjsonLine, printedAs, readPreds, readText, sharedDir } from './learner.fixtures.js';
import type { RegCb } from './explorers/regcb.js';
import type { ExploreFirst } from './explorers/first.js';
import { absent } from '../testing/fixtures.js';

const BASE = '--power_t 0 -l 0.001 --cb_type mtr -q ::';
const C10 = '--cb_min_cost -1 --cb_max_cost 0';

/** The runs of vw-vectors/explore this part implements: name → arguments, as VW was run. */
const RUNS: [string, string][] = [
  ['softmax10', `--cb_explore_adf --softmax --lambda 10 ${BASE}`],
  ['first100', `--cb_explore_adf --first 100 ${BASE}`],
  ['regcb', `--cb_explore_adf --regcb --mellowness 0.001 ${BASE}`],
  // VW 9.10's deprecated form: --regcbopt without --regcb still enables optimistic RegCB.
  ['regcbopt', `--cb_explore_adf --regcbopt --mellowness 0.001 ${BASE}`],
  ['regcb-c10', `--cb_explore_adf --regcb --mellowness 0.001 ${BASE} ${C10}`],
  ['regcbopt-c10', `--cb_explore_adf --regcb --regcbopt --mellowness 0.001 ${C10} ${BASE}`],
  ['squarecb-elim-c10', `--cb_explore_adf --squarecb --elim --mellowness 0.001 ${C10} ${BASE}`],
  ['squarecb-g100', `--cb_explore_adf --squarecb --gamma_scale 100 --gamma_exponent 0.5 ${BASE}`],
];

let simLines: string[] | undefined;
function sim(shared: string): string[] {
  simLines ??= readText(join(shared, 'vw-vectors', 'sim-20k.dsjson.gz')).trim().split('\n');
  return simLines;
}

/** Progressive replay: the pmf of each event (action → probability), then learn it. */
function replay(learner: Learner, lines: readonly string[], onEvent?: (i: number, learner: Learner) => void): Map<number, number>[] {
  const out: Map<number, number>[] = [];
  for (const line of lines) {
    const ev = parseDsjsonLine(line);
    if (ev.skipLearn) continue;
    const ex = learner.featurize(ev.context);
    onEvent?.(out.length, learner);
    const { order, probs, k } = learner.rank(ex);
    const m = new Map<number, number>();
    for (let i = 0; i < k; i++) m.set(order[i]!, probs[i]!);
    out.push(m);
    if (ev.label) learner.learn(ex, ev.label, ev.weight);
  }
  return out;
}

/** Share of events whose every probability prints as VW printed it, and the first event that does not. */
function matchRate(ours: Map<number, number>[], vw: Map<number, number>[]): { rate: number; first: number } {
  assert.equal(ours.length, vw.length);
  let matched = 0;
  let first = -1;
  for (let e = 0; e < vw.length; e++) {
    let ok = ours[e]!.size === vw[e]!.size;
    for (const [a, p] of vw[e]!) if (!printedAs(ours[e]!.get(a), p)) ok = false;
    if (ok) matched++;
    else if (first < 0) first = e;
  }
  return { rate: matched / vw.length, first };
}

function vwAverageLoss(shared: string, name: string): string {
  const m = /average loss = (\S+)/.exec(readText(join(shared, 'vw-vectors', 'explore', `summary-${name}.txt`)));
  assert.ok(m, `no average loss in summary-${name}.txt`);
  return m[1]!;
}

for (const [name, args] of RUNS) {
  test(`${name}: every pmf of the 20k simulation and VW's average loss`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const learner = createLearner(parsePolicyArguments(args));
    const pmfs = replay(learner, sim(shared));
    const { rate, first } = matchRate(pmfs, readPreds(join(shared, 'vw-vectors', 'explore', `preds-${name}.txt.gz`)));
    console.log(`# ${name}: pmf printed as VW's on ${(rate * 100).toFixed(2)}% of ${pmfs.length} events; average loss ${learner.stats.averageLoss.toFixed(6)}`);
    assert.equal(rate, 1, `first event off: ${first}`);
    assert.equal(learner.stats.averageLoss.toFixed(6), vwAverageLoss(shared, name));
  });
}

test('softmax10: the scores behind every pmf equal the audited ones (6 decimals)', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const rows = readText(join(shared, 'vw-vectors', 'explore', 'scores-audit-softmax10.csv.gz')).trim().split('\n');
  const learner = createLearner(parsePolicyArguments(RUNS[0]![1]));
  let worst = 0;
  let n = 0;
  const lines = sim(shared);
  for (const line of lines) {
    const ev = parseDsjsonLine(line);
    const ex = learner.featurize(ev.context);
    const ours = learner.scores(ex);
    const vw = rows[n]!.split(',').map(Number);
    for (let a = 0; a < vw.length; a++) worst = Math.max(worst, Math.abs(ours[a]! - vw[a]!));
    learner.predict(ex);
    if (ev.label) learner.learn(ex, ev.label, ev.weight);
    n++;
  }
  assert.equal(n, rows.length);
  // printed with 6 decimals: half a unit of the last digit, plus float noise
  assert.ok(worst <= 5.1e-7, `largest score difference ${worst}`);
});

/**
 * VW --audit of the first three events: per event, 5 explorer predictions, 5 inside cb_adf's MTR learn, 1 learn;
 * each a prediction line then the features as name:slot:value:weight@G. The explorer's predictions must be
 * our scores, and every weight and G our table's before that event is learned.
 */
function auditBlocks(text: string): { pred: number; features: ReturnType<typeof parseAuditLine> }[] {
  const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('[warning]') && !l.startsWith('You can use'));
  const out: { pred: number; features: ReturnType<typeof parseAuditLine> }[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    assert.ok(lines[i + 1]!.startsWith('\t'), `audit line ${i + 1} is not a feature line`);
    out.push({ pred: Number(lines[i]!.trim()), features: parseAuditLine(lines[i + 1]!) });
  }
  return out;
}

for (const [file, args] of [
  ['squarecb', `--cb_explore_adf --squarecb ${BASE}`],
  ['regcb', RUNS[2]![1]],
  ['regcb-c10', RUNS[4]![1]],
] as const) {
  test(`audit-${file}-first3: the scores, weights and G of the first three events`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const blocks = auditBlocks(readText(join(shared, 'vw-vectors', 'explore', `audit-${file}-first3.txt.gz`)));
    assert.equal(blocks.length, 33);
    const learner = createLearner(parsePolicyArguments(args));
    let checked = 0;
    replay(learner, sim(shared).slice(0, 3), (e, l) => {
      for (let b = 0; b < 5; b++) {
        const block = blocks[e * 11 + b]!;
        for (const x of block.features) {
          const w = l.gd.weights;
          assert.ok(Math.abs(w[x.slot * STRIDE]! - x.weight) <= 1e-6 * Math.max(1, Math.abs(x.weight)), `event ${e} ${x.name} weight`);
          assert.ok(Math.abs(w[x.slot * STRIDE + 1]! - x.g) <= 1e-5 * Math.max(1, Math.abs(x.g)), `event ${e} ${x.name} G ${w[x.slot * STRIDE + 1]} vs ${x.g}`);
          checked++;
        }
      }
      // The 5 explorer predictions are the 5 actions' scores in _multi order.
      const ex = l.featurize(parseDsjsonLine(sim(shared)[e]!).context);
      const scores = l.scores(ex);
      for (let a = 0; a < 5; a++) assert.ok(Math.abs(scores[a]! - blocks[e * 11 + a]!.pred) <= 1e-6, `event ${e} action ${a} score`);
    });
    assert.ok(checked > 500, `only ${checked} audited weights`);
    // After event 3 (counter 2 → 3) the learned G are non-zero: the audit's third event shows them.
    assert.ok(blocks[22]!.features.some((x) => x.g > 0));
  });
}

test('regcb-c10: the counter goes through a VW model file; loaded, it goes on exactly as the uninterrupted run', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const args = RUNS[4]![1];
  const lines = sim(shared);
  const a = createLearner(parsePolicyArguments(args));
  replay(a, lines.slice(0, 10_000));
  const bytes = a.saveModel();
  const state = readModel(bytes);
  assert.equal(state.explorerCounter, 10_000n);
  assert.equal(
    state.options,
    ' --cb_adf --cb_explore_adf --cb_max_cost 0 --cb_min_cost -1 --cb_type mtr --csoaa_ldf multiline --csoaa_rank' +
      ' --learning_rate 0.00100000004749745 --mellowness 0.00100000004749745 --power_t 0 --quadratic :: --regcb',
  );
  assert.match(formatReadableModel(state), /\ncb squarecb adf storing example counter: {2}= 10000\nevent_sum 10000\naction_sum 50000\n/);
  const b = loadLearner(bytes);
  assert.equal((b.explorer as RegCb).counter, 10_000);
  const vw = readPreds(join(shared, 'vw-vectors', 'explore', 'preds-regcb-c10.txt.gz')).slice(10_000);
  const { rate, first } = matchRate(replay(b, lines.slice(10_000)), vw);
  assert.equal(rate, 1, `first event off after loading: ${first}`);
});

test('first100: the remaining tau goes through a VW model file ("cb first adf storing example counter")', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const lines = sim(shared);
  const a = createLearner(parsePolicyArguments(RUNS[1]![1]));
  replay(a, lines.slice(0, 60));
  const state = readModel(a.saveModel());
  assert.equal(state.explorerCounter, 40n);
  assert.match(state.options, / --first 100 /);
  assert.match(formatReadableModel(state), /\ncb first adf storing example counter: {2}= 40\n/);
  const b = loadLearner(a.saveModel());
  assert.equal((b.explorer as ExploreFirst).tau, 40);
  const vw = readPreds(join(shared, 'vw-vectors', 'explore', 'preds-first100.txt.gz')).slice(60, 400);
  const { rate, first } = matchRate(replay(b, lines.slice(60, 400)), vw);
  assert.equal(rate, 1, `first event off after loading: ${first}`);
});

test('model headers: each explorer writes the options VW keeps, and reads back to the same policy', () => {
  const cases: [string, string][] = [
    ['--cb_explore_adf --softmax --lambda 10 -q ::', ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --lambda 10 --quadratic :: --softmax'],
    ['--cb_explore_adf --first 100', ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --first 100'],
    ['--cb_explore_adf --regcbopt --mellowness 0.001', ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --mellowness 0.00100000004749745 --regcbopt'],
    ['--cb_explore_adf --regcb --regcbopt --first_only --epsilon 0.2', ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --epsilon 0.200000002980232 --first_only --regcb --regcbopt'],
    ['--cb_explore_adf --squarecb --elim --cb_min_cost -1 --cb_max_cost 0', ' --cb_adf --cb_explore_adf --cb_max_cost 0 --cb_min_cost -1 --cb_type mtr --csoaa_ldf multiline --csoaa_rank --elim --squarecb'],
  ];
  for (const [args, header] of cases) {
    const config = parsePolicyArguments(args);
    assert.equal(modelOptionsString(config), header, args);
    // Read back, the policy is the same: the same header again (floats come back widened from float32, as in VW).
    const back = loadLearner(createLearner(config).saveModel());
    assert.equal(back.config.exploration.kind, config.exploration.kind, args);
    assert.equal(modelOptionsString(back.config), header, args);
  }
});

test('a changed epsilon keeps the explorer and its state; another explorer starts afresh', () => {
  const ctx = JSON.stringify({ U: { a: 1 }, _multi: [1, 2, 3].map((i) => ({ A: { id: `a${i}` } })) });
  const l = createLearner(parsePolicyArguments('--cb_explore_adf --regcb --cb_min_cost -1 --cb_max_cost 0 -q ::'));
  for (let i = 0; i < 5; i++) {
    const ex = l.featurize(ctx);
    l.predict(ex);
    l.learn(ex, { index: i % 3, cost: -1, probability: 0.5 });
  }
  const before = l.explorer;
  assert.equal((before as RegCb).counter, 5);
  l.config.exploration = { ...l.config.exploration, epsilon: 0.3 } as typeof l.config.exploration;
  l.predict(l.featurize(ctx));
  assert.equal(l.explorer, before);
  assert.equal((l.explorer as RegCb).counter, 5);
  l.config.exploration = { kind: 'softmax', lambda: 2, epsilon: 0 };
  const pmf = l.predict(l.featurize(ctx));
  assert.notEqual(l.explorer, before);
  assert.ok(Math.abs(pmf.reduce((s, x) => s + x.probability, 0) - 1) < 1e-6);
});

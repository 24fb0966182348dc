// Progressive replay of the 20k-event simulation (every pmf identical to VW's as printed) (vw-vectors/sim-20k.dsjson.gz) against VW 9.10's -p output and
// its final "average loss", for mtr, ips, dr (epsilon 0.2) and squarecb (vw-vectors/README.md, explore/README.md).
// (squarecb with --gamma_scale 100 trains the same model; its pmf rule is checked in explore.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLearner } from './learner.js';
import { parsePolicyArguments } from './policy_args.js';
import { SKIP_MESSAGE, parseDsjsonLine, readPreds, readText, sharedDir, type DsjsonEvent } from './learner.fixtures.js';
// The -p format (VW::fmt_float(p, 6)), so that each probability is compared as VW printed it.
import { fmtProbability } from '../cli/replay_format.js';
import { absent } from '../testing/fixtures.js';

const RUNS = [
  { name: 'mtr', args: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::', preds: 'preds-20k-mtr.txt.gz', summary: 'summary-20k-mtr.txt' },
  { name: 'ips', args: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type ips -q ::', preds: 'preds-20k-ips.txt.gz', summary: 'summary-20k-ips.txt' },
  { name: 'dr', args: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type dr -q ::', preds: 'preds-20k-dr.txt.gz', summary: 'summary-20k-dr.txt' },
  { name: 'squarecb', args: '--cb_explore_adf --squarecb --epsilon 0 --power_t 0 -l 0.001 --cb_type mtr -q ::', preds: 'explore/preds-squarecb.txt.gz', summary: 'explore/summary-squarecb.txt' },
];

let events: DsjsonEvent[] | undefined;

for (const run of RUNS) {
  test(`sim-20k ${run.name}: pmf and progressive average loss equal VW`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const dir = join(shared, 'vw-vectors');
    events ??= readText(join(dir, 'sim-20k.dsjson.gz')).trim().split('\n').map(parseDsjsonLine);
    const vw = readPreds(join(dir, run.preds));
    const vwLoss = Number(/average loss = (\S+)/.exec(readText(join(dir, run.summary)))![1]);
    const learner = createLearner(parsePolicyArguments(run.args));
    let e = 0;
    let matched = 0;
    let worst = 0;
    for (const ev of events) {
      if (ev.skipLearn) continue;
      const ex = learner.featurize(ev.context);
      const { order, probs, k } = learner.rank(ex);
      const ref = vw[e++]!;
      let ok = ref.size === k;
      for (let i = 0; i < k; i++) {
        const d = Math.abs((ref.get(order[i]!) ?? NaN) - probs[i]!);
        // identical as printed: the same 6 decimals, the same action order
        if (Number(fmtProbability(probs[i]!)) !== ref.get(order[i]!) || [...ref.keys()][i] !== order[i]) ok = false;
        else worst = Math.max(worst, d);
      }
      if (ok) matched++;
      if (ev.label) learner.learn(ex, ev.label, ev.weight);
    }
    assert.equal(e, vw.length);
    const rate = matched / vw.length;
    const loss = learner.stats.averageLoss;
    const rel = Math.abs(loss - vwLoss) / Math.abs(vwLoss);
    console.log(`# ${run.name}: pmf match ${(100 * rate).toFixed(2)}% (max |Δp| on matches ${worst.toExponential(2)}), ` +
      `average loss ${loss.toFixed(6)} vs VW ${vwLoss} (rel ${rel.toExponential(2)})`);
    assert.equal(matched, vw.length, `${vw.length - matched} events print another pmf than VW's`);
    assert.equal(loss.toFixed(6), String(vwLoss.toFixed(6)), `average loss ${loss} vs ${vwLoss}`);
  });
}

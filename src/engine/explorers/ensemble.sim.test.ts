// Bagging and online cover against VW 9.10 on the public 20k simulation (VW's -p output and final summary for
// --bag 4, --bag 4 --greedify and --cover 4 among the reference vectors): every event's pmf as VW printed it and
// the progressive average loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLearner } from '../learner.js';
import { parsePolicyArguments } from '../policy_args.js';
import type { Bag } from './bag.js';
import { SKIP_MESSAGE, parseDsjsonLine, readPreds, readText, sharedDir, type DsjsonEvent } from '../learner.fixtures.js';
// The -p format (VW::fmt_float(p, 6)), so that each probability is compared as VW printed it.
import { fmtProbability } from '../../cli/replay_format.js';
import { absent } from '../../testing/fixtures.js';

const RUNS = [
  { name: 'bag4', args: '--cb_explore_adf --bag 4 --power_t 0 -l 0.001 --cb_type mtr -q ::', events: [19931, 20214, 20039, 20000] },
  { name: 'bag4-greedify', args: '--cb_explore_adf --bag 4 --greedify --power_t 0 -l 0.001 --cb_type mtr -q ::', events: [20000, 20014, 20020, 20046] },
  { name: 'cover4', args: '--cb_explore_adf --cover 4 --psi 0.1 --nounif --power_t 0 -l 0.001 --cb_type dr -q ::' },
];

let events: DsjsonEvent[] | undefined;

for (const run of RUNS) {
  test(`sim-20k ${run.name}: pmf and progressive average loss equal VW 9.10`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const dir = join(shared, 'vw-vectors');
    events ??= readText(join(dir, 'sim-20k.dsjson.gz')).trim().split('\n').map(parseDsjsonLine);
    const vw = readPreds(join(dir, 'explore', `preds-${run.name}.txt.gz`));
    const vwLoss = Number(/average loss = (\S+)/.exec(readText(join(dir, 'explore', `summary-${run.name}.txt`)))![1]);
    const learner = createLearner(parsePolicyArguments(run.args));
    let e = 0;
    let printed = 0;
    let within = 0;
    let worst = 0;
    const firstMismatch: string[] = [];
    for (const ev of events) {
      if (ev.skipLearn) continue;
      const ex = learner.featurize(ev.context);
      const { order, probs, k } = learner.rank(ex);
      const ref = vw[e++]!;
      const refOrder = [...ref.keys()];
      let same = ref.size === k;
      let close = ref.size === k;
      for (let i = 0; i < k; i++) {
        const d = Math.abs((ref.get(order[i]!) ?? NaN) - probs[i]!);
        if (!(d <= 1e-4)) close = false;
        else worst = Math.max(worst, d);
        if (Number(fmtProbability(probs[i]!)) !== ref.get(order[i]!) || refOrder[i] !== order[i]) same = false;
      }
      if (same) printed++;
      if (close) within++;
      else if (firstMismatch.length < 3) {
        firstMismatch.push(`event ${e}: ours ${[...order.subarray(0, k)].map((a, i) => `${a}:${probs[i]}`).join(',')} VW ${refOrder.map((a) => `${a}:${ref.get(a)}`).join(',')}`);
      }
      if (ev.label) learner.learn(ex, ev.label, ev.weight);
    }
    assert.equal(e, vw.length);
    const loss = learner.stats.averageLoss;
    console.log(`# ${run.name}: pmf within 1e-4 on ${within}/${vw.length} events (${(100 * within / vw.length).toFixed(2)}%), ` +
      `printed identically (values and order) on ${printed}; average loss ${loss.toFixed(6)} vs VW ${vwLoss}`);
    for (const m of firstMismatch) console.log(`#   ${m}`);
    if (run.events) {
      // The Poisson bootstrap: each member's MTR event count equals the one VW writes with --per_model_save_load.
      assert.deepEqual((learner.explorer as Bag).members.map((m) => m.eventSum), run.events);
    }
    assert.equal(within, vw.length, `${vw.length - within} events differ from VW's pmf by more than 1e-4`);
    assert.equal(printed, vw.length, `${vw.length - printed} events print differently`);
    assert.equal(loss.toFixed(6), vwLoss.toFixed(6), `average loss ${loss} vs ${vwLoss}`);
  });
}

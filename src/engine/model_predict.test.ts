// VW model files used by our learner: the 15k-event models of vw-vectors/models/ predict the last 5,000 events of
// sim-20k test-only as VW did (`vw -t -i model.vw -p`), and a model we train on tiny-50 saves as VW's file.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFeaturizer } from './featurizer.js';
import { createLearner, eventLoss, loadLearner } from './learner.js';
import { SKIP_MESSAGE, parseDsjsonLine, printedAs, readPreds, readText, sharedDir, type DsjsonEvent } from './learner.fixtures.js';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';
import { absent } from '../testing/fixtures.js';

let testEvents: DsjsonEvent[] | undefined;

for (const name of ['ips', 'dr', 'squarecb', 'mtr-b20']) {
  test(`models/model-${name}-15k.vw used test-only on the last 5k sim-20k events reproduces VW's pmf and loss`, (t) => {
    const shared = sharedDir();
    if (!shared) return absent(t, SKIP_MESSAGE);
    const dir = join(shared, 'vw-vectors');
    testEvents ??= readText(join(dir, 'sim-20k.dsjson.gz')).trim().split('\n').slice(15000).map(parseDsjsonLine);
    const vw = readPreds(join(dir, 'models', `preds-${name}-test.txt.gz`));
    const vwLoss = String(/average loss = (\S+)/.exec(readText(join(dir, 'models', `summary-${name}-test.txt`)))![1]);

    const learner = loadLearner(new Uint8Array(readFileSync(join(dir, 'models', `model-${name}-15k.vw`))));
    const featurize = createFeaturizer(learner.config, { reuse: true });
    let e = 0;
    let matched = 0;
    let sumLoss = 0;
    let labeled = 0;
    for (const ev of testEvents) {
      if (ev.skipLearn) continue;
      const { order, probs, k } = learner.rank(featurize(ev.context));
      const ref = vw[e++]!;
      let ok = ref.size === k;
      for (let i = 0; i < k; i++) if (!printedAs(probs[i]!, ref.get(order[i]!) ?? NaN)) ok = false;
      if (ok) matched++;
      if (ev.label && ev.label.probability > 0) {
        sumLoss += eventLoss(order, probs, k, ev.label, ev.weight);
        labeled += ev.weight;
      }
    }
    assert.equal(e, 5000);
    assert.equal(vw.length, 5000);
    const loss = sumLoss / labeled;
    t.diagnostic(`pmf match ${((100 * matched) / e).toFixed(2)}%, average loss ${loss.toFixed(6)} vs VW ${vwLoss}`);
    assert.equal(matched, e, `pmf printed as VW's on ${matched} of ${e} events`);
    assert.equal(loss.toFixed(6), vwLoss, `average loss ${loss} vs VW ${vwLoss}`);
  });
}

test('a model trained on tiny-50 by our learner saves byte for byte as VW 9.10 did (tiny/tiny-model.vw)', (t) => {
  const shared = sharedDir();
  if (!shared) return absent(t, SKIP_MESSAGE);
  const dir = join(shared, 'vw-vectors', 'tiny');
  const config = parsePolicyArguments(`${DEFAULT_POLICY_ARGUMENTS} -b 18`);
  const learner = createLearner(config);
  const featurize = createFeaturizer(config);
  for (const line of readText(join(dir, 'tiny-50.dsjson')).trim().split('\n')) {
    const ev = parseDsjsonLine(line);
    if (ev.skipLearn) continue;
    const ex = featurize(ev.context);
    learner.rank(ex);
    if (ev.label) learner.learn(ex, ev.label, ev.weight);
  }
  const ours = learner.saveModel();
  const vw = new Uint8Array(readFileSync(join(dir, 'tiny-model.vw')));
  assert.equal(Buffer.compare(Buffer.from(ours), Buffer.from(vw)), 0, 'the saved model differs from VW\'s tiny-model.vw');
});

// Bagging and cover models in VW's file format: the state each explorer adds (bag: the random state in the
// options string; cover: its counter; --per_model_save_load: every sub-model's totals and counters), byte-exact
// round trips, and save → load → continue giving the predictions of an uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLearner, loadLearner, type Learner } from '../learner.js';
import { readModel, writeModel } from '../model_file.js';
import { modelOptionsString, parsePolicyArguments } from '../policy_args.js';
import { formatReadableModel } from '../readable_model.js';
import { merand48 } from '../sampling.js';
import type { Bag } from './bag.js';
import type { Cover } from './cover.js';
import { SKIP_MESSAGE, parseDsjsonLine, readText, sharedDir, type DsjsonEvent } from '../learner.fixtures.js';
import { absent } from '../../testing/fixtures.js';

const BASE = '--power_t 0 -l 0.001 -q ::';
let events: DsjsonEvent[] | undefined;
function simEvents(): DsjsonEvent[] | undefined {
  const shared = sharedDir();
  if (!shared) return undefined;
  events ??= readText(join(shared, 'vw-vectors', 'sim-20k.dsjson.gz')).trim().split('\n').map(parseDsjsonLine);
  return events;
}

/** Feeds events[from, to) progressively; returns every pmf as "a:p,..." text. */
function run(learner: Learner, evs: DsjsonEvent[], from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const ev = evs[i]!;
    if (ev.skipLearn) continue;
    const ex = learner.featurize(ev.context);
    const { order, probs, k } = learner.rank(ex);
    const parts: string[] = [];
    for (let j = 0; j < k; j++) parts.push(`${order[j]}:${probs[j]}`);
    out.push(parts.join(','));
    if (ev.label) learner.learn(ex, ev.label, ev.weight);
  }
  return out;
}

test('bag: the random state after 10 events is stored as --random_seed in the options string (40 merand48 steps from 0)', (t) => {
  const evs = simEvents();
  if (!evs) return absent(t, SKIP_MESSAGE);
  const learner = createLearner(parsePolicyArguments(`--cb_explore_adf --bag 4 --cb_type mtr ${BASE}`));
  run(learner, evs, 0, 10);
  let s = 0n;
  for (let i = 0; i < 40; i++) s = merand48(s)[1];
  assert.equal(s, 6078668139800316616n);
  assert.equal((learner.explorer as Bag).rand.state, s);
  const state = readModel(learner.saveModel());
  assert.ok(state.options.endsWith(' --random_seed 6078668139800316616'), state.options);
  assert.match(state.options, / --bag 4 /);
  // Loading resumes the draws where they stopped.
  assert.equal((loadLearner(learner.saveModel()).explorer as Bag).rand.state, s);
  // An explorer that never draws keeps no seed.
  const eg = createLearner(parsePolicyArguments(`--cb_explore_adf --epsilon 0.2 ${BASE}`));
  run(eg, evs, 0, 10);
  assert.doesNotMatch(readModel(eg.saveModel()).options, /random_seed/);
});

test('cover: the counter is saved after the header (u64) and in the readable model', (t) => {
  const evs = simEvents();
  if (!evs) return absent(t, SKIP_MESSAGE);
  const learner = createLearner(parsePolicyArguments(`--cb_explore_adf --cover 4 --psi 0.1 --nounif --cb_type dr ${BASE}`));
  run(learner, evs, 0, 10);
  const bytes = learner.saveModel();
  const state = readModel(bytes);
  assert.equal(state.explorerCounter, 10n);
  assert.deepEqual(writeModel(state), bytes);
  assert.match(formatReadableModel(state), /\ncb cover adf storing example counter: {2}= 10\n/);
  assert.equal(state.options, ' --cb_adf --cb_explore_adf --cb_type dr --cover 4 --csoaa_ldf multiline --csoaa_rank --learning_rate 0.00100000004749745 --nounif --power_t 0 --psi 0.100000001490116 --quadratic ::');
  assert.equal((loadLearner(bytes).explorer as Cover).counter, 10);
});

const RESUMES = [
  { name: 'bag4', args: `--cb_explore_adf --bag 4 --cb_type mtr ${BASE}` },
  { name: 'bag3-greedify dr', args: `--cb_explore_adf --bag 3 --greedify --cb_type dr ${BASE}` },
  { name: 'cover4 dr', args: `--cb_explore_adf --cover 4 --psi 0.1 --nounif --cb_type dr ${BASE}` },
  { name: 'cover3 mtr', args: `--cb_explore_adf --cover 3 --cb_type mtr ${BASE}` },
  { name: 'cover2 ips --epsilon 0.1', args: `--cb_explore_adf --cover 2 --epsilon 0.1 --cb_type ips ${BASE}` },
];

for (const r of RESUMES) {
  test(`${r.name} --per_model_save_load: save → load → continue predicts as the uninterrupted run; the file round-trips`, (t) => {
    const evs = simEvents();
    if (!evs) return absent(t, SKIP_MESSAGE);
    const n = 3000;
    const args = `${r.args} --per_model_save_load`;
    const whole = run(createLearner(parsePolicyArguments(args)), evs, 0, 2 * n);
    const first = createLearner(parsePolicyArguments(args));
    run(first, evs, 0, n);
    const bytes = first.saveModel();
    const state = readModel(bytes);
    assert.deepEqual(writeModel(state), bytes);
    assert.ok(state.gdPerModel && state.gdPerModel.totalWeight.length > 1);
    // Every member or policy has learned, so every sub-model's totals are in the file.
    assert.ok(state.gdPerModel.totalWeight.filter((x) => x > 0).length >= 2, String(state.gdPerModel.totalWeight));
    assert.equal(modelOptionsString(parsePolicyArguments(`${state.options} -b 18`)), state.options);
    const resumed = loadLearner(bytes);
    const rest = run(resumed, evs, n, 2 * n);
    const same = rest.filter((p, i) => p === whole[n + i]).length;
    assert.equal(same, rest.length, `${rest.length - same} of ${rest.length} pmfs differ after the reload`);
    // Without --per_model_save_load the file holds sub-model 0's totals only (as VW's), so the others restart.
    const plain = createLearner(parsePolicyArguments(r.args));
    run(plain, evs, 0, n);
    const plainState = readModel(plain.saveModel());
    assert.equal(plainState.gdPerModel, undefined);
    assert.equal(plainState.cbAdf.length, 1);
    assert.ok(bytes.length > plain.saveModel().length);
  });
}

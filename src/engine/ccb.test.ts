import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_SHARED, needs } from '../testing/fixtures.js';
import { ccbDir, ccbLines, readCcb, readCcbBytes, readDecisions, sameDecisions } from './ccb.fixtures.js';
import { ccbLearnedFinite, ccbLearnerFromState, createCcbLearner, loadCcbLearner, type CcbLearner, type SlotDecision } from './ccb.js';
import { createLearner, loadLearner } from './learner.js';
import { ModelFileError, readModel } from './model_file.js';
import { formatReadableModel } from './readable_model.js';
import { FeatureError, FeatureLimitError } from './featurizer.js';
import { DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';

const skip = needs(ccbDir(), NO_SHARED);

function run(file: string, args = DEFAULT_CCB_POLICY_ARGUMENTS): { decisions: SlotDecision[][]; loss: number; features: number; examples: number; learner: CcbLearner } {
  const learner = createCcbLearner(parsePolicyArguments(args));
  const decisions: SlotDecision[][] = [];
  for (const e of ccbLines(readCcb(file))) {
    if (!e.outcomes.some((o) => o !== null)) continue; // the DS parser drops events without any labeled slot
    decisions.push(learner.learn(learner.featurize(e.context), e.outcomes));
  }
  const s = learner.stats;
  return { decisions, loss: s.averageLoss, features: s.totalFeatures, examples: s.exampleNumber, learner };
}

test('tiny-20: every slot decision and probability as VW 9.10 printed them, and its summary', { skip }, () => {
  const r = run('tiny-20.dsjson');
  const vw = readDecisions(readCcb('tiny-20-preds.txt'));
  assert.equal(r.decisions.length, 20);
  r.decisions.forEach((d, i) => assert.ok(sameDecisions(d, vw[i]!), `event ${i}: ${JSON.stringify(d)} vs ${JSON.stringify(vw[i])}`));
  // tiny-20-summary.txt: average loss = -0.118644, total feature number = 53856.
  assert.equal(r.loss.toFixed(6), '-0.118644');
  assert.equal(r.features, 53856);
  assert.equal(r.examples, 20);
});

test('edge cases: unlabeled slots sampled with VW random state, an event without outcomes dropped', { skip }, () => {
  const r = run('edge-cases.dsjson');
  const vw = readDecisions(readCcb('edge-cases-preds.txt'));
  assert.equal(r.decisions.length, 3);
  r.decisions.forEach((d, i) => assert.ok(sameDecisions(d, vw[i]!), `event ${i}: ${JSON.stringify(d)} vs ${JSON.stringify(vw[i])}`));
  // edge-cases-summary.txt: average loss = -0.278719, total feature number = 8052.
  assert.equal(r.loss.toFixed(6), '-0.278719');
  assert.equal(r.features, 8052);
});

test('tiny-20: the saved model is byte-identical to VW 9.10 -f after the same 20 events', { skip }, () => {
  const { learner } = run('tiny-20.dsjson');
  const ours = learner.saveModel();
  const vw = readCcbBytes('tiny-20-model.vw');
  assert.equal(ours.length, vw.length);
  assert.deepEqual(ours, vw);
});

test('tiny-20-model.vw loaded: predictions as VW -t (its random state) and with the RL client seed tags', { skip }, () => {
  const model = readCcbBytes('tiny-20-model.vw');
  const plain = loadCcbLearner(model);
  assert.equal(plain.hasSeenMultiSlot, true);
  const vw = readDecisions(readCcb('tiny-20-test-preds.txt'));
  ccbLines(readCcb('tiny-20.dsjson')).forEach((e, i) => {
    const d = plain.predict(plain.featurize(e.context), []);
    assert.ok(sameDecisions(d, vw[i]!), `event ${i}: ${JSON.stringify(d)} vs ${JSON.stringify(vw[i])}`);
  });
  // The same model given eventId+slotId as each slot's seed (what `seed=` tags do in tiny-20-tagged.dsjson).
  const seeded = loadCcbLearner(model);
  const tagged = readDecisions(readCcb('tiny-20-tagged-test-preds.txt'));
  const fromTags = loadCcbLearner(model);
  const lines = ccbLines(readCcb('tiny-20-tagged.dsjson'));
  assert.equal(lines.length, 20);
  lines.forEach((e, i) => {
    const d = seeded.predict(seeded.featurize(e.context), e.slotIds.map((id) => e.eventId + id));
    assert.ok(sameDecisions(d, tagged[i]!), `event ${i}: ${JSON.stringify(d)} vs ${JSON.stringify(tagged[i])}`);
    assert.deepEqual(fromTags.predict(fromTags.featurize(e.context), []), d);
  });
  assert.equal(fromTags.random.state, 0n, 'tagged slots leave the random state alone');
});

test('a single-slot loader refuses a CCB model, and the CCB loader a single-slot one', { skip }, () => {
  assert.throws(() => loadLearner(readCcbBytes('tiny-20-model.vw')), (e: unknown) => e instanceof ModelFileError && /multi-slot/.test(e.message));
  const single = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS)).saveModel();
  assert.throws(() => loadCcbLearner(single), (e: unknown) => e instanceof ModelFileError && /not a multi-slot model/.test(e.message));
});

/** VW --audit output → one map per audited action example: feature name → [index, value]. */
function auditBlocks(text: string): Map<string, [number, number]>[] {
  const blocks: Map<string, [number, number]>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('\t')) continue;
    const m = new Map<string, [number, number]>();
    for (const tok of line.slice(1).split('\t')) {
      const r = /^(.*):(\d+):([^:]+):([^:]+)$/.exec(tok);
      assert.ok(r, tok);
      m.set(r[1]!, [Number(r[2]), Number(r[3])]);
    }
    blocks.push(m);
  }
  return blocks;
}

for (const name of ['tiny-2', 'tiny-20']) {
  test(`${name}: every audited action example has VW's features (names, slots, values) in every slot`, { skip }, () => {
    const vw = auditBlocks(readCcb(`${name}-audit.txt.gz`));
    const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
    const mask = 2 ** 18 - 1;
    let at = 0;
    for (const e of ccbLines(readCcb(`${name}.dsjson`))) {
      const ex = learner.featurizeWithNames(e.context);
      const decisions = learner.learn(ex, e.outcomes);
      decisions.forEach((d, s) => {
        // cb_adf predicts every candidate in _multi order, then mtr learns the labeled one (audited again).
        const cands = [...d.actions].sort((a, b) => a - b);
        const o = e.outcomes[s];
        const audited = o && cands.includes(o.action) ? [...cands, o.action] : cands;
        for (const a of audited) {
          const fv = ex.slots[s]!.features[a]!;
          const ref = vw[at++]!;
          assert.equal(fv.count, ref.size, `block ${at - 1}: feature count`);
          for (let i = 0; i < fv.count; i++) {
            const r = ref.get(fv.names![i]!);
            assert.ok(r, `block ${at - 1}: ${fv.names![i]} not in VW's audit`);
            assert.equal(fv.index[i]! & mask, r[0], fv.names![i]);
            assert.ok(Math.abs(fv.value[i]! - r[1]) <= 1e-5 * Math.abs(r[1]), `${fv.names![i]}: ${fv.value[i]} vs ${r[1]}`);
          }
        }
      });
    }
    assert.equal(at, vw.length);
    assert.equal(at, name === 'tiny-2' ? 48 : 468);
  });
}

test('ccb-10k, mtr: every slot pmf of all 10,000 events equals VW 9.10, and so does the average loss', { skip }, () => {
  // ips and dr run in `npm run bench -- ccb_replay` (same check, about 6 s each).
  const r = run('ccb-10k.dsjson.gz');
  const vw = readDecisions(readCcb('preds-ccb-mtr.txt.gz'));
  assert.equal(r.decisions.length, 10000);
  let equal = 0;
  r.decisions.forEach((d, i) => (equal += sameDecisions(d, vw[i]!) ? 1 : 0));
  assert.equal(equal, 10000, `pmf equal on ${equal} of 10000 events`);
  // summary-ccb-mtr.txt: average loss = -0.401649, total feature number = 26818242.
  assert.equal(r.loss.toFixed(6), '-0.401649');
  assert.equal(r.features, 26818242);
});

test('tiny-20: the readable model equals VW --readable_model after the same events', { skip }, () => {
  const { learner } = run('tiny-20.dsjson');
  assert.equal(formatReadableModel(readModel(learner.saveModel())), readCcb('tiny-20-readable.txt'));
});

test('explain: a slot\'s own features and the slot index are among the scored terms of a candidate', { skip }, () => {
  const { learner } = run('tiny-20.dsjson');
  const context = ccbLines(readCcb('tiny-20.dsjson'))[0]!.context;
  const terms = learner.explain(context, 1, 3, 1000);
  assert.equal(terms.length, 132);
  const names = new Set(terms.map((t) => t.name));
  for (const n of ['Slot^posmiddle', 'prominence', '_ccb_slot_index^index1', 'Article^idart4*_ccb_slot_index^index1']) assert.ok(names.has(n), n);
  // The terms add up to the score the learner ranks slot 1's candidates by (sub-model 0, float sum).
  const ex = learner.featurize(context);
  const score = learner.inner.scores({ actions: [ex.slots[1]!.features[3]!], tags: [] })[0]!;
  const sum = terms.reduce((acc, t) => acc + t.contribution, 0);
  assert.ok(Math.abs(sum - score) < 1e-6, `${sum} vs ${score}`);
  assert.ok(terms.some((t) => t.contribution !== 0));
});

test('a learner resumed from its own model after 10 events (counters kept) ends where 20 straight events end: VW\'s file', { skip }, () => {
  const lines = ccbLines(readCcb('tiny-20.dsjson'));
  const config = parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS);
  const first = createCcbLearner(config);
  for (const e of lines.slice(0, 10)) {
    const ex = first.featurize(e.context);
    first.learn(ex, e.outcomes);
    assert.equal(ccbLearnedFinite(first, ex), true);
  }
  const resumed = ccbLearnerFromState(config, readModel(first.saveModel()), { preservePerformanceCounters: true });
  assert.equal(resumed.hasSeenMultiSlot, true);
  for (const e of lines.slice(10)) resumed.learn(resumed.featurize(e.context), e.outcomes);
  assert.deepEqual(resumed.saveModel(), readCcbBytes('tiny-20-model.vw'));
});

test('one slot without features stays in single-slot mode: the same pmf and weights as --cb_explore_adf', { skip }, () => {
  const ccb = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
  const cb = createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS));
  for (const e of ccbLines(readCcb('tiny-20.dsjson'))) {
    const c = JSON.parse(e.context) as Record<string, unknown>;
    delete c['_slots'];
    const single = JSON.stringify(c);
    const withSlot = JSON.stringify({ ...c, _slots: [{ _id: 'only' }] });
    const o = e.outcomes[0]!;
    const [d] = ccb.learn(ccb.featurize(withSlot), [o]);
    const ex = cb.featurize(single);
    const pmf = cb.predict(ex);
    cb.learn(ex, { index: o.action, cost: o.cost, probability: o.probability });
    const byAction = (xs: { a: number; p: number }[]) => new Map(xs.map((x) => [x.a, x.p]));
    assert.deepEqual(byAction(d!.actions.map((a, i) => ({ a, p: d!.probabilities[i]! }))), byAction(pmf.map((x) => ({ a: x.index, p: x.probability }))));
    assert.equal(d!.actions[0], o.action);
  }
  assert.equal(ccb.hasSeenMultiSlot, false);
  assert.deepEqual(ccb.inner.gd.weights, cb.gd.weights);
});

test('slots: _inc restricts a slot to its actions (positions past the list ignored); malformed slots are FeatureErrors', () => {
  const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
  const multi = '"_multi":[{"a":{"i":0}},{"a":{"i":1}},{"a":{"i":2}}]';
  const ex = learner.featurize(`{"u":{"x":1},${multi},"_slots":[{"s":{"p":"top"}},{"s":{"p":"low"},"_inc":[2,0,9]}]}`);
  assert.equal(ex.slotCount, 2);
  assert.equal(ex.actionCount, 3);
  assert.deepEqual(ex.slots[1]!.features.map((f) => f !== null), [true, false, true]);
  const [top, low] = learner.predict(ex, ['e1top', 'e1low']);
  assert.equal(top!.actions.length, 3);
  // The low slot may use 0 and 2, minus what the top slot took.
  assert.deepEqual([...low!.actions].sort(), [0, 2].filter((a) => a !== top!.actions[0]));
  assert.ok(Math.abs(low!.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const bad: [string, RegExp][] = [
    [`{${multi},"_slots":[{},{},{},{}]}`, /number of actions \(3\) must be greater than or equal to the number of slots \(4\)/],
    [`{${multi},"_slots":[{"_inc":[1.5]}]}`, /'_inc' holds 1.5/],
    [`{${multi},"_slots":[{"_inc":["a"]}]}`, /'_inc' must be an array of action positions/],
    [`{${multi},"_slots":{"a":1}}`, /'_slots' must be an array/],
    [`{${multi},"_slots":[1]}`, /'_slots' elements must be objects/],
    [`{${multi},"_slots":[{"_multi":[]}]}`, /'_multi' inside an action is not supported/],
    [`{${multi},"_slots":[{}],"_slots":[{}]}`, /'_slots' given twice/],
  ];
  for (const [text, re] of bad) assert.throws(() => learner.featurize(text), (e: unknown) => e instanceof FeatureError && re.test(e.message), text);
  // A single-slot learner still refuses _slots.
  assert.throws(() => createLearner(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS)).featurize(`{${multi},"_slots":[{}]}`), FeatureError);
});

test('maxFeatures bounds the whole event, all slots together, before building past it', () => {
  const config = parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS);
  const text = (slots: number) =>
    JSON.stringify({ u: { x: 1 }, _multi: [{ a: { i: 0 } }, { a: { i: 1 } }, { a: { i: 2 } }], _slots: Array.from({ length: slots }, (_, s) => ({ s: { p: s } })) });
  const count = (ex: { slots: readonly { features: readonly ({ count: number } | null)[] }[] }) =>
    ex.slots.reduce((n, s) => n + s.features.reduce((m, f) => m + (f?.count ?? 0), 0), 0);
  const total = count(createCcbLearner(config).featurize(text(3)));
  const one = count(createCcbLearner(config).featurize(text(1)));
  assert.ok(total > 2 * one, `${total} vs ${one}`);
  const bounded = createCcbLearner(config, { maxFeatures: total });
  assert.equal(count(bounded.featurize(text(3))), total);
  const tight = createCcbLearner(config, { maxFeatures: total - 1 });
  assert.throws(() => tight.featurize(text(3)), (e: unknown) => e instanceof FeatureLimitError && e.limit === total - 1);
  assert.throws(() => bounded.featurize(text(3), 0, undefined, total - 1), (e: unknown) => e instanceof FeatureLimitError && e.limit === total - 1);
});

test('learn checks every outcome before learning any slot: a refused event leaves the model as it was', () => {
  const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
  const ex = learner.featurize('{"u":{"x":1},"_multi":[{"a":{"i":0}},{"a":{"i":1}}],"_slots":[{"s":{"p":1}},{"s":{"p":2}}]}');
  const good = { action: 0, cost: -1, probability: 0.5 };
  for (const bad of [{ ...good, probability: 0 }, { ...good, probability: 1.5 }, { ...good, cost: NaN }, { ...good, action: -1 }]) {
    assert.throws(() => learner.learn(ex, [good, bad]), RangeError);
  }
  assert.throws(() => learner.learn(ex, [good, null], Infinity), RangeError);
  assert.ok(learner.inner.gd.weights.every((w) => w === 0));
  assert.equal(learner.stats.exampleNumber, 0);
  learner.learn(ex, [good, null]);
  assert.equal(learner.stats.exampleNumber, 1);
  assert.ok(learner.inner.gd.weights.some((w) => w !== 0));
});

test('a slot whose every allowed action was taken decides nothing, and the event still learns its other slots', () => {
  const learner = createCcbLearner(parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS));
  const ex = learner.featurize('{"_multi":[{"a":{"i":0}},{"a":{"i":1}}],"_slots":[{"s":{"p":1}},{"s":{"p":2},"_inc":[0]}]}');
  const d = learner.learn(ex, [{ action: 0, cost: -1, probability: 0.5 }, { action: 0, cost: 0, probability: 1 }]);
  assert.deepEqual(d[1], { actions: [], probabilities: [] });
  assert.equal(d[0]!.actions[0], 0);
  assert.equal(learner.stats.exampleNumber, 1);
  for (const seed of ['a', 'b', 'c', 'd']) {
    const p = learner.predict(ex, [seed, 'x']);
    assert.deepEqual(p[1]!.actions, p[0]!.actions[0] === 0 ? [] : [0]);
  }
});

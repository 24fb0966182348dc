// The policy presets (presets.ts): every name resolves to arguments the engine parses, with the exploration its
// name promises; each one learns a simulated log, single-slot and under --ccb_explore_adf, and survives a model
// file; anything that is not a preset name is left for the parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simLines } from '../testing/sim.js';
import { createCcbLearner } from './ccb.js';
import { createLearner, loadLearner } from './learner.js';
import { DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';
import {
  AZURE_DEFAULT_PRESET,
  multiSlotArguments,
  POLICY_PRESETS,
  policyPreset,
  RECOMMENDED_PRESET,
  resolvePolicyArguments,
  withExplicitEpsilon,
} from './presets.js';

/** Each explorer preset's exploration, as the parser reads its arguments. */
const KINDS: Record<string, (x: ReturnType<typeof parsePolicyArguments>['exploration']) => boolean> = {
  'epsilon-greedy': (x) => x.kind === 'epsilon' && x.epsilon > 0,
  greedy: (x) => x.kind === 'epsilon' && x.epsilon === 0,
  squarecb: (x) => x.kind === 'squarecb' && x.elim === undefined,
  'squarecb-elim': (x) => x.kind === 'squarecb' && x.elim !== undefined,
  regcb: (x) => x.kind === 'regcb' && !x.optimistic,
  regcbopt: (x) => x.kind === 'regcb' && x.optimistic && !x.legacyOptimistic,
  cover: (x) => x.kind === 'cover' && x.epsilonDecay,
  bag: (x) => x.kind === 'bag' && x.size > 1,
  softmax: (x) => x.kind === 'softmax',
  first: (x) => x.kind === 'first' && x.tau > 0,
};

test('the presets: azure-default is Azure\'s policy, recommended is there, one per explorer; names unique', () => {
  const names = POLICY_PRESETS.map((p) => p.name);
  assert.deepEqual(names, [AZURE_DEFAULT_PRESET, RECOMMENDED_PRESET, ...Object.keys(KINDS).sort((a, b) => names.indexOf(a) - names.indexOf(b))]);
  assert.equal(new Set(names).size, names.length);
  assert.equal(policyPreset(AZURE_DEFAULT_PRESET)!.arguments, DEFAULT_POLICY_ARGUMENTS);
  for (const [name, isIt] of Object.entries(KINDS)) {
    const preset = policyPreset(name);
    assert.ok(preset, name);
    assert.ok(isIt(parsePolicyArguments(preset.arguments).exploration), `${name}: ${preset.arguments}`);
    assert.ok(preset.description.length > 20, name);
  }
});

test('every preset states its epsilon (but decaying cover), so that storing it adds nothing', () => {
  for (const p of POLICY_PRESETS) {
    const x = parsePolicyArguments(p.arguments).exploration;
    const decaying = x.kind === 'cover' && x.epsilonDecay;
    assert.equal(/(^|\s)--epsilon(\s|=)/.test(p.arguments), !decaying, p.name);
    assert.equal(withExplicitEpsilon(p.arguments), p.arguments, p.name);
  }
});

test('withExplicitEpsilon writes out the explorer\'s own VW default epsilon', () => {
  assert.equal(withExplicitEpsilon('--cb_explore_adf --squarecb -q ::'), '--cb_explore_adf --squarecb -q :: --epsilon 0');
  assert.equal(withExplicitEpsilon(' --cb_explore_adf -q :: '), '--cb_explore_adf -q :: --epsilon 0.05');
  assert.equal(withExplicitEpsilon('--cb_explore_adf --softmax --lambda 3'), '--cb_explore_adf --softmax --lambda 3 --epsilon 0');
  assert.equal(withExplicitEpsilon('--cb_explore_adf --epsilon=0.3 --squarecb'), '--cb_explore_adf --epsilon=0.3 --squarecb');
  assert.equal(withExplicitEpsilon('--cb_explore_adf --cover 3'), '--cb_explore_adf --cover 3');
  // The written-out default changes nothing the parser reads.
  const before = parsePolicyArguments('--cb_explore_adf --squarecb -q ::').exploration;
  assert.deepEqual(parsePolicyArguments(withExplicitEpsilon('--cb_explore_adf --squarecb -q ::')).exploration, before);
});

test('resolvePolicyArguments: a preset name (white space around it allowed) → its arguments; anything else unchanged', () => {
  for (const p of POLICY_PRESETS) {
    assert.equal(resolvePolicyArguments(p.name), p.arguments);
    assert.equal(resolvePolicyArguments(`  ${p.name}\n`), p.arguments);
  }
  for (const other of ['', 'Recommended', 'squarecb --epsilon 0.1', '--squarecb', '--cb_explore_adf --squarecb', 'no-such-preset']) {
    assert.equal(resolvePolicyArguments(other), other);
  }
});

test("multiSlotArguments: Azure's conversion (--ccb_explore_adf for --cb_explore_adf); multi-slot arguments unchanged", () => {
  assert.equal(multiSlotArguments(DEFAULT_POLICY_ARGUMENTS), DEFAULT_CCB_POLICY_ARGUMENTS);
  assert.equal(multiSlotArguments(DEFAULT_CCB_POLICY_ARGUMENTS), DEFAULT_CCB_POLICY_ARGUMENTS);
  for (const p of POLICY_PRESETS) {
    const ccb = parsePolicyArguments(multiSlotArguments(p.arguments));
    assert.equal(ccb.ccb, true, p.name);
    assert.deepEqual(ccb.exploration, parsePolicyArguments(p.arguments).exploration, p.name);
  }
});

test('every preset learns 400 simulated events (single-slot and multi-slot), its pmfs finite, and survives its model file', () => {
  const events = [...simLines(400, 11)].map((l) => JSON.parse(l) as { c: unknown; _labelIndex: number; _label_cost: number; _label_probability: number });
  for (const p of POLICY_PRESETS) {
    const config = parsePolicyArguments(p.arguments);
    const x = config.exploration;
    const elim = x.kind === 'squarecb' && x.elim !== undefined;
    const optimistic = x.kind === 'regcb' && x.optimistic;
    const learner = createLearner(config);
    let last: number[] = [];
    for (const e of events) {
      const ex = learner.featurize(JSON.stringify(e.c));
      const pmf = learner.predict(ex).map((a) => a.probability);
      // SquareCB --elim can print a negative entry while γ is small (VW's own output, docs/explorers.md; Rank
      // samples it as 0); every other explorer's entries are probabilities.
      for (const q of pmf) assert.ok(elim ? Number.isFinite(q) : q >= 0 && q <= 1, `${p.name}: ${pmf}`);
      // Optimistic RegCB prints a 1 for every plausible action (VW's own output; Rank normalises it).
      if (!optimistic) assert.ok(Math.abs(pmf.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${p.name}: ${pmf}`);
      learner.learn(ex, { index: e._labelIndex, cost: e._label_cost, probability: e._label_probability });
      last = pmf;
    }
    const probe = JSON.stringify(events[0]!.c);
    const reloaded = loadLearner(learner.saveModel());
    assert.deepEqual(reloaded.predict(reloaded.featurize(probe)), learner.predict(learner.featurize(probe)), p.name);
    assert.equal(last.length, 5);

    const ccb = createCcbLearner(parsePolicyArguments(multiSlotArguments(p.arguments)));
    for (const e of events.slice(0, 100)) {
      const c = { ...(e.c as object), _slots: [{ Slot: { position: 'top' } }, { Slot: { position: 'side' } }] };
      const ex = ccb.featurize(JSON.stringify(c));
      const decisions = ccb.predict(ex, ['a', 'b']);
      assert.equal(decisions.length, 2, p.name);
      for (const d of decisions) for (const q of d.probabilities) assert.ok(Number.isFinite(q), `${p.name} (multi-slot): ${d.probabilities}`);
      const shown = decisions[0]!.actions[0]!;
      ccb.learn(ex, [{ action: shown, cost: shown === e._labelIndex ? e._label_cost : 0, probability: decisions[0]!.probabilities[0]! }, null]);
    }
  }
});

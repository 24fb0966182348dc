// checkModelFits (PUT /model): real VW 9.10 models against live policies. A multi-slot model (VW's own
// --ccb_explore_adf model of ccb/tiny-20) fits the default multi-slot policy and is refused by a single-slot loop,
// and an Azure-shaped single-slot model the reverse, each with a message saying which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from '../engine/index.js';
import { NO_SHARED, vectorsDir, needs } from '../testing/fixtures.js';
import { checkModelFits } from './model_import.js';
import { LoopError } from './types.js';

const vectors = vectorsDir();

test('the problem type: a VW multi-slot model fits only a multi-slot loop, a single-slot model only a single-slot one', { skip: needs(vectors, NO_SHARED) }, () => {
  const ccb = new Uint8Array(readFileSync(join(vectors!, 'ccb', 'tiny-20-model.vw')));
  const single = new Uint8Array(readFileSync(join(vectors!, 'azure-shaped', 'model-mtr-8k.vw')));
  const ccbPolicy = parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS);
  const singlePolicy = parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS);
  assert.equal(checkModelFits(ccb, ccbPolicy).bits, 18);
  assert.equal(checkModelFits(single, singlePolicy).bits, 18);
  const refused = (model: Uint8Array, policy: typeof ccbPolicy, message: RegExp) =>
    assert.throws(() => checkModelFits(model, policy), (e: unknown) => e instanceof LoopError && e.code === 'InvalidModelMetadata' && e.status === 400 && message.test(e.message));
  refused(ccb, singlePolicy, /multi-slot \(--ccb_explore_adf\) model and this loop is single-slot/);
  refused(single, ccbPolicy, /single-slot \(--cb_explore_adf\) model and this loop is multi-slot/);
  // A multi-slot policy of other interactions refuses VW's multi-slot model, naming them.
  refused(ccb, parsePolicyArguments(`${DEFAULT_CCB_POLICY_ARGUMENTS.replace('-q ::', '-q ab')}`), /interactions is -q ::, the policy's is -q ab/);
});

test('ensembles: a bagging or cover model fits a policy of the same size only (its members are sub-models of the table)', async () => {
  const { createLearner } = await import('../engine/index.js');
  const bag4 = createLearner(parsePolicyArguments('--cb_explore_adf --bag 4 -q ::')).saveModel();
  const cover3 = createLearner(parsePolicyArguments('--cb_explore_adf --cover 3 --cb_type dr -q ::')).saveModel();
  const fits = (model: Uint8Array, args: string) => checkModelFits(model, parsePolicyArguments(args));
  assert.match(fits(bag4, '--cb_explore_adf --bag 4 --greedify -q ::').options, / --bag 4 /);
  assert.match(fits(cover3, '--cb_explore_adf --cover 3 --psi 0.5 --cb_type dr -q ::').options, / --cover 3 /);
  const refused = (model: Uint8Array, args: string, message: RegExp) =>
    assert.throws(() => fits(model, args), (e: unknown) => e instanceof LoopError && e.code === 'InvalidModelMetadata' && message.test(e.message));
  refused(bag4, '--cb_explore_adf --bag 2 -q ::', /--bag is 4, the policy's is 2/);
  refused(cover3, '--cb_explore_adf --cover 4 --cb_type dr -q ::', /--cover is 3, the policy's is 4/);
  refused(bag4, '--cb_explore_adf --cover 4 -q ::', /exploration is bag, the policy's is cover/);
});

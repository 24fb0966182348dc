// checkModelFits (PUT /model): real VW 9.10 models against live policies. A multi-slot model (VW's own
// --ccb_explore_adf model of ccb/tiny-20) fits the default multi-slot policy and is refused by a single-slot loop,
// and an Azure-shaped single-slot model the reverse, each with a message saying which.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CCB_POLICY_ARGUMENTS, DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from '../engine/index.js';
import { NO_SHARED, vectorsDir } from '../testing/fixtures.js';
import { checkModelFits } from './model_import.js';
import { LoopError } from './types.js';

const vectors = vectorsDir();

test('the problem type: a VW multi-slot model fits only a multi-slot loop, a single-slot model only a single-slot one', { skip: vectors === undefined ? NO_SHARED : false }, () => {
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

// The `recommended` policy: one argument string chosen by measurement on the bake-off datasets, the Azure-shaped
// simulation, the 20k simulation and the Open Bandit Dataset. docs/recommended-policy.md gives the method, the
// candidates tried and the evidence. The arguments are the engine's (engine/presets.ts: the server's `recommended`
// preset); the tests and benchmarks refer to them through this module.
import { DEFAULT_POLICY_ARGUMENTS, RECOMMENDED_ARGUMENTS } from '../engine/index.js';

export { RECOMMENDED_ARGUMENTS };

/** Azure Personalizer's default policy, the baseline every comparison is made against. */
export const AZURE_DEFAULT_ARGUMENTS = DEFAULT_POLICY_ARGUMENTS;

/**
 * cbify's costs in Personalizer's encoding: a correct class earns reward 1 (cost −1), a wrong one 0 (`--loss0 -1
 * --loss1 0`, VW cbify.cc). The bake-off's reported loss stays the 0/1 error rate whatever the costs.
 */
export const REWARD_COSTS = '--loss0 -1 --loss1 0';

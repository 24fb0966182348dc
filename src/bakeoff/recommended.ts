// The `recommended` policy: one argument string chosen by measurement on the bake-off datasets, the Azure-shaped
// simulation, the 20k simulation and the Open Bandit Dataset. docs/recommended-policy.md gives the method, the
// candidates tried and the evidence; the tests and benchmarks refer to the policy through this constant.
//
// RegCB (Foster et al., ICML 2018; VW core/src/reductions/cb/cb_explore_adf_regcb.cc) with mellowness 0.001, VW's
// default learning rate (-l 0.5, --power_t 0.5) and -q ::. The cost range is the one Personalizer logs: a reward r in
// [0, 1] becomes the cost −r (the DSJSON `_label_cost`), so RegCB's confidence bounds are clipped to [−1, 0].
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';

export const RECOMMENDED_ARGUMENTS = '--cb_explore_adf --regcb --mellowness 0.001 --cb_min_cost -1 --cb_max_cost 0 --cb_type mtr -q ::';

/** Azure Personalizer's default policy, the baseline every comparison is made against. */
export const AZURE_DEFAULT_ARGUMENTS = DEFAULT_POLICY_ARGUMENTS;

/**
 * cbify's costs in Personalizer's encoding: a correct class earns reward 1 (cost −1), a wrong one 0 (`--loss0 -1
 * --loss1 0`, VW cbify.cc). The bake-off's reported loss stays the 0/1 error rate whatever the costs.
 */
export const REWARD_COSTS = '--loss0 -1 --loss1 0';

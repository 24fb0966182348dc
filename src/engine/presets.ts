// Named learning policies (docs/policy-presets.md): `azure-default` (Azure Personalizer's own policy),
// `recommended` (the policy measured best, docs/recommended-policy.md) and one per explorer, named after VW's
// explorer options (cb_explore_adf_{greedy,squarecb,regcb,cover,bag,softmax,first}.cc). A preset name is accepted
// wherever policy arguments are (PUT /configurations/policy, evaluation policies, the DefaultPolicy setting, the
// CLIs' --policy) and is always resolved to its full arguments before anything is stored.
//
// Every preset states `--epsilon` (except online cover, whose minimum probability decays without it): the loop
// makes a policy's epsilon its explorationPercentage and appends the service's explorationPercentage to
// arguments without one (loop/policy.ts), which for SquareCB, softmax, bagging and explore-first would put an
// epsilon floor under a pmf whose VW default has none. Explicit, a preset is stored and run exactly as written.
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';

/**
 * The `recommended` policy, chosen by measurement (docs/recommended-policy.md: the bake-off datasets, the
 * Azure-shaped and 20k simulations, the Open Bandit Dataset): RegCB (Foster et al., ICML 2018; VW
 * core/src/reductions/cb/cb_explore_adf_regcb.cc) with mellowness 0.001, VW's default learning rate (-l 0.5,
 * --power_t 0.5) and -q ::. The cost range is the one Personalizer logs: a reward r in [0, 1] is the cost −r
 * (DSJSON `_label_cost`), so RegCB's confidence bounds are clipped to [−1, 0]. The only place it is written.
 */
export const RECOMMENDED_ARGUMENTS = '--cb_explore_adf --regcb --mellowness 0.001 --cb_min_cost -1 --cb_max_cost 0 --cb_type mtr -q ::';

export interface PolicyPreset {
  /** What a client writes in place of arguments (`recommended`), and the policy name a loop shows for it. */
  name: string;
  /** The full VW command line (never a preset name). */
  arguments: string;
  description: string;
}

export const AZURE_DEFAULT_PRESET = 'azure-default';
export const RECOMMENDED_PRESET = 'recommended';

const EPSILON = /(^|\s)--epsilon(\s|=|$)/;

/**
 * The arguments with the explorer's own VW default epsilon written out when they have none (0 for SquareCB,
 * RegCB, softmax, first and bagging; 0.05 for epsilon-greedy), so that storing them adds nothing. Online cover
 * without --epsilon is left alone: its minimum probability then decays (cb_explore_adf_cover.cc).
 */
export function withExplicitEpsilon(args: string): string {
  const text = args.trim();
  if (EPSILON.test(text)) return text;
  const x = parsePolicyArguments(text).exploration;
  if (x.kind === 'none' || (x.kind === 'cover' && x.epsilonDecay)) return text;
  return `${text} --epsilon ${x.epsilon}`;
}

// The explorer presets share the recommended preset's learning settings (VW's update defaults, `--cb_type mtr`,
// every namespace pair): only the exploration differs, so that comparing two of them compares explorers.
const LEARN = '--cb_type mtr -q ::';
// RegCB's confidence intervals (and --elim's) are searched in the cost range: a Personalizer reward r in [0, 1] is
// the cost −r, so [−1, 0]; with VW's default [0, 1] every action stays plausible and RegCB explores uniformly.
const COSTS = '--cb_min_cost -1 --cb_max_cost 0';

const PRESETS: readonly PolicyPreset[] = [
  {
    name: AZURE_DEFAULT_PRESET,
    arguments: DEFAULT_POLICY_ARGUMENTS,
    description: "Azure Personalizer's default policy: epsilon-greedy (20% exploration), learning rate 0.001 without decay.",
  },
  {
    name: RECOMMENDED_PRESET,
    arguments: withExplicitEpsilon(RECOMMENDED_ARGUMENTS),
    description: 'RegCB with mtr, VW\'s default learning rate and every namespace pair: measured best on the bake-off, the simulations and the Open Bandit Dataset (docs/recommended-policy.md); the default for new loops.',
  },
  {
    name: 'epsilon-greedy',
    arguments: `--cb_explore_adf --epsilon 0.05 ${LEARN}`,
    description: 'Epsilon-greedy with VW\'s default epsilon 0.05: the best action with 95%, a uniform pick with 5%.',
  },
  {
    name: 'greedy',
    arguments: `--cb_explore_adf --epsilon 0 ${LEARN}`,
    description: 'Always the best-scored action: no exploration, so it learns only about what it shows (for comparison).',
  },
  {
    name: 'squarecb',
    arguments: `--cb_explore_adf --squarecb --epsilon 0 ${LEARN}`,
    description: 'SquareCB: probabilities shrink with the gap to the best score, ever more sharply as events accumulate.',
  },
  {
    name: 'squarecb-elim',
    arguments: `--cb_explore_adf --squarecb --elim ${COSTS} --epsilon 0 ${LEARN}`,
    description: 'SquareCB over the actions whose confidence interval can still be the best (RegCB elimination).',
  },
  {
    name: 'regcb',
    arguments: `--cb_explore_adf --regcb ${COSTS} --epsilon 0 ${LEARN}`,
    description: 'RegCB elimination: uniform over the actions whose confidence interval can still be the best.',
  },
  {
    name: 'regcbopt',
    arguments: `--cb_explore_adf --regcb --regcbopt ${COSTS} --epsilon 0 ${LEARN}`,
    description: 'Optimistic RegCB: the action with the lowest plausible cost (optimism under uncertainty).',
  },
  {
    name: 'cover',
    arguments: `--cb_explore_adf --cover 4 ${LEARN}`,
    description: 'Online cover with 4 policies and a minimum probability that decays with the number of events.',
  },
  {
    name: 'bag',
    arguments: `--cb_explore_adf --bag 5 --epsilon 0 ${LEARN}`,
    description: 'Bagging: 5 models trained on bootstrap resamples; each action gets the share of models that pick it.',
  },
  {
    name: 'softmax',
    arguments: `--cb_explore_adf --softmax --lambda 10 --epsilon 0 ${LEARN}`,
    description: 'Softmax over the scores with inverse temperature 10.',
  },
  {
    name: 'first',
    arguments: `--cb_explore_adf --first 100 --epsilon 0 ${LEARN}`,
    description: 'Explore-first: uniform for the first 100 events, then always the best-scored action.',
  },
];

export const POLICY_PRESETS: readonly PolicyPreset[] = PRESETS.map((p) => Object.freeze({ ...p }));

const BY_NAME = new Map(POLICY_PRESETS.map((p) => [p.name, p]));

/** The preset of that name (surrounding white space ignored), or undefined. */
export function policyPreset(name: string): PolicyPreset | undefined {
  return BY_NAME.get(name.trim());
}

/**
 * The multi-slot form of single-slot arguments: `--ccb_explore_adf` in place of `--cb_explore_adf`, the conversion
 * Azure documented for multi-slot loops (VW's ccb_explore_adf stacks cb_explore_adf, with its explorer, under
 * itself: conditional_contextual_bandit.cc). Arguments already multi-slot are returned unchanged.
 */
export function multiSlotArguments(args: string): string {
  return args.replace(/(^|\s)--cb_explore_adf(?=\s|$)/, '$1--ccb_explore_adf');
}

/** A preset name → its full arguments; anything else is returned unchanged (it is parsed as VW arguments). */
export function resolvePolicyArguments(text: string): string {
  return policyPreset(text)?.arguments ?? text;
}

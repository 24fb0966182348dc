// The learning policy (PUT/GET/DELETE /configurations/policy, docs/azure-api.md §3 PolicyContract) and its link with
// the service configuration's explorationPercentage. Azure's portal rewrote `--epsilon` when the exploration
// percentage changed (docs/learner.md §1, MachineLearningArgsHelper.UpdateExplorationPercentage); we keep the two
// as one setting shown in two places:
// - PUT service configuration with a new explorationPercentage rewrites `--epsilon` in the stored arguments;
// - PUT policy with an explicit `--epsilon` sets explorationPercentage; without one, `--epsilon
//   <explorationPercentage>` is appended.
// Epsilon only shapes the pmf at rank time (the learner trains on logged probabilities), so it is left out of
// the learning signature: changing it never retrains.
// A preset name in place of the arguments (`"arguments": "squarecb"`, docs/policy-presets.md) is resolved to the
// preset's full arguments before any of this; presets state their epsilon, so they are stored as written.
import {
  AZURE_DEFAULT_PRESET,
  DEFAULT_POLICY_ARGUMENTS,
  formatPolicyArguments,
  parsePolicyArguments,
  policyPreset,
  PolicyArgumentError,
  POLICY_PRESETS,
  resolvePolicyArguments,
  type PolicyConfig,
  type PolicyPreset,
} from '../engine/index.js';
import { LoopError, type PolicyContract } from './types.js';

/** The name of a default policy given as VW arguments rather than as a preset (DefaultPolicy=<arguments>). */
export const DEFAULT_POLICY_NAME = 'default';
/** Azure's own default policy, as a policy contract: what a loop runs when nothing else was configured. */
export const AZURE_DEFAULT_POLICY: PolicyContract = { name: AZURE_DEFAULT_PRESET, arguments: DEFAULT_POLICY_ARGUMENTS };

export { POLICY_PRESETS, type PolicyPreset };
const MAX_NAME = 256;
const MAX_ARGUMENTS = 1024;
/**
 * VW accepts -b up to 30 (policy_args.ts, as `replay` does), but a served loop holds three dense copies of the
 * weights (ranker, ranker worker, trainer): at 2^b × 16 bytes each, -b 24 is 768 MB and -b 30 48 GB, which would
 * take the server down at the first PUT and again at every restart. Azure's default is 18.
 */
export const MAX_SERVED_BITS = 24;

function memory(bits: number): string {
  const bytes = 3 * 16 * 2 ** bits;
  return bytes >= 2 ** 30 ? `${bytes / 2 ** 30} GiB` : `${bytes / 2 ** 20} MiB`;
}

const EPSILON = /(^|\s)--epsilon(?:\s+|=)(\S+)/;

/** `base` (Azure's default unless given) with `--epsilon` set to the service's explorationPercentage. */
export function defaultPolicy(explorationPercentage: number, base: PolicyContract = AZURE_DEFAULT_POLICY): PolicyContract {
  return { name: base.name, arguments: withEpsilon(base.arguments, explorationPercentage) };
}

/**
 * The policy contract of a configured default (the DefaultPolicy setting): a preset name gives that preset
 * under its own name, VW arguments are taken as they are under the name `default`. Checked as a PUT would check
 * it (validatePolicy): throws LoopError naming the problem.
 */
export function configuredDefaultPolicy(text: string, explorationPercentage: number): PolicyContract {
  const preset = policyPreset(text);
  const contract = preset ? { name: preset.name, arguments: preset.arguments } : { name: DEFAULT_POLICY_NAME, arguments: text.trim() };
  return validatePolicy(contract, explorationPercentage).policy;
}

/** The arguments with `--epsilon` set to `epsilon` (replaced in place, or appended). */
export function withEpsilon(args: string, epsilon: number): string {
  const value = String(epsilon);
  if (EPSILON.test(args)) return args.replace(EPSILON, (_m, pre: string) => `${pre}--epsilon ${value}`);
  // Online cover without --epsilon decays its minimum probability (cb_explore_adf_cover.cc): an appended
  // --epsilon would fix it and change what cover learns, so such a policy is left as it is.
  if (decayingCover(args)) return args;
  return `${args.trimEnd()} --epsilon ${value}`;
}

function decayingCover(args: string): boolean {
  try {
    const x = parsePolicyArguments(args).exploration;
    return x.kind === 'cover' && x.epsilonDecay;
  } catch {
    return false;
  }
}

/** The parsed policy; PolicyArgumentError → InvalidPolicyConfiguration naming the argument. */
export function parsePolicy(args: string): PolicyConfig {
  try {
    return parsePolicyArguments(args);
  } catch (e) {
    if (e instanceof PolicyArgumentError) throw new LoopError('InvalidPolicyConfiguration', e.message);
    throw e;
  }
}

/**
 * Validates a PUT body. Returns the policy to store (epsilon made explicit) and the explorationPercentage it
 * implies.
 */
export function validatePolicy(body: unknown, explorationPercentage: number): { policy: PolicyContract; explorationPercentage: number } {
  if (typeof body !== 'object' || body === null) throw new LoopError('InvalidPolicyContract', 'policy: must be a JSON object');
  const { name, arguments: args } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME) {
    throw new LoopError('InvalidPolicyContract', `name: must be a non-empty string of at most ${MAX_NAME} characters`);
  }
  if (typeof args !== 'string' || args.trim().length === 0) {
    throw new LoopError('InvalidPolicyConfiguration', 'arguments: must be a non-empty VW command line or a policy preset name');
  }
  if (args.length > MAX_ARGUMENTS) {
    throw new LoopError('InvalidPolicyConfiguration', `arguments: must be at most ${MAX_ARGUMENTS} characters`);
  }
  const word = args.trim();
  // A single word that is no option was meant as a preset name: say which names there are.
  if (/^[A-Za-z][\w.-]*$/.test(word) && !policyPreset(word)) {
    throw new LoopError(
      'InvalidPolicyConfiguration',
      `arguments: '${word}' is neither VW arguments nor a policy preset (${POLICY_PRESETS.map((p) => p.name).join(', ')})`,
    );
  }
  return checkedPolicy(name, resolvePolicyArguments(args), explorationPercentage);
}

/** validatePolicy's checks and epsilon rule, on full VW arguments (a preset name already resolved). */
function checkedPolicy(name: string, args: string, explorationPercentage: number): { policy: PolicyContract; explorationPercentage: number } {
  const config = parsePolicy(args);
  if (config.bits > MAX_SERVED_BITS) {
    throw new LoopError(
      'InvalidPolicyConfiguration',
      `--bit_precision: at most ${MAX_SERVED_BITS} for a served loop (2^b weights of 16 bytes each per model copy, and ` +
        `the ranker, its worker and the trainer each hold one: -b ${config.bits} would need ${memory(config.bits)})`,
    );
  }
  const explicit = EPSILON.test(args);
  const x = config.exploration;
  // A decaying cover keeps its own schedule; the service's explorationPercentage stays as it was.
  if (x.kind === 'cover' && x.epsilonDecay) return { policy: { name, arguments: args.trim() }, explorationPercentage };
  const epsilon = explicit && x.kind !== 'none' ? x.epsilon : explorationPercentage;
  if (epsilon < 0 || epsilon > 1) throw new LoopError('InvalidPolicyConfiguration', '--epsilon: must be between 0 and 1');
  const stored = explicit ? args.trim() : withEpsilon(args.trim(), epsilon);
  return { policy: { name, arguments: stored }, explorationPercentage: epsilon };
}

/**
 * What determines the weights: the canonical arguments with epsilon neutralised, except for cover, whose
 * minimum probability shapes the costs its policies learn from (cb_explore_adf_cover.cc).
 */
export function learningSignature(config: PolicyConfig): string {
  const x = config.exploration;
  return formatPolicyArguments({ ...config, exploration: x.kind === 'none' || x.kind === 'cover' ? x : { ...x, epsilon: 0 } });
}

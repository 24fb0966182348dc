// What POST /evaluations accepts (Personalizer.json "EvaluationContract"; docs/azure-api.md §3-§4), checked before
// anything is stored so that a bad request is a 400 at once rather than a failed job later. Error codes are the
// spec's: InvalidEvaluationContract for a malformed body or policy (the message names the policy and the
// argument), DuplicateCustomPolicyNames, NoLogsExistInDateRange and LogsSizeExceedAllowedLimit (checked by
// the jobs, against the store).
//
// Decisions where Azure is silent:
// - The range is [startTime, endTime): events ranked at endTime belong to the next range.
// - A custom policy may not take a built-in policy's name (Online, Baseline1, BaselineRand, any case):
//   applyFromEvaluation names policies, so two with one name would be ambiguous (DuplicateCustomPolicyNames).
// - At most MAX_CUSTOM_POLICIES custom policies, each -b ≤ MAX_SERVED_BITS like a served policy, and their
//   weights (2^b × 16 bytes each: policy.ts) together at most MAX_REPLAY_WEIGHT_BYTES: every custom policy is a
//   model held in memory during the replay.
import { parsePolicyArguments, PolicyArgumentError, resolvePolicyArguments } from '../engine/index.js';
import { BASELINE1, BASELINE_RAND, ONLINE } from '../evaluation/index.js';
import { parseDateTime } from './date_time.js';
import { MAX_SERVED_BITS } from './policy.js';
import { LoopError, type PolicyContract } from './types.js';

export const MAX_EVALUATION_NAME = 256;
const MAX_POLICY_NAME = 256;
const MAX_POLICY_ARGUMENTS = 1024;
export const MAX_CUSTOM_POLICIES = 64;
export const MAX_REPLAY_WEIGHT_BYTES = 2 ** 30;
const BUILT_IN = [ONLINE, BASELINE1, BASELINE_RAND];

/** A contract as accepted, and what a job needs to run it (stored with the evaluation, JSON). */
export interface AcceptedContract {
  name: string;
  /** ms since epoch: the evaluated events were ranked in [startTime, endTime). */
  startTime: number;
  endTime: number;
  policies: PolicyContract[];
  enableOfflineExperimentation: boolean;
  /** Feature importance is computed with every evaluation, as Azure's evaluations did (evaluation_jobs.ts). */
  featureImportance: boolean;
  /** The live policy's arguments when the evaluation was created: Online's, and the reward model's features. */
  onlinePolicy: string;
  /** Auto-optimization: the due time this run was made for (auto_optimize.ts). */
  dueAt?: number;
}

function invalid(message: string): never {
  throw new LoopError('InvalidEvaluationContract', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validates a POST /evaluations body; `onlinePolicy` is the live policy's arguments. */
export function validateEvaluationContract(body: unknown, onlinePolicy: string): AcceptedContract {
  if (!isObject(body)) invalid('the evaluation must be a JSON object');
  const { name, startTime, endTime, policies, enableOfflineExperimentation } = body;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVALUATION_NAME) {
    invalid(`name: must be a non-empty string of at most ${MAX_EVALUATION_NAME} characters`);
  }
  const start = parseDateTime(startTime);
  if (start === null) invalid('startTime: is required and must be an ISO-8601 date-time such as 2024-01-19T00:00:00Z');
  const end = parseDateTime(endTime);
  if (end === null) invalid('endTime: is required and must be an ISO-8601 date-time such as 2024-01-19T00:00:00Z');
  if (!(start < end)) invalid(`startTime: must be before endTime (${startTime} is not before ${endTime})`);
  if (enableOfflineExperimentation !== undefined && enableOfflineExperimentation !== null && typeof enableOfflineExperimentation !== 'boolean') {
    invalid('enableOfflineExperimentation: must be true or false');
  }
  if (!Array.isArray(policies)) invalid('policies: is required and must be an array of {name, arguments} (it may be empty)');
  if (policies.length > MAX_CUSTOM_POLICIES) invalid(`policies: at most ${MAX_CUSTOM_POLICIES} custom policies per evaluation`);

  const accepted: PolicyContract[] = [];
  const names = new Set<string>();
  let weightBytes = 0;
  policies.forEach((p: unknown, i) => {
    const where = `policies[${i}]`;
    if (!isObject(p)) invalid(`${where}: must be an object {name, arguments}`);
    const { name: policyName, arguments: given } = p;
    // A preset name (docs/policy-presets.md) is evaluated, stored and applied as its full arguments.
    const args = typeof given === 'string' ? resolvePolicyArguments(given) : given;
    if (typeof policyName !== 'string' || policyName.length === 0 || policyName.length > MAX_POLICY_NAME) {
      invalid(`${where}.name: must be a non-empty string of at most ${MAX_POLICY_NAME} characters`);
    }
    const label = `${where} '${policyName}'`;
    if (typeof args !== 'string' || args.trim().length === 0) invalid(`${label}: arguments must be a non-empty VW command line or a policy preset name`);
    if (args.length > MAX_POLICY_ARGUMENTS) invalid(`${label}: arguments must be at most ${MAX_POLICY_ARGUMENTS} characters`);
    if (BUILT_IN.some((b) => b.toLowerCase() === policyName.toLowerCase())) {
      throw new LoopError('DuplicateCustomPolicyNames', `${label}: ${policyName} is the name of a built-in policy of every evaluation; choose another`);
    }
    if (names.has(policyName)) throw new LoopError('DuplicateCustomPolicyNames', `${label}: another custom policy has this name`);
    names.add(policyName);
    let bits: number;
    try {
      // --cb_adf alone (greedy, no exploration) is a policy replay can score, as VW does.
      bits = parsePolicyArguments(args, { allowNoExploration: true }).bits;
    } catch (e) {
      if (e instanceof PolicyArgumentError) invalid(`${label}: ${e.message}`);
      throw e;
    }
    if (bits > MAX_SERVED_BITS) invalid(`${label}: --bit_precision: at most ${MAX_SERVED_BITS} in an evaluation`);
    weightBytes += 16 * 2 ** bits;
    if (weightBytes > MAX_REPLAY_WEIGHT_BYTES) {
      invalid(`${label}: the custom policies' weights would take more than ${MAX_REPLAY_WEIGHT_BYTES / 2 ** 30} GiB (2^b × 16 bytes each); use smaller -b values or fewer policies`);
    }
    accepted.push({ name: policyName, arguments: args.trim() });
  });

  return {
    name,
    startTime: start,
    endTime: end,
    policies: accepted,
    enableOfflineExperimentation: enableOfflineExperimentation === true,
    featureImportance: true,
    onlinePolicy,
  };
}

/** A stored contract read back (a job after a restart); throws when it is not one. */
export function parseStoredContract(json: string): AcceptedContract {
  const c = JSON.parse(json) as AcceptedContract;
  if (!isObject(c) || typeof c.name !== 'string' || !Number.isFinite(c.startTime) || !Number.isFinite(c.endTime) || !Array.isArray(c.policies) || typeof c.onlinePolicy !== 'string') {
    throw new Error('the stored evaluation contract is not readable');
  }
  return c;
}

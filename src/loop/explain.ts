// Inference explanations (ServiceConfiguration.isInferenceExplainabilityEnabled; the response shape of Microsoft
// Learn's "how-to-inference-explainability" page: inferenceExplanation: [{id, features: [{name, score}]}], one entry
// for rewardActionId, names like `user.profileType` and interactions `user.profileType^user.latLong`).
// docs/inference-explanations.md says how it is computed and what it costs.
//
// Cost: only the explained action is featurized again, with names: a context holding the shared features and that
// one action (an action's features, interactions included, do not depend on the other actions), so the extra work
// is a tenth of a Rank's featurizing for a 10-action Rank. The engine gives each term of that action's score
// (weight × value, Learner.explain); here each term's VW audit name is mapped back to the feature the client sent,
// through a table built from the request's own feature objects (a few dozen entries), and terms of the same
// feature (the elements of a numeric array) or of the same pair of features are summed.
//
// Names: the key path inside the client's feature object, joined with '.' ({"user":{"profileType":"x"}} →
// `user.profileType`); the service's own per-action features are `i.id` and `i.constant`; VW's bias term
// (Constant) is not a feature sent and is left out. Score: minus the term's contribution to the predicted cost,
// i.e. its contribution to the predicted reward, so that positive supports choosing the action, as the page says.
import type { FeatureContribution } from '../engine/index.js';
import { buildContext } from './context.js';
import { shortestFloat32 } from './float32.js';
import type { FeatureObject, FeatureScoreExplanation, InferenceExplanation } from './types.js';
import type { ValidRank } from './validate_rank.js';

/** The logged context namespaces (context.ts): contextFeatures, an action's features, the service's own. */
const CONTEXT_NS = 'FromUrl';
const ACTION_NS = 'j';
const SERVICE_NS = 'i';

type Names = Map<string, string>;

/** The context text of the shared features and action `position` (a request position) alone. */
export function explainContext(v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number, source?: string): string {
  return buildContext({ contextFeatures: v.contextFeatures, actions: v.actions, included: [position] }, source);
}

function addLeaf(names: Names, ns: string, key: string, value: unknown, path: string): void {
  const client = path === '' ? key : `${path}.${key}`;
  if (typeof value === 'string') {
    // VW's JSON parser hashes key+value as one string (key^value under --chain_hash): both spellings are kept.
    names.set(`${ns}^${key}${value}`, client);
    names.set(`${ns}^${key}^${value}`, client);
  } else if (typeof value === 'number' || value === true) {
    names.set(`${ns}^${key}`, client);
  } else if (Array.isArray(value)) {
    // Numbers at the array's own namespace, named by position; objects parsed in a namespace named like the array.
    for (let i = 0; i < value.length; i++) {
      const x: unknown = value[i];
      if (typeof x === 'number') names.set(`${key}^[${i}]`, client);
      else if (typeof x === 'object' && x !== null) walk(names, x as FeatureObject, key, client);
    }
  } else if (typeof value === 'object' && value !== null) {
    // A nested object opens a namespace named by its key (not chained with the parent's).
    walk(names, value as FeatureObject, key, client);
  }
}

function walk(names: Names, object: FeatureObject, ns: string, path: string): void {
  for (const key in object) {
    if (key.charCodeAt(0) === 0x5f) continue; // `_` keys are VW's or skipped
    addLeaf(names, ns, key, object[key], path);
  }
}

/** VW audit name of each linear feature of action `position` → the client's name for it. */
export function featureNames(v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number): Names {
  const names: Names = new Map();
  for (const o of v.contextFeatures ?? []) walk(names, o, CONTEXT_NS, '');
  const action = v.actions[position]!;
  for (const o of action.features) walk(names, o, ACTION_NS, '');
  names.set(`${SERVICE_NS}^constant`, `${SERVICE_NS}.constant`);
  names.set(`${SERVICE_NS}^id${action.id}`, `${SERVICE_NS}.id`);
  names.set(`${SERVICE_NS}^id^${action.id}`, `${SERVICE_NS}.id`);
  return names;
}

/** An interaction's audit name `a*b(*c…)` → `A^B(^C…)`; a '*' inside a feature name is tried both ways. */
function interactionName(audit: string, names: Names): string | undefined {
  const direct = names.get(audit);
  if (direct !== undefined) return direct;
  for (let at = audit.indexOf('*'); at > 0; at = audit.indexOf('*', at + 1)) {
    const head = names.get(audit.slice(0, at));
    if (head === undefined) continue;
    const tail = interactionName(audit.slice(at + 1), names);
    if (tail !== undefined) return `${head}^${tail}`;
  }
  return undefined;
}

/**
 * The explanation of one action from its score terms: per feature sent (or pair of them), the sum of its terms,
 * as a reward (minus the cost contribution); largest |score| first. A term whose name is not found keeps VW's.
 */
export function explanationFeatures(terms: readonly FeatureContribution[], names: Names): FeatureScoreExplanation[] {
  const sums = new Map<string, number>();
  for (const t of terms) {
    if (t.name === 'Constant') continue;
    const name = interactionName(t.name, names) ?? t.name;
    sums.set(name, (sums.get(name) ?? 0) + t.contribution);
  }
  const out: FeatureScoreExplanation[] = [];
  for (const [name, cost] of sums) out.push({ name, score: shortestFloat32(cost === 0 ? 0 : -cost) });
  out.sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
  return out;
}

/** The response's inferenceExplanation for action `position` of the request, from its terms. */
export function inferenceExplanation(
  v: Pick<ValidRank, 'contextFeatures' | 'actions'>,
  position: number,
  terms: readonly FeatureContribution[],
): InferenceExplanation[] {
  return [{ id: v.actions[position]!.id, features: explanationFeatures(terms, featureNames(v, position)) }];
}

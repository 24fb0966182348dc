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
import { buildContext } from './context.js';
import type { NamedTerms } from './explain_terms.js';
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
    // VW's JSON parser hashes key+value as one string (key^value under --chain_hash), the value's ' ', '\t', '|'
    // and ':' turned into '_' (explain_index.ts): both spellings are kept.
    const v = value.replace(/[ \t|:]/g, '_');
    names.set(`${ns}^${key}${v}`, client);
    names.set(`${ns}^${key}^${v}`, client);
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

/**
 * The explanation of one action from its named terms (explain_terms.ts): per feature sent (or pair of them), the
 * sum of its terms, as a reward (minus the cost contribution); largest |score| first. VW's bias term is left out;
 * terms that could not be named are summed under '#other'.
 */
export function explanationFeatures(named: NamedTerms): FeatureScoreExplanation[] {
  // Each linear feature's client name as a small id (the elements of a numeric array share one), so that terms
  // are summed under a number and names are built once per entry.
  const ids = new Map<string, number>();
  const clientNames: string[] = [];
  const n = named.names.length;
  const idOf = new Int32Array(n);
  for (let a = 0; a < n; a++) {
    if (a === named.bias) {
      idOf[a] = -1;
      continue;
    }
    const client = named.names[a]!;
    let id = ids.get(client);
    if (id === undefined) {
      id = clientNames.length;
      ids.set(client, id);
      clientNames.push(client);
    }
    idOf[a] = id;
  }
  const base = n + 1;
  const k = clientNames.length + 1;
  const sums = new Map<number, number>();
  let unknown = 0;
  for (let i = 0; i < named.feature.length; i++) {
    const c = named.contribution[i]!;
    let code = named.feature[i]!;
    if (code === 0) {
      unknown += c;
      continue;
    }
    // The term's client ids as a number in base k, its first feature in the lowest digit.
    let key = 0;
    let scale = 1;
    for (; code > 0; code = Math.floor(code / base)) {
      const id = idOf[(code % base) - 1]!;
      if (id < 0) break;
      key += (id + 1) * scale;
      scale *= k;
    }
    if (code > 0) continue; // VW's bias
    sums.set(key, (sums.get(key) ?? 0) + c);
  }
  const out: FeatureScoreExplanation[] = [];
  const score = (cost: number): number => shortestFloat32(cost === 0 ? 0 : -cost);
  for (const [key, cost] of sums) {
    let name = '';
    for (let x = key; x > 0; x = Math.floor(x / k)) name += (name === '' ? '' : '^') + clientNames[(x % k) - 1]!;
    out.push({ name, score: score(cost) });
  }
  if (unknown !== 0) out.push({ name: '#other', score: score(unknown) });
  out.sort((a, b) => Math.abs(b.score) - Math.abs(a.score));
  return out;
}

/** The response's inferenceExplanation for action `position` of the request, from its terms. */
export function inferenceExplanation(
  v: Pick<ValidRank, 'contextFeatures' | 'actions'>,
  position: number,
  named: NamedTerms,
): InferenceExplanation[] {
  return [{ id: v.actions[position]!.id, features: explanationFeatures(named) }];
}

// Inference explanations (ServiceConfiguration.isInferenceExplainabilityEnabled; the response shape of Microsoft
// Learn's "how-to-inference-explainability" page: inferenceExplanation: [{id, features: [{name, score}]}], one entry
// for rewardActionId, names like `user.profileType` and interactions `user.profileType^user.latLong`).
// docs/inference-explanations.md says how it is computed and what it costs.
//
// Only the explained action is looked at: a context of the shared features and that one action (an action's terms,
// interactions included, do not depend on the other actions). explain_terms.ts gives each term of its score
// (weight × value) and the linear features it is the product of; here those are summed per feature sent (the
// elements of a numeric array share one name) and per pair or triple of them, and sorted.
//
// Names: the key path inside the client's feature object, joined with '.' ({"user":{"profileType":"x"}} →
// `user.profileType`); the service's own per-action features are `i.id` and `i.constant`; VW's bias term
// (Constant) is not a feature sent and is left out. Score: minus the term's contribution to the predicted cost,
// i.e. its contribution to the predicted reward, so that positive supports choosing the action, as the page says.
import { buildContext } from './context.js';
import type { NamedTerms } from './explain_terms.js';
import type { FeatureObject, FeatureScoreExplanation, InferenceExplanation } from './types.js';
import type { ValidRank } from './validate_rank.js';

/** The logged context namespaces (context.ts): contextFeatures, an action's features, the service's own. */
const CONTEXT_NS = 'FromUrl';
const ACTION_NS = 'j';
const SERVICE_NS = 'i';

type Names = Map<string, string>;

/** At most this many features and interactions per explanation, the largest |score| first. */
export const MAX_ENTRIES = 1000;
/**
 * Interactions listed: the largest |score|. With `-q ::` an action of 20 features has ~200 pairs; listing them all
 * doubled a Rank's cost (serializing and sending 15 KB), for entries that are mostly near 0.
 */
export const MAX_INTERACTIONS = 50;

/**
 * The context text of the shared features and action `position` alone. Serialized from the parsed request rather
 * than copied from its text (context.ts): for one action that costs less than finding the spans again, and the
 * features, their values and so their terms are the same (only their order may differ, which sums ignore).
 */
export function explainContext(v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number): string {
  return buildContext({ contextFeatures: v.contextFeatures, actions: v.actions, included: [position] });
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

/**
 * VW audit name of each linear feature of action `position` → the client's name for it: what the fallback of
 * explain_terms.ts (featurizing with names) maps back through.
 */
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
 * sum of its terms, as a reward (minus the cost contribution); every feature sent and the `maxInteractions`
 * interactions of largest |score|, largest |score| first. VW's bias term is left out; terms that could not be
 * named are summed under '#other'.
 */
export function explanationFeatures(named: NamedTerms, maxInteractions = MAX_INTERACTIONS): FeatureScoreExplanation[] {
  // Each linear feature's client name as a small id, in name order (the elements of a numeric array share one),
  // so that terms are summed under a number, ties sort alike whatever the terms' order, and names are built once.
  const n = named.names.length;
  const clientNames = [...new Set(named.names.filter((_, a) => a !== named.bias))].sort();
  const ids = new Map(clientNames.map((name, id) => [name, id]));
  const idOf = new Int32Array(n);
  for (let a = 0; a < n; a++) idOf[a] = a === named.bias ? -1 : ids.get(named.names[a]!)!;
  const k = clientNames.length + 1;
  let triples = false;
  for (let i = 0; i < named.third.length && !triples; i++) triples = named.third[i]! >= 0;
  // Sums per key, the terms' client ids + 1 in base k (the first feature in the lowest digit): a dense array
  // while it stays small (pairs of a few dozen features), a Map beyond (triples of many).
  const size = triples ? k * k * k : k * k;
  const dense = size <= 1 << 16 ? new Float64Array(size) : null;
  const used = dense === null ? null : new Uint8Array(size);
  const sparse = new Map<number, number>();
  let unknown = 0;
  for (let i = 0; i < named.first.length; i++) {
    const c = named.contribution[i]!;
    const a = named.first[i]!;
    if (a < 0) {
      unknown += c;
      continue;
    }
    const b = named.second[i]!;
    const d = named.third[i]!;
    const ia = idOf[a]!;
    const ib = b < 0 ? -1 : idOf[b]!;
    const id = d < 0 ? -1 : idOf[d]!;
    if (ia < 0 || (b >= 0 && ib < 0) || (d >= 0 && id < 0)) continue; // VW's bias
    const key = ia + 1 + k * (ib + 1 + k * (id + 1));
    if (dense !== null) {
      dense[key] += c;
      used![key] = 1;
    } else sparse.set(key, (sparse.get(key) ?? 0) + c);
  }
  const keys: number[] = [];
  const costs: number[] = [];
  if (dense !== null) {
    for (let key = 1; key < size; key++) {
      if (used![key] === 0) continue;
      keys.push(key);
      costs.push(dense[key]!);
    }
  } else {
    for (const [key, cost] of [...sparse].sort((a, b) => a[0] - b[0])) {
      keys.push(key);
      costs.push(cost);
    }
  }
  // Every feature sent (one client id: key < k), and the interactions with the largest |score|.
  const out: FeatureScoreExplanation[] = [];
  let interactions = 0;
  for (const i of largestFirst(costs)) {
    if (out.length >= MAX_ENTRIES) break;
    const key = keys[i]!;
    if (key >= k && interactions++ >= maxInteractions) continue;
    let name = clientNames[(key % k) - 1]!;
    for (let x = Math.floor(key / k); x > 0; x = Math.floor(x / k)) name += '^' + clientNames[(x % k) - 1]!;
    out.push({ name, score: rounded(-costs[i]!) });
  }
  if (unknown !== 0) out.push({ name: '#other', score: rounded(-unknown) });
  return out;
}

/**
 * x to 7 significant digits (a float32's precision), so that it prints short ('0.01234568', not
 * '0.012345678918743134'); arithmetic rather than toPrecision, which costs ten times more.
 */
export function rounded(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? 0 : x;
  const e = Math.floor(Math.log10(Math.abs(x))) - 6;
  if (e >= 0) {
    const p = e < POW10.length ? POW10[e]! : 10 ** e;
    return Math.round(x / p) * p;
  }
  const p = -e < POW10.length ? POW10[-e]! : 10 ** -e;
  return Math.round(x * p) / p;
}

/** 10^0 … 10^40, exact as doubles as far as they can be (Math.pow per score cost more than the rest). */
const POW10 = Array.from({ length: 41 }, (_, i) => Number(`1e${i}`));

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Positions of `values` by |value| descending (as float32), ties in position order. A comparator sort of a few
 * hundred entries cost more than all the rest of an explanation; this packs (rank of |value|, position) into one
 * number per entry and sorts a Float64Array natively. A positive float32's bits order like its value.
 */
function largestFirst(values: readonly number[]): Uint32Array {
  let m = 1;
  while (m < values.length) m *= 2;
  const packed = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = Math.abs(values[i]!);
    packed[i] = (0x7fffffff - u32[0]!) * m + i;
  }
  packed.sort();
  const order = new Uint32Array(values.length);
  // x mod m without a floating-point modulo (a library call): m is a power of two, so this is exact.
  for (let j = 0; j < values.length; j++) order[j] = packed[j]! - Math.floor(packed[j]! / m) * m;
  return order;
}

/** The response's inferenceExplanation for action `position` of the request, from its terms. */
export function inferenceExplanation(
  v: Pick<ValidRank, 'contextFeatures' | 'actions'>,
  position: number,
  named: NamedTerms,
  maxInteractions = MAX_INTERACTIONS,
): InferenceExplanation[] {
  return [{ id: v.actions[position]!.id, features: explanationFeatures(named, maxInteractions) }];
}

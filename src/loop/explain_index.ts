// The VW index of each feature the client sent, computed from the request's own feature objects as VW's JSON
// parser hashes them (the engine's json_features.ts; VW parse_example_json.h): a namespace's hash is
// hash(name, hash_seed); a string value hash(key + value, namespace) (with --chain_hash hash(value, hash(key,
// namespace))), its ' ', '\t', '|' and ':' turned into '_'; a number or `true` hash(key, namespace); both masked
// to the model's bits; the numbers of an array at namespace + position, unmasked. The logged context
// (context.ts) puts contextFeatures in namespace FromUrl, an action's features in j and the service's own
// features in i.
//
// This is the cheap way to name an action's terms (explain_terms.ts); the caller checks that every term was
// found and falls back to featurizing with names otherwise, so an edge this does not mirror costs time, never a
// wrong name.
import { hashString, uniformHash, type PolicyConfig } from '../engine/index.js';
import type { FeatureObject } from './types.js';
import type { ValidRank } from './validate_rank.js';

export interface ClientFeatures {
  /** VW index of each linear feature (several may share a name: an array's elements). */
  index: number[];
  /** Its client name ('user.profileType', 'i.id'). */
  name: string[];
}

interface Hashing {
  hash: (s: string, seed: number) => number;
  seed: number;
  mask: number;
  chain: boolean;
}

function hashing(config: PolicyConfig): Hashing {
  // hashString: VW hashstring (trimmed, all-digit strings by value); uniformHash: --hash all (murmur of the bytes).
  const fn = config.hashAll ? uniformHash : hashString;
  return {
    // VW hashes C strings: the bytes before a NUL.
    hash: (s, seed) => {
      const nul = s.indexOf('\u0000');
      return fn(nul < 0 ? s : s.slice(0, nul), seed) >>> 0;
    },
    seed: config.hashSeed >>> 0,
    mask: config.bits >= 32 ? 0xffffffff : 2 ** config.bits - 1,
    chain: config.chainHash,
  };
}

const SANITIZE = /[ \t|:]/g;

function leaf(h: Hashing, out: ClientFeatures, nsHash: number, key: string, value: unknown, path: string): void {
  const client = path === '' ? key : `${path}.${key}`;
  if (typeof value === 'string') {
    const v = value.replace(SANITIZE, '_');
    const index = h.chain ? h.hash(v, h.hash(key, nsHash)) : h.hash(key + v, nsHash);
    out.index.push((index & h.mask) >>> 0);
    out.name.push(client);
  } else if ((typeof value === 'number' && Math.fround(value) !== 0) || value === true) {
    out.index.push((h.hash(key, nsHash) & h.mask) >>> 0);
    out.name.push(client);
  } else if (Array.isArray(value)) {
    const ns = h.hash(key, h.seed);
    let at = ns;
    for (const x of value) {
      if (typeof x === 'number') {
        if (Math.fround(x) !== 0) {
          out.index.push(at >>> 0);
          out.name.push(client);
        }
        at++;
      } else if (typeof x === 'object' && x !== null) object(h, out, x as FeatureObject, ns, client);
    }
  } else if (typeof value === 'object' && value !== null) {
    object(h, out, value as FeatureObject, h.hash(key, h.seed), client);
  }
}

function object(h: Hashing, out: ClientFeatures, o: FeatureObject, nsHash: number, path: string): void {
  for (const key in o) {
    if (key.charCodeAt(0) === 0x5f) continue; // `_` keys are VW's or skipped
    leaf(h, out, nsHash, key, o[key], path);
  }
}

/** The linear features of request action `position` with the shared ones, as the featurizer indexes them. */
export function clientFeatures(config: PolicyConfig, v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number): ClientFeatures {
  const h = hashing(config);
  const out: ClientFeatures = { index: [], name: [] };
  const context = h.hash('FromUrl', h.seed);
  for (const o of v.contextFeatures ?? []) object(h, out, o, context, '');
  const action = v.actions[position]!;
  const j = h.hash('j', h.seed);
  for (const o of action.features) object(h, out, o, j, '');
  object(h, out, { constant: 1, id: action.id }, h.hash('i', h.seed), 'i');
  return out;
}

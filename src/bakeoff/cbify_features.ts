// One dataset row → the K action examples VW 9.10's `--cbify K --cb_explore_adf` builds from it
// (core/src/reductions/cb/cbify.cc, cbify_adf_data::copy_example_to_adf): every action example is a full copy of
// the row (its namespace plus the constant), and action a's copy has each feature index moved to
// `(idx − (idx & M)) + a·W`, W = the feature width below cbify, M = 2^bitlen(K·W) − 1. There is no shared example
// and no action feature: the actions differ only by that offset. In the engine's index units (before its
// width multiply) that is `(h with its low s bits cleared) + a` with s = bitlen(K·width) − log2(width).
// The interactions (`-q ::` = the row's namespace with itself) are hashed from the offset indices, as VW's
// generate_interactions sees the copies.
import {
  CONSTANT_INDEX,
  CONSTANT_NAMESPACE,
  FNV_PRIME,
  compileInteractions,
  featureHasher,
  uniformHash,
  parseInteractionArgs,
  type FeatureVector,
  type MultiExample,
  type PolicyConfig,
} from '../engine/index.js';

/** How the columns are named: `f` namespace with `x<j>` (the bake-off's), or VW's default namespace with `<j>`. */
export type FeatureNames = 'x' | 'numeric';

const F_NAMESPACE = 0x66; // 'f'
const DEFAULT_NAMESPACE = 0x20; // ' '

function bitLength(x: number): number {
  return x <= 0 ? 0 : 32 - Math.clz32(x);
}

export interface CbifyFeaturizerOptions {
  classes: number;
  columns: number;
  /** The learner's weight-space width (sub-models per feature: 1 for mtr/ips, 2 for dr, …); a power of two. */
  width: number;
  names?: FeatureNames;
}

export type CbifyConfig = Pick<
  PolicyConfig,
  'bits' | 'quadratic' | 'cubic' | 'interactions' | 'ignore' | 'ignoreLinear' | 'noConstant' | 'hashAll' | 'hashSeed'
>;

/** The K action examples of a row, rebuilt in place at each call (the returned object is reused). */
export type CbifyFeaturizer = (values: Float32Array, row: number) => MultiExample;

export function createCbifyFeaturizer(config: CbifyConfig, options: CbifyFeaturizerOptions): CbifyFeaturizer {
  const { classes: k, columns: d, width } = options;
  if (!(width >= 1 && (width & (width - 1)) === 0)) throw new RangeError(`learner width ${width} is not a power of two`);
  const names = options.names ?? 'x';
  const letter = names === 'x' ? F_NAMESPACE : DEFAULT_NAMESPACE;
  const bitsMask = config.bits >= 32 ? 0xffffffff : 2 ** config.bits - 1;
  const hasher = featureHasher(config.hashAll);
  const encode = (s: string): Uint8Array => new TextEncoder().encode(s);
  // Namespace hash (text parser, parse_example.cc): `f` hashes its name with the hash seed; the default
  // namespace's is 0, or uniform_hash("", hash_seed) with a seed.
  const seed = config.hashSeed >>> 0;
  const nsBytes = encode('f');
  const channel = names === 'x' ? hasher(nsBytes, 0, nsBytes.length, seed) : seed === 0 ? 0 : uniformHash('', seed);
  const hashes = new Uint32Array(d);
  for (let j = 0; j < d; j++) {
    const b = encode(names === 'x' ? `x${j}` : String(j));
    hashes[j] = (hasher(b, 0, b.length, channel) & bitsMask) >>> 0;
  }
  const letterIgnored = config.ignore.some((s) => s.includes(String.fromCharCode(letter)));
  const linearIgnored = config.ignoreLinear.some((s) => s.includes(String.fromCharCode(letter)));
  const parsed = parseInteractionArgs(config.quadratic, config.cubic, config.interactions);
  const terms = letterIgnored ? [] : compileInteractions(parsed, [letter]);
  if (terms.some((t) => t.includes(CONSTANT_NAMESPACE))) {
    throw new RangeError('an interaction with the constant namespace is not supported by the bake-off');
  }
  // Only interactions made of this row's namespace alone generate features (the others name absent namespaces).
  const arities = terms.filter((t) => t.every((l) => l === letter)).map((t) => t.length);
  const s = bitLength(k * width) - Math.log2(width);
  const clear = ~((1 << s) - 1) >>> 0;
  const offsetIndex = (h: number, a: number): number => ((h & clear) + a) >>> 0;

  const rowIndex = new Uint32Array(d);
  const rowValue = new Float32Array(d);
  let capacity = d + 1;
  for (const r of arities) capacity += combinations(d, r);
  const actions: FeatureVector[] = [];
  for (let a = 0; a < k; a++) actions.push({ index: new Uint32Array(capacity), value: new Float32Array(capacity), count: 0 });
  const ex: MultiExample = { actions, tags: new Array<undefined>(k).fill(undefined) };

  const constant = (CONSTANT_INDEX & clear) >>> 0;
  return (values: Float32Array, row: number): MultiExample => {
    // rowIndex holds the hashes with their low s bits cleared: action a's index is that + a.
    let n = 0;
    if (!letterIgnored) {
      for (let j = 0; j < d; j++) {
        const v = values[row * d + j]!;
        if (v === 0) continue; // VW's parser drops zero-valued features
        rowIndex[n] = hashes[j]! & clear;
        rowValue[n] = v;
        n++;
      }
    }
    for (let a = 0; a < k; a++) {
      const fv = actions[a]!;
      const oi = fv.index;
      const ov = fv.value;
      let o = 0;
      if (!linearIgnored) {
        for (let i = 0; i < n; i++, o++) {
          oi[o] = rowIndex[i]! + a;
          ov[o] = rowValue[i]!;
        }
      }
      if (!config.noConstant) {
        oi[o] = constant + a;
        ov[o++] = 1;
      }
      const lin = o;
      for (const r of arities) {
        if (r !== 2) {
          o = interact(rowIndex, rowValue, n, r, a, oi, ov, o, offsetIndex);
          continue;
        }
        // The common -q :: case, inlined: values are the same for every action, only the indices move.
        for (let i = 0; i < n; i++) {
          const h = Math.imul(FNV_PRIME, rowIndex[i]! + a);
          if (a === 0) {
            const v = rowValue[i]!;
            for (let j = i, q = o; j < n; j++, q++) ov[q] = v * rowValue[j]!;
          }
          for (let j = i; j < n; j++, o++) oi[o] = h ^ (rowIndex[j]! + a);
        }
      }
      if (a > 0 && o > lin) ov.set(actions[0]!.value.subarray(lin, o), lin);
      fv.count = o;
    }
    return ex;
  };
}

/** Multisets of size r from d features: the most terms a same-namespace interaction of arity r generates. */
function combinations(d: number, r: number): number {
  let c = 1;
  for (let i = 0; i < r; i++) c = (c * (d + i)) / (i + 1);
  return Math.round(c);
}

/**
 * A namespace interacted with itself r times (interactions_predict.h): index tuples i1 ≤ i2 ≤ … ≤ ir in
 * lexicographic order, hash (FNV·(…(FNV·h1 XOR h2)…)) XOR hr, value the float product left to right.
 */
function interact(
  idx: Uint32Array,
  val: Float32Array,
  n: number,
  r: number,
  a: number,
  oi: Uint32Array,
  ov: Float32Array,
  o: number,
  offsetIndex: (h: number, a: number) => number,
): number {
  if (r === 2) {
    for (let i = 0; i < n; i++) {
      const h = Math.imul(FNV_PRIME, offsetIndex(idx[i]!, a));
      const v = val[i]!;
      for (let j = i; j < n; j++, o++) {
        oi[o] = (h ^ offsetIndex(idx[j]!, a)) >>> 0;
        ov[o] = v * val[j]!;
      }
    }
    return o;
  }
  const rec = (t: number, from: number, hash: number, v: number): void => {
    for (let i = from; i < n; i++) {
      const h = offsetIndex(idx[i]!, a);
      const w = t === 0 ? val[i]! : Math.fround(v * val[i]!);
      if (t === r - 1) {
        oi[o] = (hash ^ h) >>> 0;
        ov[o++] = w;
      } else rec(t + 1, i, t === 0 ? Math.imul(FNV_PRIME, h) : Math.imul(FNV_PRIME, hash ^ h), w);
    }
  };
  rec(0, 0, 0, 1);
  return o;
}

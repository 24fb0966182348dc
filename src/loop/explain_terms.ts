// The score terms of one action, each named by the features it comes from (explain.ts says what they become).
//
// Featurizing with names builds a string for every interaction term (hundreds per action with `-q ::`), which
// costs more than the Rank itself. Instead the action is featurized as ranking does (indices and values only),
// and each term is named through a table of indices: the linear features' own (computed from the request by
// explain_index.ts), and every pair and triple of them, since an interaction term's index is a function of its
// features' indices (quadratic FNV_PRIME·a ^ b, cubic FNV_PRIME·(FNV_PRIME·a ^ b) ^ c: VW interactions_predict.h,
// as the engine's featurizer computes it). Should a term not be found (a hashing edge explain_index.ts does not
// mirror), the linear features are featurized with names instead (without interactions, a few dozen names), and
// a term still unknown (an arity above 3) is summed under '#other'.
import { CONSTANT_INDEX, createFeaturizer, FeatureLimitError, FNV_PRIME, type Learner, type PolicyConfig } from '../engine/index.js';
import { featureNames } from './explain.js';
import { clientFeatures, type ClientFeatures } from './explain_index.js';
import type { ValidRank } from './validate_rank.js';

/** One action's terms, each named by the linear features it is the product of. */
export interface NamedTerms {
  /** The client name of each linear feature (explain.ts); VW's bias term at `bias` (-1: none). */
  names: string[];
  bias: number;
  /** Per term: its first, second and third linear feature (indices into `names`; -1: none, and all -1: unknown). */
  first: Int32Array;
  second: Int32Array;
  third: Int32Array;
  /** weight × value of each term (float32, its share of the action's predicted cost). */
  contribution: Float32Array;
  /** How the linear features were named: computed indices, or the featurizer's names (the fallback). */
  via: 'index' | 'names';
}

type Featurizer = ReturnType<typeof createFeaturizer>;

/** Per learner: the featurizer of linear features with names (interactions left out), for the fallback. */
const linearFeaturizers = new WeakMap<Learner, Featurizer>();

function linearFeaturizer(learner: Learner): Featurizer {
  let fz = linearFeaturizers.get(learner);
  if (fz === undefined) {
    const config: PolicyConfig = { ...learner.config, quadratic: [], cubic: [], interactions: [] };
    fz = createFeaturizer(config, { names: true });
    linearFeaturizers.set(learner, fz);
  }
  return fz;
}

/** The linear features as the featurizer names them (VW audit names), mapped to client names (explain.ts). */
function auditedFeatures(learner: Learner, context: string, names: Map<string, string>): ClientFeatures {
  const lin = linearFeaturizer(learner)(context).actions[0]!;
  const out: ClientFeatures = { index: [], name: [] };
  for (let a = 0; a < lin.count; a++) {
    if (lin.index[a] === CONSTANT_INDEX) continue;
    const audit = lin.names?.[a] ?? `#${lin.index[a]}`;
    out.index.push(lin.index[a]!);
    out.name.push(names.get(audit) ?? audit);
  }
  return out;
}

/**
 * The terms of the one action of `context`, named: from the indices computed off the request (explain_index.ts)
 * when they account for every term, else from featurizing the linear features with names.
 */
export function explainTerms(
  learner: Learner,
  context: string,
  v: Pick<ValidRank, 'contextFeatures' | 'actions'>,
  position: number,
  via: NamedTerms['via'] = 'index',
): NamedTerms {
  // The explanation runs on the main thread: an action of more than MAX_EXPLAIN_TERMS terms (a request that was
  // ranked on the ranker's worker) is explained by its linear features alone, found without building the rest.
  let fv: Vector;
  try {
    fv = learner.featurize(context, undefined, undefined, MAX_EXPLAIN_TERMS).actions[0]!;
  } catch (e) {
    if (!(e instanceof FeatureLimitError)) throw e;
    fv = linearFeaturizer(learner)(context).actions[0]!;
  }
  const gd = learner.gd;
  const contribution = new Float32Array(fv.count);
  for (let i = 0; i < fv.count; i++) contribution[i] = gd.reportedWeight(gd.slotOf(fv, i, 0)) * fv.value[i]!;
  const fast = via === 'index' ? name(learner, fv, clientFeatures(learner.config, v, position)) : null;
  if (fast !== null) return { ...fast, contribution, via };
  const slow = name(learner, fv, auditedFeatures(learner, context, featureNames(v, position)), true)!;
  return { ...slow, contribution, via: 'names' };
}

type Vector = ReturnType<Learner['featurize']>['actions'][number];

/** Terms of one action beyond which only its linear features are explained (~2 ms of featurizing). */
export const MAX_EXPLAIN_TERMS = 100_000;
/** Linear features up to which pairs (triples) are named: 256² = 65,536 table entries, 40³ = 64,000. */
export const MAX_PAIR_FEATURES = 256;
export const MAX_TRIPLE_FEATURES = 40;
type Named = Pick<NamedTerms, 'names' | 'bias' | 'first' | 'second' | 'third'>;

/** Names each term of `fv` by its linear features; null when one is not found (unless `partial`: all -1). */
function name(learner: Learner, fv: Vector, linear: ClientFeatures, partial = false): Named | null {
  const names = [...linear.name, 'Constant'];
  const index = [...linear.index, CONSTANT_INDEX];
  const n = names.length;
  const bias = n - 1;
  const { quadratic, cubic, interactions } = learner.config;
  // The table grows as n² (n³ with triples): beyond a few hundred features (a request far larger than usual) the
  // interaction terms are left unnamed, summed under '#other', so that one explanation stays a few ms of work.
  const wantTriples = cubic.length > 0 || interactions.length > 0;
  const wantPairs = quadratic.length > 0 || wantTriples;
  const triples = wantTriples && n <= MAX_TRIPLE_FEATURES;
  const pairs = wantPairs && n <= MAX_PAIR_FEATURES;
  const entries = n + (pairs ? n * n : 0) + (triples ? n * n * n : 0);
  // Entry e of the table: the features of one index (a linear feature, a pair, a triple).
  // The table and its entries are reused from one explanation to the next (the main thread explains one at a time).
  const table = IndexTable.shared(entries);
  const { ea, eb, ec } = table;
  ea[0] = eb[0] = ec[0] = -1;
  let e = 0;
  const add = (key: number, a: number, b: number, c: number): void => {
    if (!table.add(key, e + 1)) return;
    ea[e + 1] = a;
    eb[e + 1] = b;
    ec[e + 1] = c;
    e++;
  };
  for (let a = 0; a < n; a++) add(index[a]!, a, -1, -1);
  if (pairs) {
    for (let a = 0; a < bias; a++) {
      const ha = Math.imul(FNV_PRIME, index[a]!);
      for (let b = 0; b < bias; b++) {
        add((ha ^ index[b]!) >>> 0, a, b, -1);
        if (!triples) continue;
        const h = Math.imul(FNV_PRIME, ha ^ index[b]!);
        for (let c = 0; c < bias; c++) add((h ^ index[c]!) >>> 0, a, b, c);
      }
    }
  }
  const first = new Int32Array(fv.count);
  // Without the pair (triple) table, unknown terms are expected: no reason for the fallback.
  if (pairs !== wantPairs || triples !== wantTriples) partial = true;
  const second = new Int32Array(fv.count);
  const third = new Int32Array(fv.count);
  for (let i = 0; i < fv.count; i++) {
    const at = table.get(fv.index[i]!);
    if (at === 0 && !partial) return null;
    first[i] = ea[at]!;
    second[i] = eb[at]!;
    third[i] = ec[at]!;
  }
  return { names, bias, first, second, third };
}

/**
 * uint32 index → entry (> 0), open addressing with linear probing: a few hundred entries per Rank, where a Map's
 * allocations and hashing cost more than the rest of the naming. The first entry added for an index stays.
 */
class IndexTable {
  private keys = new Uint32Array(0);
  private codes = new Int32Array(0);
  private mask = 0;
  /** The features of entry e (1-based; entry 0: unknown). */
  ea = new Int32Array(0);
  eb = new Int32Array(0);
  ec = new Int32Array(0);

  private static instance = new IndexTable();

  /** The shared table, emptied, for at most `entries` entries. */
  static shared(entries: number): IndexTable {
    const t = IndexTable.instance;
    let size = 16;
    while (size < entries * 2) size *= 2;
    if (t.keys.length < size) {
      t.keys = new Uint32Array(size);
      t.codes = new Int32Array(size);
    } else t.codes.fill(0, 0, size);
    t.mask = size - 1;
    if (t.ea.length < entries + 1) {
      t.ea = new Int32Array(entries + 1);
      t.eb = new Int32Array(entries + 1);
      t.ec = new Int32Array(entries + 1);
    }
    return t;
  }

  private slot(key: number): number {
    let i = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    while (this.codes[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** false when the index already has an entry. */
  add(key: number, code: number): boolean {
    const i = this.slot(key);
    if (this.codes[i] !== 0) return false;
    this.keys[i] = key;
    this.codes[i] = code;
    return true;
  }

  /** 0 when absent. */
  get(key: number): number {
    return this.codes[this.slot(key)]!;
  }
}

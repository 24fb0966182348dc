// Context JSON text → MultiExample: one FeatureVector per action, in the order VW's foreach_feature visits them
// (core/include/vw/core/gd_predict.h): linear groups in the merged example's `indices` order, then interactions
// in VW's interaction order (core/include/vw/core/interactions_predict.h).
// Merging (core/src/reductions/shared_feature_merger.cc, core/src/example.cc append_example_namespaces_from_example):
// the action's own groups, then its constant (core/src/vw.cc setup_example → add_constant_feature: letter 128,
// index 11650396 unmasked, value 1), then each shared group appended to the same letter (new letters at the end).
// Interaction terms: ((16777619·h1) XOR h2) in u32, values multiplied in float32; a self-pair (x, x) pairs feature i
// with features j ≥ i only; the constant is never interacted by wildcards (interactions.h is_interaction_ns).

import type { FeatureVector, MultiExample } from './example.js';
import { ExampleBuffer } from './example_buffer.js';
import { featureHasher } from './hash.js';
import { compileInteractions, decodeInlineHex, isInteractionNamespace, parseInteractionArgs } from './interactions.js';
import { JsonExampleParser } from './json_features.js';
import type { PolicyConfig } from './types.js';

import { FeatureError } from './json_scanner.js';

export { FeatureError };

export const CONSTANT_NAMESPACE = 128;
/** VW's `constant` feature index (core/include/vw/core/constant.h). */
export const CONSTANT_INDEX = 11650396;
export const FNV_PRIME = 16777619;

/** Parsed `_multi` elements remembered by their text (json_features.ts ActionCache). */
const ACTION_CACHE_SIZE = 1024;

/** Entries per slab of the non-reused examples (featurizer below). */
const SLAB_ENTRIES = 1 << 16;

const EMPTY_INDEX = new Uint32Array(0);
const EMPTY_VALUE = new Float32Array(0);

export type FeaturizerConfig = Pick<
  PolicyConfig,
  'bits' | 'quadratic' | 'cubic' | 'interactions' | 'ignore' | 'ignoreLinear' | 'noConstant' | 'hashAll' | 'hashSeed' | 'chainHash'
>;

export interface FeaturizerOptions {
  /** Fill FeatureVector.names with VW audit names (slow path: allocates strings). */
  names?: boolean;
  /**
   * Return views into buffers that the next call overwrites (no allocation per event). Only for callers that
   * finish with one MultiExample before featurizing the next.
   */
  reuse?: boolean;
  /**
   * Refuse (FeatureError) an event that would expand to more features than this, linear and interaction terms
   * of all its actions together, before building them: with `-q ::` a few thousand features in one request
   * expand quadratically, to seconds of work and gigabytes. Default: no limit, as in VW.
   */
  maxFeatures?: number;
}

/**
 * Featurizes the text of a VW JSON/DSJSON context object, or the [start, end) slice of a larger string.
 * `within`: a lower limit than maxFeatures for this event alone (FeatureLimitError past it).
 */
export type Featurizer = (text: string, start?: number, end?: number, within?: number) => MultiExample;

/** The event expands to more features than the limit (maxFeatures, or the call's own): thrown before building them. */
export class FeatureLimitError extends FeatureError {
  constructor(readonly limit: number) {
    super(`the event expands to more than ${limit} features once the policy's interactions are applied; send fewer features`);
    this.name = 'FeatureLimitError';
  }
}

/**
 * A remembered action's interaction blocks whose letters are all the action's own (no shared feature in any of
 * them): they depend on the action alone. Indexed by the position in `list`, the compiled list they belong to.
 */
interface ActionMemo {
  list: Compiled[];
  index: (Uint32Array | null)[];
  value: (Float32Array | null)[];
}

interface Compiled {
  terms: Uint8Array;
  /** Per-event cache of this interaction's block when all its groups are shared-only (event stamp, place). */
  memoEvent: number;
  memoStart: number;
  memoLen: number;
}

function letterFlags(args: readonly string[]): Uint8Array {
  const flags = new Uint8Array(256);
  for (const a of args) for (const l of decodeInlineHex(a)) flags[l] = 1;
  return flags;
}

class Out {
  index = new Uint32Array(256);
  value = new Float32Array(256);
  names: string[] = [];
  n = 0;

  ensure(extra: number): void {
    const need = this.n + extra;
    if (need <= this.index.length) return;
    let size = this.index.length * 2;
    while (size < need) size *= 2;
    const i = new Uint32Array(size);
    i.set(this.index.subarray(0, this.n));
    this.index = i;
    const v = new Float32Array(size);
    v.set(this.value.subarray(0, this.n));
    this.value = v;
  }
}

export function createFeaturizer(config: FeaturizerConfig, options: FeaturizerOptions = {}): Featurizer {
  const parser = createParser(config, options);
  const build = createExampleBuilder(config, options);
  return (text: string, start = 0, end = text.length, within?: number): MultiExample => {
    parser.parse(text, start, end);
    return build(parser.shared, parser.actions, parser.nActions, within);
  };
}

/** The JSON parser a featurizer of this policy uses (slots: read `_slots`, for --ccb_explore_adf). */
export function createParser(config: FeaturizerConfig, options: FeaturizerOptions & { slots?: boolean } = {}): JsonExampleParser {
  const names = options.names === true;
  return new JsonExampleParser({
    hash: featureHasher(config.hashAll),
    hashSeed: config.hashSeed >>> 0,
    mask: config.bits >= 32 ? 0xffffffff : 2 ** config.bits - 1,
    chainHash: config.chainHash,
    ignore: letterFlags(config.ignore),
    names,
    actionCache: ACTION_CACHE_SIZE,
    slots: options.slots === true,
  });
}

/**
 * Parsed examples (a shared one and the actions) → MultiExample: merging, constant, interactions. `interactions`
 * replaces the policy's parsed interaction list (--ccb_explore_adf rewrites it, ccb_features.ts).
 */
export type ExampleBuilder = (sh: ExampleBuffer, actions: readonly ExampleBuffer[], nActions: number, within?: number) => MultiExample;

export function createExampleBuilder(
  config: FeaturizerConfig,
  options: FeaturizerOptions = {},
  interactions?: number[][],
): ExampleBuilder {
  const names = options.names === true;
  const reuse = options.reuse === true;
  const maxFeatures = options.maxFeatures ?? Infinity;
  /** The current event's limit: maxFeatures, or the lower one its call gave. */
  let limit = maxFeatures;
  /** Features the current event will have built so far (checked against the limit before each block). */
  let charged = 0;
  function charge(n: number): void {
    charged += n;
    if (charged > limit) throw new FeatureLimitError(limit);
  }
  const ignoreLinear = letterFlags(config.ignoreLinear);
  const addConstant = !config.noConstant;
  const parsed = interactions ?? parseInteractionArgs(config.quadratic, config.cubic, config.interactions);

  // Compiled interaction lists per set of interactable letters.
  const compiledBySet = new Map<string, Compiled[]>();
  let lastLetters = new Uint8Array(0);
  let lastCompiled: Compiled[] = [];
  const letterScratch = new Uint8Array(256);

  function compiledFor(letters: Uint8Array, n: number): Compiled[] {
    if (n === lastLetters.length) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (letters[i] !== lastLetters[i]) {
          same = false;
          break;
        }
      }
      if (same) return lastCompiled;
    }
    const key = String.fromCharCode(...letters.subarray(0, n));
    let c = compiledBySet.get(key);
    if (c === undefined) {
      c = compileInteractions(parsed, Array.from(letters.subarray(0, n))).map((t) => ({
        terms: Uint8Array.from(t),
        memoEvent: -1,
        memoStart: 0,
        memoLen: 0,
      }));
      compiledBySet.set(key, c);
    }
    lastLetters = letters.slice(0, n);
    lastCompiled = c;
    return c;
  }

  // The merged example's groups (feature_space after shared_feature_merger).
  let mIndex = new Uint32Array(256);
  let mValue = new Float32Array(256);
  const mNames: string[] = [];
  const mStart = new Int32Array(256);
  const mLen = new Int32Array(256);
  const mOrder = new Uint8Array(257);
  let nM = 0;
  let mN = 0;
  // One output buffer per action position; with `reuse` they are handed out directly.
  const outs: Out[] = [];
  const reused: FeatureVector[] = [];
  let out = new Out();
  // Shared-only interaction blocks, computed once per event and copied into every action.
  const memo = new Out();
  let event = 0;

  function appendGroup(src: ExampleBuffer, l: number): void {
    const s0 = src.gStart[l]!;
    const n0 = src.gLen[l]!;
    const gi = src.gIndex;
    const gv = src.gValue;
    let p = mN;
    for (let i = 0; i < n0; i++, p++) {
      mIndex[p] = gi[s0 + i]!;
      mValue[p] = gv[s0 + i]!;
      if (names) mNames[p] = src.gNames[s0 + i]!;
    }
    mN = p;
  }

  function merge(a: ExampleBuffer, sh: ExampleBuffer): void {
    for (let k = 0; k < nM; k++) mLen[mOrder[k]!] = 0;
    nM = 0;
    mN = 0;
    const need = a.n + sh.n + 1;
    if (mIndex.length < need) {
      mIndex = new Uint32Array(need * 2);
      mValue = new Float32Array(need * 2);
    }
    for (let k = 0; k < a.nOrder; k++) {
      const l = a.order[k]!;
      mStart[l] = mN;
      appendGroup(a, l);
      if (sh.inOrder[l] === 1) appendGroup(sh, l);
      mLen[l] = mN - mStart[l]!;
      mOrder[nM++] = l;
    }
    if (addConstant) {
      mStart[CONSTANT_NAMESPACE] = mN;
      mIndex[mN] = CONSTANT_INDEX;
      mValue[mN] = 1;
      if (names) mNames[mN] = 'Constant';
      mN++;
      mLen[CONSTANT_NAMESPACE] = 1;
      mOrder[nM++] = CONSTANT_NAMESPACE;
    }
    for (let k = 0; k < sh.nOrder; k++) {
      const l = sh.order[k]!;
      if (a.inOrder[l] === 1) continue;
      mStart[l] = mN;
      appendGroup(sh, l);
      mLen[l] = mN - mStart[l]!;
      mOrder[nM++] = l;
    }
  }

  /** Generic interaction of any arity (process_generic_interaction), recursively over terms. */
  function generic(terms: Uint8Array, t: number, hash: number, val: number, prev: number, name: string): void {
    const l = terms[t]!;
    const s0 = mStart[l]!;
    const n0 = mLen[l]!;
    const start = t > 0 && terms[t - 1] === l ? prev : 0;
    const last = t === terms.length - 1;
    for (let i = start; i < n0; i++) {
      const idx = mIndex[s0 + i]!;
      const v = t === 0 ? mValue[s0 + i]! : Math.fround(val * mValue[s0 + i]!);
      const nm = names ? (t === 0 ? mNames[s0 + i]! : `${name}*${mNames[s0 + i]!}`) : '';
      if (last) {
        out.ensure(1);
        out.index[out.n] = (hash ^ idx) >>> 0;
        out.value[out.n] = v;
        if (names) out.names[out.n] = nm;
        out.n++;
      } else {
        const h = t === 0 ? Math.imul(FNV_PRIME, idx) : Math.imul(FNV_PRIME, hash ^ idx);
        generic(terms, t + 1, h, v, i, nm);
      }
    }
  }

  /** process_quadratic_interaction: outer loop over the first group, self-pairs start at j = i. */
  function quadratic(l0: number, l1: number): void {
    const s0 = mStart[l0]!;
    const n0 = mLen[l0]!;
    const s1 = mStart[l1]!;
    const n1 = mLen[l1]!;
    const same = l0 === l1;
    out.ensure(n0 * n1);
    const oi = out.index;
    const ov = out.value;
    const mi = mIndex;
    const mv = mValue;
    let o = out.n;
    if (names) {
      for (let i = 0; i < n0; i++) {
        for (let j = same ? i : 0; j < n1; j++) out.names[o++] = `${mNames[s0 + i]!}*${mNames[s1 + j]!}`;
      }
      o = out.n;
    }
    for (let i = 0; i < n0; i++) {
      const h = Math.imul(FNV_PRIME, mi[s0 + i]!);
      const v = mv[s0 + i]!;
      // Two float32s multiply exactly in double; the Float32Array store rounds once, as VW's float product does.
      for (let j = same ? i : 0, q = s1 + j; j < n1; j++, q++, o++) {
        oi[o] = h ^ mi[q]!;
        ov[o] = v * mv[q]!;
      }
    }
    out.n = o;
  }

  /**
   * process_cubic_interaction without names (the recursive generic() does the same, slower): slot
   * (FNV·((FNV·h0) XOR h1)) XOR h2, value (v0·v1)·v2 in float; a repeated letter starts at the previous index.
   * --ccb_explore_adf's (x, y, 140) terms are cubic.
   */
  function cubic(l0: number, l1: number, l2: number): void {
    const s0 = mStart[l0]!;
    const n0 = mLen[l0]!;
    const s1 = mStart[l1]!;
    const n1 = mLen[l1]!;
    const s2 = mStart[l2]!;
    const n2 = mLen[l2]!;
    const same01 = l0 === l1;
    const same12 = l1 === l2;
    out.ensure(n0 * n1 * n2);
    const oi = out.index;
    const ov = out.value;
    const mi = mIndex;
    const mv = mValue;
    let o = out.n;
    for (let i = 0; i < n0; i++) {
      const h0 = Math.imul(FNV_PRIME, mi[s0 + i]!);
      const v0 = mv[s0 + i]!;
      for (let j = same01 ? i : 0; j < n1; j++) {
        const h1 = Math.imul(FNV_PRIME, h0 ^ mi[s1 + j]!);
        const v1 = Math.fround(v0 * mv[s1 + j]!);
        for (let k = same12 ? j : 0, q = s2 + k; k < n2; k++, q++, o++) {
          oi[o] = h1 ^ mi[q]!;
          ov[o] = v1 * mv[q]!;
        }
      }
    }
    out.n = o;
  }

  /** Features an interaction block will have (an upper bound for self-interactions of arity 3 and more). */
  function blockSize(terms: Uint8Array): number {
    if (terms.length === 2 && terms[0] === terms[1]) {
      const n = mLen[terms[0]!]!;
      return (n * (n + 1)) / 2;
    }
    let size = 1;
    for (let t = 0; t < terms.length; t++) size *= mLen[terms[t]!]!;
    return size;
  }

  function copyBlock(from: Out, start: number, len: number, to: Out): void {
    to.ensure(len);
    const fi = from.index;
    const fv = from.value;
    const ti = to.index;
    const tv = to.value;
    let o = to.n;
    for (let i = start; i < start + len; i++, o++) {
      ti[o] = fi[i]!;
      tv[o] = fv[i]!;
      if (names) to.names[o] = from.names[i]!;
    }
    to.n = o;
  }

  function interact(a: ExampleBuffer, sh: ExampleBuffer): void {
    let nl = 0;
    for (let k = 0; k < nM; k++) {
      const l = mOrder[k]!;
      if (isInteractionNamespace(l)) letterScratch[nl++] = l;
    }
    // Insertion sort: a handful of letters.
    for (let i = 1; i < nl; i++) {
      const x = letterScratch[i]!;
      let j = i - 1;
      while (j >= 0 && letterScratch[j]! > x) {
        letterScratch[j + 1] = letterScratch[j]!;
        j--;
      }
      letterScratch[j + 1] = x;
    }
    const list = compiledFor(letterScratch, nl);
    let am: ActionMemo | null = null;
    if (a.cached) {
      am = a.memo as ActionMemo | null;
      if (am === null || am.list !== list) {
        am = { list, index: new Array<Uint32Array | null>(list.length).fill(null), value: new Array<Float32Array | null>(list.length).fill(null) };
        a.memo = am;
      }
    }
    const aIn = a.inOrder;
    const sIn = sh.inOrder;
    for (let ci = 0; ci < list.length; ci++) {
      const c = list[ci]!;
      const terms = c.terms;
      let empty = false;
      let sharedOnly = true;
      let actionOnly = true;
      for (let t = 0; t < terms.length; t++) {
        const l = terms[t]!;
        if (mLen[l] === 0) {
          empty = true;
          break;
        }
        if (aIn[l] === 1 || l === CONSTANT_NAMESPACE) sharedOnly = false;
        if (aIn[l] !== 1 || sIn[l] === 1 || l === CONSTANT_NAMESPACE) actionOnly = false;
      }
      if (empty) continue;
      if (sharedOnly && c.memoEvent === event) {
        charge(c.memoLen);
        copyBlock(memo, c.memoStart, c.memoLen, out);
        continue;
      }
      if (actionOnly && am !== null) {
        const bi = am.index[ci]!;
        if (bi !== null) {
          const bv = am.value[ci]!;
          const len = bi.length;
          charge(len);
          out.ensure(len);
          out.index.set(bi, out.n);
          out.value.set(bv, out.n);
          out.n += len;
          continue;
        }
      }
      charge(blockSize(terms));
      const before = out.n;
      if (terms.length === 2) quadratic(terms[0]!, terms[1]!);
      else if (terms.length === 3 && !names) cubic(terms[0]!, terms[1]!, terms[2]!);
      else generic(terms, 0, 0, 0, 0, '');
      if (sharedOnly) {
        c.memoEvent = event;
        c.memoStart = memo.n;
        c.memoLen = out.n - before;
        copyBlock(out, before, out.n - before, memo);
      } else if (actionOnly && am !== null) {
        am.index[ci] = out.index.slice(before, out.n);
        am.value[ci] = out.value.slice(before, out.n);
      }
    }
  }

  const hasInteractions = parsed.length > 0;

  // Without reuse or names, every event's actions are written one after another into a slab that is never
  // overwritten (the examples handed out stay valid) and replaced by a fresh one when it runs low: one
  // allocation per many events instead of one per event, and no copy.
  const direct = !reuse && !names;
  const slab = new Out();
  if (direct) {
    slab.index = new Uint32Array(SLAB_ENTRIES);
    slab.value = new Float32Array(SLAB_ENTRIES);
  }
  let lastEventTotal = 0;
  const starts: number[] = [];

  return (sh: ExampleBuffer, actionList: readonly ExampleBuffer[], nActions: number, within = maxFeatures): MultiExample => {
    limit = Math.min(within, maxFeatures);
    sh.group(names);
    memo.n = 0;
    event++;
    charged = 0;
    const actions: FeatureVector[] = [];
    const tags: (string | undefined)[] = [];
    let total = 0;
    if (direct && slab.index.length - slab.n < 2 * lastEventTotal + 1024) {
      const size = Math.max(SLAB_ENTRIES, 4 * lastEventTotal);
      slab.index = new Uint32Array(size);
      slab.value = new Float32Array(size);
      slab.n = 0;
    }
    const eventStart = slab.n;
    for (let k = 0; k < nActions; k++) {
      const a = actionList[k]!;
      if (!a.grouped) a.group(names);
      merge(a, sh);
      if (direct) {
        out = slab;
      } else {
        let o = outs[k];
        if (o === undefined) {
          o = new Out();
          outs[k] = o;
        }
        out = o;
        out.n = 0;
        out.names = names ? [] : out.names;
      }
      const begin = out.n;
      charge(mN);
      out.ensure(mN);
      // Linear terms, group by group (foreach_feature skips --ignore_linear letters).
      const oi = out.index;
      const ov = out.value;
      let p = begin;
      for (let g = 0; g < nM; g++) {
        const l = mOrder[g]!;
        if (ignoreLinear[l] === 1) continue;
        const s0 = mStart[l]!;
        const e0 = s0 + mLen[l]!;
        for (let i = s0; i < e0; i++, p++) {
          oi[p] = mIndex[i]!;
          ov[p] = mValue[i]!;
          if (names) out.names[p] = mNames[i]!;
        }
      }
      out.n = p;
      const linear = p - begin;
      if (hasInteractions) interact(a, sh);
      let fv: FeatureVector;
      if (reuse) {
        fv = reused[k] ?? { index: out.index, value: out.value, count: 0 };
        reused[k] = fv;
        fv.index = out.index;
        fv.value = out.value;
        fv.count = out.n;
      } else {
        // Filled below, once the event's buffers are final.
        fv = { index: EMPTY_INDEX, value: EMPTY_VALUE, count: out.n - begin };
        starts[k] = begin;
        total += out.n - begin;
      }
      fv.linear = linear;
      if (names) fv.names = out.names.length === out.n ? out.names : out.names.slice(0, out.n);
      actions.push(fv);
      tags.push(a.tag);
    }
    if (direct) {
      // The slab's arrays may have grown during the event (ensure keeps positions): view the final ones.
      const bi = slab.index.buffer;
      const bv = slab.value.buffer;
      for (let k = 0; k < actions.length; k++) {
        const fv = actions[k]!;
        fv.index = new Uint32Array(bi, starts[k]! * 4, fv.count);
        fv.value = new Float32Array(bv, starts[k]! * 4, fv.count);
      }
      lastEventTotal = slab.n - eventStart;
    } else if (!reuse) {
      // Allocating two typed arrays per action costs more than featurizing it: copy into one pair per event.
      const buffer = new ArrayBuffer(total * 8);
      const allIndex = new Uint32Array(buffer, 0, total);
      const allValue = new Float32Array(buffer, total * 4, total);
      let at = 0;
      for (let k = 0; k < actions.length; k++) {
        const o = outs[k]!;
        const n = o.n;
        allIndex.set(n === o.index.length ? o.index : o.index.subarray(0, n), at);
        allValue.set(n === o.value.length ? o.value : o.value.subarray(0, n), at);
        const fv = actions[k]!;
        fv.index = new Uint32Array(buffer, at * 4, n);
        fv.value = new Float32Array(buffer, (total + at) * 4, n);
        at += n;
      }
    }
    return { actions, tags, sharedFeatures: sh.n };
  };
}

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

export { FeatureError } from './json_scanner.js';

export const CONSTANT_NAMESPACE = 128;
/** VW's `constant` feature index (core/include/vw/core/constant.h). */
export const CONSTANT_INDEX = 11650396;
export const FNV_PRIME = 16777619;

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
}

/** Featurizes the text of a VW JSON/DSJSON context object, or the [start, end) slice of a larger string. */
export type Featurizer = (text: string, start?: number, end?: number) => MultiExample;

interface Compiled {
  terms: Uint8Array;
  /** Identifies the interaction for the per-event cache of shared-only blocks. */
  key: string;
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
  const names = options.names === true;
  const reuse = options.reuse === true;
  const bits = config.bits;
  const mask = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  const parser = new JsonExampleParser({
    hash: featureHasher(config.hashAll),
    hashSeed: config.hashSeed >>> 0,
    mask,
    chainHash: config.chainHash,
    ignore: letterFlags(config.ignore),
    names,
  });
  const ignoreLinear = letterFlags(config.ignoreLinear);
  const addConstant = !config.noConstant;
  const parsed = parseInteractionArgs(config.quadratic, config.cubic, config.interactions);

  // Compiled interaction lists per set of interactable letters.
  const compiledBySet = new Map<string, Compiled[]>();
  let lastLetters = new Uint8Array(0);
  let lastCompiled: Compiled[] = [];
  const letterScratch = new Uint8Array(256);

  function compiledFor(letters: Uint8Array, n: number): Compiled[] {
    if (n === lastLetters.length) {
      let same = true;
      for (let i = 0; i < n; i++) if (letters[i] !== lastLetters[i]) { same = false; break; }
      if (same) return lastCompiled;
    }
    const key = String.fromCharCode(...letters.subarray(0, n));
    let c = compiledBySet.get(key);
    if (c === undefined) {
      c = compileInteractions(parsed, Array.from(letters.subarray(0, n))).map((t) => ({
        terms: Uint8Array.from(t),
        key: String.fromCharCode(...t),
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
  const out = new Out();
  // Shared-only interaction blocks, computed once per event and copied into every action.
  const memo = new Out();
  const memoAt = new Map<string, number>();
  const memoLen: number[] = [];
  const reused: FeatureVector[] = [];

  function mergedPush(idx: number, val: number, at: number): void {
    mIndex[at] = idx;
    mValue[at] = val;
  }

  function merge(a: ExampleBuffer, sh: ExampleBuffer): void {
    for (let k = 0; k < nM; k++) mLen[mOrder[k]!] = 0;
    nM = 0;
    const need = a.n + sh.n + 1;
    if (mIndex.length < need) {
      mIndex = new Uint32Array(need * 2);
      mValue = new Float32Array(need * 2);
    }
    let p = 0;
    const appendGroup = (l: number): void => {
      mStart[l] = p;
      if (a.inOrder[l] === 1) {
        const s0 = a.gStart[l]!;
        const n0 = a.gLen[l]!;
        for (let i = 0; i < n0; i++) {
          mergedPush(a.gIndex[s0 + i]!, a.gValue[s0 + i]!, p);
          if (names) mNames[p] = a.gNames[s0 + i]!;
          p++;
        }
      }
      if (sh.inOrder[l] === 1) {
        const s1 = sh.gStart[l]!;
        const n1 = sh.gLen[l]!;
        for (let i = 0; i < n1; i++) {
          mergedPush(sh.gIndex[s1 + i]!, sh.gValue[s1 + i]!, p);
          if (names) mNames[p] = sh.gNames[s1 + i]!;
          p++;
        }
      }
      mLen[l] = p - mStart[l]!;
      mOrder[nM++] = l;
    };
    for (let k = 0; k < a.nOrder; k++) appendGroup(a.order[k]!);
    if (addConstant) {
      mStart[CONSTANT_NAMESPACE] = p;
      mergedPush(CONSTANT_INDEX, 1, p);
      if (names) mNames[p] = 'Constant';
      p++;
      mLen[CONSTANT_NAMESPACE] = 1;
      mOrder[nM++] = CONSTANT_NAMESPACE;
    }
    for (let k = 0; k < sh.nOrder; k++) {
      const l = sh.order[k]!;
      if (a.inOrder[l] === 0) appendGroup(l);
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

  function quadratic(l0: number, l1: number): void {
    const s0 = mStart[l0]!;
    const n0 = mLen[l0]!;
    const s1 = mStart[l1]!;
    const n1 = mLen[l1]!;
    const same = l0 === l1;
    out.ensure(n0 * n1);
    const oi = out.index;
    const ov = out.value;
    let o = out.n;
    for (let i = 0; i < n0; i++) {
      const h = Math.imul(FNV_PRIME, mIndex[s0 + i]!);
      const v = mValue[s0 + i]!;
      for (let j = same ? i : 0; j < n1; j++) {
        oi[o] = (h ^ mIndex[s1 + j]!) >>> 0;
        ov[o] = Math.fround(v * mValue[s1 + j]!);
        if (names) out.names[o] = `${mNames[s0 + i]!}*${mNames[s1 + j]!}`;
        o++;
      }
    }
    out.n = o;
  }

  function interact(a: ExampleBuffer): void {
    let nl = 0;
    for (let k = 0; k < nM; k++) {
      const l = mOrder[k]!;
      if (isInteractionNamespace(l)) letterScratch[nl++] = l;
    }
    letterScratch.subarray(0, nl).sort();
    const list = compiledFor(letterScratch, nl);
    for (const c of list) {
      const terms = c.terms;
      let empty = false;
      let sharedOnly = true;
      for (let t = 0; t < terms.length; t++) {
        const l = terms[t]!;
        if (mLen[l] === 0) {
          empty = true;
          break;
        }
        if (a.inOrder[l] === 1 || l === CONSTANT_NAMESPACE) sharedOnly = false;
      }
      if (empty) continue;
      if (sharedOnly) {
        const at = memoAt.get(c.key);
        if (at !== undefined) {
          const len = memoLen[at]!;
          const start = at;
          out.ensure(len);
          out.index.set(memo.index.subarray(start, start + len), out.n);
          out.value.set(memo.value.subarray(start, start + len), out.n);
          if (names) for (let i = 0; i < len; i++) out.names[out.n + i] = memo.names[start + i]!;
          out.n += len;
          continue;
        }
      }
      const before = out.n;
      if (terms.length === 2) quadratic(terms[0]!, terms[1]!);
      else generic(terms, 0, 0, 0, 0, '');
      if (sharedOnly) {
        const len = out.n - before;
        const start = memo.n;
        memo.ensure(len);
        memo.index.set(out.index.subarray(before, out.n), start);
        memo.value.set(out.value.subarray(before, out.n), start);
        if (names) for (let i = 0; i < len; i++) memo.names[start + i] = out.names[before + i]!;
        memo.n += len;
        memoAt.set(c.key, start);
        memoLen[start] = len;
      }
    }
  }

  function vectorFor(k: number): FeatureVector {
    if (!reuse) {
      const fv: FeatureVector = { index: out.index.slice(0, out.n), value: out.value.slice(0, out.n), count: out.n };
      if (names) fv.names = out.names.slice(0, out.n);
      return fv;
    }
    let fv = reused[k];
    if (fv === undefined || fv.index.length < out.n) {
      const size = Math.max(out.n, 64) * 2;
      fv = { index: new Uint32Array(size), value: new Float32Array(size), count: 0 };
      reused[k] = fv;
    }
    fv.index.set(out.index.subarray(0, out.n));
    fv.value.set(out.value.subarray(0, out.n));
    fv.count = out.n;
    if (names) fv.names = out.names.slice(0, out.n);
    return fv;
  }

  const hasInteractions = parsed.length > 0;

  return (text: string, start = 0, end = text.length): MultiExample => {
    parser.parse(text, start, end);
    const sh = parser.shared;
    sh.group(names);
    memo.n = 0;
    memoAt.clear();
    const actions: FeatureVector[] = [];
    const tags: (string | undefined)[] = [];
    for (let k = 0; k < parser.nActions; k++) {
      const a = parser.actions[k]!;
      a.group(names);
      merge(a, sh);
      out.n = 0;
      out.ensure(mIndex.length);
      // Linear terms, group by group (foreach_feature skips --ignore_linear letters).
      for (let g = 0; g < nM; g++) {
        const l = mOrder[g]!;
        if (ignoreLinear[l] === 1) continue;
        const s0 = mStart[l]!;
        const n0 = mLen[l]!;
        out.ensure(n0);
        out.index.set(mIndex.subarray(s0, s0 + n0), out.n);
        out.value.set(mValue.subarray(s0, s0 + n0), out.n);
        if (names) for (let i = 0; i < n0; i++) out.names[out.n + i] = mNames[s0 + i]!;
        out.n += n0;
      }
      if (hasInteractions) interact(a);
      actions.push(vectorFor(k));
      tags.push(a.tag);
    }
    return { actions, tags };
  };
}

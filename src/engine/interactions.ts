// Which namespace-letter interactions VW generates, in VW's order.
// Parse time (core/src/parse_args.cc parse_feature_tweaks): -q (2 letters), --cubic (3), --interactions (>= 2), each
// hex-decoded (\xHH), then the whole list sorted by (size, letters) and deduplicated as unordered sets
// (core/include/vw/core/interactions.h sort_and_filter_duplicate_interactions).
// Run time, when a ':' wildcard is present (core/src/reductions/generate_interactions.cc,
// core/include/vw/core/interactions.h compile_interactions, core/src/interactions.cc
// expand_quadratics_wildcard_interactions): wildcards expand over the interactable letters seen (32..126 and the
// CCB slot namespace 139; never the constant's 128), then sort + dedup again.
// Letters absent from an example generate nothing, so compiling over one example's letters gives that example's
// exact list: VW's global "seen" set only adds interactions that are empty here.

import { encodeUtf8Into } from './hash.js';
import { FeatureError } from './json_scanner.js';

const WILDCARD = 0x3a; // ':'
const CCB_SLOT_NAMESPACE = 139;

export function isInteractionNamespace(letter: number): boolean {
  return (letter >= 0x20 && letter <= 0x7e) || letter === CCB_SLOT_NAMESPACE;
}

/** VW::decode_inline_hex: "\x41" → 'A'. Returns the bytes (namespace letters). */
export function decodeInlineHex(arg: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < arg.length; i++) {
    const c = arg.charCodeAt(i);
    if (c === 0x5c && arg[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(arg.slice(i + 2, i + 4))) {
      out.push(parseInt(arg.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      // A non-ASCII character stands for its UTF-8 bytes; the first one is a namespace letter.
      const buf = new Uint8Array(4);
      const n = encodeUtf8Into(arg.slice(i, i + (c >= 0xd800 && c <= 0xdbff ? 2 : 1)), buf, 0);
      for (let k = 0; k < n; k++) out.push(buf[k]!);
      if (c >= 0xd800 && c <= 0xdbff) i++;
    }
  }
  return out;
}

function compareLetters(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** sort_interactions_comparator: shorter first, then lexicographic. */
function sizeThenLex(a: number[], b: number[]): number {
  return a.length !== b.length ? a.length - b.length : compareLetters(a, b);
}

/** must_be_left_sorted: true when a (sorted) interaction mixes repeated and different letters ('aab', 'abb'). */
function mustBeLeftSorted(oi: number[]): boolean {
  if (oi.length <= 1) return true;
  let diff = false;
  let pair = false;
  for (let i = 0; i < oi.length - 1; i++) {
    if (oi[i] === oi[i + 1]) {
      if (diff) return true;
      pair = true;
    } else {
      if (pair) return true;
      diff = true;
    }
  }
  return false;
}

/** sort_and_filter_duplicate_interactions with filter_duplicates = true (no --leave_duplicate_interactions). */
export function sortAndFilterDuplicates(vec: number[][]): number[][] {
  const keyed = vec.map((v, i) => ({ sorted: [...v].sort((x, y) => x - y), i }));
  // Stable sort by the sorted letters; keep the first of equal ones; restore the original order.
  const bySet = [...keyed].sort((a, b) => compareLetters(a.sorted, b.sorted) || a.i - b.i);
  const kept: typeof keyed = [];
  for (const k of bySet) {
    const last = kept[kept.length - 1];
    if (!last || compareLetters(last.sorted, k.sorted) !== 0) kept.push(k);
  }
  kept.sort((a, b) => a.i - b.i);
  return kept.map((k) => (mustBeLeftSorted(k.sorted) ? k.sorted : vec[k.i]!));
}

/** The parse-time interaction list of a policy (before wildcard expansion). */
export function parseInteractionArgs(quadratic: readonly string[], cubic: readonly string[], interactions: readonly string[]): number[][] {
  const decoded: number[][] = [];
  for (const q of quadratic) {
    const p = decodeInlineHex(q);
    if (p.length !== 2) throw new FeatureError(`quadratic interaction '${q}' must involve two namespaces`);
    decoded.push(p);
  }
  for (const c of cubic) {
    const p = decodeInlineHex(c);
    if (p.length !== 3) throw new FeatureError(`cubic interaction '${c}' must involve three namespaces`);
    decoded.push(p);
  }
  for (const s of interactions) {
    const p = decodeInlineHex(s);
    if (p.length < 2) throw new FeatureError(`interaction '${s}' must involve at least two namespaces`);
    decoded.push(p);
  }
  if (decoded.length === 0) return [];
  decoded.sort(sizeThenLex);
  return sortAndFilterDuplicates(decoded);
}

export function hasWildcard(inter: readonly number[]): boolean {
  return inter.includes(WILDCARD);
}

/** expand_quadratics_wildcard_interactions: the set {(x, y) : x <= y} in lexicographic order. */
function expandQuadraticWildcard(letters: number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < letters.length; i++) for (let j = i; j < letters.length; j++) out.push([letters[i]!, letters[j]!]);
  return out;
}

/** generate_namespace_combinations_with_repetition: non-increasing index tuples, first index fastest. */
function combinationsWithRepetition(letters: number[], k: number): number[][] {
  const out: number[][] = [];
  if (letters.length === 0) return out;
  const last = letters.length - 1;
  const idx = new Array<number>(k + 1).fill(0);
  for (;;) {
    for (let i = 0; i < k; i++) {
      if (idx[i]! > last) {
        idx[i + 1]! += 1;
        for (let m = i; m >= 0; m--) idx[m] = idx[i + 1]!;
      }
    }
    if (idx[k]! > 0) break;
    out.push(idx.slice(0, k).map((x) => letters[x]!));
    idx[0]! += 1;
  }
  return out;
}

/**
 * compile_interactions: the interactions for an example whose interactable letters (sorted ascending,
 * see isInteractionNamespace) are `letters`.
 */
export function compileInteractions(parsed: readonly number[][], letters: number[]): number[][] {
  if (!parsed.some(hasWildcard)) return parsed.map((p) => [...p]);
  if (letters.length === 0) return [];
  const final: number[][] = [];
  for (const inter of parsed) {
    if (!hasWildcard(inter)) {
      final.push([...inter]);
      continue;
    }
    const fixedAt: number[] = [];
    const fixed: number[] = [];
    let wild = 0;
    inter.forEach((c, i) => {
      if (c === WILDCARD) wild++;
      else {
        fixedAt.push(i);
        fixed.push(c);
      }
    });
    const gen = wild === 2 ? expandQuadraticWildcard(letters) : combinationsWithRepetition(letters, wild);
    for (let f = 0; f < fixedAt.length; f++) for (const g of gen) g.splice(fixedAt[f]!, 0, fixed[f]!);
    final.push(...gen);
  }
  final.sort(sizeThenLex);
  return sortAndFilterDuplicates(final);
}

// Minimal JSON scanning over a string without building objects: positions in, positions out.
// DSJSON lines are ~1 kB and most of that is the `c` object, which only needs to be *skipped* here
// (the featurizer parses it from the same line), so scanning beats JSON.parse of the whole line.
// Malformed input throws a ScanFailure (a plain object: cheaper than an Error with a stack).

export interface ScanFailure {
  scanFailure: true;
  reason: string;
}

export function fail(reason: string): never {
  throw { scanFailure: true, reason } satisfies ScanFailure;
}

export function isScanFailure(e: unknown): e is ScanFailure {
  return typeof e === 'object' && e !== null && (e as ScanFailure).scanFailure === true;
}

const QUOTE = 34;
const BACKSLASH = 92;

export function skipWs(s: string, i: number): number {
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else break;
  }
  return i;
}

/** `i` at an opening quote; returns the index one past the closing quote. */
export function skipString(s: string, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = s.indexOf('"', j);
    if (q < 0) fail('unterminated string');
    // A quote is escaped when preceded by an odd number of backslashes.
    let k = q - 1;
    while (k > i && s.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/** The decoded string value starting at quote `i`, and the index after it. */
export function readString(s: string, i: number): { value: string; end: number } {
  const end = skipString(s, i);
  const raw = s.slice(i + 1, end - 1);
  // Escapes are rare in DSJSON keys and ids; only then pay for JSON.parse.
  const value = raw.indexOf('\\') < 0 ? raw : (JSON.parse(s.slice(i, end)) as string);
  return { value, end };
}

function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}

/** A JSON number starting at `i`: { value, end }. */
export function readNumber(s: string, i: number): { value: number; end: number } {
  const value = scanNumber(s, i);
  return { value, end: scanEnd };
}

/** Set by scanNumber: the index one past the number it read (avoids an object per number). */
export let scanEnd = 0;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * The JSON number at `i`; sets scanEnd. Fast path for `-?digits(.digits)?` with at most 15 digits:
 * an integer below 2^53 divided by an exact power of ten is one correctly rounded operation, so the
 * result equals Number()'s (Clinger's fast path). Anything else goes through Number().
 */
export function scanNumber(s: string, i: number): number {
  const n = s.length;
  let j = i;
  let neg = false;
  if (s.charCodeAt(j) === 45) {
    neg = true;
    j++;
  }
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let c = s.charCodeAt(j);
  while (c >= 48 && c <= 57) {
    mant = mant * 10 + (c - 48);
    digits++;
    c = s.charCodeAt(++j);
  }
  if (c === 46) {
    c = s.charCodeAt(++j);
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      frac++;
      c = s.charCodeAt(++j);
    }
  }
  if (digits > 0 && digits <= 15 && c !== 101 && c !== 69 && !(c >= 48 && c <= 57) && j <= n) {
    scanEnd = j;
    const v = frac === 0 ? mant : mant / POW10[frac]!;
    return neg ? -v : v;
  }
  j = i;
  while (j < n && isNumberChar(s.charCodeAt(j))) j++;
  if (j === i) fail(`expected a number at column ${i + 1}`);
  const text = s.slice(i, j);
  const value = Number(text);
  if (Number.isNaN(value) || text.endsWith('.')) fail(`malformed number '${text}'`);
  scanEnd = j;
  return value;
}

/** Index one past the value starting at `i` (object, array, string, number, literal). */
export function skipValue(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === QUOTE) return skipString(s, i);
  if (c === 123 /* { */ || c === 91 /* [ */) return skipContainer(s, i);
  if (c === 116 /* t */) return expectLiteral(s, i, 'true');
  if (c === 102 /* f */) return expectLiteral(s, i, 'false');
  if (c === 110 /* n */) return expectLiteral(s, i, 'null');
  scanNumber(s, i);
  return scanEnd;
}

export function expectLiteral(s: string, i: number, word: string): number {
  if (!s.startsWith(word, i)) fail(`unexpected token at column ${i + 1}`);
  return i + word.length;
}

/** Skips a balanced {...} or [...] (strings honoured); the inside is validated by whoever parses it. */
function skipContainer(s: string, i: number): number {
  return skipBalanced(s, i, false);
}

/** Set by skipContext: whether the object just skipped has a top-level `_slots` key (a CCB line). */
export let contextHasSlots = false;

/**
 * Skips the `c` object starting at `i` (a `{`), noting on the way whether one of its own keys is `_slots`
 * (VW's CCB marker) so the line is not scanned a second time.
 */
export function skipContext(s: string, i: number): number {
  contextHasSlots = false;
  return skipBalanced(s, i, true);
}

/** The one bracket skipper: past the `{`/`[` at `i` to its match; with `noteSlots`, sets contextHasSlots. */
function skipBalanced(s: string, i: number, noteSlots: boolean): number {
  const n = s.length;
  let depth = 0;
  let j = i;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) {
      const start = j;
      j = skipString(s, j);
      // Only depth-1 strings followed by ':' are the object's own keys.
      if (noteSlots && depth === 1 && s.charCodeAt(start + 1) === 95 && s.startsWith('_slots"', start + 1) && s.charCodeAt(skipWs(s, j)) === 58)
        contextHasSlots = true;
      continue;
    }
    if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return fail('unbalanced brackets');
}

/** Reads a JSON array of numbers (null elements are rejected). */
export function readNumberArray(s: string, i: number): { value: number[]; end: number } {
  if (s.charCodeAt(i) !== 91) fail(`expected an array at column ${i + 1}`);
  const value: number[] = [];
  let j = skipWs(s, i + 1);
  if (s.charCodeAt(j) === 93) return { value, end: j + 1 };
  for (;;) {
    value.push(scanNumber(s, j));
    j = skipWs(s, scanEnd);
    const c = s.charCodeAt(j);
    if (c === 44) j = skipWs(s, j + 1);
    else if (c === 93) return { value, end: j + 1 };
    else fail(`expected ',' or ']' at column ${j + 1}`);
  }
}

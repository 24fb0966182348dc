// VW's text-format number parser (core/include/vw/core/parse_primitives.h parse_float, with the power-of-ten
// table of core/include/vw/core/fast_pow10.h): digits accumulate in a float, then one multiply by a float power of
// ten. It is not correctly rounded (a long decimal such as 7.333333500000001 can land one float away from
// Math.fround(Number(text))), so a dataset read "as VW reads it" must go through this, not through Number().
const f = Math.fround;

/** fast_pow10's tables: 10^n by repeated float multiplication, 10^-n by repeated float division (n ≤ 38 / 37). */
const POSITIVE: number[] = [1];
for (let e = 1; e <= 39; e++) POSITIVE.push(f(10 * POSITIVE[e - 1]!));
const NEGATIVE: number[] = [1];
for (let e = 1; e <= 37; e++) NEGATIVE.push(f(NEGATIVE[e - 1]! / 10));

function fastPow10(exponent: number): number {
  // The exponent is passed as int8_t: it wraps modulo 256 first.
  const e = ((exponent + 128) & 255) - 128;
  if (e > 38) return Infinity;
  if (e < -37) return 0;
  return e >= 0 ? POSITIVE[e]! : NEGATIVE[-e]!;
}

/**
 * parse_float on a whole field: optional '-', digits, optional '.' and digits (at most 35 of them count), optional
 * exponent. Anything else in the field sends VW to strtof, which is correctly rounded: Math.fround(Number(text)).
 * Returns NaN for a field that is not a number at all (VW would warn and use 0; callers refuse it instead).
 */
export function parseVwFloat(text: string): number {
  let p = 0;
  const n = text.length;
  while (p < n && text.charCodeAt(p) === 0x20) p++;
  let sign = 1;
  if (text.charCodeAt(p) === 0x2d) {
    sign = -1;
    p++;
  }
  let acc = 0;
  let digits = 0;
  for (let c = text.charCodeAt(p); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++p)) {
    // `acc * 10 + *p++ - '0'`: two float operations, the character code added before '0' is taken off.
    acc = f(f(f(acc * 10) + c) - 0x30);
    digits++;
  }
  let numDec = 0;
  if (text.charCodeAt(p) === 0x2e) {
    for (let c = text.charCodeAt(++p); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++p)) {
      if (numDec < 35) {
        acc = f(f(acc * 10) + (c - 0x30));
        numDec++;
      }
      digits++;
    }
  }
  let exp = 0;
  const e = text.charCodeAt(p);
  if (p < n && (e === 0x65 || e === 0x45)) {
    p++;
    let expSign = 1;
    if (text.charCodeAt(p) === 0x2d) {
      expSign = -1;
      p++;
    }
    for (let c = text.charCodeAt(p); c >= 0x30 && c <= 0x39; c = text.charCodeAt(++p)) exp = (exp * 10 + (c - 0x30)) | 0;
    exp *= expSign;
  }
  if (p === n) {
    if (digits === 0) return NaN;
    return f(sign * f(acc * fastPow10(exp - numDec)));
  }
  // strtof fallback ('+', "inf", hex, a trailing character): refuse what is not a finite decimal number.
  const v = Number(text.trim());
  return Number.isFinite(v) && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? f(v) : NaN;
}

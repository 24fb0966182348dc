// VW's text output for a replay: `-p` prediction lines, the progress table and the final summary on stderr
// (VW 9.10 core/src/shared_data.cc print_update / print_summary; core/src/reductions/cb/cb_explore_adf_common.h
// print_multiline_example; action scores printed by VW::print_action_score with VW::fmt_float(p, 6); progress rows
// by print_update_cb in core/src/cb.cc with 2 digits).

/**
 * The exact decimal rounding C++ does (fmt and printf round the exact binary value, halfway cases to even):
 * x·10^d rounded to an integer, as a bigint. JavaScript's toFixed/toPrecision round halfway cases up instead
 * (0.125 → "0.13" where VW prints 0.12).
 */
function scaledRound(x: number, d: number): bigint {
  // x = m·2^e exactly, m a 53-bit integer (x finite, non-zero).
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const bexp = hi >>> 20;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = bexp - 1075;
  }
  let num = m * (d >= 0 ? 10n ** BigInt(d) : 1n);
  let den = d < 0 ? 10n ** BigInt(-d) : 1n;
  if (e >= 0) num <<= BigInt(e);
  else den <<= BigInt(-e);
  const q = num / den;
  const r2 = (num % den) * 2n;
  const n = r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q;
  return x < 0 ? -n : n;
}

/** n / 10^d written with exactly d decimals ("-0.120"). */
function fixedDigits(n: bigint, d: number, negative: boolean): string {
  let digits = (n < 0n ? -n : n).toString();
  if (d > 0) {
    digits = digits.padStart(d + 1, '0');
    digits = digits.slice(0, -d) + '.' + digits.slice(-d);
  }
  return (negative ? '-' : '') + digits;
}

/** fmt's `{:.Nf}`: x rounded to d decimals (exact value, halfway to even), keeping a "-" on a negative zero. */
export function formatFixed(x: number, d: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  if (x === 0) return fixedDigits(0n, d, Object.is(x, -0));
  return fixedDigits(scaledRound(x, d), d, x < 0);
}

/**
 * VW::fmt_float(x, d) (core/src/text_utils.cc): `{:.d}f`, then trailing zeros and a trailing point removed:
 * 0.083333, 0.000094, 0.84, 1, 0 (and "-0" for a negative value that rounds to zero).
 */
export function fmtFloat(x: number, d: number): string {
  let s = formatFixed(x, d);
  if (s.indexOf('.') >= 0) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/**
 * One `-p` line: `index:prob,…` in VW order (best first), each probability VW::fmt_float(p, 6)
 * (VW::to_string(action_scores), core/src/action_score.cc). VW follows each multiline example with a blank line.
 */
export function formatPredictionLine(pmf: readonly { index: number; probability: number }[]): string {
  let s = '';
  for (let i = 0; i < pmf.length; i++) {
    if (i > 0) s += ',';
    s += pmf[i]!.index + ':' + fmtProbability(pmf[i]!.probability);
  }
  return s + '\n\n';
}

/**
 * fmtFloat(p, 6) without allocating a bigint for the usual case: a float times 10^6 is exact in a double
 * (24 + 20 bits), so the rounding, halfway cases to even, can be done on it directly.
 */
export function fmtProbability(p: number): string {
  if (!(p >= 0 && p < 1e9)) return fmtFloat(p, 6);
  const t = p * 1e6;
  if (t !== Math.fround(p) * 1e6 || t > Number.MAX_SAFE_INTEGER) return fmtFloat(p, 6); // not a float
  let n = Math.floor(t);
  const frac = t - n;
  if (frac > 0.5 || (frac === 0.5 && n % 2 === 1)) n++;
  const int = Math.floor(n / 1e6);
  let dec = n - int * 1e6;
  if (dec === 0) return String(int);
  let digits = 6;
  while (dec % 10 === 0) {
    dec /= 10;
    digits--;
  }
  return int + '.' + String(dec).padStart(digits, '0');
}

export const TABLE_HEADER =
  'average  since         example        example        current        current  current\n' +
  'loss     last          counter         weight          label        predict features\n';

/** VW's fixed-width loss cell: 6 decimals, cut to 8 characters ("-0.119047" → "-0.11904"). */
function lossCell(x: number | undefined): string {
  const s = x === undefined ? 'n.a.' : x.toFixed(6);
  return (s.length > 8 ? s.slice(0, 8) : s).padEnd(8);
}

export interface ProgressRow {
  averageLoss?: number;
  sinceLast?: number;
  exampleCounter: number;
  exampleWeight: number;
  /** "index:cost:probability" of the logged label, or "unknown". */
  label: string;
  /** "index:probability" of VW's first action. */
  predict: string;
  features: number;
}

export function formatProgressRow(r: ProgressRow): string {
  return (
    `${lossCell(r.averageLoss)} ${lossCell(r.sinceLast)} ${String(r.exampleCounter).padStart(12)} ` +
    `${r.exampleWeight.toFixed(1).padStart(14)} ${r.label.padStart(14)} ${r.predict.padStart(14)} ` +
    `${String(r.features).padStart(8)}\n`
  );
}

export interface Summary {
  examples: number;
  weightedExampleSum: number;
  weightedLabelSum: number;
  /** undefined when no labelled example was seen (VW prints n.a.). */
  averageLoss?: number;
  totalFeatures: number;
}

/** VW's summary, then replay's own count of the lines it skipped (VW skips them too, without counting). */
export function formatSummary(s: Summary, skippedLines: number): string {
  return (
    '\nfinished run\n' +
    `number of examples = ${s.examples}\n` +
    `weighted example sum = ${s.weightedExampleSum.toFixed(6)}\n` +
    `weighted label sum = ${s.weightedLabelSum.toFixed(6)}\n` +
    `average loss = ${s.averageLoss === undefined ? 'n.a.' : s.averageLoss.toFixed(6)}\n` +
    `total feature number = ${s.totalFeatures}\n` +
    `skipped lines = ${skippedLines}\n`
  );
}

// How VW's own test runner compares an output with its reference (test/run_tests.py in VW 9.10.0:
// is_output_different, are_lines_different, is_line_different, fuzzy_float_compare), run as VW's CI runs it
// (`run_tests.py --fuzzy_compare --epsilon 0.001`, .github/workflows/vendor_build.yml). Test-only.

/** VW's CI tolerance for numbers (`-E 0.001`). */
export const VW_TEST_EPSILON = 1e-3;

/** Python's float(): a decimal number, inf or nan, surrounded by optional blanks. */
function pyFloat(s: string): number | undefined {
  const t = s.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return NaN;
  if (!/^[+-]?(\d+(_\d+)*\.?\d*(_\d+)*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** fuzzy_float_compare: absolute difference below epsilon, or for |ref| > 1 a relative one. */
export function fuzzyFloatEqual(out: number, ref: number, epsilon = VW_TEST_EPSILON): boolean {
  if (!Number.isFinite(out) && !Number.isFinite(ref) && !Number.isNaN(out) && !Number.isNaN(ref)) return true;
  if (Number.isNaN(out) && Number.isNaN(ref)) return true;
  if (Math.abs(out - ref) < epsilon) return true;
  if (Math.abs(ref) <= 1) return false;
  return Math.abs(out / ref - 1) < epsilon;
}

/** is_line_different: undefined when the lines match, else why not. */
export function lineDifference(outLine: string, refLine: string, epsilon = VW_TEST_EPSILON): string | undefined {
  const out = outLine.split(/[ \t:,@=]+/);
  const ref = refLine.split(/[ \t:,@=]+/);
  if (out.length !== ref.length) return 'number of tokens differs';
  for (let k = 0; k < out.length; k++) {
    const o = pyFloat(out[k]!);
    const r = pyFloat(ref[k]!);
    if (o !== undefined && r !== undefined) {
      if (!fuzzyFloatEqual(o, r, epsilon)) return `floats differ: ${out[k]} vs ${ref[k]}`;
    } else if (out[k] !== ref[k]) {
      return `token differs: ${out[k]} vs ${ref[k]}`;
    }
  }
  const delims = (s: string) => s.match(/[:,@]+/g) ?? [];
  if (delims(outLine).join(' ') !== delims(refLine).join(' ')) return 'delimiters differ';
  return undefined;
}

/** is_output_different with fuzzy_compare: undefined when the texts match, else the first difference. */
export function outputDifference(output: string, reference: string, epsilon = VW_TEST_EPSILON): string | undefined {
  const lines = (s: string) => s.trim().split(/\r\n|\r|\n/).map((l) => l.trim().replaceAll('...', ''));
  const out = lines(output);
  const ref = lines(reference);
  if (out.length !== ref.length) return `${out.length} lines, the reference has ${ref.length}`;
  for (let k = 0; k < ref.length; k++) {
    const why = lineDifference(out[k]!, ref[k]!, epsilon);
    if (why !== undefined) return `line ${k + 1}: ${why}\n  ours: ${out[k]}\n  VW:   ${ref[k]}`;
  }
  return undefined;
}

/** The `key = value` lines VW prints after `finished run` (number of examples, average loss, …). */
export function runSummary(stderr: string): Map<string, string> {
  const summary = new Map<string, string>();
  const at = stderr.lastIndexOf('finished run');
  if (at < 0) return summary;
  for (const line of stderr.slice(at).split(/\r?\n/)) {
    const m = /^([a-z][a-z ]*[a-z]) = (.*)$/.exec(line.trim());
    if (m) summary.set(m[1]!, m[2]!.trim());
  }
  return summary;
}

/**
 * The reference's end-of-run summary against ours, each value by VW's fuzzy rule (`n.a.` only equals `n.a.`).
 * Only the summary is compared: the header lines name VW's reductions and its `-P` progress rows, which replay
 * does not print.
 */
export function summaryDifference(stderr: string, refStderr: string, epsilon = VW_TEST_EPSILON): string | undefined {
  const ours = runSummary(stderr);
  const ref = runSummary(refStderr);
  if (ref.size === 0) return undefined;
  for (const [key, refValue] of ref) {
    const value = ours.get(key);
    if (value === undefined) return `no "${key}" in our summary (VW: ${refValue})`;
    if (lineDifference(value, refValue, epsilon) !== undefined) return `${key} = ${value}, VW: ${refValue}`;
  }
  return undefined;
}

// VW's text output for a replay: `-p` prediction lines, the progress table and the final summary on stderr
// (VW 9.10 core/src/shared_data.cc print_update / print_summary; core/src/reductions/cb/cb_explore_adf_common.h
// print_multiline_example; action_scores printed by VW::print_action_score with default ostream precision).

/** C++ `ostream << float` with the default precision 6 (%g): 0.84, 0.2, 1e-05, 0.0333333. */
export function formatG6(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x < 0 ? '-inf' : 'inf';
  const ax = Math.abs(x);
  let s: string;
  if (ax >= 1e-4 && ax < 1e6) {
    s = x.toPrecision(6);
    if (s.indexOf('e') < 0) {
      // toPrecision may switch to exponent form only outside this range; strip %g's trailing zeros.
      if (s.indexOf('.') >= 0) s = s.replace(/\.?0+$/, '');
      return s;
    }
  }
  s = x.toExponential(5); // d.ddddde±x
  let [mant, exp] = s.split('e') as [string, string];
  if (mant.indexOf('.') >= 0) mant = mant.replace(/\.?0+$/, '');
  const sign = exp[0] === '-' ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '');
  return `${mant}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

/** One `-p` line: `index:prob,…` in VW order (best first). VW follows each multiline example with a blank line. */
export function formatPredictionLine(pmf: readonly { index: number; probability: number }[]): string {
  let s = '';
  for (let i = 0; i < pmf.length; i++) {
    if (i > 0) s += ',';
    s += pmf[i]!.index + ':' + formatG6(pmf[i]!.probability);
  }
  return s + '\n\n';
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

// The readable report of `personalizer evaluate`: one aligned row per policy (Azure's estimates and ours), the
// custom policies' arguments, then feature importance and the optimal policy when they were computed.
import type { EvaluationResult, PolicyResult } from '../evaluation/index.js';

const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(6));

function row(p: PolicyResult): string[] {
  const s = p.totalSummary;
  const snips = s.snipsEstimatorDenominator > 0 ? s.ipsEstimatorNumerator / s.snipsEstimatorDenominator : 0;
  return [
    p.name,
    p.policySource,
    String(s.ipsEstimatorDenominator),
    `${num(s.averageReward)} ± ${num(s.confidenceInterval)}`,
    num(snips),
    `${num(s.doublyRobustEstimate)} ± ${num(s.doublyRobustConfidenceInterval)}`,
    num(p.averageLoss),
  ];
}

const HEAD = ['policy', 'source', 'events', 'IPS ± 95% CI', 'SNIPS', 'DR ± 95% CI', 'VW avg loss'];
/** Columns aligned left (text); the others are numbers, aligned right. */
const LEFT = new Set([0, 1]);

export function formatTable(rows: string[][], head: string[] = HEAD, left: Set<number> = LEFT): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

export interface ReportInfo {
  file: string;
  startTime: number;
  endTime: number;
}

export function formatEvaluation(result: EvaluationResult, info: ReportInfo): string {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : '?');
  let out = `${info.file}: ${result.events} events, ${iso(info.startTime)} … ${iso(info.endTime)}\n\n`;
  out += formatTable(result.policyResults.map(row));
  const custom = result.policyResults.filter((p) => p.policySource === 'Custom' || p.policySource === 'OfflineExperimentation' || p.policySource === 'Online');
  if (custom.length > 0) {
    out += '\narguments:\n';
    const w = Math.max(...custom.map((p) => p.name.length));
    for (const p of custom) out += `  ${p.name.padEnd(w)}  ${p.arguments}\n`;
  }
  out += '\nIPS: the mean of reward × π/p (Azure\'s averageReward); SNIPS: Σ reward × π/p / Σ π/p; DR: doubly robust.\n';
  out += 'VW avg loss: the progressive average loss VW prints for the policy (lower is better).\n';
  if (result.featureScores.length > 0) {
    out += '\nfeature importance (0–100, most important first):\n';
    const scores = [...result.featureScores].sort((a, b) => b.score - a.score);
    out += formatTable(
      scores.map((s) => [s.namespace === '' ? '(top level)' : s.namespace, s.featureName ?? '(whole namespace)', s.score.toFixed(1)]),
      ['namespace', 'feature', 'score'],
      new Set([0, 1]),
    );
  } else if (result.featureImportance.length > 0) {
    out += '\nfeature importance (most important first):\n';
    result.featureImportance.forEach((g, i) => (out += `  ${i + 1}. ${g.join(', ')}\n`));
  }
  if (result.optimalPolicy !== '') {
    const best = result.policyResults.find((p) => p.name === result.optimalPolicy);
    out += `\noptimal policy: ${result.optimalPolicy}${best ? `  ${best.arguments}` : ''}\n`;
  }
  return out;
}

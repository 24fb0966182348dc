// Auto-optimization's pure parts: the decision (apply only a higher estimate whose 95% lower end is above the
// online policy's, concept-auto-optimization) and the schedule's due times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAutoOptimization, nextDueAfter, scheduleBasis } from './auto_optimize.js';
import { DEFAULT_SERVICE_CONFIGURATION } from './service_config.js';
import type { EvaluationPolicyResult } from './types.js';

function policy(name: string, averageReward: number, confidenceInterval: number, policySource: EvaluationPolicyResult['policySource'] = 'OfflineExperimentation'): EvaluationPolicyResult {
  const t = {
    timeStamp: '2024-01-19T00:00:00.000Z',
    ipsEstimatorNumerator: averageReward * 1000,
    ipsEstimatorDenominator: 1000,
    snipsEstimatorDenominator: 1000,
    aggregateTimeWindow: 'P14D',
    nonZeroProbability: 1000,
    sumOfSquares: 0,
    confidenceInterval,
    averageReward,
    doublyRobustEstimate: averageReward,
    doublyRobustConfidenceInterval: confidenceInterval,
  };
  const args = policySource === 'Baseline' || policySource === 'Random' ? '' : `--cb_explore_adf --epsilon 0.2 -l 0.1 # ${name}`;
  return { name, arguments: args, policySource, totalSummary: t };
}

const ONLINE = policy('Online', 0.5, 0.02, 'Online');
const results = (...others: EvaluationPolicyResult[]) => [ONLINE, policy('Baseline1', 0.2, 0.05, 'Baseline'), policy('BaselineRand', 0.25, 0.03, 'Random'), ...others];

test('applies a higher estimate whose lower 95% bound is above the online one', () => {
  const d = decideAutoOptimization({ policyResults: results(policy('Hyper1', 0.6, 0.05)), optimalPolicy: 'Hyper1' });
  // 0.6 − 0.05 = 0.55 > 0.5 − 0.02 = 0.48.
  assert.equal(d.apply, true);
  assert.deepEqual(d.policy, { name: 'Hyper1', arguments: '--cb_explore_adf --epsilon 0.2 -l 0.1 # Hyper1' });
  assert.match(d.reason, /0\.6000.*0\.5500.*0\.5000.*0\.4800/);
});

test('retains the online policy when the estimate is higher but its lower bound is not above the online one', () => {
  // 0.55 − 0.08 = 0.47 < 0.48: better on average, but not clearly.
  const d = decideAutoOptimization({ policyResults: results(policy('Hyper1', 0.55, 0.08)), optimalPolicy: 'Hyper1' });
  assert.equal(d.apply, false);
  assert.equal(d.policy, undefined);
  assert.match(d.reason, /lower end of its 95% interval \(0\.4700\) is not above the online policy's \(0\.4800\)/);
  // Exactly equal lower ends (0.625 − 0.25 = 0.5 − 0.125, exact in binary): not above.
  const tie = [policy('Online', 0.5, 0.125, 'Online'), policy('Hyper1', 0.625, 0.25)];
  assert.equal(decideAutoOptimization({ policyResults: tie, optimalPolicy: 'Hyper1' }).apply, false);
});

test('retains the online policy when the estimate is not higher, even with a tight interval', () => {
  for (const avg of [0.5, 0.49]) {
    const d = decideAutoOptimization({ policyResults: results(policy('Hyper1', avg, 0)), optimalPolicy: 'Hyper1' });
    assert.equal(d.apply, false, String(avg));
    assert.match(d.reason, /not above the online policy's 0\.5000/);
  }
});

test('retains the online policy when there is no candidate, or the candidate is not learning settings', () => {
  assert.equal(decideAutoOptimization({ policyResults: results(), optimalPolicy: '' }).apply, false);
  assert.equal(decideAutoOptimization({ policyResults: results(), optimalPolicy: 'Online' }).apply, false);
  assert.match(decideAutoOptimization({ policyResults: results(), optimalPolicy: 'Hyper9' }).reason, /'Hyper9' has no result/);
  const baseline = decideAutoOptimization({ policyResults: results(policy('Better', 0.9, 0.01, 'Baseline')), optimalPolicy: 'Better' });
  assert.equal(baseline.apply, false);
  assert.match(baseline.reason, /no learning settings/);
  const noTotals = { ...policy('Hyper1', 0.9, 0.01) };
  delete noTotals.totalSummary;
  assert.equal(decideAutoOptimization({ policyResults: results(noTotals), optimalPolicy: 'Hyper1' }).apply, false);
  assert.equal(decideAutoOptimization({ policyResults: [policy('Hyper1', 0.9, 0.01)], optimalPolicy: 'Hyper1' }).apply, false, 'no Online result');
  // Not-a-number figures never pass the test.
  assert.equal(decideAutoOptimization({ policyResults: results(policy('Hyper1', NaN, 0)), optimalPolicy: 'Hyper1' }).apply, false);
  assert.equal(decideAutoOptimization({ policyResults: results(policy('Hyper1', 0.9, NaN)), optimalPolicy: 'Hyper1' }).apply, false);
});

test('schedule: the first run at the start date, then every period after it, never twice for one period', () => {
  const H = 3_600_000;
  // Every due time strictly after `now`, on the grid of the first one.
  assert.equal(nextDueAfter(0, 24 * H, 0), 24 * H);
  assert.equal(nextDueAfter(0, 24 * H, 5 * H), 24 * H);
  assert.equal(nextDueAfter(0, 24 * H, 24 * H), 48 * H);
  // Down for three and a half periods: one run now, the next on the grid, a whole period or less away.
  assert.equal(nextDueAfter(0, 24 * H, 3.5 * 24 * H), 4 * 24 * H);

  const base = { ...DEFAULT_SERVICE_CONFIGURATION };
  assert.equal(scheduleBasis({ ...base, isAutoOptimizationEnabled: false, autoOptimizationFrequency: 'P1D', autoOptimizationStartDate: '2024-01-01T00:00:00Z' }), null);
  assert.deepEqual(scheduleBasis({ ...base, isAutoOptimizationEnabled: true, autoOptimizationFrequency: 'P1D', autoOptimizationStartDate: '2024-01-01T01:00:00+01:00' }), {
    basis: `${Date.UTC(2024, 0, 1)}|${24 * H}`,
    startAt: Date.UTC(2024, 0, 1),
    frequencyMs: 24 * H,
  });
  assert.equal(scheduleBasis({ ...base, isAutoOptimizationEnabled: true, autoOptimizationFrequency: 'P1D' }), null, 'no start date');
});

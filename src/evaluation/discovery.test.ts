// Optimization discovery on a simulated loop whose live policy is deliberately weak (a tiny learning rate and no
// interactions) while the reward depends only on a user × action interaction: the search must find the
// interaction, name its policies as Azure did, stay within its replay budget (counted at the RunPasses boundary)
// and choose an optimal policy that the evaluation's own estimates confirm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicyArguments } from '../engine/index.js';
import { discoverPolicies, MIN_DISCOVERY_BUDGET, SQUARECB, type DiscoveredPolicy } from './discovery.js';
import { chooseOptimalPolicy } from './optimal_policy.js';
import { improves } from './search.js';
import { ONLINE, runEvaluation, runPassInProcess, type RunPasses } from './evaluate.js';
import { PassCancelled } from './pass.js';
import type { LoggedEvent, PassPolicy, PolicyResult } from './types.js';
import { INTERACTION_LOG_WITHOUT_USER, interactionLog } from '../testing/evaluation_sims.js';

const WEAK = '--cb_explore_adf --epsilon 0.2 -l 0.00001 --power_t 0';
const events = interactionLog(6000, 7, WEAK);

/** A RunPasses that counts what it is asked to replay, pass by pass. */
function counting(inner: RunPasses = runPassInProcess): { run: RunPasses; passes: PassPolicy[][] } {
  const passes: PassPolicy[][] = [];
  return {
    passes,
    run: async (ev, policies, options) => {
      passes.push([...policies]);
      return inner(ev, policies, options);
    },
  };
}

const ips = (r: PolicyResult) => r.totalSummary.ipsEstimatorNumerator / r.totalSummary.ipsEstimatorDenominator;

/** Whether a policy's -q terms cross namespace letters a and b (a wildcard counts). */
function crosses(args: string, a: string, b: string): boolean {
  const q = parsePolicyArguments(args, { allowNoExploration: true }).quadratic;
  const covers = (c: string, l: string) => c === ':' || c === l;
  return q.some((t) => (covers(t[0]!, a) && covers(t[1]!, b)) || (covers(t[0]!, b) && covers(t[1]!, a)));
}

test('discovery finds the user × action interaction the weak online policy lacks, within its budget', async () => {
  const { run, passes } = counting();
  const progress: { stage: string; fraction: number }[] = [];
  const result = await runEvaluation(
    events,
    {
      onlinePolicy: WEAK,
      policies: [{ name: 'Custom slower', arguments: '--cb_explore_adf --epsilon 0.2 -l 0.000001 --power_t 0' }],
      enableOfflineExperimentation: true,
      featureImportance: false,
      startTime: events[0]!.timestamp,
      endTime: events.at(-1)!.timestamp + 1000,
    },
    { runPasses: run, onProgress: (p) => progress.push(p) },
  );
  const d = result.discovery!;
  assert.ok(d, 'the search is reported');
  const discovered = result.policyResults.filter((p) => p.policySource === 'OfflineExperimentation');
  assert.ok(discovered.length >= 1 && discovered.length <= 4, `${discovered.length} discovered policies`);
  for (const p of discovered) assert.match(p.name, /^(Hyper1|Inter-len\d+|Hyper2|SquareCB)$/);

  // Budget: every replay the search asked for, plus the discovered policies' final replays, within 30.
  const replays = passes.reduce((n, p) => n + p.length, 0);
  const custom = 1;
  assert.equal(replays, d.replays + discovered.length + custom);
  assert.ok(d.replays + discovered.length <= 30, `${d.replays} + ${discovered.length} replays`);
  assert.equal(d.budget, 30);
  assert.equal(d.passes, passes.length - 1);
  // No candidate was replayed twice.
  assert.equal(new Set(d.trials.map((t) => t.arguments)).size, d.trials.length);
  assert.equal(d.trials[0]!.phase, 'Base');
  assert.equal(d.trials[0]!.arguments, '--cb_adf --cb_type mtr --learning_rate 0.00001 --power_t 0');

  // The winner: lower cb_adf loss than the base, the helpful pair, a higher estimated reward than Online's.
  const optimal = result.policyResults.find((p) => p.name === result.optimalPolicy)!;
  assert.ok(optimal, `optimalPolicy ${result.optimalPolicy}`);
  assert.equal(optimal.policySource, 'OfflineExperimentation');
  assert.match(optimal.name, /^(Hyper1|Inter-len\d+|Hyper2)$/);
  assert.match(optimal.arguments, /^--cb_explore_adf --epsilon 0\.2 /);
  assert.ok(crosses(optimal.arguments, 'U', 'A'), optimal.arguments);
  const winnerTrial = d.trials.find((t) => `--cb_explore_adf --epsilon 0.2 ${t.arguments.slice('--cb_adf '.length)}` === optimal.arguments)!;
  assert.ok(winnerTrial, 'the optimal policy is a scored candidate with the online exploration');
  assert.ok(winnerTrial.averageLoss < d.baseLoss - 0.1, `cb_adf loss ${winnerTrial.averageLoss} vs base ${d.baseLoss}`);
  const online = result.policyResults.find((p) => p.name === ONLINE)!;
  assert.ok(ips(online) < INTERACTION_LOG_WITHOUT_USER + 0.03, `Online earned ${ips(online)}`);
  assert.ok(ips(optimal) >= ips(online) + 0.1, `IPS ${ips(optimal)} vs Online ${ips(online)}`);
  assert.ok(optimal.totalSummary.doublyRobustEstimate > online.totalSummary.doublyRobustEstimate);
  // The interactions phase named its winner by its number of -q terms.
  const inter = discovered.find((p) => p.name.startsWith('Inter-len'));
  assert.ok(inter, 'an Inter-len policy');
  assert.equal(inter.name, `Inter-len${parsePolicyArguments(inter.arguments).quadratic.length}`);
  assert.ok(crosses(inter.arguments, 'U', 'A'));
  assert.deepEqual([...d.namespaces.shared].sort(), ['N', 'U']);
  assert.deepEqual(d.namespaces.action, ['A']);

  // Progress: the search's stages first, fractions rising to 1.
  assert.match(progress[0]!.stage, /^optimization: Hyper1 \d+\/30$/);
  assert.ok(progress.some((p) => /^optimization: Inter-len \d+\/30$/.test(p.stage)));
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.fraction >= progress[i - 1]!.fraction - 1e-12, `${progress[i - 1]!.stage} → ${progress[i]!.stage}`);
  assert.equal(progress.at(-1)!.fraction, 1);
});

test('each round of the search is one pass, and small budgets are honoured', async () => {
  for (const budget of [MIN_DISCOVERY_BUDGET, 12, 20]) {
    const { run, passes } = counting();
    const d = await discoverPolicies(events, WEAK, run, { budget });
    const named = d.policies.length;
    assert.ok(d.replays + named <= budget, `budget ${budget}: ${d.replays} + ${named}`);
    assert.equal(passes.length, d.passes);
    // A pass per (phase, round): the trials of one pass share both.
    const rounds = new Set(d.trials.map((t) => `${t.phase === 'Base' ? 'Hyper1' : t.phase}/${t.round}`));
    assert.equal(rounds.size, d.passes);
    assert.equal(d.policies.at(-1)!.name, SQUARECB);
  }
  // No explorer: one replay fewer held back, so one more candidate.
  const { run } = counting();
  const d = await discoverPolicies(events, WEAK, run, { budget: 12, explorers: false });
  assert.ok(!d.policies.some((p) => p.name === SQUARECB));
  assert.ok(d.replays + d.policies.length <= 12);
});

test('a SquareCB online policy is searched with cb_type mtr only (what squarecb accepts)', async () => {
  const online = '--cb_explore_adf --squarecb -l 0.00001 --power_t 0';
  const d = await discoverPolicies(events.slice(0, 2000), online, runPassInProcess, { budget: 12 });
  assert.ok(d.trials.every((t) => t.arguments.includes('--cb_type mtr')));
  for (const p of d.policies) {
    assert.match(p.arguments, /^--cb_explore_adf --squarecb --gamma_scale 10 --gamma_exponent 0\.5 --cb_type mtr /);
    assert.ok(p.onlineExploration);
  }
});

test('a cancelled discovery stops at its next report', async () => {
  let passes = 0;
  const run: RunPasses = async (ev, policies, options) => {
    passes++;
    return runPassInProcess(ev, policies, options);
  };
  await assert.rejects(discoverPolicies(events, WEAK, run, { cancelled: () => passes >= 1 }), PassCancelled);
  assert.equal(passes, 1);
});

test('no events: nothing searched', async () => {
  const d = await discoverPolicies([] as LoggedEvent[], WEAK, runPassInProcess);
  assert.equal(d.replays, 0);
  assert.deepEqual(d.policies, []);
});

function summary(n: number, N: number) {
  return {
    timeStamp: '',
    ipsEstimatorNumerator: n,
    ipsEstimatorDenominator: N,
    snipsEstimatorDenominator: N,
    aggregateTimeWindow: 'PT0S',
    nonZeroProbability: N,
    sumOfSquares: 0,
    confidenceInterval: 0,
    averageReward: n / N,
    doublyRobustEstimate: n / N,
    doublyRobustConfidenceInterval: 0,
  };
}

test('optimalPolicy: the lowest search loss if it beats the base and Online\'s estimate, else Online', () => {
  const policy = (name: string, searchLoss: number, onlineExploration = true): DiscoveredPolicy => ({
    name,
    arguments: '',
    source: 'OfflineExperimentation',
    learningArguments: '',
    searchLoss,
    onlineExploration,
  });
  const results = (pairs: [string, number][]): PolicyResult[] =>
    pairs.map(([name, reward]) => ({ name, arguments: '', policySource: 'Custom', summary: [], totalSummary: summary(reward * 100, 100) }));
  const policies = [policy('Hyper1', -0.4), policy('Inter-len1', -0.5), policy('Hyper2', -0.55), policy(SQUARECB, -0.55, false)];
  const estimates = results([[ONLINE, 0.3], ['Hyper1', 0.35], ['Inter-len1', 0.4], ['Hyper2', 0.45], [SQUARECB, 0.6]]);
  assert.equal(chooseOptimalPolicy({ policies, baseLoss: -0.3 }, estimates, ONLINE), 'Hyper2');
  // SquareCB only when a change of explorer is allowed (its estimate is higher).
  assert.equal(chooseOptimalPolicy({ policies, baseLoss: -0.3 }, estimates, ONLINE, { allowExplorerChange: true }), SQUARECB);
  // Nothing beats the base's loss: Online.
  assert.equal(chooseOptimalPolicy({ policies, baseLoss: -0.6 }, estimates, ONLINE), ONLINE);
  // The winner's estimate is below Online's: Online.
  const worse = results([[ONLINE, 0.5], ['Hyper1', 0.35], ['Inter-len1', 0.4], ['Hyper2', 0.45], [SQUARECB, 0.4]]);
  assert.equal(chooseOptimalPolicy({ policies, baseLoss: -0.3 }, worse, ONLINE, { allowExplorerChange: true }), ONLINE);
  // A loss better by less than VW prints is a tie.
  assert.ok(!improves(-0.5000001, -0.5));
  assert.ok(improves(-0.500002, -0.5));
  assert.equal(chooseOptimalPolicy({ policies: [policy('Hyper1', -0.3000001)], baseLoss: -0.3 }, estimates, ONLINE), ONLINE);
});

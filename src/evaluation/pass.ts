// One pass over the logged events with several learning policies side by side (docs/evaluation.md "Replay").
// Each policy is a fresh model that, for every event in rank order, gives its pmf first and then learns the
// event: the progressive protocol of `vw --cb_explore_adf --dsjson` (a policy's π for event t never depends on
// event t's reward). A shared reward model q̂ (a `--cb_adf --cb_type mtr` regressor, also progressive) gives the
// direct-method terms of the doubly robust estimate.
import { createLearner, FeatureError, parsePolicyArguments, type Learner, type PolicyConfig } from '../engine/index.js';
import { maskContext } from './mask.js';
import type { LoggedEvent, PassOutput, PassPolicy, PassResult } from './types.js';

/** The reward model's arguments for a loop policy: the same features, mtr regression, no exploration. */
export function rewardModelArguments(policyArguments: string): string {
  const c = parsePolicyArguments(policyArguments, { allowNoExploration: true });
  const parts = ['--cb_adf', '--cb_type', 'mtr', '-b', String(c.bits), '--power_t', '0', '-l', '0.01'];
  for (const q of c.quadratic) parts.push('-q', q);
  for (const q of c.cubic) parts.push('--cubic', q);
  for (const i of c.interactions) parts.push('--interactions', i);
  if (c.ignore.length > 0) parts.push('--ignore', c.ignore.join(''));
  if (c.ignoreLinear.length > 0) parts.push('--ignore_linear', c.ignoreLinear.join(''));
  if (c.noConstant) parts.push('--noconstant');
  return parts.join(' ');
}

/** A policy's configuration for replay: `--cb_adf` alone (scored greedily) is allowed here, never in a loop. */
export function replayConfig(args: string): PolicyConfig {
  return parsePolicyArguments(args, { allowNoExploration: true });
}

interface Replayer {
  learner: Learner;
  mask: PassPolicy['mask'];
  out: PassOutput;
}

export interface PassOptions {
  /** Arguments of the shared reward model (rewardModelArguments of the loop's policy). */
  rewardModel: string;
  /** Called every `progressEvery` events with the count done. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
  /** Checked with onProgress: a cancelled evaluation stops at the next report. */
  cancelled?: () => boolean;
}

export class PassCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
  }
}

export function runPass(events: readonly LoggedEvent[], policies: readonly PassPolicy[], options: PassOptions): PassResult {
  const n = events.length;
  const reward = createLearner(replayConfig(options.rewardModel), { reuseExamples: true });
  const replayers: Replayer[] = policies.map((p) => ({
    learner: createLearner(replayConfig(p.arguments), { reuseExamples: true }),
    mask: p.mask,
    out: { pi: new Float64Array(n), dm: new Float64Array(n), averageLoss: 0, refused: 0 },
  }));
  const qLogged = new Float64Array(n);
  const qMean = new Float64Array(n);
  const qFirst = new Float64Array(n);
  let q = new Float64Array(64);
  let minReward = Infinity;
  let maxReward = -Infinity;
  const every = options.progressEvery ?? 1000;
  for (let t = 0; t < n; t++) {
    const e = events[t]!;
    const label = { index: e.chosenIndex, cost: -e.reward, probability: e.chosenProbability };
    // q̂ before learning event t, clipped to the rewards seen so far (0 before any).
    const k = e.actionCount;
    if (q.length < k) q = new Float64Array(k * 2);
    q.fill(0, 0, k);
    try {
      const ex = reward.featurize(e.context);
      const scores = reward.scores(ex);
      const lo = minReward === Infinity ? 0 : minReward;
      const hi = maxReward === -Infinity ? 0 : maxReward;
      for (let a = 0; a < k && a < scores.length; a++) q[a] = Math.min(hi, Math.max(lo, -scores[a]!));
      reward.learn(ex, label);
    } catch (err) {
      if (!(err instanceof FeatureError)) throw err;
    }
    if (e.reward < minReward) minReward = e.reward;
    if (e.reward > maxReward) maxReward = e.reward;
    let sum = 0;
    for (let a = 0; a < k; a++) sum += q[a]!;
    qLogged[t] = q[e.chosenIndex]!;
    qMean[t] = k > 0 ? sum / k : 0;
    qFirst[t] = q[0]!;
    for (const r of replayers) step(r, e, t, label, q);
    if (options.onProgress && (t + 1) % every === 0) {
      if (options.cancelled?.()) throw new PassCancelled();
      options.onProgress(t + 1);
    }
  }
  for (const r of replayers) r.out.averageLoss = r.learner.stats.averageLoss;
  options.onProgress?.(n);
  return { qLogged, qMean, qFirst, policies: replayers.map((r) => r.out) };
}

function step(r: Replayer, e: LoggedEvent, t: number, label: { index: number; cost: number; probability: number }, q: Float64Array): void {
  const { learner, out } = r;
  let ex;
  try {
    ex = learner.featurize(r.mask ? maskContext(e.context, r.mask) : e.context);
  } catch (err) {
    if (!(err instanceof FeatureError)) throw err;
    out.refused++;
    return;
  }
  const { order, probs, k } = learner.rank(ex);
  let pi = 0;
  let dm = 0;
  if (learner.config.exploration.kind === 'none') {
    // --cb_adf alone acts greedily: all probability on the action ranked first.
    pi = order[0] === e.chosenIndex ? 1 : 0;
    dm = q[order[0]!]!;
  } else {
    for (let i = 0; i < k; i++) {
      const a = order[i]!;
      const p = probs[i]!;
      if (a === e.chosenIndex) pi += p;
      dm += p * q[a]!;
    }
  }
  out.pi[t] = pi;
  out.dm[t] = dm;
  learner.learn(ex, label);
}

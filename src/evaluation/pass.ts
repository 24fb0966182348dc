// One pass over the logged events with several learning policies side by side (docs/evaluation.md "Replay").
// Each policy is a fresh model that, for every event in rank order, gives its pmf first and then learns the
// event: the progressive protocol of `vw --cb_explore_adf --dsjson` (a policy's π for event t never depends on
// event t's reward). A shared reward model q̂ (a `--cb_adf --cb_type mtr` regressor, also progressive) gives the
// direct-method terms of the doubly robust estimate.
// Policies that read the same features (bits, interactions, ignore, constant, hashing, mask) share one featurizer:
// each event is parsed and expanded once per feature configuration, not once per policy. A learner never writes
// into an example, so sharing it changes no figure.
import {
  createFeaturizer,
  createLearner,
  FeatureError,
  parsePolicyArguments,
  type Featurizer,
  type Learner,
  type PolicyConfig,
} from '../engine/index.js';
import { maskContext } from './mask.js';
import { eventsFromArray, type PassEvents } from './pass_events.js';
import type { FeatureMask, LoggedEvent, PassOutput, PassPolicy, PassResult } from './types.js';

type MultiExample = ReturnType<Featurizer>;

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

/** Policies with the same signature featurize every event identically (createFeaturizer reads only these). */
export function featureSignature(c: PolicyConfig, mask?: FeatureMask): string {
  return JSON.stringify([
    c.bits,
    c.quadratic,
    c.cubic,
    c.interactions,
    c.ignore,
    c.ignoreLinear,
    c.noConstant,
    c.hashAll,
    c.hashSeed,
    c.chainHash,
    mask?.namespace ?? null,
    mask?.feature ?? null,
  ]);
}

export interface PassOptions {
  /** Arguments of the shared reward model (rewardModelArguments of the loop's policy). */
  rewardModel: string;
  /** Called every `progressEvery` events with the count done. */
  onProgress?: (done: number) => void;
  progressEvery?: number;
  /** Checked every `cancelCheckEvery` events: a cancelled pass throws PassCancelled at the next check. */
  cancelled?: () => boolean;
  /** Default: progressEvery. */
  cancelCheckEvery?: number;
  /** Also give each policy's top-ranked action per event (PassOutput.top). */
  topActions?: boolean;
  /**
   * q̂(x_t, a) of the reward model for every action of every event, flattened in event order (event t's K_t
   * actions start at Σ_{s<t} K_s). `fill`: the pass writes it; otherwise it reads it in place of training the
   * reward model (filled by an earlier pass with the same reward model over the same events).
   * `filled` (Int32 × 1 on shared memory): how many events' q̂ are in the table, while another thread fills it
   * during this same pass: the filler advances it, a reader waits for it.
   */
  rewardTable?: { q: Float64Array; fill: boolean; filled?: Int32Array };
}

export class PassCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
    this.name = 'PassCancelled';
  }
}

interface Replayer {
  learner: Learner;
  out: PassOutput;
}

interface Group {
  featurize: Featurizer;
  mask: FeatureMask | undefined;
  /** The reward model, when it reads this group's features (then the group comes first). */
  reward: Learner | undefined;
  members: Replayer[];
}

export function runPass(events: readonly LoggedEvent[], policies: readonly PassPolicy[], options: PassOptions): PassResult {
  return runPassOver(eventsFromArray(events), policies, options);
}

/** Σ K_t: the length of a reward table for these events. */
export function rewardTableLength(events: PassEvents): number {
  let s = 0;
  for (let t = 0; t < events.length; t++) s += events.actionCount[t]!;
  return s;
}

export function runPassOver(events: PassEvents, policies: readonly PassPolicy[], options: PassOptions): PassResult {
  const n = events.length;
  const table = options.rewardTable;
  const readTable = table !== undefined && !table.fill;
  if (table && table.q.length < rewardTableLength(events)) throw new RangeError('the reward table is shorter than the events need');
  const groups = new Map<string, Group>();
  const groupOf = (config: PolicyConfig, mask: FeatureMask | undefined): Group => {
    const key = featureSignature(config, mask);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { featurize: createFeaturizer(config, { reuse: true }), mask, reward: undefined, members: [] }));
    return g;
  };
  if (!readTable) {
    const config = replayConfig(options.rewardModel);
    // Its ranked scores are read as costs below: a regressor, not an exploring policy (rewardModelArguments).
    if (config.exploration.kind !== 'none') throw new RangeError(`the reward model must be --cb_adf alone, not '${options.rewardModel}'`);
    const g = groupOf(config, undefined);
    g.reward = createLearner(config, { featurize: g.featurize });
  }
  const replayers: Replayer[] = policies.map((p) => {
    const config = replayConfig(p.arguments);
    const g = groupOf(config, p.mask);
    const r: Replayer = {
      learner: createLearner(config, { featurize: g.featurize }),
      out: { pi: new Float64Array(n), dm: new Float64Array(n), averageLoss: 0, refused: 0 },
    };
    if (options.topActions) r.out.top = new Int32Array(n);
    g.members.push(r);
    return r;
  });
  // The reward model's group first: every policy's direct term needs q̂ of the event.
  const ordered = [...groups.values()].sort((a, b) => (b.reward ? 1 : 0) - (a.reward ? 1 : 0));
  const qLogged = new Float64Array(n);
  const qMean = new Float64Array(n);
  const qFirst = new Float64Array(n);
  let qBuf = new Float64Array(64);
  const qTable = table?.q;
  const filled = table?.filled;
  let available = 0;
  const label = { index: 0, cost: 0, probability: 0 };
  const cur = events.contexts;
  let minReward = Infinity;
  let maxReward = -Infinity;
  let offset = 0;
  const every = options.progressEvery ?? 1000;
  const checkEvery = options.cancelCheckEvery ?? every;
  for (let t = 0; t < n; t++) {
    const k = events.actionCount[t]!;
    const chosen = events.chosenIndex[t]!;
    const r = events.reward[t]!;
    label.index = chosen;
    label.cost = -r;
    label.probability = events.chosenProbability[t]!;
    cur.seek(t);
    // q̂ of this event's actions: q[qo … qo + k).
    let q: Float64Array;
    let qo: number;
    if (readTable) {
      if (filled && t >= available) available = awaitFilled(filled, t, options.cancelled);
      q = qTable!;
      qo = offset;
      summarizeQ(q, qo, k, chosen, t, qLogged, qMean, qFirst);
    } else {
      if (qBuf.length < k) qBuf = new Float64Array(k * 2);
      q = qBuf;
      qo = 0;
    }
    for (let gi = 0; gi < ordered.length; gi++) {
      const g = ordered[gi]!;
      let ex: MultiExample | null = null;
      try {
        if (g.mask) {
          const masked = maskContext(cur.text.slice(cur.start, cur.end), g.mask);
          ex = g.featurize(masked, 0, masked.length);
        } else ex = g.featurize(cur.text, cur.start, cur.end);
      } catch (err) {
        if (!(err instanceof FeatureError)) throw err;
      }
      if (g.reward) {
        // q̂ before learning event t, clipped to the rewards seen so far (0 before any, and for a refused event).
        q.fill(0, 0, k);
        if (ex) {
          const lo = minReward === Infinity ? 0 : minReward;
          const hi = maxReward === -Infinity ? 0 : maxReward;
          const { order, probs, k: kk } = g.reward.rank(ex);
          // --cb_adf alone: probs[i] is the cost score of order[i].
          for (let i = 0; i < kk; i++) {
            const a = order[i]!;
            if (a < k) q[a] = Math.min(hi, Math.max(lo, -probs[i]!));
          }
          g.reward.learn(ex, label);
        }
        if (r < minReward) minReward = r;
        if (r > maxReward) maxReward = r;
        summarizeQ(q, 0, k, chosen, t, qLogged, qMean, qFirst);
        if (qTable) {
          qTable.set(q.subarray(0, k), offset);
          if (filled && ((t + 1) % PUBLISH_EVERY === 0 || t + 1 === n)) publishFilled(filled, t + 1);
        }
      }
      const members = g.members;
      for (let m = 0; m < members.length; m++) {
        const rep = members[m]!;
        if (ex) step(rep, ex, t, chosen, k, label, q, qo);
        else {
          rep.out.refused++;
          if (rep.out.top) rep.out.top[t] = -1;
        }
      }
    }
    offset += k;
    if ((t + 1) % checkEvery === 0 && options.cancelled?.()) throw new PassCancelled();
    if ((t + 1) % every === 0) options.onProgress?.(t + 1);
  }
  for (const r of replayers) r.out.averageLoss = r.learner.stats.averageLoss;
  options.onProgress?.(n);
  return { qLogged, qMean, qFirst, policies: replayers.map((r) => r.out) };
}

/** How often a filling thread publishes its progress (events): readers wake at most this often. */
const PUBLISH_EVERY = 32;
/** How long a reader sleeps at most before it looks at its cancel check again (ms). */
const WAIT_MS = 50;

function publishFilled(filled: Int32Array, count: number): void {
  Atomics.store(filled, 0, count);
  Atomics.notify(filled, 0);
}

/** Waits until the table holds event t's q̂; returns how many events it holds. */
function awaitFilled(filled: Int32Array, t: number, cancelled: (() => boolean) | undefined): number {
  for (;;) {
    const now = Atomics.load(filled, 0);
    if (now > t) return now;
    Atomics.wait(filled, 0, now, WAIT_MS);
    if (cancelled?.()) throw new PassCancelled();
  }
}

/** qLogged/qMean/qFirst of event t from q̂ of its k actions, q[qo … qo + k). */
export function summarizeQ(q: Float64Array, qo: number, k: number, chosen: number, t: number, qLogged: Float64Array, qMean: Float64Array, qFirst: Float64Array): void {
  let sum = 0;
  for (let a = 0; a < k; a++) sum += q[qo + a]!;
  qLogged[t] = chosen < k ? q[qo + chosen]! : 0;
  qMean[t] = k > 0 ? sum / k : 0;
  qFirst[t] = k > 0 ? q[qo]! : 0;
}

function step(
  r: Replayer,
  ex: MultiExample,
  t: number,
  chosen: number,
  k: number,
  label: { index: number; cost: number; probability: number },
  q: Float64Array,
  qo: number,
): void {
  const { learner, out } = r;
  const { order, probs, k: kk } = learner.rank(ex);
  let pi = 0;
  let dm = 0;
  const top = order[0]!;
  if (learner.config.exploration.kind === 'none') {
    // --cb_adf alone acts greedily: all probability on the action ranked first.
    pi = top === chosen ? 1 : 0;
    dm = top < k ? q[qo + top]! : 0;
  } else {
    for (let i = 0; i < kk; i++) {
      const a = order[i]!;
      const p = probs[i]!;
      if (a === chosen) pi += p;
      if (a < k) dm += p * q[qo + a]!;
    }
  }
  out.pi[t] = pi;
  out.dm[t] = dm;
  if (out.top) out.top[t] = kk > 0 ? top : -1;
  learner.learn(ex, label);
}

// Test-only: the learning task of the HTTP learning test (conformance/learning.test.ts) and its in-process
// simulation (loop/learning.stuck.test.ts). Three user types, six items in two groups; an item is rewarded exactly
// when it is the user type's best one. The types arrive in the order of an LCG started at `seed`, the events are
// numbered learn-0, learn-1, … (their eventIds, which seed the action sampling: docs/learner.md §6), and the model
// that ranks is replaced after every batch of 100 events by one that learned all of them, in event order, as
// docs/learner.md §11's reference run republished every 100 events.
import { createLearner, parsePolicyArguments, sampleAction } from '../engine/index.js';
import { buildContext } from '../loop/context.js';
import { validateRankRequest } from '../loop/validate_rank.js';

/** Azure's default policy (the one every new Azure loop gets), spelled out so the tests need no default. */
export const AZURE_DEFAULT_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';
/** A point of the grid Azure's offline policy optimization swept (-l 1e-7..10, cb_type ips|mtr; docs/learner.md §1). */
export const TUNED_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type ips -q ::';

export const TYPES = ['t0', 't1', 't2'] as const;
const ITEMS = [
  { name: 'alpha', group: 'g0' },
  { name: 'bravo', group: 'g0' },
  { name: 'charlie', group: 'g0' },
  { name: 'delta', group: 'g1' },
  { name: 'echo', group: 'g1' },
  { name: 'foxtrot', group: 'g1' },
];
// None of the best items is the first action: an untrained model's greedy choice is the first action, so a
// best item in first position would make the untrained share look learned.
export const BEST: Record<string, string> = { t0: 'bravo', t1: 'echo', t2: 'charlie' };
export const ACTIONS = ITEMS.map((it) => ({ id: it.name, features: [{ item: { name: it.name, group: it.group } }] }));

export const BATCH = 100;
export const WINDOW = 300;
/** The bar: ε = 0.2 caps the share at 1 − ε + ε/6 ≈ 0.833 (σ of a 300-event share ≈ 0.022). */
export const TARGET = 0.8;

/** The user types in arrival order, from an LCG started at `seed`. */
export function typeStream(seed: number): () => string {
  let rng = seed;
  return () => {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    return TYPES[rng % TYPES.length]!;
  };
}

/** The Rank request of event `n` for a user of `type`. */
export function rankRequest(type: string, n: number): { contextFeatures: object[]; actions: typeof ACTIONS; eventId: string } {
  return { contextFeatures: [{ user: { type } }], actions: ACTIONS, eventId: `learn-${n}` };
}

export interface LoopRun {
  /** Events ranked until the bar was reached, or maxEvents. */
  events: number;
  /** The best share of rewarded choices over WINDOW consecutive events (measured after each batch). */
  bestWindow: number;
  /** The share of rewarded choices in each batch. */
  shares: number[];
}

/**
 * The loop run in process with the engine: each batch is ranked (and its actions sampled as the server samples
 * them, appId '') by the model that learned every earlier batch, then learned. Deterministic for a seed.
 */
export function simulateLoop(policy: string, seed: number, maxEvents: number, batch = BATCH): LoopRun {
  const learner = createLearner(parsePolicyArguments(policy));
  const next = typeStream(seed);
  const rewarded: number[] = [];
  const shares: number[] = [];
  let bestWindow = 0;
  while (rewarded.length < maxEvents && bestWindow < TARGET) {
    const pending: Array<[ReturnType<typeof learner.featurize>, { index: number; cost: number; probability: number }]> = [];
    for (let i = 0; i < batch; i++) {
      const type = next();
      const request = rankRequest(type, rewarded.length);
      const text = JSON.stringify(request);
      const ex = learner.featurize(buildContext(validateRankRequest(request), text));
      const chosen = sampleAction(learner.predict(ex), request.eventId).ranking[0]!;
      const hit = ACTIONS[chosen.index]!.id === BEST[type] ? 1 : 0;
      rewarded.push(hit);
      pending.push([ex, { index: chosen.index, cost: -hit, probability: chosen.probability }]);
    }
    for (const [ex, label] of pending) learner.learn(ex, label);
    shares.push(pending.reduce((s, [, label]) => s - label.cost, 0) / batch);
    if (rewarded.length >= WINDOW) bestWindow = Math.max(bestWindow, rewarded.slice(-WINDOW).reduce((s, x) => s + x, 0) / WINDOW);
  }
  return { events: rewarded.length, bestWindow, shares };
}

// Simulated loops for the evaluation tests: a live policy (the engine, as the loop runs it) ranks each event,
// an action is drawn from its pmf, a hidden model gives the reward, and the policy learns it; the events are
// logged as the loop logs them (LoggedEvent). Deterministic for a given seed. Test code only.
import { createLearner, parsePolicyArguments } from '../engine/index.js';
import type { LoggedEvent } from '../evaluation/index.js';
import { prng } from './fixtures.js';

interface Shaped {
  /** The context object (shared namespaces and `_multi`). */
  context: Record<string, unknown>;
  /** P(reward = 1) of each action, in `_multi` order. */
  rewardProbability: number[];
}

/** Runs `policy` live over `n` generated events and logs them. */
function simulate(n: number, seed: number, policy: string, shape: (r: () => number) => Shaped): LoggedEvent[] {
  const r = prng(seed);
  const learner = createLearner(parsePolicyArguments(policy));
  const events: LoggedEvent[] = [];
  for (let t = 0; t < n; t++) {
    const { context, rewardProbability } = shape(r);
    const text = JSON.stringify(context);
    const ex = learner.featurize(text);
    const pmf = learner.predict(ex);
    let u = r();
    let chosen = pmf[pmf.length - 1]!;
    for (const ap of pmf) {
      if (u < ap.probability) {
        chosen = ap;
        break;
      }
      u -= ap.probability;
    }
    const reward = r() < rewardProbability[chosen.index]! ? 1 : 0;
    learner.learn(ex, { index: chosen.index, cost: -reward, probability: chosen.probability });
    events.push({
      eventId: `sim-${seed}-${t}`,
      timestamp: Date.UTC(2024, 0, 1) + t * 1000,
      context: text,
      chosenIndex: chosen.index,
      chosenProbability: chosen.probability,
      reward,
      actionCount: pmf.length,
    });
  }
  return events;
}

const SEGMENTS = ['s0', 's1', 's2', 's3'];
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/**
 * Reward from a user × action interaction only: each of 4 user segments likes one of the 4 actions (P = 0.75,
 * else 0.15). Without a User × Action interaction no policy beats about 0.30; with it the best earns 0.75.
 * Namespaces: User {segment, age}, Noise {color, lucky} shared; Action {id, cat} per action.
 */
export function interactionLog(n: number, seed: number, policy: string): LoggedEvent[] {
  const actions = [0, 1, 2, 3].map((k) => ({ Action: { id: `a${k}`, cat: `c${k % 2}` } }));
  return simulate(n, seed, policy, (r) => {
    const s = Math.floor(r() * 4);
    return {
      context: {
        User: { segment: SEGMENTS[s], age: Math.round(r() * 100) / 100 },
        Noise: { color: pick(r, ['red', 'green', 'blue', 'black', 'white']), lucky: Math.round(r() * 100) / 100 },
        _multi: actions,
      },
      rewardProbability: actions.map((_, k) => (k === s ? 0.75 : 0.15)),
    };
  });
}

/** The expected reward of the best policy of interactionLog, and of one that ignores the user. */
export const INTERACTION_LOG_OPTIMUM = 0.75;
export const INTERACTION_LOG_WITHOUT_USER = 0.3;

/**
 * Reward from one action feature only: each event offers 4 items drawn from a catalogue of 200, and an item's
 * reward depends on its category alone (P = 0.1, 0.2, 0.35, 0.7 for c0..c3). Ids repeat too rarely to stand in for
 * the category; prices are noise. Namespaces: User {age, tier}, Noise {color, lucky} shared (pure noise);
 * Item {id, cat, price} per action.
 */
export function itemCategoryLog(n: number, seed: number, policy: string): LoggedEvent[] {
  const cr = prng(seed ^ 0x5bd1e995);
  const catalogue = Array.from({ length: 200 }, (_, k) => ({ id: `item${k}`, cat: Math.floor(cr() * 4), price: Math.round(cr() * 1000) / 100 }));
  const value = [0.1, 0.2, 0.35, 0.7];
  return simulate(n, seed, policy, (r) => {
    const items: (typeof catalogue)[number][] = [];
    while (items.length < 4) {
      const it = pick(r, catalogue);
      if (!items.includes(it)) items.push(it);
    }
    return {
      context: {
        User: { age: Math.round(r() * 100) / 100, tier: pick(r, ['gold', 'silver', 'bronze']) },
        Noise: { color: pick(r, ['red', 'green', 'blue', 'black', 'white']), lucky: Math.round(r() * 100) / 100 },
        _multi: items.map((it) => ({ Item: { id: it.id, cat: `c${it.cat}`, price: it.price } })),
      },
      rewardProbability: items.map((it) => value[it.cat]!),
    };
  });
}

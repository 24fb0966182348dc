// A simulated, already-joined Personalizer log for offline evaluation tests and benchmarks: Rank calls of the
// HTTP benchmark's shape (logged_events.ts: three context namespaces, 10 actions drawn from a catalogue of 40,
// each with two feature namespaces), as the loop logs them (buildContext), served by an epsilon-greedy logging
// policy around the first action (0.2: 0.82 for it, 0.02 for each other one), with a click drawn from a hidden
// logistic model of the user, the device, the hour and the item. Deterministic in (n, seed). Test and
// benchmark code only.
import { buildContext } from '../loop/context.js';
import { validateRankRequest } from '../loop/validate_rank.js';
import type { LoggedEvent } from '../evaluation/index.js';
import { prng } from './fixtures.js';
import { rankBody } from './logged_events.js';

/** The log's first event time (ms since epoch); one event a second after it. */
export const SIM_LOG_START = Date.UTC(2024, 0, 1);

interface RankShape {
  contextFeatures: [{ user: { tier: string } }, { device: { type: string } }, { time: { hour: number } }];
  actions: { features: [{ item: { category: string; price: number } }, unknown] }[];
}

const TIER: Record<string, number> = { gold: 0.8, silver: 0.3, bronze: 0 };
const DEVICE: Record<string, Record<string, number>> = {
  phone: { news: 1.2, sports: 0.4, music: 0.8, film: -0.6, food: -0.2 },
  tablet: { news: -0.4, sports: 0.2, music: -0.2, film: 1.2, food: 0.6 },
  desktop: { news: 0.3, sports: 1.0, music: -0.6, film: 0.2, food: -0.4 },
};

/** P(click) of showing action `a` of a Rank request (the hidden truth). */
export function clickProbability(req: RankShape, a: number): number {
  const [user, device, time] = req.contextFeatures;
  const item = req.actions[a]!.features[0].item;
  const evening = time.time.hour >= 18 ? 0.5 : 0;
  const logit = -2 + TIER[user.user.tier]! + DEVICE[device.device.type]![item.category]! + (item.category === 'music' ? evening : 0) - item.price / 100;
  return 1 / (1 + Math.exp(-logit));
}

export function simulatedLog(n: number, seed = 1): LoggedEvent[] {
  const rnd = prng(seed);
  const out: LoggedEvent[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const text = rankBody(i, rnd);
    const body = JSON.parse(text) as RankShape;
    const context = buildContext(validateRankRequest(body), text);
    const k = body.actions.length;
    const u = rnd();
    const epsilon = 0.2;
    const chosen = u < 1 - epsilon ? 0 : Math.min(k - 1, Math.floor(((u - (1 - epsilon)) / epsilon) * k));
    const probability = chosen === 0 ? 1 - epsilon + epsilon / k : epsilon / k;
    const reward = rnd() < clickProbability(body, chosen) ? 1 : 0;
    out[i] = { eventId: `sim-${seed}-${i}`, timestamp: SIM_LOG_START + i * 1000, context, chosenIndex: chosen, chosenProbability: probability, reward, actionCount: k };
  }
  return out;
}

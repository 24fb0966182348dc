// Logged events of the HTTP benchmark's Rank shape (bench/http.bench.ts: 3 context namespaces, 10 actions × 10
// features), with the variety real traffic has: each event's user, device and time differ, its 10 actions are
// drawn from a catalogue of 40 in random order, and one action feature (popularity) is updated every 1,000 calls.
// Or (`sameActions`) the same 10 actions in the same order at every call, as many applications send them. Used by
// the store's tests and its benchmark (bytes per event, insert cost). Test and benchmark code only.
import { buildContext } from '../loop/context.js';
import { validateRankRequest } from '../loop/validate_rank.js';
import type { NewEvent } from '../store/index.js';
import { prng } from './fixtures.js';

const CATEGORIES = ['news', 'sports', 'music', 'film', 'food'];

/** An item's popularity, as a catalogue would update it: a new value every 1,000 calls. */
function popularity(k: number, i: number): number {
  return Math.round(prng(k * 1000 + Math.floor(i / 1000))() * 100) / 100;
}

export function rankBody(i: number, rnd: () => number, sameActions = false): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const contextFeatures = [
    { user: { tier: pick(['gold', 'silver', 'bronze']), ageBand: pick(['18-29', '30-39', '40-49', '50+']), country: pick(['NL', 'DE', 'FR', 'US', 'GB']), visits: Math.floor(rnd() * 200) } },
    { device: { os: pick(['android', 'ios', 'windows']), type: pick(['phone', 'tablet', 'desktop']), browser: pick(['chrome', 'safari', 'firefox']) } },
    { time: { dayOfWeek: pick(['monday', 'tuesday', 'wednesday', 'thursday', 'friday']), hour: Math.floor(rnd() * 24), season: pick(['spring', 'summer', 'autumn', 'winter']) } },
  ];
  const catalogue = sameActions ? Array.from({ length: 10 }, (_, k) => k) : Array.from({ length: 40 }, (_, k) => k).sort(() => rnd() - 0.5).slice(0, 10);
  const actions = catalogue.map((k) => ({
    id: `article-${k}`,
    features: [
      { item: { category: CATEGORIES[k % 5], brand: `b${k % 3}`, price: 3.5 + k, rating: (k % 5) + 0.5, color: ['red', 'blue'][k % 2] } },
      { meta: { length: 100 * (k + 1), ageDays: k * 2, popularity: popularity(k, i), fresh: k % 2 === 0, tag: `t${k}` } },
    ],
  }));
  return JSON.stringify({ contextFeatures, actions, eventId: `bench-${i}` });
}

/** n events as the loop logs them (context built from the request text, pmf of epsilon-greedy over 10 actions). */
export function benchEvents(n: number, seed = 1, sameActions = false): NewEvent[] {
  const rnd = prng(seed);
  const out: NewEvent[] = [];
  for (let i = 0; i < n; i++) {
    const text = rankBody(i, rnd, sameActions);
    const v = validateRankRequest(JSON.parse(text));
    const chosen = Math.floor(rnd() * 10);
    const order = [chosen, ...Array.from({ length: 10 }, (_, k) => k).filter((k) => k !== chosen)];
    out.push({
      eventId: `bench-${i}`,
      timestamp: 1_700_000_000_000 + i * 10,
      context: buildContext(v, text),
      actions: order.map((k) => k + 1),
      probabilities: order.map((_, k) => (k === 0 ? 0.91 : 0.01)),
      chosenIndex: chosen,
      chosenProbability: 0.91,
      modelVersion: String(1 + Math.floor(i / 1000)),
      deferActivation: false,
    });
  }
  return out;
}

// Rank and Reward traffic for the dashboard's tests, through the public API, with the figures the dashboard must
// then show computed from the API's own answers (each Rank's ranking gives the chosen action, its probability, the
// number of actions and the top probability): ranked, rewarded and joined counts, the online average reward, the
// IPS estimates for Baseline1 (the first action sent) and random, the exploration share (docs/dashboard.md).
import { call, type ServerProcess } from '../api/test_server.js';
import { prng } from './fixtures.js';

export interface Expected {
  ranked: number;
  rewarded: number;
  rewardSum: number;
  baselineIps: number;
  randomIps: number;
  explored: number;
}

const V1 = '/personalizer/v1.0';
const ACTIONS = ['news', 'sports', 'music', 'movies'];


/**
 * `events` Ranks, each rewarded unless `unrewarded(i)`: users of two tastes, each liking one action (reward 1),
 * the others 0 … 0.2. Sequential, so the counts are known when it resolves.
 */
export async function driveTraffic(
  server: Pick<ServerProcess, 'url' | 'key'>,
  events: number,
  { seed = 1, unrewarded = () => false, prefix = 'dash' }: { seed?: number; unrewarded?: (i: number) => boolean; prefix?: string } = {},
): Promise<Expected> {
  const random = prng(seed);
  const x: Expected = { ranked: 0, rewarded: 0, rewardSum: 0, baselineIps: 0, randomIps: 0, explored: 0 };
  for (let i = 0; i < events; i++) {
    const taste = random() < 0.5 ? 'sporty' : 'arty';
    const eventId = `${prefix}-${seed}-${i}`;
    const rank = await call(server, 'POST', `${V1}/rank`, {
      body: {
        eventId,
        contextFeatures: [{ user: { taste } }],
        actions: ACTIONS.map((id) => ({ id, features: [{ kind: id }] })),
      },
    });
    if (rank.status !== 201) throw new Error(`rank answered ${rank.status}: ${rank.text}`);
    x.ranked++;
    if (unrewarded(i)) continue;
    const ranking = rank.json.ranking as { id: string; probability: number }[];
    const chosen = rank.json.rewardActionId as string;
    const p = ranking.find((r) => r.id === chosen)!.probability;
    const top = Math.max(...ranking.map((r) => r.probability));
    const liked = taste === 'sporty' ? 'sports' : 'music';
    const value = chosen === liked ? 1 : Math.round(random() * 20) / 100;
    const reward = await call(server, 'POST', `${V1}/events/${eventId}/reward`, { body: { value } });
    if (reward.status !== 204) throw new Error(`reward answered ${reward.status}: ${reward.text}`);
    x.rewarded++;
    x.rewardSum += value;
    if (chosen === ACTIONS[0]) x.baselineIps += value / p;
    x.randomIps += value / p / ACTIONS.length;
    if (p < top - 1e-9) x.explored++;
  }
  return x;
}

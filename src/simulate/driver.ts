// Drives a loop through the public API with a world's events: Rank → the world's reward for the chosen action →
// Reward, for events 0…n−1. Every event is rewarded explicitly (0 or 1): with the `earliest` aggregation the
// server learns an event as soon as its reward arrives instead of at the end of rewardWaitTime.
//
// Two ways to run:
// - free (default): `concurrency` requests in flight, event i not started before start + i/rate seconds. The
//   world is the same for a seed, but which model ranks which event depends on timing, as in production.
// - in step (`syncEvery` n > 0): n events are ranked one after the other, then rewarded one after the other, then
//   the driver waits until the model that ranks has learned them all (GET /model) before the next n. Every Rank
//   then sees a model fixed by the events before its batch and the server learns them in event order; with
//   eventIds fixed by the seed and run id (the server samples with a seed of the eventId), a run on a fresh
//   store is reproduced exactly.
import type { PersonalizerClient } from './client.js';
import type { SimulationStats } from './stats.js';
import type { World, WorldEvent } from './world.js';

export interface DriveOptions {
  events: number;
  /** Events per second; 0: as fast as the server answers. */
  rate: number;
  concurrency: number;
  /** Batch size of the in-step mode; 0: free running. */
  syncEvery: number;
  /** Milliseconds to wait for a batch to be learned before giving up (in-step mode). */
  syncTimeoutMs: number;
  /** Makes the eventIds of this run (`sim-<runId>-<index>`). */
  runId: string;
  signal?: AbortSignal;
  onEvent?: () => void;
}

export class SyncTimeoutError extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function eventId(runId: string, index: number): string {
  return `sim-${runId}-${index}`;
}

export async function drive(client: PersonalizerClient, world: World, stats: SimulationStats, o: DriveOptions): Promise<void> {
  const ids = new Map(world.scenario.actions.map((a, i) => [a.id, i]));
  const started = Date.now();
  const pace = async (index: number): Promise<void> => {
    if (o.rate > 0) {
      const due = started + (index * 1000) / o.rate;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
  };
  const rank = async (e: WorldEvent): Promise<number> => {
    const id = eventId(o.runId, e.index);
    const answer = await client.rank({ contextFeatures: e.contextFeatures, actions: world.rankActions, eventId: id });
    const chosen = ids.get(answer.rewardActionId);
    if (chosen === undefined) throw new Error(`Rank answered rewardActionId '${answer.rewardActionId}', which is not one of the actions sent`);
    return chosen;
  };
  const finish = async (e: WorldEvent, chosen: number): Promise<void> => {
    const id = eventId(o.runId, e.index);
    await client.reward(id, e.rewards[chosen]!);
    stats.record({ index: e.index, eventId: id, chosen, reward: e.rewards[chosen]!, expected: e.expected });
    o.onEvent?.();
  };

  if (o.syncEvery > 0) {
    const before = (await client.learnedEvents()) ?? 0n;
    for (let from = 0; from < o.events && !o.signal?.aborted; from += o.syncEvery) {
      const batch: { e: WorldEvent; chosen: number }[] = [];
      for (let i = from; i < Math.min(o.events, from + o.syncEvery); i++) {
        await pace(i);
        const e = world.event(i);
        batch.push({ e, chosen: await rank(e) });
      }
      for (const b of batch) await finish(b.e, b.chosen);
      await learned(client, before + BigInt(from + batch.length), o);
    }
    return;
  }

  let next = 0;
  const worker = async (): Promise<void> => {
    while (!o.signal?.aborted) {
      const i = next++;
      if (i >= o.events) return;
      await pace(i);
      if (o.signal?.aborted) return;
      const e = world.event(i);
      await finish(e, await rank(e));
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.events) }, worker));
}

/** Waits until the model that ranks has learned `want` events (observable state, polled). */
async function learned(client: PersonalizerClient, want: bigint, o: DriveOptions): Promise<void> {
  const deadline = Date.now() + o.syncTimeoutMs;
  for (let delay = 50; ; delay = Math.min(500, delay * 2)) {
    const n = await client.learnedEvents();
    if (n === undefined) throw new SyncTimeoutError('the server\'s model does not tell how many events it has learned: --sync-every cannot wait on it');
    if (n >= want) return;
    if (o.signal?.aborted) return;
    if (Date.now() > deadline) {
      throw new SyncTimeoutError(
        `the model learned ${n} of ${want} events within ${Math.round(o.syncTimeoutMs / 1000)} s: check the loop's learningMode (Online), ` +
          'modelExportFrequency and rewardAggregation (earliest), or run with --configure',
      );
    }
    await sleep(delay);
  }
}

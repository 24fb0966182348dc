// A scenario made a world (docs/simulate.md): event i happens at the simulated clock's start + i days/eventsPerDay;
// its user's segment is drawn with the segments' shares at that part of the day, the device with the segment's
// device shares. The hidden reward of action a is a click with probability σ(logit), logit = intercept + the
// weights (drifted to event i) of the effects matching the event and a, plus one normal draw × noise per event
// (the user's mood, shared by all actions so that the loop, the baseline and the oracle are compared on the same
// draw). Every draw comes from random.ts's streams of (seed, i), so event i is the same whatever ran before it.
import { normal, pickWeighted, STREAM, stream } from './random.js';
import { PARTS_OF_DAY, type Effect, type PartOfDay, type Scenario } from './scenario.js';

const DAY_MS = 86_400_000;

export interface WorldEvent {
  index: number;
  /** Simulated time, ms since epoch. */
  time: number;
  segment: string;
  device: string;
  timeOfDay: PartOfDay;
  day: 'weekday' | 'weekend';
  /** Rank's contextFeatures for this event. */
  contextFeatures: object[];
  /** The hidden click probability of each action (the scenario's order), noise left out: what the oracle knows. */
  expected: number[];
  /** The reward each action would get (0 or 1) on this event's draws. */
  rewards: number[];
}

export function partOfDay(hour: number): PartOfDay {
  return PARTS_OF_DAY[Math.floor(hour / 6)]!;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export class World {
  /** Rank's actions, in the app's default order (the first is Azure's Baseline1). */
  readonly rankActions: { id: string; features: object[] }[];
  /** effect k → the actions it applies to. */
  private readonly applies: boolean[][];

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
  ) {
    this.rankActions = scenario.actions.map((a) => ({ id: a.id, features: [a.features] }));
    this.applies = scenario.reward.effects.map((e) => scenario.actions.map((a) => actionMatches(e, a.id, a.features)));
  }

  event(index: number): WorldEvent {
    const s = this.scenario;
    const time = s.clock.start + Math.floor((index * DAY_MS) / s.clock.eventsPerDay);
    const date = new Date(time);
    const timeOfDay = partOfDay(date.getUTCHours());
    const weekday = date.getUTCDay();
    const day = weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
    const r = stream(this.seed, index, STREAM.context);
    const segment = s.segments[pickWeighted(r, s.segments.map((g) => g.weight * g.activity[timeOfDay]))]!;
    const deviceNames = Object.keys(segment.devices);
    const device = deviceNames[pickWeighted(r, deviceNames.map((d) => segment.devices[d]!))]!;

    const logits = s.actions.map(() => s.reward.intercept);
    s.reward.effects.forEach((e, k) => {
      if (!contextMatches(e, segment.name, device, timeOfDay, day)) return;
      const w = e.weight + (e.drift * index) / 1000;
      const applies = this.applies[k]!;
      for (let a = 0; a < logits.length; a++) if (applies[a]) logits[a]! += w;
    });
    const mood = s.reward.noise * normal(stream(this.seed, index, STREAM.noise));
    const u = stream(this.seed, index, STREAM.reward)();
    return {
      index,
      time,
      segment: segment.name,
      device,
      timeOfDay,
      day,
      contextFeatures: [{ user: segment.features }, { device: { type: device } }, { time: { partOfDay: timeOfDay, day } }],
      expected: logits.map(sigmoid),
      rewards: logits.map((l) => (u < sigmoid(l + mood) ? 1 : 0)),
    };
  }
}

function contextMatches(e: Effect, segment: string, device: string, timeOfDay: PartOfDay, day: string): boolean {
  return (
    (e.segment === undefined || e.segment.includes(segment)) &&
    (e.device === undefined || e.device.includes(device)) &&
    (e.timeOfDay === undefined || e.timeOfDay.includes(timeOfDay)) &&
    (e.day === undefined || e.day.includes(day))
  );
}

function actionMatches(e: Effect, id: string, features: Record<string, unknown>): boolean {
  if (e.actionId !== undefined && !e.actionId.includes(id)) return false;
  for (const [k, values] of Object.entries(e.action ?? {})) {
    if (!values.includes(features[k] as never)) return false;
  }
  return true;
}

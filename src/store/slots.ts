// A multi-slot event's per-slot decisions as both stores keep them: one compact JSON text per event
// (`[{"id":…,"a":[…],"p":[…],"b":…},…]`, the DSJSON CCB names: `_a`, `_p`, `_ba`; docs/multi-slot.md), and a
// joined event's reward per slot as a JSON array. The numbers are written as JavaScript prints them, as the
// single-slot `a`/`p` columns are.
import type { JoinedSlot, LoggedSlot } from './types.js';

interface StoredSlot {
  id: string;
  a: number[];
  p: number[];
  b: number;
}

export function slotsText(slots: readonly LoggedSlot[]): string {
  return JSON.stringify(slots.map((s): StoredSlot => ({ id: s.id, a: s.actions, p: s.probabilities, b: s.baseline })));
}

export function parseSlots(text: string): LoggedSlot[] {
  return (JSON.parse(text) as StoredSlot[]).map((s) => ({ id: s.id, actions: s.a, probabilities: s.p, baseline: s.b }));
}

/** The slot ids alone (what a join decision needs). */
export function slotIds(text: string): string[] {
  return (JSON.parse(text) as StoredSlot[]).map((s) => s.id);
}

/** The slots with the rewards they were joined with (`rewards` null: a skipped event). */
export function joinedSlots(text: string, rewards: string | null): JoinedSlot[] {
  const values = rewards === null ? null : (JSON.parse(rewards) as number[]);
  return parseSlots(text).map((s, i) => ({ ...s, reward: values === null ? null : (values[i] ?? null) }));
}

export function slotRewardsText(rewards: readonly number[] | undefined): string | null {
  return rewards === undefined ? null : JSON.stringify(rewards);
}

// Requests a follower hands to the trainer leader through the store (docs/scale-out.md): DELETE /model (reset the
// model), PUT /model (import one: the request carries the model) and flush (learn everything joined and export
// it) need the trainer, which runs only in the leader's process. The request is a settings key holding {id, at}; the leader, on its maintenance turn, finds a request
// whose id differs from the last one it acknowledged, carries it out, and stores that id as done. A later request
// of the same kind supersedes an earlier one that is still waiting: it covers it (one reset, one flush, is as good
// as two).
import { randomUUID } from 'node:crypto';
import type { Store } from '../store/index.js';

export type LeaderOp = 'reset' | 'flush' | 'import';

export interface LeaderRequest {
  id: string;
  /** The requester's clock (ms since epoch): a reset model's creation time. */
  at: number;
  /** import: the model file to make live, base64 (already checked by the requester against the policy). */
  model?: string;
}

const requestKey = (op: LeaderOp): string => `leaderRequest.${op}`;
const doneKey = (op: LeaderOp): string => `leaderRequest.${op}.done`;

/** Stores a request; returns its id. */
export async function postRequest(store: Store, op: LeaderOp, at: number, model?: Uint8Array): Promise<string> {
  const id = randomUUID();
  const request: LeaderRequest = model === undefined ? { id, at } : { id, at, model: Buffer.from(model).toString('base64') };
  await store.putSetting(requestKey(op), request);
  return id;
}

/** The request of this kind the leader has still to carry out, null when there is none. */
export async function pendingRequest(store: Store, op: LeaderOp): Promise<LeaderRequest | null> {
  const request = await store.getSetting<LeaderRequest>(requestKey(op));
  if (!request) return null;
  const done = await store.getSetting<{ id: string }>(doneKey(op));
  return done?.id === request.id ? null : request;
}

export async function acknowledge(store: Store, op: LeaderOp, id: string): Promise<void> {
  await store.putSetting(doneKey(op), { id });
}

/**
 * Waits until the request `id` (or a later one of the same kind, which covers it) is done, polling every `pollMs`;
 * false when `timeoutMs` passed first.
 */
export async function awaitDone(store: Store, op: LeaderOp, id: string, timeoutMs: number, pollMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const request = await store.getSetting<LeaderRequest>(requestKey(op));
    const done = await store.getSetting<{ id: string }>(doneKey(op));
    if (done !== undefined && (done.id === id || (request !== undefined && request.id !== id && done.id === request.id))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

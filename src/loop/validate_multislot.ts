// Multi-slot Rank and Reward validation (MultiSlotRankRequest, SlotRequest, MultiSlotRewardRequest in the
// v1.1-preview.3 spec; docs/multi-slot.md). Rank failures are InvalidRankRequest, reward failures
// InvalidRewardRequest, each message starting with the path of the offending field, as for single-slot Ranks
// (validate_rank.ts, whose feature rules apply to the slots' features too).
//
// The spec's descriptions, enforced: at most 50 actions and 50 slots; every slot has an id and a baselineAction;
// the baselineAction is one of the request's action ids, is not in that slot's excludedActions, and no two slots
// share one. And what VW's `--ccb_explore_adf` needs: at least as many actions as slots (VW refuses an event with
// more slots than actions), slot ids unique (rewards name a slot by its id).
// Decisions where the spec is silent: excludedActions ids that match no action are ignored (as for single-slot);
// a reward call needs at least one SlotReward; one call may name a slot twice (as two calls could).
import { LoopError, type FeatureObject } from './types.js';
import { checkFeatureList, checkId, fail, isObject, MAX_ACTIONS, MAX_ID_LENGTH } from './validate_rank.js';

export const MAX_SLOTS = 50;

export interface ValidSlot {
  id: string;
  features: FeatureObject[];
  /** Request positions (0-based) of the actions the slot may show, ascending; all of them when it excludes none. */
  included: number[];
  /** Whether the slot excluded any action (its `sj` then ends with an `_inc` element). */
  restricted: boolean;
  /** Request position of its baselineAction. */
  baseline: number;
}

export interface ValidMultiSlotRank {
  contextFeatures: FeatureObject[] | undefined;
  /** Every action, in request order: all of them become `_multi` (multi-slot has no request-level exclusion). */
  actions: { id: string; features: FeatureObject[] }[];
  slots: ValidSlot[];
  eventId: string | undefined;
  deferActivation: boolean;
}

export interface MultiSlotRankBody {
  contextFeatures?: unknown;
  actions?: unknown;
  slots?: unknown;
  eventId?: unknown;
  deferActivation?: unknown;
}

export function validateMultiSlotRank(body: unknown): ValidMultiSlotRank {
  if (!isObject(body)) fail('request', 'must be a JSON object');
  const req = body as MultiSlotRankBody;
  const contextFeatures = req.contextFeatures === undefined || req.contextFeatures === null ? undefined : checkFeatureList(req.contextFeatures, 'contextFeatures');

  if (!Array.isArray(req.actions)) fail('actions', 'is required and must be an array');
  if (req.actions.length === 0) fail('actions', 'must contain at least one action');
  if (req.actions.length > MAX_ACTIONS) fail('actions', `must not contain more than ${MAX_ACTIONS} actions`);
  const position = new Map<string, number>();
  const actions = req.actions.map((a: unknown, i) => {
    if (!isObject(a)) fail(`actions[${i}]`, 'must be an object');
    const id = checkId(a.id, `actions[${i}].id`);
    const first = position.get(id);
    if (first !== undefined) fail(`actions[${i}].id`, `duplicate action id '${id}' (also actions[${first}].id)`);
    position.set(id, i);
    return { id, features: checkFeatureList(a.features, `actions[${i}].features`) };
  });

  if (!Array.isArray(req.slots)) fail('slots', 'is required and must be an array');
  if (req.slots.length === 0) fail('slots', 'must contain at least one slot');
  if (req.slots.length > MAX_SLOTS) fail('slots', `must not contain more than ${MAX_SLOTS} slots`);
  if (req.slots.length > actions.length) {
    fail('slots', `${req.slots.length} slots but only ${actions.length} actions: send at least as many actions as slots (each action fills at most one slot)`);
  }
  const slotIds = new Map<string, number>();
  const baselines = new Map<string, number>();
  const slots = req.slots.map((s: unknown, k): ValidSlot => {
    const path = `slots[${k}]`;
    if (!isObject(s)) fail(path, 'must be an object');
    const id = checkId(s.id, `${path}.id`);
    const dup = slotIds.get(id);
    if (dup !== undefined) fail(`${path}.id`, `duplicate slot id '${id}' (also slots[${dup}].id)`);
    slotIds.set(id, k);
    const features = s.features === undefined || s.features === null ? [] : checkFeatureList(s.features, `${path}.features`);
    const excluded = new Set<string>();
    if (s.excludedActions !== undefined && s.excludedActions !== null) {
      if (!Array.isArray(s.excludedActions)) fail(`${path}.excludedActions`, 'must be an array of action ids');
      s.excludedActions.forEach((x: unknown, i) => {
        if (typeof x !== 'string') fail(`${path}.excludedActions[${i}]`, 'must be a string');
        excluded.add(x);
      });
    }
    if (s.baselineAction === undefined || s.baselineAction === null) fail(`${path}.baselineAction`, 'is required: every slot needs a baseline action');
    const baselineId = checkId(s.baselineAction, `${path}.baselineAction`);
    const baseline = position.get(baselineId);
    if (baseline === undefined) fail(`${path}.baselineAction`, `'${baselineId}' is not one of the request's action ids`);
    if (excluded.has(baselineId)) fail(`${path}.baselineAction`, `'${baselineId}' is in this slot's excludedActions`);
    const other = baselines.get(baselineId);
    if (other !== undefined) fail(`${path}.baselineAction`, `'${baselineId}' is already slots[${other}]'s baseline action: each slot needs its own`);
    baselines.set(baselineId, k);
    const restricted = actions.some((a) => excluded.has(a.id));
    const included = restricted ? actions.flatMap((a, i) => (excluded.has(a.id) ? [] : [i])) : actions.map((_, i) => i);
    return { id, features, included, restricted, baseline };
  });

  let eventId: string | undefined;
  if (req.eventId !== undefined && req.eventId !== null) eventId = checkId(req.eventId, 'eventId');
  if (req.deferActivation !== undefined && req.deferActivation !== null && typeof req.deferActivation !== 'boolean') {
    fail('deferActivation', 'must be a boolean');
  }
  return { contextFeatures, actions, slots, eventId, deferActivation: req.deferActivation === true };
}

export interface ValidSlotReward {
  slotId: string;
  value: number;
}

function rewardFail(path: string, message: string): never {
  throw new LoopError('InvalidRewardRequest', `${path}: ${message}`);
}

/** MultiSlotRewardRequest: `{reward: [{slotId, value}, …]}`. */
export function validateMultiSlotReward(body: unknown): ValidSlotReward[] {
  if (!isObject(body)) rewardFail('request', 'must be a JSON object');
  const list = (body as { reward?: unknown }).reward;
  if (!Array.isArray(list)) rewardFail('reward', 'is required and must be an array of {slotId, value}');
  if (list.length === 0) rewardFail('reward', 'must hold at least one slot reward');
  if (list.length > MAX_SLOTS) rewardFail('reward', `must not hold more than ${MAX_SLOTS} slot rewards`);
  return list.map((r: unknown, i): ValidSlotReward => {
    if (!isObject(r)) rewardFail(`reward[${i}]`, 'must be an object');
    const { slotId, value } = r;
    if (typeof slotId !== 'string' || slotId.length === 0 || slotId.length > MAX_ID_LENGTH) {
      rewardFail(`reward[${i}].slotId`, `must be a non-empty string of at most ${MAX_ID_LENGTH} characters`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < -1 || value > 1) {
      rewardFail(`reward[${i}].value`, 'must be a number between -1 and 1');
    }
    return { slotId, value };
  });
}

// Rank request validation (docs/azure-api.md §3 RankRequest, §5 limits; feature rules from Microsoft's
// concepts-features page as summarised in docs/azure-api.md §5 and docs/features.md §3). Every failure is a
// LoopError('InvalidRankRequest') whose message starts with the path of the offending field, e.g.
// `actions[2].features[0].tags: …`.
//
// Decisions where Azure is silent:
// - excludedActions ids that match no action are ignored (Azure's schema does not require a subset, and the
//   SDK's converter simply filters); an excludedActions entry that is not a string is an error.
// - every action excluded → 400: there is nothing to rank, and an answer with all probabilities 0 and no
//   rewardActionId would break clients.
// - feature values may be strings, finite numbers, booleans, null (VW drops it), nested objects, or arrays of
//   numbers; arrays of anything else and nested arrays are rejected because VW rejects the whole event for them.
//   Keys starting with `_` are not checked: VW skips them (with their values) except its reserved keys.
// - an empty eventId is rejected (it could never be rewarded: /events//reward has no id).
import { LoopError, type FeatureObject, type RankRequest } from './types.js';

export const MAX_ACTIONS = 50;
export const MAX_ID_LENGTH = 256;
/** Deeper nesting than this is surely not a feature set (and protects the recursion). */
const MAX_DEPTH = 32;

export interface ValidRank {
  contextFeatures: FeatureObject[] | undefined;
  actions: { id: string; features: FeatureObject[] }[];
  /** Positions (into actions) of the non-excluded actions, in request order: they become `_multi`. */
  included: number[];
  eventId: string | undefined;
  deferActivation: boolean;
}

export function fail(path: string, message: string): never {
  throw new LoopError('InvalidRankRequest', `${path}: ${message}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// The hot path builds no path strings: a failure rethrows with the path of each level prepended on the way out.
// VW reads every feature value as a 32-bit float (parse_example_json.h, float parsing): a number past
// ±3.4028235e38 becomes ±inf there, and an inf feature makes the model's scores NaN. Refused here instead.
const FLOAT32_RANGE = 'numbers must be finite as 32-bit floats (at most 3.4028235e38 in magnitude)';

function finiteFloat32(x: number): boolean {
  return Number.isFinite(Math.fround(x));
}

class FeatureFault {
  constructor(
    public path: string,
    readonly message: string,
  ) {}
}

function checkValue(v: unknown, depth: number): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!finiteFloat32(v)) throw new FeatureFault('', FLOAT32_RANGE);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (typeof x !== 'number') throw new FeatureFault(`[${i}]`, 'arrays in features may only hold numbers');
      if (!finiteFloat32(x)) throw new FeatureFault(`[${i}]`, FLOAT32_RANGE);
    }
    return;
  }
  if (isObject(v)) {
    checkObject(v, depth + 1);
    return;
  }
  throw new FeatureFault('', `unsupported feature value of type ${typeof v}`);
}

function checkObject(o: Record<string, unknown>, depth: number): void {
  if (depth > MAX_DEPTH) throw new FeatureFault('', `features nested deeper than ${MAX_DEPTH} levels`);
  for (const k in o) {
    if (!Object.hasOwn(o, k) || k.startsWith('_')) continue;
    try {
      checkValue(o[k], depth);
    } catch (e) {
      if (e instanceof FeatureFault) e.path = `.${k}${e.path}`;
      throw e;
    }
  }
}

export function checkFeatureList(v: unknown, path: string): FeatureObject[] {
  if (!Array.isArray(v)) fail(path, 'must be an array of feature objects');
  for (let i = 0; i < v.length; i++) {
    const f: unknown = v[i];
    if (!isObject(f)) fail(`${path}[${i}]`, 'must be an object');
    try {
      checkObject(f, 0);
    } catch (e) {
      if (e instanceof FeatureFault) fail(`${path}[${i}]${e.path}`, e.message);
      throw e;
    }
  }
  return v as FeatureObject[];
}

export function checkId(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.length === 0) fail(path, 'must be a non-empty string');
  if (v.length > MAX_ID_LENGTH) fail(path, `must be at most ${MAX_ID_LENGTH} characters`);
  return v;
}

export function validateRankRequest(body: unknown): ValidRank {
  if (!isObject(body)) fail('request', 'must be a JSON object');
  const req = body as Partial<RankRequest> & Record<string, unknown>;

  const contextFeatures =
    req.contextFeatures === undefined || req.contextFeatures === null
      ? undefined
      : checkFeatureList(req.contextFeatures, 'contextFeatures');

  if (!Array.isArray(req.actions)) fail('actions', 'is required and must be an array');
  if (req.actions.length === 0) fail('actions', 'must contain at least one action');
  if (req.actions.length > MAX_ACTIONS) fail('actions', `must not contain more than ${MAX_ACTIONS} actions`);
  const seen = new Map<string, number>();
  const actions = req.actions.map((a, i) => {
    if (!isObject(a)) fail(`actions[${i}]`, 'must be an object');
    const id = checkId(a.id, `actions[${i}].id`);
    const first = seen.get(id);
    if (first !== undefined) fail(`actions[${i}].id`, `duplicate action id '${id}' (also actions[${first}].id)`);
    seen.set(id, i);
    const features = checkFeatureList(a.features, `actions[${i}].features`);
    return { id, features };
  });

  const excluded = new Set<string>();
  if (req.excludedActions !== undefined && req.excludedActions !== null) {
    if (!Array.isArray(req.excludedActions)) fail('excludedActions', 'must be an array of action ids');
    req.excludedActions.forEach((x, i) => {
      if (typeof x !== 'string') fail(`excludedActions[${i}]`, 'must be a string');
      excluded.add(x);
    });
  }
  const included = actions.flatMap((a, i) => (excluded.has(a.id) ? [] : [i]));
  if (included.length === 0) fail('excludedActions', 'every action is excluded: nothing left to rank');

  let eventId: string | undefined;
  if (req.eventId !== undefined && req.eventId !== null) eventId = checkId(req.eventId, 'eventId');

  if (req.deferActivation !== undefined && req.deferActivation !== null && typeof req.deferActivation !== 'boolean') {
    fail('deferActivation', 'must be a boolean');
  }
  return { contextFeatures, actions, included, eventId, deferActivation: req.deferActivation === true };
}

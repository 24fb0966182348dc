// The scenario file of `personalizer simulate` (docs/simulate.md): a JSON document describing the simulated
// application — who the users are (segments with observable features and device habits), what the app offers
// (2–50 actions with features, in the app's default order), the simulated clock (time of day, weekday/weekend),
// and the hidden reward: a logistic model whose terms (effects) match context and action, each with an optional
// drift per 1,000 events, plus noise. Validation names the field at fault; unknown fields are refused so that a
// typo does not silently leave a term out.

export type FeatureValue = string | number | boolean;
export const PARTS_OF_DAY = ['night', 'morning', 'afternoon', 'evening'] as const;
export type PartOfDay = (typeof PARTS_OF_DAY)[number];
export const DAYS = ['weekday', 'weekend'] as const;
/** Azure's Rank takes at most 50 actions (azure-api.md, Rank: actions). */
export const MAX_ACTIONS = 50;

export interface Segment {
  name: string;
  /** Relative share of events. */
  weight: number;
  /** What the app can see of such a user: sent as the `user` context namespace. */
  features: Record<string, FeatureValue>;
  /** Device shares for this segment (default: the scenario's). */
  devices: Record<string, number>;
  /** Multiplier of the segment's share by part of the day (default 1 each). */
  activity: Record<PartOfDay, number>;
}

export interface Action {
  id: string;
  features: Record<string, FeatureValue>;
}

/** One term of the hidden reward's logit: added when every given condition holds. */
export interface Effect {
  segment?: string[];
  device?: string[];
  timeOfDay?: PartOfDay[];
  day?: string[];
  actionId?: string[];
  /** Action features that must hold (any of the listed values each). */
  action?: Record<string, FeatureValue[]>;
  weight: number;
  /** Added to the weight per 1,000 events (drift of taste over the run). */
  drift: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** Simulated clock: the first event's time (ms since epoch) and the events per simulated day. */
  clock: { start: number; eventsPerDay: number };
  devices: Record<string, number>;
  segments: Segment[];
  actions: Action[];
  reward: { intercept: number; noise: number; effects: Effect[] };
}

export class ScenarioError extends Error {}

type Json = Record<string, unknown>;

function fail(path: string, message: string): never {
  throw new ScenarioError(`${path}: ${message}`);
}

function object(v: unknown, path: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be a JSON object');
  return v as Json;
}

function only(o: Json, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) fail(`${path}.${k}`, `unknown field (known: ${known.join(', ')})`);
  }
}

function text(v: unknown, path: string, max = 256): string {
  if (typeof v !== 'string' || v.trim() === '') fail(path, 'must be a non-empty string');
  if (v.length > max) fail(path, `must be at most ${max} characters`);
  return v;
}

function num(v: unknown, path: string, min: number, max: number, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, `must be a number from ${min} to ${max}`);
  if (v < min || v > max) fail(path, `must be from ${min} to ${max}, got ${v}`);
  return v;
}

function array(v: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, `must be an array of ${min} to ${max} items`);
  if (v.length < min || v.length > max) fail(path, `must have ${min} to ${max} items, has ${v.length}`);
  return v;
}

function features(v: unknown, path: string): Record<string, FeatureValue> {
  const o = object(v ?? {}, path);
  const keys = Object.keys(o);
  if (keys.length > 50) fail(path, 'at most 50 features');
  for (const k of keys) {
    if (k.trim() === '') fail(path, 'a feature name cannot be empty');
    featureValue(o[k], `${path}.${k}`);
  }
  return o as Record<string, FeatureValue>;
}

function featureValue(v: unknown, path: string): FeatureValue {
  if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) return v;
  fail(path, 'must be a string, a finite number or a boolean');
}

/** Non-negative weights by name, at least one positive. */
function shares(v: unknown, path: string, names?: readonly string[]): Record<string, number> {
  const o = object(v, path);
  const keys = Object.keys(o);
  if (keys.length === 0) fail(path, 'needs at least one entry');
  for (const k of keys) {
    if (names !== undefined && !names.includes(k)) fail(`${path}.${k}`, `is not one of ${names.join(', ')}`);
    num(o[k], `${path}.${k}`, 0, 1e6);
  }
  if (keys.every((k) => o[k] === 0)) fail(path, 'needs at least one positive share');
  return o as Record<string, number>;
}

/** A condition's value: one name or a list of names, each one of `names`. */
function oneOrMany(v: unknown, path: string, names: readonly string[]): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) fail(path, 'must name at least one value');
  for (const [i, x] of list.entries()) {
    const at = Array.isArray(v) ? `${path}[${i}]` : path;
    if (typeof x !== 'string' || !names.includes(x)) fail(at, `must be one of ${names.join(', ')}${typeof x === 'string' ? `, got '${x}'` : ''}`);
  }
  return list as string[];
}

function unique(names: string[], path: string, what: string): void {
  const seen = new Set<string>();
  for (const [i, n] of names.entries()) {
    if (seen.has(n)) fail(`${path}[${i}]`, `duplicate ${what} '${n}'`);
    seen.add(n);
  }
}

/** Validates a parsed scenario document; errors are ScenarioError naming the field. */
export function validateScenario(doc: unknown): Scenario {
  const o = object(doc, 'scenario');
  only(o, 'scenario', ['name', 'description', 'clock', 'devices', 'segments', 'actions', 'reward']);
  const name = text(o.name, 'name', 64);
  const description = o.description === undefined ? '' : text(o.description, 'description', 2000);

  const c = object(o.clock ?? {}, 'clock');
  only(c, 'clock', ['start', 'eventsPerDay']);
  const startText = c.start ?? '2026-01-05T06:00:00Z';
  const start = typeof startText === 'string' ? Date.parse(startText) : NaN;
  if (!Number.isFinite(start)) fail('clock.start', 'must be an ISO-8601 date-time such as 2026-01-05T06:00:00Z');
  const eventsPerDay = num(c.eventsPerDay, 'clock.eventsPerDay', 1, 10_000_000, 2000);
  if (!Number.isInteger(eventsPerDay)) fail('clock.eventsPerDay', 'must be a whole number');

  const devices = shares(o.devices ?? { mobile: 1 }, 'devices');
  const deviceNames = Object.keys(devices);

  const segments = array(o.segments, 'segments', 1, 50).map((s, i): Segment => {
    const p = `segments[${i}]`;
    const so = object(s, p);
    only(so, p, ['name', 'weight', 'features', 'devices', 'activity']);
    const activity = shares(so.activity ?? { night: 1, morning: 1, afternoon: 1, evening: 1 }, `${p}.activity`, PARTS_OF_DAY);
    return {
      name: text(so.name, `${p}.name`, 64),
      weight: num(so.weight, `${p}.weight`, 1e-6, 1e6, 1),
      features: features(so.features, `${p}.features`),
      devices: so.devices === undefined ? devices : shares(so.devices, `${p}.devices`, deviceNames),
      activity: Object.fromEntries(PARTS_OF_DAY.map((d) => [d, activity[d] ?? 0])) as Record<PartOfDay, number>,
    };
  });
  unique(segments.map((s) => s.name), 'segments', 'segment name');
  for (const d of PARTS_OF_DAY) {
    if (segments.every((s) => s.activity[d] === 0)) fail('segments', `no segment is active in the ${d} (every activity.${d} is 0)`);
  }

  const actions = array(o.actions, 'actions', 2, MAX_ACTIONS).map((a, i): Action => {
    const p = `actions[${i}]`;
    const ao = object(a, p);
    only(ao, p, ['id', 'features']);
    return { id: text(ao.id, `${p}.id`), features: features(ao.features, `${p}.features`) };
  });
  unique(actions.map((a) => a.id), 'actions', 'action id');
  const actionFeatures = new Set(actions.flatMap((a) => Object.keys(a.features)));

  const r = object(o.reward, 'reward');
  only(r, 'reward', ['intercept', 'noise', 'effects']);
  const effects = array(r.effects ?? [], 'reward.effects', 0, 1000).map((e, i): Effect => {
    const p = `reward.effects[${i}]`;
    const eo = object(e, p);
    only(eo, p, ['segment', 'device', 'timeOfDay', 'day', 'actionId', 'action', 'weight', 'drift']);
    const effect: Effect = { weight: num(eo.weight, `${p}.weight`, -20, 20), drift: num(eo.drift, `${p}.drift`, -20, 20, 0) };
    if (eo.segment !== undefined) effect.segment = oneOrMany(eo.segment, `${p}.segment`, segments.map((s) => s.name));
    if (eo.device !== undefined) effect.device = oneOrMany(eo.device, `${p}.device`, deviceNames);
    if (eo.timeOfDay !== undefined) effect.timeOfDay = oneOrMany(eo.timeOfDay, `${p}.timeOfDay`, PARTS_OF_DAY) as PartOfDay[];
    if (eo.day !== undefined) effect.day = oneOrMany(eo.day, `${p}.day`, DAYS);
    if (eo.actionId !== undefined) effect.actionId = oneOrMany(eo.actionId, `${p}.actionId`, actions.map((a) => a.id));
    if (eo.action !== undefined) {
      const ac = object(eo.action, `${p}.action`);
      effect.action = {};
      for (const [k, v] of Object.entries(ac)) {
        if (!actionFeatures.has(k)) fail(`${p}.action.${k}`, `no action has a feature '${k}'`);
        const list = Array.isArray(v) ? v : [v];
        if (list.length === 0) fail(`${p}.action.${k}`, 'must name at least one value');
        effect.action[k] = list.map((x, j) => featureValue(x, Array.isArray(v) ? `${p}.action.${k}[${j}]` : `${p}.action.${k}`));
      }
    }
    return effect;
  });
  return {
    name,
    description,
    clock: { start, eventsPerDay },
    devices,
    segments,
    actions,
    reward: { intercept: num(r.intercept, 'reward.intercept', -20, 20, 0), noise: num(r.noise, 'reward.noise', 0, 5, 0), effects },
  };
}

/** Parses and validates a scenario file's text; `source` names it in errors. */
export function parseScenario(textOfFile: string, source: string): Scenario {
  let doc: unknown;
  try {
    doc = JSON.parse(textOfFile);
  } catch (e) {
    throw new ScenarioError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  try {
    return validateScenario(doc);
  } catch (e) {
    if (e instanceof ScenarioError) throw new ScenarioError(`${source}: ${e.message}`);
    throw e;
  }
}

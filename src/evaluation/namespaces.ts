// The namespaces and features of logged contexts, as VW's JSON parser forms them (json_parser/src/
// parse_example_json.cc; the rules are summarised in engine/json_features.ts): a key whose value is an object, or
// an array of objects, opens the namespace named by that key (not chained with its parent); scalars belong to the
// nearest enclosing namespace, top-level ones to the default namespace (here ''); an array of numbers under k is
// namespace k. Keys starting with '_' are not features (`_multi`, `_tag`, ...). The walk is the one mwt-ds
// DataScience/Experimentation.py `detect_namespaces` does to find the shared and action namespaces to interact,
// and the one feature importance masks by (mask.ts), so both see the same groups.
import type { LoggedEvent } from './types.js';

type Json = Record<string, unknown>;

export function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Calls visit(namespace, feature) for every feature of one shared part or one action: a scalar key in its
 * namespace, or a numeric array under key k as feature k of namespace k. false and null are skipped (VW makes
 * no feature of them).
 */
export function walkFeatures(obj: Json, namespace: string, visit: (namespace: string, feature: string) => void): void {
  for (const key of Object.keys(obj)) {
    if (key.length === 0 || key.charCodeAt(0) === 0x5f) continue; // '_'
    const v = obj[key];
    if (isJsonObject(v)) walkFeatures(v, key, visit);
    else if (Array.isArray(v)) {
      let numbers = false;
      for (const item of v) {
        if (isJsonObject(item)) walkFeatures(item, key, visit);
        else if (typeof item === 'number') numbers = true;
      }
      if (numbers) visit(key, key);
    } else if (v !== null && v !== false && v !== undefined) visit(namespace, key);
  }
}

export interface FeatureCount {
  name: string;
  /** Sampled events in which the feature occurs (in the shared part or in any action). */
  events: number;
}

export interface NamespaceInfo {
  /** VW's namespace name ('' = the default namespace of top-level scalars). */
  name: string;
  /** Seen in the shared part of a context, in an action (`_multi` element), or both. */
  shared: boolean;
  action: boolean;
  /** Sampled events in which the namespace has a feature. */
  events: number;
  /** Its features, most frequent first (then by name). */
  features: FeatureCount[];
}

export interface NamespaceSurvey {
  /** Events read (all of them up to `sample`, else `sample` events evenly spread over the log). */
  sampled: number;
  /** Most frequent first, then by name. */
  namespaces: NamespaceInfo[];
}

export const DEFAULT_SURVEY_SAMPLE = 2000;

/** The indices of at most `sample` events evenly spread over [0, n): the schema can drift along a log. */
export function sampleIndices(n: number, sample: number): number[] {
  if (n <= sample) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < sample; k++) out.push(Math.floor((k * n) / sample));
  return out;
}

/** The namespaces and features of the logged contexts (a sample of them: `sample` events, default 2,000). */
export function surveyNamespaces(events: readonly LoggedEvent[], sample = DEFAULT_SURVEY_SAMPLE): NamespaceSurvey {
  interface Acc {
    shared: boolean;
    action: boolean;
    events: number;
    features: Map<string, number>;
  }
  const byName = new Map<string, Acc>();
  const indices = sampleIndices(events.length, sample);
  for (const t of indices) {
    let c: unknown;
    try {
      c = JSON.parse(events[t]!.context);
    } catch {
      continue; // a context the featurizer would refuse too
    }
    if (!isJsonObject(c)) continue;
    const seenNs = new Set<string>();
    const seenFeature = new Set<string>();
    const visitor = (where: 'shared' | 'action') => (ns: string, feature: string) => {
      let acc = byName.get(ns);
      if (!acc) byName.set(ns, (acc = { shared: false, action: false, events: 0, features: new Map() }));
      acc[where] = true;
      if (!seenNs.has(ns)) {
        seenNs.add(ns);
        acc.events++;
      }
      const key = `${ns}\u0000${feature}`;
      if (!seenFeature.has(key)) {
        seenFeature.add(key);
        acc.features.set(feature, (acc.features.get(feature) ?? 0) + 1);
      }
    };
    walkFeatures(c, '', visitor('shared'));
    const multi = c['_multi'];
    if (Array.isArray(multi)) {
      const inAction = visitor('action');
      for (const a of multi) if (isJsonObject(a)) walkFeatures(a, '', inAction);
    }
  }
  const byCount = <T extends { name: string; events: number }>(a: T, b: T) => b.events - a.events || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const namespaces: NamespaceInfo[] = [...byName.entries()].map(([name, acc]) => ({
    name,
    shared: acc.shared,
    action: acc.action,
    events: acc.events,
    features: [...acc.features.entries()].map(([f, n]) => ({ name: f, events: n })).sort(byCount),
  }));
  namespaces.sort(byCount);
  return { sampled: indices.length, namespaces };
}

/**
 * The namespace letters `-q` can name (VW interacts namespaces by their first character): those of the shared
 * and of the action namespaces, most frequent first. The default namespace has no letter to name it with, and a
 * first character other than an ASCII letter or digit is left out (':' is VW's wildcard; others would need
 * escapes on a command line).
 */
export function interactionLetters(survey: NamespaceSurvey): { shared: string[]; action: string[] } {
  const shared: string[] = [];
  const action: string[] = [];
  for (const ns of survey.namespaces) {
    const letter = ns.name.charAt(0);
    if (!/^[A-Za-z0-9]$/.test(letter)) continue;
    if (ns.shared && !shared.includes(letter)) shared.push(letter);
    if (ns.action && !action.includes(letter)) action.push(letter);
  }
  return { shared, action };
}

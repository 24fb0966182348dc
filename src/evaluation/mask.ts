// Leaving features out of a context (feature importance, how-to-feature-evaluation: "features ignored one at a
// time"). A namespace is a top-level object key of the context or of an action (VW JSON: a nested object is a
// namespace named by its key); namespace '' holds the top-level scalar features. The mask is applied to the JSON
// text rather than through VW's --ignore, which works on a namespace's first letter and would drop every
// namespace sharing it.
import type { FeatureMask } from './types.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropFrom(obj: Json, mask: FeatureMask): void {
  if (mask.namespace === '') {
    if (mask.feature !== undefined && !isObject(obj[mask.feature])) delete obj[mask.feature];
    return;
  }
  if (!(mask.namespace in obj)) return;
  if (mask.feature === undefined) {
    delete obj[mask.namespace];
    return;
  }
  const ns = obj[mask.namespace];
  if (isObject(ns)) delete ns[mask.feature];
  else if (Array.isArray(ns)) for (const item of ns) if (isObject(item)) delete item[mask.feature];
}

/** The context text with the masked namespace or feature removed from the shared part and from every action. */
export function maskContext(context: string, mask: FeatureMask): string {
  const c = JSON.parse(context) as Json;
  dropFrom(c, mask);
  const multi = c['_multi'];
  if (Array.isArray(multi)) for (const a of multi) if (isObject(a)) dropFrom(a, mask);
  return JSON.stringify(c);
}

// Leaving features out of a context (feature importance, how-to-feature-evaluation: "features ignored one at a
// time"). A namespace is VW's (namespaces.ts): the features whose nearest enclosing key is its name, in the shared
// part and in every action; namespace '' holds the top-level scalar features. Leaving a namespace out keeps the
// namespaces nested inside it (`{"FromUrl":[{"hour":1,"device":{"os":"ios"}}]}` without FromUrl keeps
// device.os), as VW hashes them apart. The mask is applied to the JSON text rather than through VW's --ignore,
// which works on a namespace's first letter and would drop every namespace sharing it.
import { isJsonObject } from './namespaces.js';
import type { FeatureMask } from './types.js';

type Json = Record<string, unknown>;

/** Removes the masked features of `obj` (in namespace `namespace`); true when it had some and has none left. */
function strip(obj: Json, namespace: string, mask: FeatureMask): boolean {
  const hit = (ns: string, feature: string) => ns === mask.namespace && (mask.feature === undefined || mask.feature === feature);
  let removed = false;
  for (const key of Object.keys(obj)) {
    if (key.length === 0 || key.charCodeAt(0) === 0x5f) continue; // '_': not a feature
    const v = obj[key];
    if (isJsonObject(v)) {
      if (strip(v, key, mask)) {
        delete obj[key];
        removed = true;
      }
    } else if (Array.isArray(v)) {
      // Objects in an array are parsed in namespace `key`; numbers are feature `key` of namespace `key`.
      const numbersHit = hit(key, key);
      const kept = v.filter((item) => {
        if (isJsonObject(item)) return !strip(item, key, mask);
        return !(typeof item === 'number' && numbersHit);
      });
      if (kept.length !== v.length) {
        removed = true;
        if (kept.length === 0) delete obj[key];
        else obj[key] = kept;
      }
    } else if (hit(namespace, key)) {
      delete obj[key];
      removed = true;
    }
  }
  return removed && Object.keys(obj).length === 0;
}

/** The context text with the masked namespace or feature removed from the shared part and from every action. */
export function maskContext(context: string, mask: FeatureMask): string {
  const c = JSON.parse(context) as Json;
  strip(c, '', mask);
  const multi = c['_multi'];
  if (Array.isArray(multi)) for (const a of multi) if (isJsonObject(a)) strip(a, '', mask);
  return JSON.stringify(c);
}

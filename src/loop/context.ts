// The context JSON Azure built for a single-slot Rank call and logged verbatim as DSJSON `c`
// (azure-features-to-vw.md §0, §2): {"FromUrl":[<contextFeatures…>],"_multi":[{"_tag":id,
// "i":{"constant":1,"id":id},"j":[<features…>]}…]} with only the non-excluded actions, in request order.
// No FromUrl when contextFeatures is absent (§2.1). Key order inside `_multi` documents is fixed (`_tag`, `i`, `j`;
// `constant` before `id`) because VW's self-interactions pair features in parse order (§2.2).
//
// The feature objects are re-serialized with JSON.stringify, which keeps their key order except that
// integer-like keys ("0", "42") move first, as they do in every JS object. Such keys are rare in feature sets and
// only reorder features inside a namespace (no change to linear terms; self-interaction order only).
import type { ValidRank } from './validate_rank.js';

export function buildContext(req: Pick<ValidRank, 'contextFeatures' | 'actions' | 'included'>): string {
  let out = '{';
  if (req.contextFeatures !== undefined) out += `"FromUrl":${JSON.stringify(req.contextFeatures)},`;
  out += '"_multi":[';
  out += req.included
    .map((i) => {
      const a = req.actions[i]!;
      const id = JSON.stringify(a.id);
      return `{"_tag":${id},"i":{"constant":1,"id":${id}},"j":${JSON.stringify(a.features)}}`;
    })
    .join(',');
  return out + ']}';
}

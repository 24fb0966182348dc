// The DSJSON CCB `c` Azure logged for a multi-slot Rank (docs/multi-slot.md; the .NET SDK's RlObjectConverter
// GetIncludedActionsForSlot; VW reinforcement_learning external_parser/log_converter.cc build_ccb_json):
// `FromUrl` and `_multi` as for a single-slot Rank (context.ts), with every action in request order (multi-slot
// has no request-level exclusion), then `_slots`, one per request slot in order:
// `{"_id":<slot id>,"sj":[<slot features…>]}`, and when the slot excludes actions one more `sj` element
// `{"_inc":[…]}` listing the 0-based `_multi` positions it may show. VW reads `sj`'s scalars into namespace `sj`
// and `_inc` as the slot's candidates; `_id` is only the slot's name.
import { buildContext } from './context.js';
import type { ValidMultiSlotRank } from './validate_multislot.js';

export function buildMultiSlotContext(req: ValidMultiSlotRank, source?: string): string {
  const all = req.actions.map((_, i) => i);
  const shared = buildContext({ contextFeatures: req.contextFeatures, actions: req.actions, included: all }, source);
  let slots = '';
  for (let k = 0; k < req.slots.length; k++) {
    const s = req.slots[k]!;
    let sj = JSON.stringify(s.features);
    if (s.restricted) sj = `${sj.length === 2 ? '[' : `${sj.slice(0, -1)},`}{"_inc":[${s.included.join(',')}]}]`;
    slots += `${k === 0 ? '' : ','}{"_id":${JSON.stringify(s.id)},"sj":${sj}}`;
  }
  return `${shared.slice(0, -1)},"_slots":[${slots}]}`;
}

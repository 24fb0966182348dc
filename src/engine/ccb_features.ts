// Multi-slot (--ccb_explore_adf) featurization: one context with `_multi` actions and `_slots` → per slot, the
// feature vectors of the actions that slot may show, as VW's conditional contextual bandit reduction builds its
// per-slot CB examples (core/src/reductions/conditional_contextual_bandit.cc build_cb_example,
// inject_slot_features, inject_slot_id, insert_ccb_interactions; docs/multi-slot-engine.md):
// - the slot's namespaces are appended to the shared example's namespace of the same letter, its default
//   namespace ' ' to namespace 139 (CCB_SLOT_NAMESPACE); its constant is dropped;
// - in multi-slot mode the shared example also gets namespace 140 (CCB_ID_NAMESPACE) with one feature,
//   hash("index<s>", hash("_id")) & mask, value 1, and the interaction list gains T+[140] for every
//   interaction T and the wildcard pair [':', 140];
// - the candidates are the actions listed in the slot's `_inc` (all when absent), in `_multi` order.
// The features of (slot, action) do not depend on which actions earlier slots took, so they are built once
// here; the learner picks the candidates left after exclusion.

import type { FeatureVector } from './example.js';
import { ExampleBuffer } from './example_buffer.js';
import { featureHasher } from './hash.js';
import { createExampleBuilder, createParser, FeatureLimitError, type ExampleBuilder, type FeaturizerConfig } from './featurizer.js';
import { parseInteractionArgs } from './interactions.js';
import type { JsonExampleParser } from './json_features.js';
import { FeatureError } from './json_scanner.js';

export const CCB_SLOT_NAMESPACE = 139;
export const CCB_ID_NAMESPACE = 140;
const DEFAULT_NAMESPACE = 0x20;
const WILDCARD = 0x3a;

const encoder = new TextEncoder();

/** One slot of a featurized multi-slot event. */
export interface CcbSlot {
  /** Per `_multi` position: that action's features in this slot, or null when the slot's `_inc` leaves it out. */
  features: (FeatureVector | null)[];
  /** The slot's `_tag` (a `seed=…` tag sets its sampling seed, cb_sample.cc). */
  tag: string | undefined;
}

/** A featurized multi-slot event. Opaque to callers beyond the two counts. */
export interface CcbExample {
  readonly slotCount: number;
  readonly actionCount: number;
  readonly slots: readonly CcbSlot[];
  /** Featurized in multi-slot mode (slot-index feature and CCB interactions). */
  readonly multiSlot: boolean;
  /** This event alone switches VW into multi-slot mode (more than one slot, or a first slot with features). */
  readonly turnsOnMultiSlot: boolean;
  /** The text it came from, to featurize again if the learner switched modes in between. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** The interaction list after insert_ccb_interactions: each T, then T+[140] and T again, then [':', 140]. */
export function ccbInteractions(parsed: readonly number[][]): number[][] {
  const out = parsed.map((t) => [...t]);
  for (const t of parsed) out.push([...t, CCB_ID_NAMESPACE], [...t]);
  out.push([WILDCARD, CCB_ID_NAMESPACE]);
  return out;
}

export interface CcbFeaturizerOptions {
  names?: boolean;
  maxFeatures?: number;
}

export class CcbFeaturizer {
  private readonly parser: JsonExampleParser;
  private readonly single: ExampleBuilder;
  private readonly multi: ExampleBuilder;
  private readonly combined = new ExampleBuffer();
  private readonly emptySlot = new ExampleBuffer();
  private readonly names: boolean;
  private readonly hash;
  private readonly idNamespaceHash: number;
  private readonly mask: number;
  private readonly slotIdHashes: number[] = [];
  private readonly scratch: ExampleBuffer[] = [];
  private readonly maxFeatures: number;

  constructor(
    private readonly config: FeaturizerConfig,
    options: CcbFeaturizerOptions = {},
  ) {
    this.names = options.names === true;
    this.maxFeatures = options.maxFeatures ?? Infinity;
    const builderOptions = { names: this.names };
    this.parser = createParser(config, { names: this.names, slots: true });
    this.single = createExampleBuilder(config, builderOptions);
    this.multi = createExampleBuilder(
      config,
      builderOptions,
      ccbInteractions(parseInteractionArgs(config.quadratic, config.cubic, config.interactions)),
    );
    this.hash = featureHasher(config.hashAll);
    this.mask = config.bits >= 32 ? 0xffffffff : 2 ** config.bits - 1;
    const id = encoder.encode('_id');
    this.idNamespaceHash = this.hash(id, 0, id.length, config.hashSeed >>> 0);
  }

  /** hash_feature("index<s>", hash_space("_id")): the slot-index feature (before the width multiply). */
  slotIdIndex(s: number): number {
    let h = this.slotIdHashes[s];
    if (h === undefined) {
      const b = encoder.encode(`index${s}`);
      h = (this.hash(b, 0, b.length, this.idNamespaceHash) & this.mask) >>> 0;
      this.slotIdHashes[s] = h;
    }
    return h;
  }

  /**
   * Featurizes text[start, end) (a context object with `_multi` and `_slots`). multiSlot(turnsOn): whether to
   * featurize in multi-slot mode, given whether this event itself switches it on. FeatureError on bad input;
   * FeatureLimitError when all slots together expand to more than maxFeatures (or `within`) features.
   */
  featurize(text: string, start: number, end: number, multiSlot: (turnsOn: boolean) => boolean, within = Infinity): CcbExample {
    const limit = Math.min(this.maxFeatures, within);
    let used = 0;
    const p = this.parser;
    p.parse(text, start, end);
    const nActions = p.nActions;
    // Without `_slots`, VW's JSON parser gives the event one slot with no features.
    const nSlots = p.slotsSeen ? p.nSlots : 1;
    if (nSlots > nActions) {
      throw new FeatureError(`the number of actions (${nActions}) must be greater than or equal to the number of slots (${nSlots})`);
    }
    const slot0 = p.slotsSeen ? p.slots[0] : undefined;
    const turnsOn = nSlots > 1 || (slot0 !== undefined && slot0.nOrder > 0);
    const multi = multiSlot(turnsOn);
    const build = multi ? this.multi : this.single;
    const shared = p.shared;
    const slots: CcbSlot[] = [];
    for (let s = 0; s < nSlots; s++) {
      const slot = p.slotsSeen ? p.slots[s]! : this.emptySlot;
      const sh = this.combine(shared, slot, multi ? s : -1);
      const inc = p.slotsSeen ? p.slotInc[s] : null;
      const allowed: number[] = [];
      if (inc && inc.length > 0) {
        const on = new Uint8Array(nActions);
        for (const a of inc) if (a < nActions) on[a] = 1;
        for (let a = 0; a < nActions; a++) if (on[a] === 1) allowed.push(a);
      } else for (let a = 0; a < nActions; a++) allowed.push(a);
      const bufs = this.scratch;
      bufs.length = 0;
      for (const a of allowed) bufs.push(p.actions[a]!);
      let ex;
      try {
        ex = build(sh, bufs, bufs.length, limit - used);
      } catch (e) {
        // The builder counts one slot; the limit is the event's.
        if (e instanceof FeatureLimitError) throw new FeatureLimitError(limit);
        throw e;
      }
      for (const fv of ex.actions) used += fv.count;
      const features: (FeatureVector | null)[] = new Array<FeatureVector | null>(nActions).fill(null);
      allowed.forEach((a, i) => (features[a] = ex.actions[i]!));
      slots.push({ features, tag: slot.tag });
    }
    return { slotCount: nSlots, actionCount: nActions, slots, multiSlot: multi, turnsOnMultiSlot: turnsOn, text, start, end };
  }

  /** The shared example while slot s is decided (inject_slot_features, inject_slot_id when s ≥ 0). */
  private combine(shared: ExampleBuffer, slot: ExampleBuffer, s: number): ExampleBuffer {
    const c = this.combined;
    c.reset();
    const names = this.names;
    for (let k = 0; k < shared.nOrder; k++) c.addIndex(shared.order[k]!);
    for (let i = 0; i < shared.n; i++) {
      if (names) c.names[c.n] = shared.names[i]!;
      c.push(shared.letter[i]!, shared.index[i]!, shared.value[i]!);
    }
    for (let k = 0; k < slot.nOrder; k++) {
      const l = slot.order[k]!;
      c.addIndex(l === DEFAULT_NAMESPACE ? CCB_SLOT_NAMESPACE : l);
    }
    for (let i = 0; i < slot.n; i++) {
      const l = slot.letter[i]!;
      if (names) c.names[c.n] = slot.names[i]!;
      c.push(l === DEFAULT_NAMESPACE ? CCB_SLOT_NAMESPACE : l, slot.index[i]!, slot.value[i]!);
    }
    if (s >= 0) {
      c.addIndex(CCB_ID_NAMESPACE);
      if (names) c.names[c.n] = `_ccb_slot_index^index${s}`;
      c.push(CCB_ID_NAMESPACE, this.slotIdIndex(s), 1);
    }
    return c;
  }
}

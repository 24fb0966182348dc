// The hand-off between the featurizer (JSON text → features) and the learner (gd, cb_adf, explore).
// One FeatureVector per action example, after VW's setup_example and shared_feature_merger:
// the action's own namespaces, the constant, the appended shared namespaces, then the expanded interactions,
// in the order VW's foreach_feature visits them (docs/learner.md §2, §4; core/include/vw/core/gd_predict.h).

export interface FeatureVector {
  /**
   * VW feature index before the stride/width multiply (u32). The weight slot of sub-model m is
   * ((index × width) + m) & (2^bits − 1), width = 2 for cb_type dr, else 1 (docs/learner.md §3.5).
   */
  index: Uint32Array;
  /** Feature value as VW stores it (float32; interaction values are float32 products). */
  value: Float32Array;
  /** Number of valid entries in index/value (the arrays may be longer, reused buffers). */
  count: number;
  /**
   * How many of the first entries are linear terms (the interactions follow), when the featurizer says so. RegCB's
   * sensitivity reads it: VW computes that one without its wildcard interactions (explorers/cost_ranges.ts).
   */
  linear?: number;
  /** Audit-style names ("User^tierbronze", "Action^ida1*User^age", "Constant"), only when asked for. */
  names?: string[];
}

export interface MultiExample {
  /** One per element of `_multi`, in order. */
  actions: FeatureVector[];
  /** The `_tag` of each action, when present. */
  tags: (string | undefined)[];
  /** Features of the shared (root) example, its constant not included: VW's cb_adf counts them once per event. */
  sharedFeatures?: number;
}

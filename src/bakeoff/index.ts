// The bake-off (`personalizer bakeoff`): VW 9.10's `--cbify K --cb_explore_adf` over a labelled dataset, run
// through the engine. See docs/bakeoff.md.
export * from './dataset.js';
export * from './vw_float.js';
export * from './order.js';
export * from './sample.js';
export * from './cbify_features.js';
export * from './policy.js';
export * from './runner.js';
export * from './vw_format.js';

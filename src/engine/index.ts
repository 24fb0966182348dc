// The engine's public surface. Pure and synchronous: no I/O, no imports outside engine/.
// CONTRACT (implemented by the engine modules; other folders import only from here):
//
//   parsePolicyArguments(args: string, { allowNoExploration }?): PolicyConfig   throws PolicyArgumentError {argument, supported}
//   formatPolicyArguments(config: PolicyConfig): string      canonical VW argument string
//   DEFAULT_POLICY_ARGUMENTS                                 '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::'
//   POLICY_PRESETS, resolvePolicyArguments(text)             named policies (presets.ts): a preset name → its arguments
//   createLearner(config: PolicyConfig): Learner             fresh model (all weights 0)
//   loadLearner(model: Uint8Array, overrides?: string): Learner   VW 9.x model file (save-resume or predict-only)
//   sampleAction(pmf, eventId, appId = ''): Sampled          RL-client sampling (docs/learner.md §6)
//
//   interface Learner {
//     config: PolicyConfig
//     featurize(contextJson: string): MultiExample           VW --json/--dsjson 'c' object text; throws FeatureError
//     predict(ex: MultiExample): ActionProb[]               pmf in VW order (best first); never learns
//     learn(ex: MultiExample, label: CbLabel, weight = 1)    one event; caller computed the pmf first (progressive)
//     saveModel({ predictOnly = false }): Uint8Array         VW 9.10 binary model
//     explain(ex, actionIndex, top): FeatureContribution[]   largest |weight × value| terms, readable names
//   }
//   ActionProb = { index: number /* 0-based into _multi */; probability: number }
//   CbLabel    = { index: number /* 0-based into _multi (_labelIndex) */; cost: number; probability: number }
//   Sampled    = { chosen: number /* index into _multi */; ranking: ActionProb[] /* chosen first (swap_chosen) */ }
//
//   Multi-slot (--ccb_explore_adf, ccb.ts; docs/multi-slot-engine.md):
//   DEFAULT_CCB_POLICY_ARGUMENTS                             '--ccb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::'
//   createCcbLearner(config) / loadCcbLearner(model, overrides?) / ccbLearnerFromState(config, state, options?)
//   class CcbLearner { config; inner: Learner; stats;
//     featurize(text, start?, end?): CcbExample              `c` with _multi and _slots; throws FeatureError
//     predict(ex, seeds: string[]): SlotDecision[]           per slot: candidates left, chosen first; never learns
//     learn(ex, outcomes: (SlotOutcome | null)[], weight = 1): SlotDecision[]
//     saveModel({ predictOnly }), explain(exOrText, slot, action, top) }
//   SlotOutcome  = { action: number /* 0-based _multi index shown */; cost: number; probability: number }
//   SlotDecision = { actions: number[] /* chosen first */; probabilities: number[] }
//   setInvSqrtDefault('rsqrtss' | 'quake')                  --power_t 0.5: x86 estimate (default) or VW's portable one
//   libmFlavour('fma' | 'plain')                            glibc powf/expf variant (FMA CPUs, the default, or SSE2)
export * from './types.js';
export * from './policy_args.js';
export * from './presets.js';
export * from './model_file.js';
export * from './readable_model.js';
export * from './learner.js';
export * from './ccb.js';
export { tagSeed } from './ccb_sample.js';
export * from './cb_adf_loss.js';
export * from './hash.js';
export * from './sampling.js';
export * from './finite.js';
export * from './featurizer.js';
export { setInvSqrtDefault, invSqrtDefault, type InvSqrtKind } from './gd.js';
export { libmFlavour } from './libm.js';
// The bake-off's cbify featurizer (src/bakeoff) builds action examples itself, with VW's interaction expansion.
export type { FeatureVector, MultiExample } from './example.js';
export { compileInteractions, parseInteractionArgs } from './interactions.js';

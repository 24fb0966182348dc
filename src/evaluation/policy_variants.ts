// Policies as the search handles them: the learning part of a VW command line (everything but the exploration),
// scored as `vw --cb_adf` scores it, and turned back into a full `--cb_explore_adf` policy with a given
// exploration. Arguments are written by the engine's formatPolicyArguments, the canonical form the loop stores, so
// two spellings of one policy are one candidate.
import { formatPolicyArguments, parsePolicyArguments, type CbType, type ExplorationConfig, type PolicyConfig } from '../engine/index.js';

/**
 * The reward model of the search's passes. The search reads only each candidate's loss, never the DR terms the
 * pass's reward model q̂ is for, so its passes carry the cheapest one a pass accepts: linear, no interactions
 * (over 100,000 events of the replay benchmark's simulation, 0.8 s instead of 2.1 s per pass with `-q ::`).
 */
export const SEARCH_REWARD_MODEL = '--cb_adf --cb_type mtr';

/** The learning part of a policy: its configuration with the exploration removed (VW's `--cb_adf` alone). */
export function learningConfig(args: string): PolicyConfig {
  const c = parsePolicyArguments(args, { allowNoExploration: true });
  // --id and --rank_all change neither what is learned nor the loss; the defaults given are a model-header detail.
  return { ...c, exploration: { kind: 'none' }, id: '', rankAll: false, explicitDefaults: [] };
}

/** The `--cb_adf` arguments that score a learning configuration (its progressive loss is the search's score). */
export function cbAdfArguments(c: PolicyConfig): string {
  return formatPolicyArguments({ ...c, exploration: { kind: 'none' } });
}

/** A full policy: the learning configuration explored as `exploration` says. */
export function exploringArguments(c: PolicyConfig, exploration: ExplorationConfig): string {
  return formatPolicyArguments({ ...c, exploration });
}

/** The learning rates the search may try: the range of Decision Service's sweep (DashboardMpi/helpers/grid.py). */
export const MIN_GRID_RATE = 1e-7;
export const MAX_GRID_RATE = 10;

/** A learning rate on the grid: 6 significant digits (1e-5 × 10 is 1e-4, not 0.00010000000000000002), in range. */
export function gridRate(x: number): number {
  return Number(Math.min(MAX_GRID_RATE, Math.max(MIN_GRID_RATE, x)).toPrecision(6));
}

export function withRate(c: PolicyConfig, learningRate: number): PolicyConfig {
  return { ...c, learningRate: gridRate(learningRate) };
}

export function withCbType(c: PolicyConfig, cbType: CbType): PolicyConfig {
  return { ...c, cbType };
}

export function withPowerT(c: PolicyConfig, powerT: number, learningRate: number): PolicyConfig {
  return { ...c, powerT, learningRate: gridRate(learningRate) };
}

export function withL1(c: PolicyConfig, l1: number): PolicyConfig {
  return { ...c, l1: Number(l1.toPrecision(6)) };
}

export function withQuadratic(c: PolicyConfig, quadratic: readonly string[]): PolicyConfig {
  return { ...c, quadratic: [...quadratic] };
}

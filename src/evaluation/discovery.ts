// Optimization discovery (docs/discovery-and-feature-importance.md): the search Decision Service ran behind
// Azure Personalizer's "Optimization discovery" (microsoft/mwt-ds DataScience/Experimentation.py, and the
// DashboardMpi sweep's grid.py phases hyper1 → interactions → hyper2), over the logged events.
//
// Every candidate is a learning configuration scored by the progressive average loss `vw --cb_adf --dsjson`
// prints for it: the candidate's arguments without the exploration, `--cb_adf` in place of `--cb_explore_adf`
// (a fresh model, each event scored before it is learned; IPS of the top action, DR for cb_type dr: cb_adf.cc
// update_statistics). Lower is better. The phases, from the online policy's learning arguments (the base):
// - Hyper1: learning rate (×10, ×100, ÷10), cb_type (ips, mtr, dr), power_t (0 ↔ 0.5 with the rate ×10 / ÷10)
//   and --l1 around the best so far, in rounds, until the phase's share of the budget is spent;
// - Inter-len<k>: with the best hyperparameters, `-q` pairs of a shared and an action namespace letter: all sets
//   of up to 2 pairs (plus `-q ::`, and none at all when the incumbent had interactions), then greedy additions of
//   one pair to the round's best set, stopping after `patience` rounds without improvement;
// - Hyper2: the hyperparameters re-tuned (rate ×3, ÷3, ×10, ÷10, cb_type, --l1, power_t) with the best interactions.
// Each round's candidates go to runPasses as one pass, which the worker pool spreads over the cores.
//
// Budget: `budget` replays in all (default 30), counting the final replays of the named policies in the
// evaluation's main pass: before each phase, one replay per policy that may still be named is held back, so
// spent + named ≤ budget. Hyper1 gets 45% of the rest, Inter-len 35%, Hyper2 what is left.
//
// The outcome: each phase's winner that beats the phase before, named as Azure named them
// ("Hyper1", "Inter-len<k>", k the number of -q terms, "Hyper2"), each turned back into a full policy with the
// online policy's exploration; and, with `explorers`, the overall winner explored by SquareCB ("SquareCB"). The
// explorer is not a cb_adf matter (cb_explore_adf_squarecb.cc and cb_explore_adf_greedy.cc learn the same
// cb_adf model from the logged labels, so their `--cb_adf` losses are equal); SquareCB is scored on its own terms,
// by the estimated reward of its pmf in the final pass (what `vw --cb_explore_adf --squarecb` prints as loss).
import { interactionLetters, surveyNamespaces } from './namespaces.js';
import { cbAdfArguments, exploringArguments, learningConfig, withCbType } from './policy_variants.js';
import { improves, Search, type Scored } from './search.js';
import { hyperPhase, interactionPhase } from './search_phases.js';
import { parsePolicyArguments, type CbType, type ExplorationConfig } from '../engine/index.js';
import type { RunPasses } from './evaluate.js';
import type { DiscoveryReport, LoggedEvent, PolicySpec } from './types.js';

export const DEFAULT_DISCOVERY_BUDGET = 30;
/** Below this, the phases would get no candidates once the named policies' replays are held back. */
export const MIN_DISCOVERY_BUDGET = 8;
export const SQUARECB = 'SquareCB';

export interface DiscoveryOptions {
  /** Replays in all, the named policies' final replays included (default 30, at least 8). */
  budget?: number;
  /** cb_types of the grid (default ips, mtr, dr; only mtr when the online policy explores with SquareCB). */
  cbTypes?: CbType[];
  /** Add the winner explored by SquareCB (default true; only when the online policy is epsilon-greedy). */
  explorers?: boolean;
  /** Interaction sets of up to this many pairs are tried all at once before the greedy rounds (default 2). */
  maxBruteForceTerms?: number;
  /** Greedy interaction rounds without improvement before stopping (default 3, as in the dataset notes). */
  patience?: number;
  /** Events surveyed for namespaces (default 2,000, spread over the log). */
  sample?: number;
  onProgress?: (stage: string, fraction: number) => void;
  cancelled?: () => boolean;
}

export interface DiscoveredPolicy extends PolicySpec {
  source: 'OfflineExperimentation';
  /** The `--cb_adf` arguments its search loss was measured with. */
  learningArguments: string;
  /** The `--cb_adf` progressive loss of its learning arguments (NaN when the search did not score them). */
  searchLoss: number;
  /** Whether it keeps the online policy's exploration (false: SquareCB). */
  onlineExploration: boolean;
}

export interface DiscoveryResult extends DiscoveryReport {
  /** Policies to replay in the evaluation's main pass, best last among those keeping the online exploration. */
  policies: DiscoveredPolicy[];
}

const HYPER_SHARE = 0.45;
const INTER_SHARE = 0.35;

/** The policies found by optimization discovery over `events`, from the online policy's arguments. */
export async function discoverPolicies(
  events: readonly LoggedEvent[],
  onlinePolicy: string,
  runPasses: RunPasses,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const budget = Math.max(MIN_DISCOVERY_BUDGET, Math.floor(options.budget ?? DEFAULT_DISCOVERY_BUDGET));
  const online = parsePolicyArguments(onlinePolicy, { allowNoExploration: true });
  const exploration: ExplorationConfig = online.exploration.kind === 'none' ? { kind: 'epsilon', epsilon: 0.2, firstOnly: false } : online.exploration;
  const baseConfig = learningConfig(onlinePolicy);
  const squareCbOnline = exploration.kind === 'squarecb';
  // cb_explore_adf_squarecb.cc accepts only cb_type mtr.
  const cbTypes = squareCbOnline ? ['mtr' as const] : (options.cbTypes ?? ['ips', 'mtr', 'dr']);
  const explorerSlot = options.explorers !== false && exploration.kind === 'epsilon' ? 1 : 0;
  const search = new Search(events, onlinePolicy, runPasses, budget, options);
  const baseArguments = cbAdfArguments(baseConfig);
  if (events.length === 0) {
    return { baseArguments, baseLoss: NaN, budget, replays: 0, passes: 0, trials: [], namespaces: { shared: [], action: [] }, policies: [] };
  }

  // Base and Hyper1 share the first pass: the base is scored with the first round of its neighbours.
  const hyper1Cap = Math.max(2, Math.round(HYPER_SHARE * (budget - 3 - explorerSlot)));
  const hyper1 = (await hyperPhase(search, 'Hyper1', baseConfig, hyper1Cap, cbTypes))!;
  const base = search.tried.get(baseArguments)!;

  // A phase's winner is named when it beats the phase before (hence the base and the other named ones).
  const policies: DiscoveredPolicy[] = [];
  const name = (label: string, s: Scored, previous: Scored): void => {
    if (!improves(s.score, previous.score)) return;
    policies.push({
      name: label,
      arguments: exploringArguments(s.config, exploration),
      source: 'OfflineExperimentation',
      learningArguments: s.trial.arguments,
      searchLoss: s.trial.averageLoss,
      onlineExploration: true,
    });
  };
  name('Hyper1', hyper1, base);

  const letters = interactionLetters(surveyNamespaces(events, options.sample));
  // Held back: a replay for each policy named so far and for each that may still be (Inter-len, Hyper2, SquareCB).
  const afterHyper1 = budget - search.spent - (policies.length + 2 + explorerSlot);
  const interCap = Math.max(0, Math.round((afterHyper1 * INTER_SHARE) / (1 - HYPER_SHARE)));
  const inter = await interactionPhase(search, hyper1, letters, interCap, {
    maxTerms: options.maxBruteForceTerms ?? 2,
    patience: options.patience ?? 3,
  });
  name(`Inter-len${inter.config.quadratic.length}`, inter, hyper1);

  const hyper2Cap = Math.max(0, budget - search.spent - (policies.length + 1 + explorerSlot));
  const hyper2 = (await hyperPhase(search, 'Hyper2', inter, hyper2Cap, cbTypes))!;
  name('Hyper2', hyper2, inter);

  if (explorerSlot === 1) {
    const learn = withCbType(hyper2.config, 'mtr');
    const scored = search.tried.get(cbAdfArguments(learn));
    policies.push({
      name: SQUARECB,
      arguments: exploringArguments(learn, { kind: 'squarecb', gammaScale: 10, gammaExponent: 0.5, epsilon: 0 }),
      source: 'OfflineExperimentation',
      learningArguments: cbAdfArguments(learn),
      searchLoss: scored ? scored.trial.averageLoss : NaN,
      onlineExploration: false,
    });
  }
  options.onProgress?.('optimization: done', search.spent / budget);
  return {
    baseArguments,
    baseLoss: base.trial.averageLoss,
    budget,
    replays: search.spent,
    passes: search.passes,
    trials: search.trials,
    namespaces: letters,
    policies,
  };
}

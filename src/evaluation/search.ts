// One step of optimization discovery (discovery.ts): a round of candidate learning configurations scored in one
// pass, each by the `--cb_adf` progressive loss VW prints for it, never the same arguments twice, with the replays
// counted against the budget and progress reported as "optimization: <phase> <replays>/<budget>".
import { PassCancelled } from './pass.js';
import { cbAdfArguments, learningConfig, SEARCH_REWARD_MODEL } from './policy_variants.js';
import type { PolicyConfig } from '../engine/index.js';
import type { RunPasses } from './evaluate.js';
import type { DiscoveryPhase, DiscoveryTrial, LoggedEvent } from './types.js';

export interface Scored {
  config: PolicyConfig;
  trial: DiscoveryTrial;
  /** What the search compares: the loss, or +∞ when the candidate failed on more events than the base. */
  score: number;
}

export interface SearchReporting {
  onProgress?: (stage: string, fraction: number) => void;
  cancelled?: () => boolean;
}

export class Search {
  readonly tried = new Map<string, Scored>();
  readonly trials: DiscoveryTrial[] = [];
  spent = 0;
  passes = 0;
  baseRefused = 0;
  private readonly baseKey: string;

  constructor(
    private readonly events: readonly LoggedEvent[],
    onlinePolicy: string,
    private readonly runPasses: RunPasses,
    readonly budget: number,
    private readonly options: SearchReporting,
  ) {
    this.baseKey = cbAdfArguments(learningConfig(onlinePolicy));
  }

  has(c: PolicyConfig): boolean {
    return this.tried.has(cbAdfArguments(c));
  }

  /** Scores the untried configurations among `configs` (at most `limit`) in one pass. */
  async score(configs: readonly PolicyConfig[], phase: DiscoveryPhase, round: number, limit: number): Promise<Scored[]> {
    const fresh = new Map<string, PolicyConfig>();
    for (const c of configs) {
      if (fresh.size >= limit) break;
      const key = cbAdfArguments(c);
      if (!this.tried.has(key) && !fresh.has(key)) fresh.set(key, c);
    }
    if (fresh.size === 0) return [];
    if (this.options.cancelled?.()) throw new PassCancelled();
    // The base first: the others' scores are compared with its count of refused events.
    const keys = [...fresh.keys()].sort((a, b) => Number(b === this.baseKey) - Number(a === this.baseKey));
    const before = this.spent;
    const n = this.events.length;
    const stage = `optimization: ${phase} ${before + keys.length}/${this.budget}`;
    const report = (done: number) => this.options.onProgress?.(stage, (before + (keys.length * done) / Math.max(1, n)) / this.budget);
    report(0);
    const pass = await this.runPasses(
      this.events,
      keys.map((arguments_) => ({ arguments: arguments_ })),
      { rewardModel: SEARCH_REWARD_MODEL, onProgress: report, ...(this.options.cancelled ? { cancelled: this.options.cancelled } : {}) },
    );
    this.spent += keys.length;
    this.passes++;
    return keys.map((key, i) => {
      const out = pass.policies[i]!;
      const isBase = key === this.baseKey;
      const trial: DiscoveryTrial = { phase: isBase ? 'Base' : phase, round, arguments: key, averageLoss: out.averageLoss, refused: out.refused };
      if (isBase) this.baseRefused = out.refused;
      // A candidate whose features the engine refused on more events than the base's was scored on fewer events.
      const score = Number.isFinite(out.averageLoss) && out.refused <= this.baseRefused ? out.averageLoss : Infinity;
      const s: Scored = { config: fresh.get(key)!, trial, score };
      this.tried.set(key, s);
      this.trials.push(trial);
      return s;
    });
  }
}

/**
 * Whether loss a beats loss b: by more than VW prints (6 significant digits). Closer than that is a tie, which
 * keeps the configuration found first (the simpler one: the search moves away from the base step by step).
 */
export function improves(a: number, b: number): boolean {
  return a < b - 1e-6 * Math.max(Math.abs(b), 1e-3);
}

export function best(current: Scored, scored: readonly Scored[]): Scored {
  let b = current;
  for (const s of scored) if (improves(s.score, b.score)) b = s;
  return b;
}

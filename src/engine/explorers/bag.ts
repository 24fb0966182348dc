// `--cb_explore_adf --bag B` (core/src/reductions/cb/cb_explore_adf_bag.cc): B cb_adf policies, each trained on its
// own online bootstrap of the events (a Poisson(1) number of updates per event), and the pmf is the share of
// policies that rank each action first. Member i is the cb_adf sub-model at offset i × (cb_adf's width), with its
// own MTR counters and gd normalizer totals; member 0 is the Learner's cb_adf. Bagging does not return a
// prediction from learn, so VW predicts first and prints that pmf. See docs/explorers-ensemble.md.
import { CbAdf, type CbLabel } from '../cb_adf.js';
import type { MultiExample } from '../example.js';
import { countTied, enforceMinimumProbability, rankActions } from '../explore.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';
import { poisson1, RandState } from './poisson.js';
import { sortActionProbs } from './sort_action_probs.js';
import { perModelCounts } from './width.js';

const f = Math.fround;

type Settings = Extract<ExplorationConfig, { kind: 'bag' }>;

const RANDOM_SEED = /(^|\s)--random_seed (\d+)/;

export class Bag implements Explorer {
  readonly members: CbAdf[];
  /**
   * The workspace random state (parse_args.cc --random_seed, default 0): only bagging draws from it in this stack.
   * VW stores its current value in the model's options string (parse_regressor.cc save_load_header).
   */
  readonly rand: RandState;
  private sum = new Float32Array(8);
  private memberScores = new Float32Array(8);
  private top = new Float32Array(8);
  private memberOrder = new Uint32Array(8);

  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {
    const { config, gd, cbAdf } = base;
    const width = config.cbType === 'dr' ? 2 : 1;
    this.members = [cbAdf];
    for (let i = 1; i < settings.size; i++) this.members.push(new CbAdf(gd, config.cbType, config.clipP, i * width));
    this.rand = new RandState(BigInt(config.randomSeed ?? '0'));
  }

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'bag' || x.size !== this.settings.size) return false;
    this.settings = x;
    return true;
  }

  private reserve(k: number): void {
    if (this.sum.length >= k) return;
    this.sum = new Float32Array(k * 2);
    this.memberScores = new Float32Array(k * 2);
    this.top = new Float32Array(k * 2);
    this.memberOrder = new Uint32Array(k * 2);
  }

  /** cb_explore_adf_bag predict; r.scores gets member 0's scores (the Learner's cb_adf). */
  predict(ex: MultiExample, r: Ranking): void {
    const actions = ex.actions;
    const k = actions.length;
    r.reserve(k);
    if (k === 0) return;
    this.reserve(k);
    const { sum, top, memberScores: ms, memberOrder: mo } = this;
    const firstOnly = this.settings.firstOnly;
    for (let a = 0; a < k; a++) sum[a] = top[a] = 0;
    for (let i = 0; i < this.members.length; i++) {
      const scores = i === 0 ? r.scores : ms;
      this.members[i]!.scores(actions, scores);
      rankActions(scores, k, mo);
      for (let a = 0; a < k; a++) sum[a] = f(sum[a]! + scores[a]!);
      if (firstOnly) top[mo[0]!] = f(top[mo[0]!]! + 1);
      else {
        const tied = countTied(scores, mo, k);
        const share = f(1 / tied);
        for (let j = 0; j < tied; j++) top[mo[j]!] = f(top[mo[j]!]! + share);
      }
    }
    // explore_internal.h generate_bag: the votes summed in double, then each scaled by a float 1/total.
    let votes = 0;
    for (let a = 0; a < k; a++) votes += top[a]!;
    const numModels = f(votes);
    if (numModels <= 1e-6) {
      top[0] = 1;
      for (let a = 1; a < k; a++) top[a] = 0;
    } else {
      const norm = f(1 / numModels);
      for (let a = 0; a < k; a++) top[a] = f(top[a]! * norm);
    }
    enforceMinimumProbability(this.settings.epsilon, true, top, k);
    sortActionProbs(top, sum, k, r.order, r.probs);
  }

  /** cb_explore_adf_bag learn: member i learns the event Poisson(1) times (member 0 exactly once with --greedify). */
  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    const loss = exploreLoss(r, label, weight);
    const greedify = this.settings.greedify;
    for (let i = 0; i < this.members.length; i++) {
      const n = greedify && i === 0 ? 1 : poisson1(this.rand.next());
      const member = this.members[i]!;
      for (let j = 0; j < n; j++) member.learn(ex.actions, label, weight);
    }
    return loss;
  }

  featureCount(_ex: MultiExample, features: number): number {
    return features;
  }

  save(state: ModelState): void {
    const seed = this.rand.state;
    const options = state.options.replace(RANDOM_SEED, '');
    state.options = seed === 0n ? options : `${options} --random_seed ${seed}`;
    const config = this.base.config;
    if (config.perModelSaveLoad) {
      // cb_adf.cc save_load with --per_model_save_load: per_model_state[offset] of every member.
      const out = Array.from({ length: perModelCounts(config).cbAdf }, () => ({ eventSum: 0n, actionSum: 0n }));
      for (const m of this.members) {
        if (m.offset < out.length) out[m.offset] = { eventSum: BigInt(m.eventSum), actionSum: BigInt(m.actionSum) };
      }
      state.cbAdf = out;
    }
  }

  load(state: ModelState): void {
    const seed = RANDOM_SEED.exec(state.options);
    if (seed) this.rand.state = BigInt(seed[2]!);
    if (state.cbAdf.length > 1) {
      for (const m of this.members) {
        const c = state.cbAdf[m.offset];
        if (c) {
          m.eventSum = Number(c.eventSum);
          m.actionSum = Number(c.actionSum);
        }
      }
    }
  }
}

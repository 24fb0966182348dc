// Online cover (vowpalwabbit/core/src/reductions/cb/cb_explore_adf_cover.cc): n policies that learn to cover each
// other. Policy 0 is the cb_adf learner (sub-model 0); policies 1..n−1 are cost-sensitive regressions at
// sub-models 2..n trained on the doubly-robust cost estimate minus a bonus for actions the earlier policies rarely
// pick; the pmf gives each policy's leader 1/n, with a minimum probability that decays as 1/√(counter·K).
// Sub-model 1 is the DR reward regressor: cb_adf's own with --cb_type dr, cover's own with mtr (cover then trains
// it), unused with ips. The pmf of a learned event is computed inside learn from the predictions each policy
// makes before its own update (VW's cover returns its prediction from learn).
import type { FeatureVector, MultiExample } from '../example.js';
import { safeProbability, type CbLabel } from '../cb_adf.js';
import { countTied, enforceMinimumProbability, rankActions } from '../explore.js';
import { exploreLoss, type Explorer, type ExplorerBase, type Ranking } from '../explorer.js';
import type { ExplorationConfig, ModelState } from '../types.js';
import { sortActionProbs } from './sort_action_probs.js';
import { perModelCounts } from './width.js';

const f = Math.fround;

type Settings = Extract<ExplorationConfig, { kind: 'cover' }>;

export class Cover implements Explorer {
  /** cb_explore_adf_cover _counter: learned events (saved in the model). */
  counter = 0;

  private costs = new Float32Array(8);
  private scores = new Float32Array(8);
  private summed = new Float32Array(8);
  private probs = new Float32Array(8);
  private rankOrder = new Uint32Array(8);

  constructor(
    private readonly base: ExplorerBase,
    public settings: Settings,
  ) {}

  reconfigure(x: ExplorationConfig): boolean {
    if (x.kind !== 'cover' || x.size !== this.settings.size) return false;
    this.settings = x;
    return true;
  }

  private ensure(k: number): void {
    if (this.costs.length >= k) return;
    this.costs = new Float32Array(k * 2);
    this.scores = new Float32Array(k * 2);
    this.summed = new Float32Array(k * 2);
    this.probs = new Float32Array(k * 2);
    this.rankOrder = new Uint32Array(k * 2);
  }

  /** The pmf without learning; r.scores gets policy 0's scores (the Learner's cb_adf). */
  predict(ex: MultiExample, r: Ranking): void {
    r.reserve(ex.actions.length);
    this.run(ex.actions, null, 1, r);
  }

  /**
   * Learn one event; r gets the pmf computed on the way (the one VW prints for it), equal to predict()'s: the
   * policies predict before their own updates and the counter moves after.
   */
  learn(ex: MultiExample, label: CbLabel, weight: number, r: Ranking): number {
    r.reserve(ex.actions.length);
    this.run(ex.actions, label, weight, r);
    return exploreLoss(r, label, weight);
  }

  featureCount(_ex: MultiExample, features: number): number {
    return features;
  }

  save(state: ModelState): void {
    state.explorerCounter = BigInt(this.counter);
    const config = this.base.config;
    if (config.perModelSaveLoad) {
      // cb_adf.cc per_model_state: only policy 0 (offset 0) goes through cb_adf; the other entries stay 0.
      const out = Array.from({ length: perModelCounts(config).cbAdf }, () => ({ eventSum: 0n, actionSum: 0n }));
      out[0] = { eventSum: BigInt(this.base.cbAdf.eventSum), actionSum: BigInt(this.base.cbAdf.actionSum) };
      state.cbAdf = out;
    }
  }

  load(state: ModelState): void {
    if (state.explorerCounter !== undefined) this.counter = Number(state.explorerCounter);
  }

  /**
   * The cost estimate per action that cover's own policies learn from (gen_cs_example_dr / gen_cs_example_ips,
   * without clip_p): dr predicts with cb_adf's regressor (before cb_adf trains it on this event); mtr trains its
   * own regressor on the logged action (weight/p) and predicts the others; ips is cost/p on the logged action.
   */
  private costEstimates(actions: readonly FeatureVector[], label: CbLabel, weight: number): void {
    const k = actions.length;
    const costs = this.costs;
    const c = label.index;
    const y = f(label.cost);
    const p = f(label.probability);
    const gd = this.base.gd;
    const cbType = this.base.config.cbType;
    if (cbType === 'ips') {
      for (let a = 0; a < k; a++) costs[a] = a === c ? f(y / safeProbability(Math.max(p, 0))) : 0;
      return;
    }
    for (let a = 0; a < k; a++) {
      let x: number;
      if (a === c) {
        x = cbType === 'mtr' ? gd.learn(actions[a]!, 1, y, f(f(weight) / p)) : gd.predict(actions[a]!, 1);
        x = f(x + f(f(y - x) / Math.max(p, 0)));
      } else x = gd.predict(actions[a]!, 1);
      costs[a] = x;
    }
  }

  private run(actions: readonly FeatureVector[], label: CbLabel | null, weight: number, r: Ranking): void {
    const k = actions.length;
    if (k === 0) return;
    this.ensure(k);
    const learn = label !== null;
    const { size, psi, firstOnly, nounif } = this.settings;
    const policy0 = this.base.cbAdf;
    // Policy 0's scores stay in r.scores; the other policies' go through this.scores.
    let scores = r.scores;
    const rank = this.rankOrder;
    const summed = this.summed;
    const probs = this.probs;
    const costs = this.costs;
    const gd = this.base.gd;
    const w = f(weight);

    if (learn) this.costEstimates(actions, label, weight);
    // Policy 0 (cb_adf) ranks before it learns.
    policy0.scores(actions, scores);
    rankActions(scores, k, rank);
    if (learn) policy0.learn(actions, label, weight);

    const add = f(1 / size);
    // Without --epsilon: ε = 1 and min_prob = min(1/K, 1/√(counter·K)) (counter 0: 1/K).
    const decay = this.settings.epsilonDecay;
    const eps = decay ? 1 : this.settings.epsilon;
    let minProb = f(eps / k);
    if (decay) {
      const decayed = f(eps / f(Math.sqrt(this.counter * k)));
      if (decayed < minProb) minProb = decayed;
    }
    for (let a = 0; a < k; a++) probs[a] = 0;
    // VW fills its summed scores by position in each policy's ranked list but reads them by action index in
    // sort_action_probs (only the order of equally likely actions depends on it); kept as VW does it.
    for (let j = 0; j < k; j++) summed[j] = scores[rank[j]!]!;
    if (firstOnly) probs[rank[0]!] = f(probs[rank[0]!]! + add);
    else {
      const tied = countTied(scores, rank, k);
      const share = f(add / tied);
      for (let j = 0; j < tied; j++) probs[rank[j]!] = f(probs[rank[j]!]! + share);
    }
    let norm = f(f(minProb * k) + f(add - minProb));
    const psiMin = f(f(psi) * minProb);
    scores = this.scores;
    for (let i = 1; i < size; i++) {
      const m = i + 1;
      // Policy i's scores before its update.
      for (let a = 0; a < k; a++) scores[a] = gd.partial(actions[a]!, m);
      rankActions(scores, k, rank);
      if (learn) {
        // csoaa_ldf regression of every action on its pseudo-cost: the estimate minus the disagreement bonus.
        for (let a = 0; a < k; a++) {
          const pa = probs[a]! > minProb ? probs[a]! : minProb;
          const pseudo = f(costs[a]! - f(psiMin / f(pa / norm)));
          gd.learn(actions[a]!, m, pseudo, w);
        }
      }
      for (let j = 0; j < k; j++) summed[j] = f(summed[j]! + scores[rank[j]!]!);
      const tied = firstOnly ? 1 : countTied(scores, rank, k);
      const share = firstOnly ? add : f(add / tied);
      for (let j = 0; j < tied; j++) {
        const a = rank[j]!;
        const pa = probs[a]!;
        if (pa < minProb) {
          const lift = f(share - f(minProb - pa));
          norm = f(norm + (lift > 0 ? lift : 0));
        } else norm = f(norm + share);
        probs[a] = f(pa + share);
      }
    }
    const uniform = f(minProb * k);
    enforceMinimumProbability(uniform > 1 ? 1 : uniform, !nounif, probs, k);
    sortActionProbs(probs, summed, k, r.order, r.probs);
    if (learn) this.counter++;
  }
}

// Progressive validation of one policy on one dataset, exactly as `vw --cbify K --cb_explore_adf <policy>` runs
// it (core/src/reductions/cb/cbify.cc predict_adf / learn_adf): for each row t, predict the K action examples, draw
// an action with seed app_seed + t, pay loss0 if it is the row's class and loss1 otherwise, learn that one outcome
// (probability = the drawn entry's normalized probability), and count a mistake when the class was wrong.
import { createLearner } from '../engine/index.js';
import type { Dataset } from './dataset.js';
import { createCbifyFeaturizer, type FeatureNames } from './cbify_features.js';
import { parseCbifyPolicy } from './policy.js';
import { CBIFY_APP_SEED, sampleAfterNormalizing } from './sample.js';

export interface RunOptions {
  /** Rows in the order to play them (indices into the dataset); default the file order. */
  order?: Uint32Array;
  /** Play only the first N rows of the order. */
  limit?: number;
  /**
   * Added to cbify's row counter: the draws of a run with this many label-less rows before the data (VW predicts
   * on those without learning), i.e. one phase shift of cbify's sampling stream.
   */
  seedOffset?: number;
  names?: FeatureNames;
  /** Keep the sampled class (0-based) of every row. */
  keepSampled?: boolean;
}

export interface RunResult {
  /** The policy as given and as the engine ran it. */
  policy: string;
  engineArguments: string;
  rows: number;
  /** VW's "average loss" of cbify: the fraction of rows whose sampled class was wrong (0/1, whatever loss0/1). */
  loss: number;
  mistakes: number;
  seconds: number;
  eventsPerSecond: number;
  sampled?: Int32Array;
}

export function runPolicy(data: Dataset, policy: string, options: RunOptions = {}): RunResult {
  const { config, engineArguments, loss0, loss1 } = parseCbifyPolicy(policy, data.classes);
  const learner = createLearner(config, { quiet: true });
  const featurize = createCbifyFeaturizer(config, {
    classes: data.classes,
    columns: data.columns,
    width: learner.gd.width,
    ...(options.names !== undefined ? { names: options.names } : {}),
  });
  const n = data.labels.length;
  const rows = Math.min(options.limit ?? n, options.order?.length ?? n, n);
  const sampled = options.keepSampled ? new Int32Array(rows) : undefined;
  const seed0 = CBIFY_APP_SEED + BigInt(options.seedOffset ?? 0);
  let mistakes = 0;
  const t0 = performance.now();
  for (let t = 0; t < rows; t++) {
    const row = options.order ? options.order[t]! : t;
    const label = data.labels[row]!;
    const ex = featurize(data.values, row);
    const { order, probs, k } = learner.rank(ex);
    const draw = sampleAfterNormalizing(probs, k, seed0 + BigInt(t));
    const chosen = order[draw.position]!;
    if (sampled) sampled[t] = chosen;
    const correct = chosen === label;
    if (!correct) mistakes++;
    learner.learn(ex, { index: chosen, cost: correct ? loss0 : loss1, probability: draw.probability });
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    policy,
    engineArguments,
    rows,
    loss: rows > 0 ? mistakes / rows : 0,
    mistakes,
    seconds,
    eventsPerSecond: seconds > 0 ? rows / seconds : 0,
    ...(sampled ? { sampled } : {}),
  };
}

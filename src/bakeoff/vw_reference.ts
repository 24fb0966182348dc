// VW 9.10.0's progressive losses on the bake-off datasets (`vw --cbify K --cb_explore_adf <run args>` on one fixed
// random order of each dataset), the wall time of that run, and the run-to-run spread over 10 phase shifts of
// cbify's sampling stream (M = 0, 1000, …, 9000 label-less rows before the data). docs/bakeoff.md describes how
// they were measured; the benchmark prints them next to ours and the tests check short runs against them.
export const DATASETS = ['letter', 'pendigits', 'optdigits', 'satimage', 'segmentation'] as const;
export type DatasetName = (typeof DATASETS)[number];

export interface RunSpec {
  run: string;
  /** The arguments after `--cbify K --cb_explore_adf`. */
  args: string;
}

export const RUNS: RunSpec[] = [
  { run: 'a', args: '--epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr' },
  { run: 'a_q', args: '--epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::' },
  { run: 'b', args: '--epsilon 0.05 --cb_type mtr' },
  { run: 'c', args: '--epsilon 0.05 --cb_type dr' },
  { run: 'd', args: '--epsilon 0.05 --cb_type ips' },
  { run: 'e', args: '--squarecb --cb_type mtr' },
  { run: 'f', args: '--regcb --mellowness 0.001 --cb_type mtr' },
  { run: 'g', args: '--epsilon 0 --cb_type mtr' },
];

export interface Reference {
  loss: number;
  wall: number;
  /** Spread over the 10 phase shifts: mean, sd, min, max. */
  mean: number;
  sd: number;
  min: number;
  max: number;
}

type Row = Record<DatasetName, [number, number, number, number, number, number]>;
const r = (loss: number, wall: number, mean: number, sd: number, min: number, max: number) => [loss, wall, mean, sd, min, max] as [number, number, number, number, number, number];

const TABLE: Record<string, Row> = {
  a: {
    letter: r(0.9614, 0.33, 0.962, 0.001, 0.961, 0.964),
    pendigits: r(0.8221, 0.14, 0.829, 0.014, 0.806, 0.855),
    optdigits: r(0.8648, 0.12, 0.859, 0.011, 0.842, 0.876),
    satimage: r(0.7793, 0.12, 0.787, 0.014, 0.774, 0.822),
    segmentation: r(0.8065, 0.06, 0.801, 0.024, 0.765, 0.839),
  },
  a_q: {
    letter: r(0.961, 0.55, 0.961, 0.001, 0.959, 0.963),
    pendigits: r(0.81, 0.21, 0.806, 0.012, 0.788, 0.828),
    optdigits: r(0.8673, 0.24, 0.838, 0.024, 0.804, 0.867),
    satimage: r(0.8005, 0.24, 0.794, 0.009, 0.783, 0.809),
    segmentation: r(0.8017, 0.08, 0.772, 0.035, 0.709, 0.813),
  },
  b: {
    letter: r(0.8974, 0.34, 0.898, 0.011, 0.882, 0.919),
    pendigits: r(0.456, 0.23, 0.442, 0.032, 0.402, 0.504),
    optdigits: r(0.3557, 0.15, 0.364, 0.061, 0.303, 0.521),
    satimage: r(0.614, 0.12, 0.615, 0.028, 0.557, 0.651),
    segmentation: r(0.4749, 0.06, 0.544, 0.048, 0.472, 0.62),
  },
  c: {
    letter: r(0.9464, 0.53, 0.946, 0.005, 0.938, 0.952),
    pendigits: r(0.638, 0.28, 0.701, 0.057, 0.618, 0.801),
    optdigits: r(0.6482, 0.14, 0.606, 0.034, 0.549, 0.648),
    satimage: r(0.6699, 0.14, 0.695, 0.027, 0.648, 0.738),
    segmentation: r(0.6407, 0.07, 0.742, 0.093, 0.61, 0.886),
  },
  d: {
    letter: r(0.9525, 0.49, 0.957, 0.006, 0.944, 0.966),
    pendigits: r(0.8173, 0.16, 0.79, 0.039, 0.726, 0.851),
    optdigits: r(0.7915, 0.2, 0.822, 0.023, 0.782, 0.846),
    satimage: r(0.7051, 0.13, 0.71, 0.036, 0.661, 0.777),
    segmentation: r(0.7065, 0.06, 0.726, 0.026, 0.694, 0.762),
  },
  e: {
    letter: r(0.8164, 0.41, 0.827, 0.011, 0.811, 0.841),
    pendigits: r(0.2752, 0.15, 0.373, 0.059, 0.275, 0.436),
    optdigits: r(0.3084, 0.13, 0.224, 0.041, 0.184, 0.308),
    satimage: r(0.5026, 0.12, 0.532, 0.018, 0.503, 0.56),
    segmentation: r(0.5156, 0.06, 0.519, 0.073, 0.45, 0.696),
  },
  f: {
    letter: r(0.7966, 0.61, 0.803, 0.018, 0.769, 0.826),
    pendigits: r(0.3418, 0.26, 0.378, 0.052, 0.3, 0.459),
    optdigits: r(0.2406, 0.18, 0.235, 0.023, 0.188, 0.26),
    satimage: r(0.6976, 0.16, 0.601, 0.093, 0.499, 0.723),
    segmentation: r(0.4303, 0.07, 0.377, 0.056, 0.297, 0.466),
  },
  g: {
    letter: r(0.8702, 0.33, 0.876, 0.027, 0.828, 0.913),
    pendigits: r(0.6259, 0.14, 0.66, 0.091, 0.542, 0.806),
    optdigits: r(0.4454, 0.12, 0.427, 0.053, 0.34, 0.521),
    satimage: r(0.7102, 0.11, 0.682, 0.045, 0.562, 0.713),
    segmentation: r(0.6203, 0.06, 0.603, 0.082, 0.492, 0.737),
  },
};

export function reference(run: string, dataset: DatasetName): Reference | undefined {
  const row = TABLE[run]?.[dataset];
  if (!row) return undefined;
  const [loss, wall, mean, sd, min, max] = row;
  return { loss, wall, mean, sd, min, max };
}

/** Run b with VW's default namespace and numeric names (`| 0:v 1:v …`, the bake-off's oml_to_vw.py). */
export const NUMERIC_NAMES_B: Record<DatasetName, number> = {
  letter: 0.9609,
  pendigits: 0.8975,
  optdigits: 0.7422,
  satimage: 0.7782,
  segmentation: 0.7433,
};

/** The loss of always playing the most frequent class. */
export const BEST_CONSTANT: Record<DatasetName, number> = {
  letter: 0.9594,
  pendigits: 0.8959,
  optdigits: 0.8982,
  satimage: 0.7618,
  segmentation: 0.8571,
};

/** The criterion: within the [min, max] of the 10 shifts, or within mean ± 3 sd. */
export function inSpread(loss: number, ref: Reference): boolean {
  return (loss >= ref.min && loss <= ref.max) || Math.abs(loss - ref.mean) <= 3 * ref.sd + 5e-4;
}

// What a benchmark module reports. Each dist/bench/*.bench.js exports `run(): Promise<BenchResult[]>`.

export interface BenchResult {
  /** Row label, e.g. "replay mtr". */
  name: string;
  /** The measured figure (higher or lower is better depending on the unit). */
  value: number;
  unit: string;
  /** The reference figure on this machine kind (e.g. VW 9.10) and value/reference. */
  reference?: number;
  ratio?: number;
  /** A figure measured in the same run to absorb machine noise, and value/baseline. */
  baseline?: number;
  baselineRatio?: number;
  /** Peak resident set size of the measured process, MB. */
  peakRssMb?: number;
  referenceRssMb?: number;
  note?: string;
}

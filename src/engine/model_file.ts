// VW 9.x binary model files (docs/learner.md §8): the header of parse_regressor.cc save_load_header, then each
// reduction's save_load from the top of the stack down (learner.cc): cb_explore_adf_squarecb.cc and
// cb_explore_adf_cover.cc (example counter),
// conditional_contextual_bandit.cc (has_seen_multi_slot_example), cb_adf.cc (event_sum, action_sum), gd.cc (resume flag, save_load_online_state_gd or save_load_regressor).
// Little-endian throughout; strings are u32 length + bytes including the trailing NUL (io_buf.h bin_text_write).

import { uniformHash } from './hash.js';
import { PolicyArgumentError, parsePolicyArguments, unsupportedArguments } from './policy_args.js';
import type { GdResumeState, ModelState } from './types.js';
import { perModelCounts } from './explorers/width.js';

export class ModelFileError extends Error {
  constructor(message: string) {
    super(`VW model file: ${message}`);
    this.name = 'ModelFileError';
  }
}

/**
 * The header checksum: io_buf hashes every write call while verify_hash is on, chaining the previous hash as the
 * seed (io_buf.h bin_write_fixed; empty writes hash nothing). Not one hash over the concatenated bytes.
 */
export function murmur3Chain(pieces: Uint8Array[]): number {
  let h = 0;
  for (const p of pieces) if (p.length > 0) h = uniformHash(p, h);
  return h;
}

class Reader {
  private pos = 0;
  private readonly view: DataView;
  hash: number | null = null;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
  get offset(): number {
    return this.pos;
  }
  take(n: number, what: string): Uint8Array {
    if (this.remaining < n) throw new ModelFileError(`truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.remaining} left`);
    const chunk = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    if (this.hash !== null && n > 0) this.hash = uniformHash(chunk, this.hash);
    return chunk;
  }
  private at(n: number, what: string): number {
    const p = this.pos;
    this.take(n, what);
    return p;
  }
  u8(what: string): number {
    return this.view.getUint8(this.at(1, what));
  }
  u32(what: string): number {
    return this.view.getUint32(this.at(4, what), true);
  }
  u64(what: string): bigint {
    return this.view.getBigUint64(this.at(8, what), true);
  }
  f32(what: string): number {
    return this.view.getFloat32(this.at(4, what), true);
  }
  f64(what: string): number {
    return this.view.getFloat64(this.at(8, what), true);
  }
  /** u32 length + bytes; the text stops at the first NUL (VW reads it as a C string). */
  string(what: string, max = 104857600): string {
    const len = this.u32(`${what} length`);
    if (len > max) throw new ModelFileError(`bad ${what} length ${len}`);
    const raw = this.take(len, what);
    const nul = raw.indexOf(0);
    return new TextDecoder().decode(nul >= 0 ? raw.subarray(0, nul) : raw);
  }
}

class Writer {
  private readonly pieces: Uint8Array[] = [];
  hashed: Uint8Array[] | null = null;
  private push(p: Uint8Array): void {
    this.pieces.push(p);
    if (this.hashed) this.hashed.push(p);
  }
  private scalar(n: number, set: (v: DataView) => void): void {
    const b = new Uint8Array(n);
    set(new DataView(b.buffer));
    this.push(b);
  }
  bytes(b: Uint8Array): void {
    this.push(b);
  }
  u8(x: number): void {
    this.scalar(1, (v) => v.setUint8(0, x));
  }
  u32(x: number): void {
    this.scalar(4, (v) => v.setUint32(0, x, true));
  }
  u64(x: bigint): void {
    this.scalar(8, (v) => v.setBigUint64(0, x, true));
  }
  f32(x: number): void {
    this.scalar(4, (v) => v.setFloat32(0, x, true));
  }
  f64(x: number): void {
    this.scalar(8, (v) => v.setFloat64(0, x, true));
  }
  string(s: string): void {
    const text = new TextEncoder().encode(s);
    const b = new Uint8Array(text.length + 1);
    b.set(text);
    this.u32(b.length);
    this.push(b);
  }
  concat(): Uint8Array {
    const total = this.pieces.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of this.pieces) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** Every 9.x file has the layout below (vw_versions.h: all header/state features date from ≤ 9.0.0). */
function checkVersion(version: string): void {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m || m[1] !== '9') throw new ModelFileError(`unsupported version '${version}' (VW 9.x model files only)`);
}

const hasOption = (options: string, name: string): boolean => options.split(/\s+/).includes(`--${name}`);

/**
 * Which exploration reduction of a header's options saves a u64 counter, by the name its save_load prints
 * ("cb <name> adf storing example counter"): cb_explore_adf_squarecb.cc and cb_explore_adf_regcb.cc (both
 * "squarecb"), cb_explore_adf_first.cc ("first", the remaining tau), cb_explore_adf_cover.cc ("cover"); null for
 * the others.
 */
export function explorerCounterName(options: string): 'squarecb' | 'first' | 'cover' | null {
  const names = options.split(/\s+/);
  if (names.includes('--squarecb') || names.includes('--regcb') || names.includes('--regcbopt')) return 'squarecb';
  if (names.includes('--first')) return 'first';
  if (names.includes('--cover')) return 'cover';
  return null;
}

/**
 * gd.cc save_load_online_state_gd, in file order. perModel: with --per_model_save_load, the number of sub-models
 * whose normalizer totals are written (each where model 0's alone would be); their values land in `into`.
 */
function readResume(r: Reader, perModel = 0, into?: { normalizedSumNormX: number[]; totalWeight: number[] }): GdResumeState {
  const initialT = r.f32('initial_t');
  let normalizedSumNormX: number;
  if (perModel > 0 && into) {
    for (let i = 0; i < perModel; i++) into.normalizedSumNormX.push(r.f64(`normalizer_${i}`));
    normalizedSumNormX = into.normalizedSumNormX[0]!;
  } else normalizedSumNormX = r.f64('normalized_sum_norm_x');
  const head = {
    initialT,
    normalizedSumNormX,
    t: r.f64('t'),
    sumLoss: r.f64('sum_loss'),
    sumLossSinceLastDump: r.f64('sum_loss_since_last_dump'),
    dumpInterval: r.f32('dump_interval'),
    minLabel: r.f32('min_label'),
    maxLabel: r.f32('max_label'),
    weightedLabeledExamples: r.f64('weighted_labeled_examples'),
    weightedLabels: r.f64('weighted_labels'),
    weightedUnlabeledExamples: r.f64('weighted_unlabeled_examples'),
    exampleNumber: r.u64('example_number'),
    totalFeatures: r.u64('total_features'),
  };
  let totalWeight: number;
  if (perModel > 0 && into) {
    for (let i = 0; i < perModel; i++) into.totalWeight.push(r.f64(`total_weight_${i}`));
    totalWeight = into.totalWeight[0]!;
  } else totalWeight = r.f64('total_weight');
  return {
    ...head,
    totalWeight,
    oldWeightedLabeledExamples: r.f64('old_weighted_labeled_examples'),
    currentPass: r.u64('current_pass'),
    l1State: r.f64('l1_state'),
    l2State: r.f64('l2_state'),
  };
}

function writeResume(w: Writer, s: GdResumeState, perModel?: { normalizedSumNormX: number[]; totalWeight: number[] }): void {
  w.f32(s.initialT);
  if (perModel) for (const x of perModel.normalizedSumNormX) w.f64(x);
  else w.f64(s.normalizedSumNormX);
  w.f64(s.t);
  w.f64(s.sumLoss);
  w.f64(s.sumLossSinceLastDump);
  w.f32(s.dumpInterval);
  w.f32(s.minLabel);
  w.f32(s.maxLabel);
  w.f64(s.weightedLabeledExamples);
  w.f64(s.weightedLabels);
  w.f64(s.weightedUnlabeledExamples);
  w.u64(s.exampleNumber);
  w.u64(s.totalFeatures);
  if (perModel) for (const x of perModel.totalWeight) w.f64(x);
  else w.f64(s.totalWeight);
  w.f64(s.oldWeightedLabeledExamples);
  w.u64(s.currentPass);
  w.f64(s.l1State);
  w.f64(s.l2State);
}

/** Reads a VW 9.x model file (save-resume or --predict_only_model) of a supported cb_explore_adf policy. */
export function readModel(bytes: Uint8Array): ModelState {
  const r = new Reader(bytes);
  const version = r.string('version', 512);
  checkVersion(version);
  r.hash = 0; // verify_hash(true) after the version (VERSION_FILE_WITH_HEADER_CHAINED_HASH)
  const id = r.string('id', 512);
  const m = r.u8("model char 'm'");
  if (m !== 0x6d) throw new ModelFileError(`not a model file (expected 'm' at offset ${r.offset - 1}, found ${m})`);
  const minLabel = r.f32('min_label');
  const maxLabel = r.f32('max_label');
  const bits = r.u32('bits');
  const lda = r.u32('lda');
  const nGram = r.u32('ngram count');
  if (nGram > 256) throw new ModelFileError(`bad ngram count ${nGram}`);
  r.take(3 * nGram, 'ngram definitions');
  const nSkip = r.u32('skip count');
  if (nSkip > 256) throw new ModelFileError(`bad skip count ${nSkip}`);
  r.take(3 * nSkip, 'skip definitions');
  const options = r.string('options');
  const computed = r.hash;
  r.hash = null;
  const checksumLen = r.u32('checksum length');
  if (checksumLen !== 4) throw new ModelFileError(`bad checksum length ${checksumLen}`);
  const stored = r.u32('checksum');
  if (stored !== computed) {
    throw new ModelFileError(`checksum mismatch (stored ${stored}, computed ${computed}): the header is corrupted`);
  }

  if (lda !== 0) throw new ModelFileError(`reduction not supported: lda (${lda})`);
  if (nGram !== 0 || nSkip !== 0) throw new ModelFileError('reduction not supported: --ngram/--skips');
  let perModel: { gd: number; cbAdf: number } | null = null;
  try {
    // A model of --cb_adf alone is a valid file; whether a caller may use it is loadLearner's decision.
    const config = parsePolicyArguments(options, { allowNoExploration: true });
    if (config.perModelSaveLoad) perModel = perModelCounts(config);
  } catch (e) {
    if (e instanceof PolicyArgumentError) {
      const unsupported = unsupportedArguments(options);
      const what = unsupported.length > 0 ? unsupported.join(', ') : e.argument;
      throw new ModelFileError(`reduction not supported: ${what} (options '${options.trim()}'; ${e.message})`);
    }
    throw e;
  }
  if (bits < 1 || bits > 30) throw new ModelFileError(`unsupported bit precision ${bits} (1..30)`);

  // conditional_contextual_bandit.cc save_load: the flag, above every other reduction's state.
  let ccbHasSeenMultiSlot: boolean | undefined;
  if (hasOption(options, 'ccb_explore_adf')) {
    const flag = r.u8('ccb has_seen_multi_slot_example');
    if (flag > 1) throw new ModelFileError(`bad ccb has_seen_multi_slot_example flag ${flag} at offset ${r.offset - 1}`);
    ccbHasSeenMultiSlot = flag === 1;
  }
  const counterName = explorerCounterName(options);
  const explorerCounter = counterName !== null ? r.u64(`${counterName} counter`) : undefined;
  const cbAdf: ModelState['cbAdf'] = [];
  if (hasOption(options, 'cb_adf')) {
    // cb_adf.cc save_load: per_model_state[0] only, or every one with --per_model_save_load.
    const n = perModel ? perModel.cbAdf : 1;
    for (let i = 0; i < n; i++) cbAdf.push({ eventSum: r.u64(`cb_adf event_sum ${i}`), actionSum: r.u64(`cb_adf action_sum ${i}`) });
  }
  const resumeFlag = r.u8('gd resume flag');
  if (resumeFlag > 1) throw new ModelFileError(`bad gd resume flag ${resumeFlag} at offset ${r.offset - 1}`);
  const gdPerModel = perModel ? { normalizedSumNormX: [] as number[], totalWeight: [] as number[] } : undefined;
  const resume = resumeFlag === 1 ? readResume(r, perModel?.gd ?? 0, gdPerModel) : null;

  const slots = 2 ** bits;
  const weights = new Float32Array(slots * 4);
  const raw = new Uint32Array(weights.buffer); // bit-exact copy of the stored floats
  const floats = resume ? 3 : 1;
  const slotBytes = bits >= 31 ? 8 : 4; // gd.cc: u64 indices from 31 bits on
  const record = slotBytes + 4 * floats;
  if (r.remaining % record !== 0) {
    throw new ModelFileError(`truncated: ${r.remaining} weight bytes is not a whole number of ${record}-byte records`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + r.offset, r.remaining);
  for (let o = 0; o < view.byteLength; o += record) {
    const slot = slotBytes === 8 ? Number(view.getBigUint64(o, true)) : view.getUint32(o, true);
    if (slot >= slots) throw new ModelFileError(`corrupted: weight index ${slot} must be less than ${slots}`);
    for (let j = 0; j < floats; j++) raw[slot * 4 + j] = view.getUint32(o + slotBytes + 4 * j, true);
  }

  const state: ModelState = { version, id, minLabel, maxLabel, bits, options, cbAdf, resume, weights };
  if (explorerCounter !== undefined) state.explorerCounter = explorerCounter;
  if (gdPerModel && resume) state.gdPerModel = gdPerModel;
  if (ccbHasSeenMultiSlot !== undefined) state.ccbHasSeenMultiSlot = ccbHasSeenMultiSlot;
  return state;
}

/**
 * Writes the state as VW 9.10 does with `-f`: save-resume form (3 floats per non-zero slot) or, with predictOnly
 * (default when the state has no resume data), `--predict_only_model` form (w only, and the header options
 * without learning_rate/power_t, which parse_args.cc keeps only with save_resume).
 */
export function writeModel(state: ModelState, options: { predictOnly?: boolean } = {}): Uint8Array {
  const predictOnly = options.predictOnly ?? state.resume === null;
  if (!predictOnly && !state.resume) throw new ModelFileError('cannot write a save-resume model: the state has no gd resume data');
  checkVersion(state.version);
  const slots = 2 ** state.bits;
  if (state.weights.length !== slots * 4) {
    throw new ModelFileError(`weights hold ${state.weights.length} floats, expected 2^${state.bits} × 4`);
  }
  const headerOptions = predictOnly ? state.options.replace(/ --(learning_rate|power_t) \S+/g, '') : state.options;

  const w = new Writer();
  w.string(state.version);
  w.hashed = [];
  w.string(state.id);
  w.u8(0x6d);
  w.f32(state.minLabel);
  w.f32(state.maxLabel);
  w.u32(state.bits);
  w.u32(0); // lda
  w.u32(0); // ngrams
  w.u32(0); // skips
  w.string(headerOptions);
  const checksum = murmur3Chain(w.hashed);
  w.hashed = null;
  w.u32(4);
  w.u32(checksum);

  if (hasOption(headerOptions, 'ccb_explore_adf')) w.u8(state.ccbHasSeenMultiSlot === true ? 1 : 0);
  if (explorerCounterName(headerOptions) !== null) w.u64(state.explorerCounter ?? 0n);
  const perModel = hasOption(headerOptions, 'per_model_save_load')
    ? perModelCounts(parsePolicyArguments(headerOptions, { allowNoExploration: true }))
    : null;
  if (hasOption(headerOptions, 'cb_adf')) {
    for (let i = 0; i < (perModel ? perModel.cbAdf : 1); i++) {
      const c = state.cbAdf[i] ?? { eventSum: 0n, actionSum: 0n };
      w.u64(c.eventSum);
      w.u64(c.actionSum);
    }
  }
  w.u8(predictOnly ? 0 : 1);
  if (!predictOnly) {
    const resume = state.resume as GdResumeState;
    let pm: { normalizedSumNormX: number[]; totalWeight: number[] } | undefined;
    if (perModel) {
      // Sub-model 0's totals are the resume fields; the others come from gdPerModel (0 when the state has none).
      const n = perModel.gd;
      const g = state.gdPerModel;
      pm = {
        normalizedSumNormX: Array.from({ length: n }, (_, i) => (i === 0 ? resume.normalizedSumNormX : (g?.normalizedSumNormX[i] ?? 0))),
        totalWeight: Array.from({ length: n }, (_, i) => (i === 0 ? resume.totalWeight : (g?.totalWeight[i] ?? 0))),
      };
    }
    writeResume(w, resume, pm);
  }

  // Weight records for non-zero slots, ascending (gd.cc save_load_online_state_weights / save_load_regressor).
  const f = state.weights;
  const raw = new Uint32Array(f.buffer, f.byteOffset, f.length);
  const floats = predictOnly ? 1 : 3;
  const slotBytes = state.bits >= 31 ? 8 : 4;
  const record = slotBytes + 4 * floats;
  let count = 0;
  for (let i = 0; i < slots; i++) {
    const o = i * 4;
    if (f[o] !== 0 || (!predictOnly && (f[o + 1] !== 0 || f[o + 2] !== 0))) count++;
  }
  const body = new Uint8Array(count * record);
  const view = new DataView(body.buffer);
  let p = 0;
  for (let i = 0; i < slots; i++) {
    const o = i * 4;
    if (!(f[o] !== 0 || (!predictOnly && (f[o + 1] !== 0 || f[o + 2] !== 0)))) continue;
    if (slotBytes === 8) view.setBigUint64(p, BigInt(i), true);
    else view.setUint32(p, i, true);
    for (let j = 0; j < floats; j++) view.setUint32(p + slotBytes + 4 * j, raw[o + j] as number, true);
    p += record;
  }
  w.bytes(body);
  return w.concat();
}

// VW's default regressor: gd with adaptive + normalized + invariant (safe) updates and squared loss
// (core/src/reductions/gd.cc, core/src/loss_functions.cc, core/src/reductions/scorer.cc; docs/learner.md §5.1–5.2).
// Every float operation VW does in float32 is rounded with Math.fround, and its powf/expf are glibc's (libm.ts), so
// the weights equal VW's bit for bit.
import type { FeatureVector } from './example.js';
import { expf, powf } from './libm.js';
import { rsqrtssZen5 } from './rsqrt.js';

const f = Math.fround;
/** gd.cc X_MIN: tiny feature values are lifted to this magnitude before the normalizer sees them. */
const X_MIN = f(1.084202e-19);
const X2_MIN = f(X_MIN * X_MIN);
const FLT_MAX = 3.4028234663852886e38;
/** Floats per weight slot: [w, G (adaptive Σg²x²), N (max |x|), rate (spare)] (gd.cc set_learn, stride 4). */
export const STRIDE = 4;

export interface GdOptions {
  /** -l (eta). */
  learningRate: number;
  /** --power_t */
  powerT: number;
  /** --initial_t */
  initialT: number;
  /** --l1 / --l2 (truncated gradient and weight contraction, gd.cc compute_update). */
  l1: number;
  l2: number;
  /** -b */
  bits: number;
  /** Sub-models interleaved in the weight space (2 for cb_type dr, else 1). */
  width: number;
  /** inv_sqrt for --power_t 0.5 (default: invSqrtDefault()). */
  invSqrt?: InvSqrtKind;
}

/**
 * gd.cc inv_sqrt: 'rsqrtss' is the SSE estimate a release VW computes on x86-64 (rsqrt.ts, as AMD Zen 5 returns
 * it), 'quake' VW's portable quake_inv_sqrt (a build without SIMD).
 */
export type InvSqrtKind = 'rsqrtss' | 'quake';
let invSqrtKind: InvSqrtKind = 'rsqrtss';
/** The inv_sqrt of Gd instances created from now on without an explicit invSqrt option. */
export function setInvSqrtDefault(kind: InvSqrtKind): void {
  invSqrtKind = kind;
}
export function invSqrtDefault(): InvSqrtKind {
  return invSqrtKind;
}

/**
 * VW's quake_inv_sqrt (gd.cc), the portable path of inv_sqrt. VW 9.10 on x86-64 uses the SSE rsqrtss estimate
 * instead (rsqrt.ts), whose exact table is CPU-specific; this is the fallback VW compiles without SIMD.
 */
const isqBuf = new DataView(new ArrayBuffer(4));
export function quakeInvSqrt(x: number): number {
  // An adaptive sum G that overflowed (a feature whose square is beyond float) is +inf: the bit trick would give
  // −inf there, a rate that turns the feature's weight into −inf at its next update. VW's x86 path (rsqrtss)
  // gives +0 for +inf (Intel SDM, RSQRTSS special cases), so the feature is simply never learned.
  if (x === Infinity) return 0;
  const xhalf = f(0.5 * x);
  isqBuf.setFloat32(0, x, true);
  const i = (0x5f3759d5 - (isqBuf.getInt32(0, true) >> 1)) | 0;
  isqBuf.setInt32(0, i, true);
  const y = isqBuf.getFloat32(0, true);
  return f(y * f(1.5 - f(f(xhalf * y) * y)));
}

/**
 * powf(n², −1), the per-feature rate of `--power_t 0`, memoised: N (the largest |x| a weight has seen) settles
 * after a few events, so the same few values come back for every update, and glibc's powf is the costliest step
 * of an update (an ensemble makes many). A direct-mapped table keyed by the float's bits; a pure function, so the
 * table is shared by every Gd.
 */
const INV_SQUARE_SLOTS = 4096;
const invSquareKeys = new Float32Array(INV_SQUARE_SLOTS).fill(NaN);
const invSquareValues = new Float32Array(INV_SQUARE_SLOTS);
const invSquareBits = new Float32Array(1);
const invSquareU32 = new Uint32Array(invSquareBits.buffer);
function inverseSquareRate(n2: number): number {
  invSquareBits[0] = n2;
  const slot = Math.imul(invSquareU32[0]!, 0x9e3779b1) >>> 20;
  if (invSquareKeys[slot] === n2) return invSquareValues[slot]!;
  const v = powf(n2, -1);
  invSquareKeys[slot] = n2;
  invSquareValues[slot] = v;
  return v;
}

/** VW::trunc_weight (core/include/vw/core/array_parameters.h): soft-threshold by the l1 gravity. */
export function truncWeight(w: number, gravity: number): number {
  return gravity < Math.abs(w) ? f(w - (w > 0 ? gravity : -gravity)) : 0;
}

/** Σ w·x over the features in order, each product and each partial sum rounded to float (VW's float sum). */
function dot(w: Float32Array, idx: Uint32Array, val: Float32Array, n: number, width: number, m: number, mask: number): number {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
    p = f(p + f(w[s]! * val[i]!));
  }
  return p;
}

/** dot() of trunc_predict: --l1 reads every weight soft-thresholded by the accumulated gravity g. */
function truncDot(w: Float32Array, idx: Uint32Array, val: Float32Array, n: number, width: number, m: number, mask: number, g: number): number {
  let p = 0;
  for (let i = 0; i < n; i++) {
    const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
    p = f(p + f(truncWeight(w[s]!, g) * val[i]!));
  }
  return p;
}

// A model whose weights are all 0 (every fresh one) would teach V8 that these sums are small integers, and the
// optimized loop would then check every float for being one (about twice as slow). Show it fractions first.
{
  const w = Float32Array.of(0.5, 0, 0, 0);
  const idx = Uint32Array.of(0, 0);
  const val = Float32Array.of(0.25, 0.75);
  // V8 allocates a function's feedback only after its first few calls.
  for (let i = 0; i < 32; i++) {
    dot(w, idx, val, 2, 1, 0, 0);
    truncDot(w, idx, val, 2, 1, 0, 0, 0.125);
  }
}

export class Gd {
  readonly weights: Float32Array;
  readonly mask: number;
  readonly width: number;
  readonly bits: number;
  /** Per sub-model normalizer totals (gd_per_model_state): Σ weight·Σx²/N² and Σ weight, doubles. */
  readonly nsnx: Float64Array;
  readonly tw: Float64Array;
  /** Updates that came out NaN and were replaced by 0 (not model state: callers report it). */
  nanUpdates = 0;
  /** shared_data min_label/max_label: the prediction clip range, widened by each label before learning (float). */
  minLabel = 0;
  maxLabel = 0;
  /** shared_data gravity (l1_state) and contraction (l2_state). */
  gravity = 0;
  contraction = 1;
  /** Last average_update() result (gd.cc update_multiplier). */
  updateMultiplier = 1;

  private readonly eta: number;
  private readonly powerT: number;
  private readonly negPowerT: number;
  private readonly negNormPower: number;
  private readonly sqrtRate: boolean;
  private readonly invSqrt: (x: number) => number;
  private readonly l1: number;
  private readonly l2: number;

  constructor(opts: GdOptions, weights?: Float32Array) {
    this.bits = opts.bits;
    this.width = opts.width;
    this.mask = opts.bits >= 32 ? 0xffffffff : (2 ** opts.bits - 1) | 0;
    const len = 2 ** opts.bits * STRIDE;
    if (weights && weights.length !== len) throw new RangeError(`weights length ${weights.length} != 2^${opts.bits}×4`);
    this.weights = weights ?? new Float32Array(len);
    this.nsnx = new Float64Array(opts.width);
    this.tw = new Float64Array(opts.width);
    this.eta = f(opts.learningRate);
    this.powerT = f(opts.powerT);
    this.negPowerT = f(-this.powerT);
    this.negNormPower = f(this.powerT - 1); // adaptive on (gd_setup)
    this.sqrtRate = this.powerT === 0.5;
    this.invSqrt = (opts.invSqrt ?? invSqrtKind) === 'quake' ? quakeInvSqrt : rsqrtssZen5;
    this.l1 = opts.l1;
    this.l2 = opts.l2;
    if (!weights && opts.initialT > 0) {
      // gd.cc save_load (read path, also run for a fresh model): initial_t pretends that many unit-gradient points
      // were seen: G starts at initial_t everywhere and model 0's normalizer totals at initial_t.
      const w = this.weights;
      const t = f(opts.initialT);
      for (let i = 1; i < len; i += STRIDE) w[i] = t;
      this.nsnx[0] = opts.initialT;
      this.tw[0] = opts.initialT;
    }
  }

  /** Slot base (float offset) of feature i of fv for sub-model m: ((index × width) + m) & (2^b − 1), × stride. */
  private base(fv: FeatureVector, i: number, m: number): number {
    return ((Math.imul(fv.index[i]!, this.width) + m) & this.mask) * STRIDE;
  }

  /** Raw partial prediction Σ w·x of sub-model m (gd.cc predict, before clipping): what csoaa_ldf ranks by. */
  partial(fv: FeatureVector, m: number): number {
    let p =
      this.gravity === 0
        ? dot(this.weights, fv.index, fv.value, fv.count, this.width, m, this.mask)
        : truncDot(this.weights, fv.index, fv.value, fv.count, this.width, m, this.mask, f(this.gravity));
    if (this.contraction !== 1) p = f(p * f(this.contraction));
    return p;
  }

  /** finalize_prediction (gd.cc): NaN → 0, then clip into [min_label, max_label]. */
  clip(p: number): number {
    if (Number.isNaN(p)) return 0;
    if (p > this.maxLabel) return this.maxLabel;
    if (p < this.minLabel) return this.minLabel;
    return p;
  }

  /** Clipped prediction of sub-model m (scorer identity link over gd predict). */
  predict(fv: FeatureVector, m: number): number {
    return this.clip(this.partial(fv, m));
  }

  /** scorer.cc set_minmax: the label widens the clip range before learning (FLT_MAX = no label). */
  widen(label: number): void {
    if (label === FLT_MAX || !Number.isFinite(label)) return;
    const y = f(label);
    if (y < this.minLabel) this.minLabel = y;
    if (y > this.maxLabel) this.maxLabel = y;
  }

  /**
   * scorer learn → gd learn on sub-model m with squared loss: widen the range, predict, update.
   * Returns the clipped prediction made before the update (what VW's learn leaves in ec.pred.scalar).
   */
  learn(fv: FeatureVector, m: number, label: number, weight: number): number {
    this.widen(label);
    const pred = this.predict(fv, m);
    // scorer.cc: only labeled examples with positive weight reach gd's learn.
    if (label === FLT_MAX || !(weight > 0)) return pred;
    this.update(fv, m, f(label), f(weight), pred);
    return pred;
  }

  private loss(pred: number, y: number): number {
    // squared_loss_impl_get_loss; pred is already clipped, so only the in-range branch applies in practice.
    if (pred <= this.maxLabel && pred >= this.minLabel) {
      const d = f(pred - y);
      return f(d * d);
    }
    if (pred < this.minLabel) {
      if (y === this.minLabel) return 0;
      return f((y - this.minLabel) * (y - this.minLabel) + 2 * (y - this.minLabel) * (this.minLabel - pred));
    }
    if (y === this.maxLabel) return 0;
    return f((this.maxLabel - y) * (this.maxLabel - y) + 2 * (this.maxLabel - y) * (pred - this.maxLabel));
  }

  /** gd.cc update → compute_update → train, for one example already predicted (pred = clipped prediction). */
  private update(fv: FeatureVector, m: number, y: number, iw: number, pred: number): void {
    // Pitfall 8: no update and no normalizer statistics when the loss is 0.
    if (!(this.loss(pred, y) > 0)) return;
    const ppu = this.predPerUpdate(fv, m, y, iw, pred);
    const updateScale = f(this.eta * iw); // get_scale: adaptive → no t^-power_t decay
    let u: number;
    const d = f(y - pred);
    if (f(updateScale * ppu) < 1e-6) {
      // first-order Taylor fallback of the invariant step (squared_loss_impl_get_update)
      u = f(f(2 * d) * updateScale);
    } else {
      const e = expf(f(f(-2 * updateScale) * ppu)); // correctedExp → std::exp(float) = expf
      u = f(f(d * f(1 - e)) / ppu);
    }
    if ((this.l1 > 0 || this.l2 > 0) && Math.abs(u) > 1e-8) {
      // reg_mode (gd.cc compute_update): truncated gradient (l1 gravity) and contraction (l2).
      const p = pred < this.minLabel ? this.minLabel : pred > this.maxLabel ? this.maxLabel : pred;
      const dev1 = f(2 * f(p - y));
      const etaBar = Math.abs(dev1) > 1e-8 ? -u / dev1 : 0;
      if (Math.abs(dev1) > 1e-8) this.contraction *= 1 - this.l2 * etaBar;
      u = f(u / f(this.contraction));
      this.gravity += etaBar * this.l1;
    }
    // gd.cc compute_update: "update is NAN, replacing with 0" (a feature too large for float makes it NaN).
    if (Number.isNaN(u)) {
      u = 0;
      this.nanUpdates++;
    }
    if (u !== 0) this.train(fv, m, u);
    if (this.contraction < 1e-9 || this.gravity > 1e3) this.syncWeights();
  }

  /**
   * get_pred_per_update with pred_per_update_feature (gd.cc): accumulate G, rescale on a new max |x|, cache the
   * per-feature rate, update the sub-model's normalizer totals and update_multiplier.
   */
  private predPerUpdate(fv: FeatureVector, m: number, y: number, iw: number, pred: number): number {
    const d = f(pred - y);
    const g2 = f(iw * f(f(f(4 * d) * d)));
    const w = this.weights;
    const idx = fv.index;
    const val = fv.value;
    const n = fv.count;
    const width = this.width;
    const mask = this.mask;
    let ppu = 0;
    let normX = 0;
    let lastN2 = 1;
    let lastRate = 1;
    if (this.powerT === 0) {
      // decay = G^0 · (N²)^-1, rescale w *= (N_old/|x|)² (powf(r², power_t − 1) with r = |x|/N_old)
      for (let i = 0; i < n; i++) {
        const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
        let x = val[i]!;
        let x2 = f(x * x);
        if (x2 < X2_MIN) {
          x = x > 0 ? X_MIN : -X_MIN;
          x2 = X2_MIN;
        }
        w[s + 1] = f(w[s + 1]! + f(g2 * x2));
        const ax = Math.abs(x);
        let nn = w[s + 2]!;
        if (ax > nn) {
          if (nn > 0) {
            const r = f(ax / nn);
            w[s] = f(w[s]! * powf(f(r * r), -1));
          }
          w[s + 2] = nn = ax;
        }
        const n2 = f(nn * nn);
        // gd.cc pred_per_update_feature: a feature whose square overflows float counts 1, so that the
        // normalizer totals stay finite (VW logs "The features have too much magnitude").
        normX = f(normX + (x2 > FLT_MAX ? 1 : f(x2 / n2)));
        // compute_rate_decay: powf(G, −0) · powf(N², −1); glibc's powf(N², −1) is not always 1/N² rounded.
        const rate = n2 === 1 ? 1 : n2 === lastN2 ? lastRate : ((lastN2 = n2), (lastRate = inverseSquareRate(n2)));
        w[s + 3] = rate;
        ppu = f(ppu + f(x2 * rate));
      }
    } else {
      const sqrtRate = this.sqrtRate;
      const invSqrt = this.invSqrt;
      const negPowerT = this.negPowerT;
      const negNormPower = this.negNormPower;
      for (let i = 0; i < n; i++) {
        const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
        let x = val[i]!;
        let x2 = f(x * x);
        if (x2 < X2_MIN) {
          x = x > 0 ? X_MIN : -X_MIN;
          x2 = X2_MIN;
        }
        w[s + 1] = f(w[s + 1]! + f(g2 * x2));
        const ax = Math.abs(x);
        let nn = w[s + 2]!;
        if (ax > nn) {
          if (nn > 0) {
            if (sqrtRate) w[s] = f(w[s]! * f(nn / ax));
            else {
              const r = f(ax / nn);
              w[s] = f(w[s]! * powf(f(r * r), negNormPower));
            }
          }
          w[s + 2] = nn = ax;
        }
        const n2 = f(nn * nn);
        normX = f(normX + (x2 > FLT_MAX ? 1 : f(x2 / n2))); // an overflowing square counts 1, as above
        // compute_rate_decay
        let rate: number;
        if (sqrtRate) rate = f(invSqrt(w[s + 1]!) * f(1 / nn));
        else rate = f(powf(w[s + 1]!, negPowerT) * powf(n2, negNormPower));
        w[s + 3] = rate;
        ppu = f(ppu + f(x2 * rate));
      }
    }
    this.nsnx[m] = this.nsnx[m]! + iw * normX;
    this.tw[m] = this.tw[m]! + iw;
    // average_update with the totals cast to float
    const twF = f(this.tw[m]!);
    const nsF = f(this.nsnx[m]!);
    if (this.sqrtRate) this.updateMultiplier = f(Math.sqrt(f(twF / nsF)));
    else this.updateMultiplier = powf(f(nsF / twF), this.negNormPower);
    return f(ppu * this.updateMultiplier);
  }

  /**
   * gd.cc sensitivity (stateless get_pred_per_update, times get_scale with weight 1): how much the prediction of
   * sub-model m would move per unit of update for a hypothetical example (label, pred, example weight), computed
   * on shadow copies of G and N so that nothing changes; over the first `count` features of fv. RegCB's cost intervals use it
   * (cb_explore_adf_regcb.cc get_cost_ranges).
   */
  sensitivity(fv: FeatureVector, m: number, label: number, pred: number, weight: number, count = fv.count): number {
    const d = f(pred - f(label));
    const g2 = f(f(weight) * f(f(f(4 * d) * d)));
    const w = this.weights;
    const idx = fv.index;
    const val = fv.value;
    const n = count;
    const width = this.width;
    const mask = this.mask;
    let ppu = 0;
    let normX = 0;
    for (let i = 0; i < n; i++) {
      const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
      let x = val[i]!;
      let x2 = f(x * x);
      if (x2 < X2_MIN) {
        x = x > 0 ? X_MIN : -X_MIN;
        x2 = X2_MIN;
      }
      const g = f(w[s + 1]! + f(g2 * x2));
      const ax = Math.abs(x);
      const stored = w[s + 2]!;
      const nn = ax > stored ? ax : stored;
      const n2 = f(nn * nn);
      normX = f(normX + (x2 > FLT_MAX ? 1 : f(x2 / n2)));
      let rate: number;
      // power_t 0: the rate is a function of N alone, and the last update of this slot left powf(N², −1) in its
      // rate cell (predPerUpdate): reuse it while N is unchanged (0 = never computed here, e.g. a loaded model).
      if (this.powerT === 0) rate = n2 === 1 ? 1 : nn === stored && w[s + 3] !== 0 ? w[s + 3]! : powf(n2, -1);
      else if (this.sqrtRate) rate = f(this.invSqrt(g) * f(1 / nn));
      else rate = f(powf(g, this.negPowerT) * powf(n2, this.negNormPower));
      ppu = f(ppu + f(x2 * rate));
    }
    // Stateless: the totals as they would be after this example, as floats, not stored.
    const nsF = f(f(this.nsnx[m]!) + f(f(weight) * normX));
    const twF = f(f(this.tw[m]!) + f(weight));
    const multiplier = this.sqrtRate ? f(Math.sqrt(f(twF / nsF))) : powf(f(nsF / twF), this.negNormPower);
    return f(this.eta * f(ppu * multiplier));
  }

  /** gd.cc train/update_feature: w += update × update_multiplier × x × rate for every (finite) feature. */
  private train(fv: FeatureVector, m: number, update: number): void {
    const u = f(update * this.updateMultiplier);
    const w = this.weights;
    const idx = fv.index;
    const val = fv.value;
    const n = fv.count;
    const width = this.width;
    const mask = this.mask;
    for (let i = 0; i < n; i++) {
      const x = val[i]!;
      if (!(x < FLT_MAX && x > -FLT_MAX)) continue;
      const s = ((Math.imul(idx[i]!, width) + m) & mask) * STRIDE;
      w[s] = f(w[s]! + f(u * f(x * w[s + 3]!)));
    }
  }

  /** gd.cc sync_weights: fold gravity and contraction into the stored weights. */
  syncWeights(): void {
    if (this.gravity === 0 && this.contraction === 1) return;
    const w = this.weights;
    const g = f(this.gravity);
    const c = f(this.contraction);
    for (let i = 0; i < w.length; i += STRIDE) w[i] = f(truncWeight(w[i]!, g) * c);
    this.gravity = 0;
    this.contraction = 1;
  }

  /** The weight VW reports for a slot (audit / readable model): trunc_weight(w, gravity) × contraction. */
  reportedWeight(slot: number): number {
    return f(truncWeight(this.weights[slot * STRIDE]!, f(this.gravity)) * f(this.contraction));
  }

  /** Weight-space slot of feature i of fv for sub-model m. */
  slotOf(fv: FeatureVector, i: number, m: number): number {
    return this.base(fv, i, m) / STRIDE;
  }
}

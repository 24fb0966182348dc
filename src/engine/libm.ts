// The float powf and expf that VW's gd and loss functions call (powf in compute_rate_decay, average_update and the
// normalizer rescale of core/src/reductions/gd.cc; std::exp(float) in correctedExp, core/src/loss_functions.cc).
// A release VW on Linux gets them from glibc (2.27 and later), whose implementation comes from Arm's
// optimized-routines (math/powf.c, math/expf.c, math/exp2f_data.c, math/powf_log2_data.c; MIT licence). They
// are not correctly rounded (powf: 0.82 ULP, expf: 0.502 ULP), so `fround(Math.pow(x, y))` differs from them in
// about 1 call in 2,000 (powf(x, −1) against 1/x) and the weights drift apart over long runs.
//
// On x86-64 CPUs with FMA and AVX2 (Intel Haswell and later, AMD Zen and later) glibc selects the variants compiled
// with -mfma (sysdeps/x86_64/fpu/multiarch/e_powf-fma.c, e_expf-fma.c), where the compiler fused each a*b+c into
// one fused multiply-add; which ones were fused is read off their disassembly (glibc 2.36). This file reproduces
// those, with an exact fused multiply-add in double (fma() below); `libmFlavour('plain')` selects the
// non-FMA variants (older x86-64 CPUs, where each product is rounded separately).
//
// The algorithms and constant tables below are ported from Arm's optimized-routines:
// Copyright (c) 2017-2018, Arm Limited. SPDX-License-Identifier: MIT (the MIT licence's text: opensource.org/license/mit).

/** Double value of a 64-bit pattern and back, through one shared buffer. */
const buf = new DataView(new ArrayBuffer(8));
function asDouble(hi: number, lo: number): number {
  buf.setUint32(0, lo, true);
  buf.setUint32(4, hi, true);
  return buf.getFloat64(0, true);
}

const SPLIT = 134217729; // 2^27 + 1, Veltkamp's splitter for doubles

/**
 * Exact fused multiply-add RN(a·b + c) for finite doubles of moderate magnitude (no overflow or underflow in a·b,
 * as everywhere in powf/expf): a·b = ph + pl exactly (Dekker's product), c + ph = s + e exactly (Knuth's TwoSum),
 * then the tail e + pl is rounded to odd so that the last addition rounds the exact sum once (Boldo & Melquiond,
 * "Emulation of FMA and correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008).
 */
export function fma(a: number, b: number, c: number): number {
  const ph = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl;
  const s = c + ph;
  const bb = s - c;
  const e = c - (s - bb) + (ph - bb);
  let tail = e + pl;
  const tb = tail - e;
  const te = e - (tail - tb) + (pl - tb);
  if (te !== 0 && tail !== 0) {
    // round to odd: a tail that was rounded keeps a set last bit, so it can never sit on a halfway point of s.
    buf.setFloat64(0, tail, true);
    const lo = buf.getUint32(0, true);
    if ((lo & 1) === 0) {
      const towardsZero = te > 0 !== tail > 0;
      buf.setUint32(0, towardsZero ? lo - 1 : lo + 1, true);
      if (towardsZero && lo === 0) buf.setUint32(4, buf.getUint32(4, true) - 1, true);
      tail = buf.getFloat64(0, true);
    }
  }
  return s + tail;
}

const plainFma = (a: number, b: number, c: number): number => a * b + c;
let fmaOp = fma;

/** 'fma': glibc's FMA variants (x86-64 with FMA+AVX2, the default); 'plain': its SSE2 variants. */
export function libmFlavour(kind: 'fma' | 'plain'): void {
  fmaOp = kind === 'fma' ? fma : plainFma;
}

// exp2f_data.c: 2^(i/32) as tab[i] + (i << 47) bit patterns (hi, lo words), and the polynomials.
const EXP2F_TAB = [
  0x3ff00000, 0x00000000, 0x3fefd9b0, 0xd3158574, 0x3fefb558, 0x6cf9890f, 0x3fef9301, 0xd0125b51,
  0x3fef72b8, 0x3c7d517b, 0x3fef5487, 0x3168b9aa, 0x3fef387a, 0x6e756238, 0x3fef1e9d, 0xf51fdee1,
  0x3fef06fe, 0x0a31b715, 0x3feef1a7, 0x373aa9cb, 0x3feedea6, 0x4c123422, 0x3feece08, 0x6061892d,
  0x3feebfda, 0xd5362a27, 0x3feeb42b, 0x569d4f82, 0x3feeab07, 0xdd485429, 0x3feea47e, 0xb03a5585,
  0x3feea09e, 0x667f3bcd, 0x3fee9f75, 0xe8ec5f74, 0x3feea114, 0x73eb0187, 0x3feea589, 0x994cce13,
  0x3feeace5, 0x422aa0db, 0x3feeb737, 0xb0cdc5e5, 0x3feec491, 0x82a3f090, 0x3feed503, 0xb23e255d,
  0x3feee89f, 0x995ad3ad, 0x3feeff76, 0xf2fb5e47, 0x3fef199b, 0xdd85529c, 0x3fef3720, 0xdcef9069,
  0x3fef5818, 0xdcfba487, 0x3fef7c97, 0x337b9b5f, 0x3fefa4af, 0xa2a490da, 0x3fefd076, 0x5b6e4540,
];
const SHIFT_SCALED = 0x18000000000000 / 32; // 6755399441055744.0 /* 0x1.8p52 */ / N
const SHIFT = 0x18000000000000; // 6755399441055744.0 /* 0x1.8p52 */
const C0 = 0.05550361559341535 /* 0x1.c6af84b912394p-5 */;
const C1 = 0.2402284522445722 /* 0x1.ebfce50fac4f3p-3 */;
const C2 = 0.6931471806916203 /* 0x1.62e42ff0c52d6p-1 */;
const INV_LN2_N = 1.4426950408889634 /* 0x1.71547652b82fep0 */ * 32;
const CS0 = C0 / 32 / 32 / 32;
const CS1 = C1 / 32 / 32;
const CS2 = C2 / 32;

// powf_log2_data.c: 1/c and log2(c) per subinterval, and the log2(1+r) polynomial.
const LOG2_INVC = [
  1.398907162146528 /* 0x1.661ec79f8f3bep0 */, 1.3403141896637998 /* 0x1.571ed4aaf883dp0 */, 1.286432210124115 /* 0x1.49539f0f010bp0 */, 1.2367150214269895 /* 0x1.3c995b0b80385p0 */, 1.1906977166711752 /* 0x1.30d190c8864a5p0 */,
  1.1479821020556429 /* 0x1.25e227b0b8eap0 */, 1.1082251448272158 /* 0x1.1bb4a4a1a343fp0 */, 1.0711297413057381 /* 0x1.12358f08ae5bap0 */, 1.036437278977283 /* 0x1.0953f419900a7p0 */, 1,
  0.9492859795739057 /* 0x1.e608cfd9a47acp-1 */, 0.8951049428609004 /* 0x1.ca4b31f026aap-1 */, 0.8476821620351103 /* 0x1.b2036576afce6p-1 */, 0.8050314851692001 /* 0x1.9c2d163a1aa2dp-1 */, 0.7664671008843108 /* 0x1.886e6037841edp-1 */,
  0.731428603316328 /* 0x1.767dcf5534862p-1 */,
];
const LOG2_LOGC = [
  -0.48430022186289673 /* -0x1.efec65b963019p-2 */, -0.42257122959194704 /* -0x1.b0b6832d4fca4p-2 */, -0.3633754347673556 /* -0x1.7418b0a1fb77bp-2 */, -0.30651309567405577 /* -0x1.39de91a6dcf7bp-2 */,
  -0.25180720160537634 /* -0x1.01d9bf3f2b631p-2 */, -0.19910014943794563 /* -0x1.97c1d1b3b7afp-3 */, -0.14825100623281615 /* -0x1.2f9e393af3c9fp-3 */, -0.09913323807318392 /* -0x1.960cbbf788d5cp-4 */,
  -0.051632812977629436 /* -0x1.a6f9db6475fcep-5 */, 0, 0.07508531937943004 /* 0x1.338ca9f24f53dp-4 */, 0.15987125980713107 /* 0x1.476a9543891bap-3 */, 0.2384046664317681 /* 0x1.e840b4ac4e4d2p-3 */,
  0.31288288605863257 /* 0x1.40645f0c6651cp-2 */, 0.38370422656453185 /* 0x1.88e9c2c1b9ff8p-2 */, 0.451211048935815 /* 0x1.ce0a44eb17bccp-2 */,
];
const A0 = 0.288457581109214 /* 0x1.27616c9496e0bp-2 */;
const A1 = -0.36092606229713164 /* -0x1.71969a075c67ap-2 */;
const A2 = 0.480898481472577 /* 0x1.ec70a6ca7baddp-2 */;
const A3 = -0.7213474675006291 /* -0x1.7154748bef6c8p-1 */;
const A4 = 1.4426950408774342 /* 0x1.71547652ab82bp0 */;

const fbuf = new DataView(new ArrayBuffer(4));
function floatBits(x: number): number {
  fbuf.setFloat32(0, x, true);
  return fbuf.getUint32(0, true);
}
function bitsFloat(u: number): number {
  fbuf.setUint32(0, u >>> 0, true);
  return fbuf.getFloat32(0, true);
}

/**
 * 2^(k/32) · 2^r, the shared tail of powf's exp2_inline and of expf (k: the integer the shifted sum kd holds in
 * its low mantissa bits; r: the remainder, in the polynomial's units).
 */
function exp2Tail(k: number, r: number, c0: number, c1: number, c2: number): number {
  const i = k & 31;
  // t = tab[i] + (k << 47), tab[i] being the bits of 2^(i/32) less i << 47: k << 47 touches the high word only.
  const hi = (EXP2F_TAB[2 * i]! + (k << 15)) | 0;
  const s = asDouble(hi >>> 0, EXP2F_TAB[2 * i + 1]!);
  const z = fmaOp(c0, r, c1);
  const r2 = r * r;
  let y = fmaOp(c2, r, 1);
  y = fmaOp(z, r2, y);
  return y * s;
}

/** glibc/optimized-routines expf for a float x (the result rounded to float). */
export function expf(x: number): number {
  const ix = floatBits(x);
  const abstop = (ix >>> 20) & 0x7ff;
  if (abstop >= 0x42b) {
    // |x| >= 88 or NaN: the limits of the C function.
    if (ix === 0xff800000) return 0;
    if (abstop >= 0x7f8) return x + x;
    if (x > 88.72283172607422 /* 0x1.62e42ep6 */) return Infinity;
    if (x < -103.97207641601562 /* -0x1.9fe368p6 */) return 0;
  }
  // kd = x·N/ln2 + SHIFT (fused under FMA), k from its low bits, then r = x·N/ln2 − (kd − SHIFT).
  let kd = fmaOp(INV_LN2_N, x, SHIFT);
  buf.setFloat64(0, kd, true);
  const k = buf.getInt32(0, true); // low word; |k| < 2^31
  kd -= SHIFT;
  const r = fmaOp(INV_LN2_N, x, -kd);
  return Math.fround(exp2Tail(k, r, CS0, CS1, CS2));
}

/**
 * glibc/optimized-routines powf for positive finite x and finite y, the only arguments gd passes it (squares and
 * sums of squares, exponents −power_t and power_t − 1); zero, negative, infinite or NaN arguments go to Math.pow.
 */
export function powf(x: number, y: number): number {
  let ix = floatBits(x);
  const iy = floatBits(y);
  // x subnormal, negative, zero, inf or NaN, or y zero, inf or NaN (the C function's unlikely branch)
  if (((ix - 0x00800000) >>> 0) >= 0x7f000000 || ((2 * iy - 1) >>> 0) >= 0xfeffffff) {
    if (((iy << 1) >>> 0) === 0 || ix === 0x3f800000) return 1;
    // zero, negative, inf or NaN x, inf or NaN y: never gd's arguments
    if (ix === 0 || ix >= 0x7f800000 || !Number.isFinite(y)) return Math.fround(Math.pow(x, y));
    // subnormal x: normalised so that its exponent becomes negative
    ix = (floatBits(Math.fround(x * 8388608)) - (23 << 23)) >>> 0;
  }
  // log2_inline: x = 2^k·z with z in [OFF, 2·OFF), c the centre of z's subinterval.
  const tmp = (ix - 0x3f330000) >>> 0;
  const i = (tmp >>> 19) & 15;
  const top = (tmp & 0xff800000) >>> 0;
  const z = bitsFloat(ix - top);
  const k = (top | 0) >> 23;
  const r = fmaOp(z, LOG2_INVC[i]!, -1);
  const y0 = LOG2_LOGC[i]! + k;
  const r2 = r * r;
  let yy = fmaOp(A0, r, A1);
  const p = fmaOp(A2, r, A3);
  const r4 = r2 * r2;
  let q = fmaOp(A4, r, y0);
  q = fmaOp(p, r2, q);
  yy = fmaOp(yy, r4, q);
  const ylogx = y * yy;
  // |x^y| beyond float: the C function's overflow and underflow results (no errno here).
  if (ylogx > 127.99999995700433 /* 0x1.fffffffd1d571p+6 */) return Infinity;
  if (ylogx <= -150) return 0;
  // exp2_inline: kd = ylogx + SHIFT (plain add in both variants).
  let kd = ylogx + SHIFT_SCALED;
  buf.setFloat64(0, kd, true);
  const kk = buf.getInt32(0, true);
  kd -= SHIFT_SCALED;
  return Math.fround(exp2Tail(kk, ylogx - kd, C0, C1, C2));
}

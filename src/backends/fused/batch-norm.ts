// Batch normalization forward and backward as per-channel typed-array loops over x viewed as [outer, C, inner].
import type { FloatArray } from "../../ndarray/strided.js";
import type { StridedView } from "../backend.js";
import { reluOf } from "../js/elementwise-loops.generated.js";
import { affineRun, runSquares, runSum } from "./run-sums.js";

import type { AffineActivation, ChannelView } from "../../params/kernel-records.js";

export type { AffineActivation, ChannelView } from "../../params/kernel-records.js";

/**
 * Training forward: per channel c, mean μ and biased variance σ² over the outer·inner elements, invstd = 1/√(σ² + eps),
 * y = γ·(x − μ)·invstd + β. Writes μ, σ² and invstd per channel (the backward and the running update use them).
 */
export function batchNormTrainForward(
  v: ChannelView,
  x: FloatArray,
  gamma: FloatArray,
  beta: FloatArray,
  eps: number,
  y: FloatArray,
  mean: Float64Array,
  variance: Float64Array,
  invstd: Float64Array,
): void {
  const { outer, channels: C, inner } = v;
  const m = outer * inner;
  const step = C * inner;
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let o = 0, base = c * inner; o < outer; o++, base += step) s += runSum(x, base, base + inner);
    const mu = s / m;
    let ss = 0;
    for (let o = 0, base = c * inner; o < outer; o++, base += step) ss += runSquares(x, base, base + inner, mu);
    const vr = ss / m;
    const is = 1 / Math.sqrt(vr + eps);
    mean[c] = mu;
    variance[c] = vr;
    invstd[c] = is;
    const a = gamma[c]! * is;
    const b = beta[c]! - mu * a;
    for (let o = 0, base = c * inner; o < outer; o++, base += step) affineRun(x, y, base, base + inner, a, b);
  }
}

/** Predict mode's affine map per channel in float64: a = γ/√(σ²_run + eps), shift = β − μ_run·a. */
export function batchNormPredictAffine(
  C: number,
  gamma: FloatArray,
  beta: FloatArray,
  runMean: FloatArray,
  runVar: FloatArray,
  eps: number,
  a: FloatArray,
  shift: FloatArray,
): void {
  for (let c = 0; c < C; c++) {
    const k = gamma[c]! / Math.sqrt(runVar[c]! + eps);
    a[c] = k;
    shift[c] = beta[c]! - runMean[c]! * k;
  }
}

/** run[c] ← momentum·run[c] + (1 − momentum)·batch[c] through the view, one rounding to run's dtype. */
export function batchNormRunningUpdate(run: StridedView, batch: FloatArray, n: number, momentum: number): void {
  const d = run.data,
    s = run.strides[0] ?? 1;
  for (let c = 0, i = run.offset; c < n; c++, i += s) d[i] = momentum * d[i]! + (1 - momentum) * batch[c]!;
}

/** Predict forward (running statistics): y = x·a[c] + b[c] with a = γ/√(σ²_run + eps), b = β − μ_run·a. */
export function batchNormAffineForward(v: ChannelView, x: FloatArray, a: Float64Array, b: Float64Array, y: FloatArray): void {
  if (x instanceof Float32Array && y instanceof Float32Array) affineF32(v, x, a, b, y);
  else affineF64(v, x, a, b, y);
}

// Predict-mode loops walk x in memory order (batch, then channel, then the channel's run of `inner` elements), one copy
// per dtype so each loop's element access stays monomorphic.

function affineF32(v: ChannelView, x: Float32Array, a: Float64Array, b: Float64Array, y: Float32Array): void {
  const { outer, channels: C, inner } = v;
  for (let o = 0, base = 0; o < outer; o++)
    for (let c = 0; c < C; c++, base += inner) {
      const ac = a[c]!,
        bc = b[c]!,
        end = base + inner;
      for (let i = base; i < end; i++) y[i] = x[i]! * ac + bc;
    }
}

function affineF64(v: ChannelView, x: FloatArray, a: Float64Array, b: Float64Array, y: FloatArray): void {
  const { outer, channels: C, inner } = v;
  for (let o = 0, base = 0; o < outer; o++)
    for (let c = 0; c < C; c++, base += inner) {
      const ac = a[c]!,
        bc = b[c]!,
        end = base + inner;
      for (let i = base; i < end; i++) y[i] = x[i]! * ac + bc;
    }
}

/**
 * Predict forward and an activation in one pass: y = act(r(x·a[c] + b[c])) with r the output dtype's rounding, so the
 * result equals batchNormAffineForward followed by the relu / leaky loop bit for bit (same float ops, same order).
 */
export function batchNormAffineActForward(
  v: ChannelView,
  x: FloatArray,
  a: Float64Array,
  b: Float64Array,
  act: AffineActivation,
  slope: number,
  y: FloatArray,
): void {
  if (x instanceof Float32Array && y instanceof Float32Array) affineActF32(v, x, a, b, act === "leaky", slope, y);
  else affineActF64(v, x, a, b, act === "leaky", slope, y);
}

// relu: (t + |t|)/2 per element, and one test per run whether any result was not finite (NaN, ±Inf or 2t overflowing),
// which redoes that run with reluOf; leaky: t·[slope, 1][t > 0] (a table load, not a branch: random signs mispredict),
// the same product as t > 0 ? t : slope·t.

function affineActF32(v: ChannelView, x: Float32Array, a: Float64Array, b: Float64Array, leaky: boolean, slope: number, y: Float32Array): void {
  const { outer, channels: C, inner } = v;
  const factor = Float64Array.of(slope, 1);
  for (let o = 0, base = 0; o < outer; o++)
    for (let c = 0; c < C; c++, base += inner) {
      const ac = a[c]!,
        bc = b[c]!,
        end = base + inner;
      if (leaky)
        for (let i = base; i < end; i++) {
          const t = Math.fround(x[i]! * ac + bc);
          y[i] = t * factor[+(t > 0)]!;
        }
      else {
        // rounding to float32 is monotone and keeps 0, so it commutes with max(·, 0): no fround needed before relu
        let odd = false;
        for (let i = base; i < end; i++) {
          const t = x[i]! * ac + bc,
            r = (t + Math.abs(t)) * 0.5;
          y[i] = r;
          odd ||= !(r < Infinity);
        }
        if (odd) for (let i = base; i < end; i++) y[i] = reluOf(x[i]! * ac + bc);
      }
    }
}

function affineActF64(v: ChannelView, x: FloatArray, a: Float64Array, b: Float64Array, leaky: boolean, slope: number, y: FloatArray): void {
  const { outer, channels: C, inner } = v;
  const factor = Float64Array.of(slope, 1);
  for (let o = 0, base = 0; o < outer; o++)
    for (let c = 0; c < C; c++, base += inner) {
      const ac = a[c]!,
        bc = b[c]!,
        end = base + inner;
      if (leaky)
        for (let i = base; i < end; i++) {
          const t = x[i]! * ac + bc;
          y[i] = t * factor[+(t > 0)]!;
        }
      else {
        let odd = false;
        for (let i = base; i < end; i++) {
          const t = x[i]! * ac + bc,
            r = (t + Math.abs(t)) * 0.5;
          y[i] = r;
          odd ||= !(r < Infinity);
        }
        if (odd) for (let i = base; i < end; i++) y[i] = reluOf(x[i]! * ac + bc);
      }
    }
}

/**
 * Training backward, with x̂ = (x − μ)·invstd and M = outer·inner:
 *   dβ = Σ dy,  dγ = Σ dy·x̂,  dx = γ·invstd·(dy − dβ/M − x̂·dγ/M).
 */
export function batchNormTrainBackward(
  v: ChannelView,
  x: FloatArray,
  dy: FloatArray,
  gamma: FloatArray,
  mean: Float64Array,
  invstd: Float64Array,
  dx: FloatArray | null,
  dgamma: FloatArray | null,
  dbeta: FloatArray | null,
): void {
  const { outer, channels: C, inner } = v;
  const m = outer * inner;
  const step = C * inner;
  for (let c = 0; c < C; c++) {
    const mu = mean[c]!,
      is = invstd[c]!;
    let sg = 0,
      sgx = 0;
    for (let o = 0, base = c * inner; o < outer; o++, base += step)
      for (let i = 0; i < inner; i++) {
        const g = dy[base + i]!;
        sg += g;
        sgx += g * (x[base + i]! - mu);
      }
    sgx *= is; // Σ dy·x̂
    if (dbeta) dbeta[c] = sg;
    if (dgamma) dgamma[c] = sgx;
    if (dx) {
      const k = gamma[c]! * is;
      const mg = sg / m,
        mx = (sgx * is) / m; // x̂·dγ/M = (x − μ)·invstd²·Σ dy·(x − μ)/M
      for (let o = 0, base = c * inner; o < outer; o++, base += step)
        for (let i = 0; i < inner; i++) dx[base + i] = k * (dy[base + i]! - mg - (x[base + i]! - mu) * mx);
    }
  }
}

/**
 * Predict backward (y = γ·(x − μ_run)·s + β, s = 1/√(σ²_run + eps)):
 *   dx = γ·s·dy,  dγ = s·Σ dy·(x − μ_run),  dβ = Σ dy,  dμ_run = −γ·s·Σ dy,  dσ²_run = −½·γ·s³·Σ dy·(x − μ_run).
 */
export function batchNormPredictBackward(
  v: ChannelView,
  x: FloatArray,
  dy: FloatArray,
  gamma: FloatArray,
  runMean: FloatArray,
  runVar: FloatArray,
  eps: number,
  dx: FloatArray | null,
  grads: { dgamma: FloatArray | null; dbeta: FloatArray | null; dmean: FloatArray | null; dvar: FloatArray | null },
): void {
  const { outer, channels: C, inner } = v;
  const step = C * inner;
  for (let c = 0; c < C; c++) {
    const mu = runMean[c]!,
      s = 1 / Math.sqrt(runVar[c]! + eps),
      gm = gamma[c]!;
    let sg = 0,
      sgx = 0;
    for (let o = 0, base = c * inner; o < outer; o++, base += step)
      for (let i = 0; i < inner; i++) {
        const g = dy[base + i]!;
        sg += g;
        sgx += g * (x[base + i]! - mu);
      }
    if (grads.dbeta) grads.dbeta[c] = sg;
    if (grads.dgamma) grads.dgamma[c] = s * sgx;
    if (grads.dmean) grads.dmean[c] = -gm * s * sg;
    if (grads.dvar) grads.dvar[c] = -0.5 * gm * s * s * s * sgx;
    if (dx) {
      const k = gm * s;
      for (let o = 0, base = c * inner; o < outer; o++, base += step) for (let i = 0; i < inner; i++) dx[base + i] = k * dy[base + i]!;
    }
  }
}

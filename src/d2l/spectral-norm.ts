// d2l.spectralNorm: the operator norm of a (transposed) convolution by power iteration with conv and deconv, never building W.
import { NDArray } from "../ndarray/ndarray.js";
import { pause } from "../tape/tape.js";
import { type ConvOp, type ConvOptions, resolveConv } from "../params/conv-params.js";
import { readEnum, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { convolution, deconvolution } from "../ops/conv.js";
import { at } from "../ops/shape.js";

export interface SpectralNormOptions {
  /** at most this many power-iteration steps; default 100 */
  iterations?: number;
  /** stop when the two estimates ‖A·v‖ ≤ ‖AᵀA·v‖/‖A·v‖ agree within tol (relative); default 1e-6 */
  tol?: number;
  /** which operator: "convolution" (default; inputShape is its input) or "deconvolution" (a transposed convolution) */
  op?: ConvOp;
}

/** A linear operator A (no bias) and its exact adjoint Aᵀ on fixed shapes, from one resolved conv call. */
export interface ConvOperator {
  readonly inputShape: readonly number[];
  apply(v: NDArray, w: NDArray): NDArray;
  adjoint(u: NDArray, w: NDArray): NDArray;
}

/**
 * The operator of `op(x, w, params)` on inputs of `inputShape` (batch set to 1: the norm does not depend on it) and its
 * adjoint: conv ↔ deconvolution with the same explicit padding, paddingMode and outputShape = the conv's input size.
 * (Where outputPadding ≥ stride, possible when dilation > stride, the conv covers more grid rows than the deconvolution
 * reads; the adjoint keeps the first ones.)
 */
export function convOperator(where: string, w: NDArray, params: ConvOptions, inputShape: readonly number[], op: ConvOp): ConvOperator {
  if (!(w instanceof NDArray)) throw new Error(`${where}: weight must be an NDArray, got ${showValue(w)}`);
  if (!Array.isArray(inputShape) || !inputShape.every((v) => Number.isInteger(v) && v >= 1))
    throw new Error(`${where}: inputShape=${showValue(inputShape)} must hold positive integers (the full input shape, batch and channels included)`);
  const shape = [1, ...inputShape.slice(1)];
  const { geometry: g, paddingMode, layout } = resolveConv(op, shape, w.shape, { ...params, bias: undefined } as ConvOptions);
  const base: ConvOptions = {
    strides: g.strides, dilation: g.dilation, groups: g.groups, layout, paddingMode,
    padding: g.padBegin.map((b, i) => [b, g.padEnd[i]!] as [number, number]),
  };
  const conv: ConvOptions = base;
  const deconv: ConvOptions = { ...base, outputShape: g.imageSize };
  const crop = (u: NDArray, want: readonly number[]) =>
    u.shape.every((v, i) => v === want[i]) ? u : at(u, want.map((n) => `0:${n}`));
  return op === "convolution"
    ? { inputShape: shape, apply: (v, wt) => convolution(v, wt, conv), adjoint: (u, wt) => deconvolution(u, wt, deconv) }
    : { inputShape: shape, apply: (v, wt) => deconvolution(v, wt, deconv), adjoint: (u, wt) => crop(convolution(u, wt, conv), shape) };
}

function norm(x: NDArray): number {
  const d = x.asTypedArray();
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i]! * d[i]!;
  return Math.sqrt(s);
}

function scaled(x: NDArray, k: number): NDArray {
  const d = x.asTypedArray();
  const out = new (d.constructor as Float64ArrayConstructor)(d.length);
  for (let i = 0; i < d.length; i++) out[i] = d[i]! * k;
  return new NDArray(out, x.shape);
}

/** A fixed pseudo-random unit vector (xorshift; leaves np.random's state alone). */
export function startVector(shape: readonly number[], dtype: "float32" | "float64"): NDArray {
  const n = shape.reduce((p, v) => p * v, 1);
  const out = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) / 2 ** 32 - 0.5;
  }
  const v = new NDArray(out, shape);
  return scaled(v, 1 / norm(v));
}

/**
 * Power iteration on AᵀA from the unit vector v: s = ‖A·v‖, u = A·v/s, z = Aᵀ·u, v ← z/‖z‖. Both s and ‖z‖ = ‖AᵀA·v‖/‖A·v‖
 * approach σ_max from below (‖z‖ ≥ s, and ‖z‖ is the Rayleigh quotient half a step further on); their gap is the relative
 * residual of v as a singular vector, so the loop stops when ‖z‖ − s ≤ tol·‖z‖ (a small change between steps alone can
 * mean a slow crawl when σ₁ ≈ σ₂). Returns σ = ‖z‖, the unit v and the number of steps taken.
 */
export function powerIteration(A: ConvOperator, w: NDArray, v0: NDArray, iterations: number, tol: number): { sigma: number; v: NDArray; steps: number } {
  return pause(() => {
    let v = v0, sigma = 0, steps = 0;
    while (steps < iterations) {
      const y = A.apply(v, w);
      const s = norm(y);
      steps++;
      if (s === 0) return { sigma: 0, v, steps };
      const z = A.adjoint(scaled(y, 1 / s), w);
      sigma = norm(z);
      v = scaled(z, 1 / sigma);
      if (sigma - s <= tol * sigma) break;
    }
    return { sigma, v, steps };
  });
}

/**
 * The largest singular value of the convolution `op(·, w, params)` (or transposed convolution, `op: "deconvolution"`)
 * as a linear operator on inputs of `inputShape`, padding mode included: its exact operator norm (Lipschitz constant),
 * by power iteration with conv and deconvolution (exact adjoints). Runs in w's dtype (float32 uses the fast kernels).
 */
export function spectralNorm(w: NDArray, params: ConvOptions, inputShape: readonly number[], options: SpectralNormOptions = {}): number {
  const where = "spectralNorm";
  const o = snapshotOptions(where, options, ["iterations", "tol", "op"]);
  const iterations = readInt(where, "iterations", o.iterations, 100, 1);
  const tol = readNumber(where, "tol", o.tol, 1e-6, 0);
  const op = readEnum<ConvOp>(where, "op", o.op, ["convolution", "deconvolution"], "convolution");
  const A = convOperator(where, w, params ?? {}, inputShape, op);
  return powerIteration(A, w, startVector(A.inputShape, w.dtype), iterations, tol).sigma;
}

// npx.instanceNorm / layerNorm / groupNorm: per-sample normalisations written as recorded ops (mean, sub, mul, pow),
// so they differentiate to any order and run on any backend.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { opsObserved } from "../tape/tape.js";
import { backendFor } from "../backends/dispatch.js";
import { binary } from "./elementwise.js";
import { reduce } from "./reduce.js";
import { contiguous, reshape } from "./shape.js";

export interface InstanceNormOptions {
  /** the channel axis (negative counts from the end); default 1. Axis 0 is the batch; every other axis is normalised */
  axis?: number;
  /** added to the variance; default 1e-3 (MXNet's InstanceNorm op); must be > 0 */
  eps?: number;
}

export interface LayerNormOptions {
  /** the axis normalised (negative counts from the end); default -1 */
  axis?: number;
  /** added to the variance; default 1e-5; must be > 0 */
  eps?: number;
}

export interface GroupNormOptions {
  /** channels (axis 1) are split into numGroups groups of equal size; default 1 */
  numGroups?: number;
  /** added to the variance; default 1e-5; must be > 0 */
  eps?: number;
}

/**
 * (x − μ)/√(σ² + eps) with μ and the biased σ² taken over `axes` (kept as size-1 axes so they broadcast back).
 * Used by the three ops here and by the ONNX importer's LayerNormalization / InstanceNormalization.
 */
export function normalizeOver(x: NDArray, axes: readonly number[], eps: number): NDArray {
  const mu = reduce("mean", x, { axis: axes, keepdims: true });
  const d = binary("sub", x, mu);
  const variance = reduce("mean", binary("mul", d, d), { axis: axes, keepdims: true });
  return binary("mul", d, binary("pow", binary("add", variance, eps), -0.5));
}

/** y·γ + β with γ, β of the sizes of x's `axes` (consecutive), broadcast over the other axes. */
export function affineOver(y: NDArray, gamma: NDArray, beta: NDArray, axes: readonly number[]): NDArray {
  const shape = y.shape.map((d, i) => (axes.includes(i) ? d : 1));
  return binary("add", binary("mul", y, reshape(gamma, shape)), reshape(beta, shape));
}

/**
 * y = γ[c]·(x − μ[n,g])/√(σ²[n,g] + eps) + β[c] with the statistics of sample n's group g of C/G consecutive channels
 * (channels on axis 1) over those channels and every axis after 1; instance norm is G = C. Unobserved (no tape, no
 * export trace) it is one backend kernel, 3 passes over x with the statistics in float64 on the CPU; observed, the
 * recorded ops (about 8 passes), which differentiate to any order.
 */
export function groupNormChannels(x: NDArray, gamma: NDArray, beta: NDArray, G: number, eps: number): NDArray {
  const N = x.shape[0]!,
    C = x.shape[1]!;
  const inner = x.shape.slice(2).reduce((p, d) => p * d, 1);
  if (!opsObserved() && N * C > 0 && inner > 0) {
    const be = backendFor(x, gamma, beta);
    const y = be.allocate(x.dtype, x.size, true);
    const g = contiguous(gamma),
      b = contiguous(beta),
      xc = contiguous(x);
    be.groupNormForward(
      { batch: N, groups: G, channelsPerGroup: C / G, inner },
      xc.storage,
      g.storage,
      b.storage,
      eps,
      y,
      be.allocateStats(N * G),
      be.allocateStats(N * G),
    );
    return new NDArray(y, x.shape);
  }
  if (G === C) {
    const axes = [...Array(x.ndim).keys()].slice(2);
    return affineOver(normalizeOver(x, axes, eps), gamma, beta, [1]);
  }
  // explicit group size (not -1): an empty input stays empty instead of making the reshape ambiguous
  const grouped = reshape(x, [N, G, (C / G) * inner]);
  return affineOver(reshape(normalizeOver(grouped, [2], eps), x.shape), gamma, beta, [1]);
}

/** Instance norm with channels on axis 1: group norm with one channel per group. */
export function instanceNormChannels(x: NDArray, gamma: NDArray, beta: NDArray, eps: number): NDArray {
  return groupNormChannels(x, gamma, beta, x.shape[1]!, eps);
}

function checkArgs(where: string, x: unknown, gamma: unknown, beta: unknown, minDim: number): asserts x is NDArray {
  for (const [name, v] of [
    ["input", x],
    ["gamma", gamma],
    ["beta", beta],
  ] as const)
    if (!(v instanceof NDArray)) throw new Error(`${where}: ${name} must be an NDArray, got ${showValue(v)}`);
  const a = x as NDArray;
  if (a.ndim < minDim) throw new Error(`${where}: input must have at least ${minDim} axes, got shape ${formatShape(a.shape)}`);
  if (a.dtype !== "float32" && a.dtype !== "float64") throw new Error(`${where}: input must be float32 or float64, got ${a.dtype}`);
}

/** gamma and beta: 1-D of `size` entries, x's dtype. */
function checkParams(where: string, x: NDArray, gamma: NDArray, beta: NDArray, size: number, what: string): void {
  for (const [name, v] of [
    ["gamma", gamma],
    ["beta", beta],
  ] as const) {
    if (v.ndim !== 1 || v.shape[0] !== size)
      throw new Error(`${where}: ${name} shape ${formatShape(v.shape)} must be [${size}] (${what} of input shape ${formatShape(x.shape)})`);
    if (v.dtype !== x.dtype) throw new Error(`${where}: ${name} is ${v.dtype} but the input is ${x.dtype}; convert with astype`);
  }
}

function readEps(where: string, v: unknown, dflt: number): number {
  const eps = readNumber(where, "eps", v, dflt, 0);
  if (!(eps > 0)) throw new Error(`${where}: eps=${eps} must be > 0 (a constant input would divide by zero)`);
  return eps;
}

function readAxis(where: string, v: unknown, dflt: number, ndim: number): number {
  const a = readInt(where, "axis", v, dflt, -ndim, ndim - 1);
  return a < 0 ? a + ndim : a;
}

/**
 * MXNet's InstanceNorm: each sample's channel is normalised over its own spatial positions,
 * `y = γ[c]·(x − μ[n,c])/√(σ²[n,c] + eps) + β[c]` (biased σ²). x is [N, C, …] with C on `axis`.
 */
export function instanceNorm(x: NDArray, gamma: NDArray, beta: NDArray, options?: InstanceNormOptions): NDArray {
  const where = "instanceNorm";
  checkArgs(where, x, gamma, beta, 3);
  const o = snapshotOptions(where, options, ["axis", "eps"]);
  const axis = readAxis(where, o.axis, 1, x.ndim);
  if (axis === 0) throw new Error(`${where}: axis=0 is the batch axis; the channel axis must be another one (input shape ${formatShape(x.shape)})`);
  const eps = readEps(where, o.eps, 1e-3);
  checkParams(where, x, gamma, beta, x.shape[axis]!, `one value per channel on axis ${axis}`);
  if (axis === 1) return instanceNormChannels(x, gamma, beta, eps);
  const axes = [...Array(x.ndim).keys()].filter((i) => i !== 0 && i !== axis);
  return affineOver(normalizeOver(x, axes, eps), gamma, beta, [axis]);
}

/** MXNet's LayerNorm: normalise over one axis, `y = γ·(x − μ)/√(σ² + eps) + β` with γ, β the size of that axis. */
export function layerNorm(x: NDArray, gamma: NDArray, beta: NDArray, options?: LayerNormOptions): NDArray {
  const where = "layerNorm";
  checkArgs(where, x, gamma, beta, 1);
  const o = snapshotOptions(where, options, ["axis", "eps"]);
  const axis = readAxis(where, o.axis, -1, x.ndim);
  const eps = readEps(where, o.eps, 1e-5);
  checkParams(where, x, gamma, beta, x.shape[axis]!, `one value per entry of axis ${axis}`);
  const D = x.shape[axis]!;
  // unobserved, with no axis of size > 1 after `axis`: rows of D elements, each row a sample of one group of D channels
  // of one element, so γ[c], β[c] fall on the row's entries: the group-norm kernel (3 passes, float64 statistics)
  if (!opsObserved() && x.size > 0 && x.shape.slice(axis + 1).every((d) => d === 1))
    return reshape(groupNormChannels(reshape(x, [x.size / D, D]), gamma, beta, 1, eps), x.shape);
  return affineOver(normalizeOver(x, [axis], eps), gamma, beta, [axis]);
}

/**
 * GroupNorm (MXNet 2 / PyTorch): the C channels of x [N, C, …] fall into numGroups groups of C/numGroups channels;
 * each sample's group is normalised over its channels and positions, then `γ[c]·ŷ + β[c]` per channel.
 */
export function groupNorm(x: NDArray, gamma: NDArray, beta: NDArray, options?: GroupNormOptions): NDArray {
  const where = "groupNorm";
  checkArgs(where, x, gamma, beta, 2);
  const o = snapshotOptions(where, options, ["numGroups", "eps"]);
  const C = x.shape[1]!;
  const G = readInt(where, "numGroups", o.numGroups, 1, 1);
  if (C % G !== 0) throw new Error(`${where}: numGroups=${G} must divide the ${C} channels (axis 1 of input shape ${formatShape(x.shape)})`);
  const eps = readEps(where, o.eps, 1e-5);
  checkParams(where, x, gamma, beta, C, "one value per channel on axis 1");
  return groupNormChannels(x, gamma, beta, G, eps);
}

// npx.upsampling: nearest / (bi/tri)linear resizing by a scale factor (MXNet UpSampling, PyTorch nn.Upsample), axis by axis.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { recordOp } from "../tape/tape.js";
import { readBoolean, readEnum, showValue, snapshotOptions } from "../params/options.js";
import type { Layout } from "../params/geometry.js";
import type { AxisPlan } from "../params/kernel-records.js";
import { backendFor } from "../backends/dispatch.js";
import type { AxisTaps } from "../params/kernel-records.js";
import { contiguous } from "./shape.js";

export type SampleType = "nearest" | "bilinear";

export interface UpsamplingOptions {
  /** output size = ⌊in · scale⌋ per spatial axis: a positive number or one per axis (MXNet's scale, PyTorch's scale_factor) */
  scale: number | readonly number[];
  /** "nearest" (default) or "bilinear" (linear along every spatial axis: linear in 1-D, trilinear in 3-D) */
  sampleType?: SampleType;
  /** default channels-first for the input's rank */
  layout?: Layout;
  /** bilinear only, as PyTorch: true maps the corner pixels' centres onto each other, false (default) the corners' edges */
  alignCorners?: boolean;
}

const KNOWN = ["scale", "sampleType", "layout", "alignCorners"];
const LAYOUTS: Record<number, readonly [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };

/**
 * The source taps of one axis, as PyTorch 1.13 computes them when a scale factor is given:
 *   nearest:  src = min(⌊o · f32(1/scale)⌋, n − 1)  (in float32, as ATen's nearest_idx)
 *   linear:   src = (o + ½)/scale − ½ clamped at 0, or o·(n − 1)/(out − 1) with alignCorners;
 *             i0 = ⌊src⌋, i1 = min(i0 + 1, n − 1), weights 1 − (src − i0) and src − i0.
 */
export function axisTaps(n: number, out: number, scale: number, linear: boolean, alignCorners: boolean): AxisTaps {
  const i0 = new Int32Array(out),
    i1 = new Int32Array(out),
    l0 = new Float64Array(out),
    l1 = new Float64Array(out);
  const f = Math.fround(1 / scale);
  const step = alignCorners ? (out > 1 ? (n - 1) / (out - 1) : 0) : 1 / scale;
  for (let o = 0; o < out; o++) {
    if (!linear) {
      const src = out === n ? o : out === 2 * n ? o >> 1 : Math.min(Math.floor(Math.fround(o * f)), n - 1);
      i0[o] = i1[o] = src;
      l0[o] = 1;
      continue;
    }
    const real = alignCorners ? step * o : Math.max(0, step * (o + 0.5) - 0.5);
    const lo = Math.trunc(real);
    i0[o] = lo;
    i1[o] = lo < n - 1 ? lo + 1 : lo;
    l1[o] = real - lo;
    l0[o] = 1 - l1[o]!;
  }
  return { i0, i1, l0, l1 };
}

/** x resampled along one axis (recorded; its gradient is the transpose). */
export function resample(x: NDArray, plan: AxisPlan): NDArray {
  const shape = x.shape,
    axis = plan.axis;
  const outer = shape.slice(0, axis).reduce((p, v) => p * v, 1),
    inner = shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const outShape = [...shape];
  outShape[axis] = plan.taps.i0.length;
  const be = backendFor(x);
  const out = be.allocate(x.dtype, outer * outShape[axis]! * inner, true);
  be.resampleAxis(contiguous(x).storage, outer, shape[axis]!, inner, plan.taps, out);
  return recordOp("resampleAxis", [x], new NDArray(out, outShape), { plan, inShape: shape });
}

/** The transpose of resample: g (resampled shape) → inShape. */
export function resampleTranspose(g: NDArray, plan: AxisPlan, inShape: readonly number[]): NDArray {
  const axis = plan.axis;
  const outer = inShape.slice(0, axis).reduce((p, v) => p * v, 1),
    inner = inShape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const be = backendFor(g);
  const dx = be.allocate(g.dtype, outer * inShape[axis]! * inner);
  be.resampleAxisAdjoint(contiguous(g).storage, outer, inShape[axis]!, inner, plan.taps, dx);
  return recordOp("resampleAxisTranspose", [g], new NDArray(dx, inShape), { plan, outShape: g.shape });
}

/**
 * Upsampling by `scale` (MXNet's UpSampling; PyTorch's nn.Upsample(scale_factor, mode, align_corners) numbers):
 * nearest copies the source element ⌊o / scale⌋; bilinear interpolates linearly along each spatial axis.
 * Differentiable: each axis is a linear map whose gradient is its transpose.
 */
export function upsampling(x: NDArray, options: UpsamplingOptions): NDArray {
  const where = "upsampling";
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
  const o = snapshotOptions(where, options, KNOWN);
  if (x.ndim < 3 || x.ndim > 5)
    throw new Error(`${where}: input must be 3-D, 4-D or 5-D (batch, channels, 1 to 3 spatial axes), got shape ${formatShape(x.shape)}`);
  const nd = x.ndim - 2;
  const layouts = LAYOUTS[nd]!;
  const layout = readEnum<Layout>(where, "layout", o.layout, layouts, layouts[0]);
  const sampleType = readEnum<SampleType>(where, "sampleType", o.sampleType, ["nearest", "bilinear"], "nearest");
  const alignCorners = readBoolean(where, "alignCorners", o.alignCorners, false);
  if (alignCorners && sampleType === "nearest") throw new Error(`${where}: alignCorners applies to sampleType "bilinear" only (as PyTorch's align_corners)`);
  const s = o.scale;
  if (s === undefined || s === null) throw new Error(`${where}: scale is required (a positive number or ${nd} of them), e.g. { scale: 2 }`);
  const list = typeof s === "number" ? new Array<number>(nd).fill(s) : Array.isArray(s) ? (s as unknown[]) : null;
  if (!list || list.length !== nd || !list.every((v) => typeof v === "number" && Number.isFinite(v) && v > 0))
    throw new Error(`${where}: scale=${showValue(s)} must be a positive number or ${nd} positive numbers (one per spatial axis)`);
  const scales = list as number[];
  const first = layout === layouts[1] ? 1 : 2;
  const plans: AxisPlan[] = [];
  for (let i = 0; i < nd; i++) {
    const n = x.shape[first + i]!,
      out = Math.floor(n * scales[i]!);
    if (n < 1 || out < 1) throw new Error(`${where}: spatial axis ${i} of size ${n} with scale ${scales[i]} gives output size ${out}; sizes must be >= 1`);
    plans.push({ axis: first + i, taps: axisTaps(n, out, scales[i]!, sampleType === "bilinear", alignCorners) });
  }
  // last axis first: the same order of products as ATen's h0·(w0·x00 + w1·x01) + h1·(…)
  let y = x;
  for (let i = nd - 1; i >= 0; i--) y = resample(y, plans[i]!);
  return y;
}

export type { AxisPlan };

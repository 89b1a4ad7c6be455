// ONNX Resize (nearest, linear) as per-axis source taps for tconv's resampling op; and the reverse: which ONNX Resize
// configuration a recorded resampling axis is.
import type { NDArray } from "../ndarray/ndarray.js";
import { activeRecycleScope } from "../ndarray/recycle.js";
import { isDeviceStorage } from "../ndarray/storage.js";
import { opsObserved } from "../tape/tape.js";
import type { AxisTaps } from "../backends/reference/resample.js";
import { resample } from "../ops/upsampling.js";

export interface ResizeMode {
  mode: "nearest" | "linear";
  transform: "half_pixel" | "pytorch_half_pixel" | "align_corners" | "asymmetric" | "tf_half_pixel_for_nn";
  nearest: "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil";
}

/** x_original for output position o (ONNX coordinate_transformation_mode). */
function sourceCoordinate(o: number, inSize: number, outSize: number, scale: number, t: ResizeMode["transform"]): number {
  switch (t) {
    case "half_pixel":
      return (o + 0.5) / scale - 0.5;
    case "pytorch_half_pixel":
      return outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case "align_corners":
      return outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
    case "asymmetric":
      return o / scale;
    case "tf_half_pixel_for_nn":
      return (o + 0.5) / scale;
  }
}

function roundNearest(v: number, m: ResizeMode["nearest"]): number {
  switch (m) {
    case "floor":
      return Math.floor(v);
    case "ceil":
      return Math.ceil(v);
    case "round_prefer_floor":
      return v - Math.floor(v) === 0.5 ? Math.floor(v) : Math.round(v);
    case "round_prefer_ceil":
      return Math.round(v);
  }
}

/** The taps of one axis: output o reads i0 with weight l0 and i1 with weight l1 (edge positions repeat, as ONNX). */
export function resizeTaps(inSize: number, outSize: number, scale: number, m: ResizeMode): AxisTaps {
  const i0 = new Int32Array(outSize),
    i1 = new Int32Array(outSize),
    l0 = new Float64Array(outSize),
    l1 = new Float64Array(outSize);
  const clamp = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(o, inSize, outSize, scale, m.transform);
    if (m.mode === "nearest") {
      i0[o] = i1[o] = clamp(roundNearest(x, m.nearest));
      l0[o] = 1;
    } else {
      const x0 = Math.floor(x);
      i0[o] = clamp(x0);
      i1[o] = clamp(x0 + 1);
      l1[o] = x - x0;
      l0[o] = 1 - l1[o]!;
    }
  }
  return { i0, i1, l0, l1 };
}

/** Resizes every axis whose size or mapping changes; a differentiable chain of resampling ops (a copy if none). */
export function resize(x: NDArray, sizes: readonly number[], scales: readonly number[], m: ResizeMode, where: string): NDArray {
  if (sizes.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`${where}: output sizes [${sizes.join(",")}] must be positive integers`);
  let y = x;
  for (let ax = x.ndim - 1; ax >= 0; ax--) {
    const n = x.shape[ax]!;
    const taps = resizeTaps(n, sizes[ax]!, scales[ax]!, m);
    const identity = taps.i0.length === n && taps.i0.every((i, o) => i === o && taps.l0[o] === 1 && (taps.l1[o] === 0 || taps.i1[o] === o));
    if (identity) continue;
    const next = resample(y, { axis: ax, taps });
    if (y !== x) recycleIntermediate(y);
    y = next;
  }
  return y === x ? x.copy() : y;
}

/**
 * Gives an axis pass's result back to the importer's recycling scope once the next pass has read it: unobserved, no
 * one else holds it (LR-ASPP's final Resize: a fresh 172 KB array per forward otherwise, ~0.4 ms of page faults on this
 * VM). Recorded or traced, the tape keeps it; outside a scope, or on a device, nothing happens.
 */
function recycleIntermediate(a: NDArray): void {
  const scope = activeRecycleScope();
  if (scope === null || opsObserved() || isDeviceStorage(a.storage)) return;
  scope.giveBack(a.storage);
}

/** The ONNX Resize settings a recorded resampling axis matches (with scale out/in), or null. */
export function matchResize(taps: AxisTaps, inSize: number): { mode: ResizeMode; scale: number } | null {
  const out = taps.i0.length;
  const scale = out / inSize;
  const linear = Array.from(taps.l1).some((w, o) => w !== 0 && taps.i1[o] !== taps.i0[o]);
  const candidates: ResizeMode[] = linear
    ? (["pytorch_half_pixel", "half_pixel", "align_corners", "asymmetric"] as const).map((transform) => ({ mode: "linear", transform, nearest: "floor" }))
    : (["floor", "round_prefer_floor", "round_prefer_ceil", "ceil"] as const).flatMap((nearest) =>
        (["asymmetric", "half_pixel", "align_corners", "tf_half_pixel_for_nn"] as const).map((transform) => ({ mode: "nearest" as const, transform, nearest })),
      );
  const value = (t: AxisTaps, o: number, i: number) => (t.i0[o] === i ? t.l0[o]! : 0) + (t.i1[o] === i ? t.l1[o]! : 0);
  for (const mode of candidates) {
    const t = resizeTaps(inSize, out, scale, mode);
    let same = true;
    for (let o = 0; o < out && same; o++)
      for (const i of [taps.i0[o]!, taps.i1[o]!, t.i0[o]!, t.i1[o]!]) if (Math.abs(value(taps, o, i) - value(t, o, i)) > 1e-9) same = false;
    if (same) return { mode, scale };
  }
  return null;
}

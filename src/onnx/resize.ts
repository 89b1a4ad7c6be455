// ONNX Resize (nearest, linear) as one interpolation matrix per resized axis: y = A·x along that axis (differentiable).
import { NDArray } from "../ndarray/ndarray.js";
import { allocate } from "../ndarray/strided.js";
import { dot } from "../ops/linalg.js";

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

/** The [out, in] matrix of one axis: row o holds the weights of the input positions output o reads. */
function axisMatrix(inSize: number, outSize: number, scale: number, m: ResizeMode, dtype: NDArray["dtype"]): NDArray {
  const a = allocate(dtype, outSize * inSize);
  const clampIdx = (i: number) => Math.min(Math.max(i, 0), inSize - 1);
  for (let o = 0; o < outSize; o++) {
    const x = sourceCoordinate(o, inSize, outSize, scale, m.transform);
    if (m.mode === "nearest") a[o * inSize + clampIdx(roundNearest(x, m.nearest))] = 1;
    else {
      // neighbours outside the input repeat the edge value (ONNX's reference pads by edge)
      const x0 = Math.floor(x);
      const r = x - x0;
      a[o * inSize + clampIdx(x0)]! += 1 - r;
      a[o * inSize + clampIdx(x0 + 1)]! += r;
    }
  }
  return new NDArray(a, [outSize, inSize]);
}

export function resize(x: NDArray, sizes: readonly number[], scales: readonly number[], m: ResizeMode, where: string): NDArray {
  if (sizes.some((s) => !Number.isInteger(s) || s < 1 || s > 1 << 16)) throw new Error(`${where}: output sizes [${sizes.join(",")}] must be integers in 1..65536`);
  let y = x;
  for (let ax = 0; ax < x.ndim; ax++) {
    const n = x.shape[ax]!;
    const out = sizes[ax]!;
    if (out === n && scales[ax] === 1 && m.transform !== "align_corners" && m.transform !== "tf_half_pixel_for_nn") continue;
    const A = axisMatrix(n, out, scales[ax]!, m, x.dtype);
    // move the axis last, multiply by Aᵀ, move it back
    const perm = [...Array(x.ndim).keys()].filter((i) => i !== ax).concat(ax);
    const inv = new Array<number>(x.ndim);
    perm.forEach((p, i) => (inv[p] = i));
    const moved = y.transpose(perm);
    const lead = moved.shape.slice(0, -1);
    const r = dot(moved.reshape(-1, n), A.T).reshape([...lead, out]);
    y = r.transpose(inv);
  }
  return y === x ? x.copy() : y.copy();
}

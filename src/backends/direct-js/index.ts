// The direct-JS backend: allocation-free JS loops for calls too small to pay the wasm hand-off (copies, packing).
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { type Backend, type Dtype, type FloatArray } from "../kernel.js";
import { gridToImage, imageToGrid, matmul, weightGrad } from "./kernels.js";

const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);

/**
 * Results are accumulated in a Float64Array and rounded to float32 once at the end (dispatch.ts: one float32 overflow
 * behaviour on every path); float64 results are written in place.
 */
function accumulate(dtype: Dtype, n: number, fill: (out: Float64Array) => void): FloatArray {
  const out = new Float64Array(n);
  fill(out);
  return dtype === "float64" ? out : new Float32Array(out);
}

export const directJsBackend: Backend = {
  name: "direct-js",
  dtypes: ["float32", "float64"],
  imageToGrid(g, image, w, bias, ctx) {
    return accumulate(ctx.dtype, size(gridShape(g)), (out) => imageToGrid(g, image, w, bias, out));
  },
  gridToImage(g, grid, w, bias, ctx) {
    return accumulate(ctx.dtype, size(imageShape(g)), (out) => gridToImage(g, grid, w, bias, out));
  },
  weightGrad(g, image, grid, ctx) {
    return accumulate(ctx.dtype, size(weightShape(g)), (out) => weightGrad(g, image, grid, out));
  },
  matmul(M, N, K, a, b, ctx) {
    return accumulate(ctx.dtype, M * N, (out) => matmul(M, N, K, a, b, out));
  },
};

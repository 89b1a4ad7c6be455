// The direct-JS backend: allocation-free JS loops for calls too small to pay the wasm hand-off (copies, packing).
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { type Backend, type Dtype, type FloatArray } from "../kernel.js";
import { gridToImage, imageToGrid, matmul, weightGrad } from "./kernels.js";

const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);

/**
 * Float32 results are written in place; when one comes out non-finite (a partial sum rounded to float32 overflowed,
 * or ±Inf met −Inf) the call is redone into a Float64Array and rounded once, so float32 overflow gives ±Inf exactly
 * where the double-accumulated sum leaves float32's range (dispatch.ts: one behaviour on every path).
 */
function accumulate(dtype: Dtype, n: number, fill: (out: FloatArray) => void): FloatArray {
  if (dtype === "float32") {
    const out32 = new Float32Array(n);
    fill(out32);
    let finite = true;
    for (let i = 0; i < n && finite; i++) finite = out32[i]! - out32[i]! === 0;
    if (finite) return out32;
  }
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

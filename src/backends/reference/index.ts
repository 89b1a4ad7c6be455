// The reference backend: plain loops in float64 or float32, the source of truth the faster backends are tested against.
import { gridShape, imageShape, weightShape } from "../../params/geometry.js";
import { type Backend, type Dtype, type FloatArray } from "../kernel.js";
import { imageToGrid } from "./image-to-grid.js";
import { gridToImage } from "./grid-to-image.js";
import { weightGrad } from "./weight-grad.js";
import { matmul } from "./matmul.js";

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

export const referenceBackend: Backend = {
  name: "reference",
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

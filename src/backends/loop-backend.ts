// A Backend from four write-into-`out` loop kernels, with one float32 overflow rule for every JS-loop backend.
import { gridShape, imageShape, weightShape } from "../params/geometry.js";
import type { ConvGeometry } from "../params/geometry.js";
import type { Backend, Dtype, FloatArray } from "./kernel.js";
import { allocate } from "../ndarray/dtype.js";

/** The loop kernels a JS backend provides: each writes its whole result into a zeroed `out`. */
export interface LoopKernels {
  imageToGrid(g: ConvGeometry, image: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void;
  gridToImage(g: ConvGeometry, grid: FloatArray, w: FloatArray, bias: FloatArray | null, out: FloatArray): void;
  weightGrad(g: ConvGeometry, image: FloatArray, grid: FloatArray, out: FloatArray): void;
  matmul(m: number, n: number, k: number, a: FloatArray, b: FloatArray, out: FloatArray): void;
}

const size = (shape: readonly number[]) => shape.reduce((p, v) => p * v, 1);

/**
 * Float32 results are written in place; when one comes out non-finite (a partial sum rounded to float32 overflowed,
 * or ±Inf met −Inf) the call is redone into a Float64Array and rounded once, so float32 overflow gives ±Inf exactly
 * where the double-accumulated sum leaves float32's range (dispatch.ts: one behaviour on every path).
 */
function accumulate(dtype: Dtype, n: number, fill: (out: FloatArray) => void): FloatArray {
  if (dtype === "float32") {
    const out32 = allocate("float32", n) as Float32Array;
    fill(out32);
    let finite = true;
    for (let i = 0; i < n && finite; i++) finite = out32[i]! - out32[i]! === 0;
    if (finite) return out32;
  }
  const out = new Float64Array(n);
  fill(out);
  return dtype === "float64" ? out : new Float32Array(out);
}

export function loopBackend(name: Backend["name"], k: LoopKernels): Backend {
  return {
    name,
    dtypes: ["float32", "float64"],
    imageToGrid: (g, image, w, bias, ctx) => accumulate(ctx.dtype, size(gridShape(g)), (out) => k.imageToGrid(g, image, w, bias, out)),
    gridToImage: (g, grid, w, bias, ctx) => accumulate(ctx.dtype, size(imageShape(g)), (out) => k.gridToImage(g, grid, w, bias, out)),
    weightGrad: (g, image, grid, ctx) => accumulate(ctx.dtype, size(weightShape(g)), (out) => k.weightGrad(g, image, grid, out)),
    matmul: (M, N, K, a, b, ctx) => accumulate(ctx.dtype, M * N, (out) => k.matmul(M, N, K, a, b, out)),
  };
}

// The one module that chooses which backend kernel runs a resolved convolution call.
import type { ConvGeometry } from "../params/geometry.js";
import { gridShape, imageShape, weightShape } from "../params/geometry.js";
import type { FloatArray } from "../backends/reference/indexing.js";
import { conv as refConv } from "../backends/reference/conv.js";
import { convTransposeData as refConvTransposeData } from "../backends/reference/conv-transpose-data.js";
import { convFilterGrad as refConvFilterGrad } from "../backends/reference/conv-filter-grad.js";
import { gemm as refGemm } from "../backends/reference/gemm.js";

export type Dtype = "float32" | "float64";

const size = (shape: number[]) => shape.reduce((p, v) => p * v, 1);
const alloc = (dtype: Dtype, n: number): FloatArray => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));

/** image → grid (convolution forward; transposed convolution's input gradient). */
export function convImageToGrid(g: ConvGeometry, dtype: Dtype, image: FloatArray, w: FloatArray, bias: FloatArray | null): FloatArray {
  const out = alloc(dtype, size(gridShape(g)));
  refConv(g, image, w, bias, out);
  return out;
}

/** grid → image (transposed convolution forward; convolution's input gradient). */
export function convGridToImage(g: ConvGeometry, dtype: Dtype, grid: FloatArray, w: FloatArray, bias: FloatArray | null): FloatArray {
  const out = alloc(dtype, size(imageShape(g)));
  refConvTransposeData(g, grid, w, bias, out);
  return out;
}

/** weight gradient of either op from its image-side and grid-side tensors. */
export function convWeightGrad(g: ConvGeometry, dtype: Dtype, image: FloatArray, grid: FloatArray): FloatArray {
  const out = alloc(dtype, size(weightShape(g)));
  refConvFilterGrad(g, image, grid, out);
  return out;
}

/** C[M,N] = A[M,K]·B[K,N] for dense row-major operands (np.dot / matmul). */
export function matmul(dtype: Dtype, m: number, n: number, k: number, a: FloatArray, b: FloatArray): FloatArray {
  const out = alloc(dtype, m * n);
  refGemm(m, n, k, a, b, out);
  return out;
}

// The one module that chooses which backend kernel runs a resolved convolution call (and a matrix product).
import type { ConvGeometry } from "../params/geometry.js";
import { gridShape, imageShape, macCount, weightShape } from "../params/geometry.js";
import type { FloatArray } from "../backends/reference/indexing.js";
import { conv as refConv } from "../backends/reference/conv.js";
import { convTransposeData as refConvTransposeData } from "../backends/reference/conv-transpose-data.js";
import { convFilterGrad as refConvFilterGrad } from "../backends/reference/conv-filter-grad.js";
import { directConv, directConvTranspose, directMatmul, directWeightGrad } from "./direct-js.js";
import { wasmConv, wasmConvTranspose, wasmConvTransposeCol2im, wasmConvTransposeWtx, wasmGemm, wasmWeightGrad } from "../backends/wasm/plan.js";
import { getNumThreads } from "./threads.js";

export type Dtype = "float32" | "float64";

/**
 * Algorithms, chosen per call:
 *  - "reference": backends/reference plain loops (float64 always; the source of truth);
 *  - "direct": allocation-free JS loops (float32 calls below SMALL_MACS multiply-adds: no wasm hand-off);
 *  - "wasm-im2col" (image→grid): one implicit GEMM per group, im2col gathered per task (1×1 and k = s are the
 *    degenerate gathers of the same path);
 *  - "wasm-phase" (grid→image): s^D phase GEMMs of the sub-kernels w[r::s] (stride 1 = one GEMM over the taps);
 *  - "wasm-col2im" (grid→image): per image one GEMM C[positions, Cimg·∏k] = gridᵀ·W, added into the image (col2im);
 *    wins when the phase GEMMs are thin (few image channels, or many phases with tiny sub-kernels: FCN k64 s32);
 *  - "wasm-wtx" (grid→image): per image one GEMM C[Cimg·∏k, positions] = Wᵀ·grid (positions = the long side), added
 *    into the image (col2im): few image channels with many grid positions (DCGAN 64→3 @32²);
 *  - "wasm-gemm" (weight gradient, matmul): GEMM with the im2col matrix as the reduction side, or a plain GEMM.
 */
export type Algorithm = "reference" | "direct" | "wasm-im2col" | "wasm-phase" | "wasm-col2im" | "wasm-wtx" | "wasm-gemm";

/** Below this many multiply-adds a float32 call stays in JS (the wasm path costs ~10–30 µs of copies and packing). */
export const SMALL_MACS = 1 << 14;

/** Test hooks: force an algorithm per entry point (null = automatic), and read what the last call used. */
export const __force: { imageToGrid: Algorithm | null; gridToImage: Algorithm | null; weightGrad: Algorithm | null; matmul: Algorithm | null } =
  { imageToGrid: null, gridToImage: null, weightGrad: null, matmul: null };
export let lastAlgorithm: Algorithm = "reference";

const size = (shape: number[]) => shape.reduce((p, v) => p * v, 1);
const alloc = (dtype: Dtype, n: number): FloatArray => (dtype === "float32" ? new Float32Array(n) : new Float64Array(n));

function choose(forced: Algorithm | null, dtype: Dtype, macs: number, wasm: Algorithm): Algorithm {
  if (forced) return dtype === "float64" && forced.startsWith("wasm") ? "reference" : forced;
  if (dtype === "float64") return "reference";
  return macs < SMALL_MACS ? "direct" : wasm;
}

/** image → grid (convolution forward; transposed convolution's input gradient). */
export function convImageToGrid(g: ConvGeometry, dtype: Dtype, image: FloatArray, w: FloatArray, bias: FloatArray | null): FloatArray {
  const n = size(gridShape(g));
  const alg = (lastAlgorithm = choose(__force.imageToGrid, dtype, macCount(g), "wasm-im2col"));
  if (alg.startsWith("wasm") && n > 0) return wasmConv(g, image as Float32Array, w as Float32Array, bias as Float32Array | null, getNumThreads());
  const out = alloc(dtype, n);
  if (alg === "direct") directConv(g, image, w, bias, out);
  else refConv(g, image, w, bias, out);
  return out;
}

/**
 * Which wasm algorithm runs grid → image, by a rule measured with bench/kernels-probe.mjs (FORCE=…) on this machine:
 * the phase GEMMs get thin when there are many phases (FCN k64 s32: 1024 phases of 2×2 sub-kernels, 11 → 21 GFLOP/s
 * with col2im) or few grid positions per phase (DCGAN 512→256 @4², 256→128 @8²: N = batch·∏grid = 128 / 512 columns,
 * 22 → 31 and 30 → 34 GFLOP/s); with overlapping taps (k > s) col2im then wins. k = s (pixel shuffle), stride 1 and
 * large grids (DCGAN @16², U-Net, the k3 s1 layer: phase 32–39 vs col2im 18–29 GFLOP/s) do not use col2im.
 * Strided layers with ≥ 256 grid positions per image take wasm-wtx (one GEMM with all Cimg·∏k rows instead of s^D thin
 * phase GEMMs whose B is gathered per tap: DCGAN 64→3 @32² 8.7 → 33, 128→64 @16² 32 → 37, U-Net 128→64 @64²
 * 24 → 29 GFLOP/s on one thread); stride 1 (one phase already) stays on the phase GEMM (equal speed).
 */
export function gridToImageWasm(g: ConvGeometry): Algorithm {
  const sp = g.strides.reduce((p, v) => p * v, 1), kp = g.kernel.reduce((p, v) => p * v, 1);
  const perImage = g.gridSize.reduce((p, v) => p * v, 1), positions = g.batch * perImage;
  const overlapping = g.kernel.every((k, i) => k > g.strides[i]!);
  if (sp > 1 && kp > sp && overlapping && (sp >= 64 || positions <= 512)) return "wasm-col2im";
  return sp > 1 && perImage >= 256 ? "wasm-wtx" : "wasm-phase";
}

/** grid → image (transposed convolution forward; convolution's input gradient). */
export function convGridToImage(g: ConvGeometry, dtype: Dtype, grid: FloatArray, w: FloatArray, bias: FloatArray | null): FloatArray {
  const n = size(imageShape(g));
  const alg = (lastAlgorithm = choose(__force.gridToImage, dtype, macCount(g), gridToImageWasm(g)));
  if (alg === "wasm-wtx" && n > 0) return wasmConvTransposeWtx(g, grid as Float32Array, w as Float32Array, bias as Float32Array | null, getNumThreads());
  if (alg === "wasm-col2im" && n > 0) return wasmConvTransposeCol2im(g, grid as Float32Array, w as Float32Array, bias as Float32Array | null, getNumThreads());
  if (alg.startsWith("wasm") && n > 0) return wasmConvTranspose(g, grid as Float32Array, w as Float32Array, bias as Float32Array | null, getNumThreads());
  const out = alloc(dtype, n);
  if (alg === "direct") directConvTranspose(g, grid, w, bias, out);
  else refConvTransposeData(g, grid, w, bias, out);
  return out;
}

/** weight gradient of either op from its image-side and grid-side tensors. */
export function convWeightGrad(g: ConvGeometry, dtype: Dtype, image: FloatArray, grid: FloatArray): FloatArray {
  const n = size(weightShape(g));
  const alg = (lastAlgorithm = choose(__force.weightGrad, dtype, macCount(g), "wasm-gemm"));
  if (alg.startsWith("wasm") && n > 0) return wasmWeightGrad(g, image as Float32Array, grid as Float32Array, getNumThreads());
  const out = alloc(dtype, n);
  if (alg === "direct") directWeightGrad(g, image, grid, out);
  else refConvFilterGrad(g, image, grid, out);
  return out;
}

/** C (M × N) = A (M × K) · B (K × N), row-major; float64 and small products run the JS triple loop. */
export function matmul(dtype: Dtype, M: number, N: number, K: number, a: FloatArray, b: FloatArray): FloatArray {
  // a matrix–vector product (either side < 4 wide) reads each element of the matrix once: packing it for the GEMM
  // costs as much as the product, so the JS loop wins (3844×4096 · vector: 111 ms through the GEMM)
  const thin = Math.min(M, N) < 4;
  const alg = (lastAlgorithm = choose(__force.matmul, dtype, thin ? 0 : M * N * K, "wasm-gemm"));
  if (alg.startsWith("wasm") && M * N > 0) return wasmGemm(M, N, K, a as Float32Array, b as Float32Array, getNumThreads());
  const out = alloc(dtype, M * N);
  directMatmul(M, N, K, a, b, out);
  return out;
}

/** The float32 GEMM for np.dot: C = A·B with A M×K and B K×N (row-major); writes into `c` when given, else a new array. */
export function gemmF32(M: number, N: number, K: number, a: Float32Array, b: Float32Array, c?: Float32Array): Float32Array {
  const r = matmul("float32", M, N, K, a, b) as Float32Array;
  if (!c) return r;
  if (c.length < M * N) throw new Error(`gemmF32: the output holds ${c.length} elements, ${M}×${N} = ${M * N} needed`);
  c.set(r);
  return c;
}

// The backend boundary: element types and the kernel interface every backend (reference, direct-js, wasm) implements.
import type { ConvGeometry } from "../params/geometry.js";
import type { ConvActivation } from "../params/kernel-records.js";

import type { Dtype, FloatArray } from "../ndarray/dtype.js";

export type { Dtype, FloatArray } from "../ndarray/dtype.js";
export { allocate } from "../ndarray/dtype.js";

/**
 * The four operations, one name each everywhere (dispatch, backends, tests):
 *  - imageToGrid: convolution forward, and transposed convolution's input gradient;
 *  - gridToImage: transposed convolution forward, and convolution's input gradient;
 *  - weightGrad:  the weight gradient of either op, from its image-side and grid-side tensors;
 *  - matmul:      C (M × N) = A (M × K) · B (K × N), row-major.
 * Image side = where padding applies; grid side = the strided side (see params/geometry.ts).
 */
export type KernelOp = "imageToGrid" | "gridToImage" | "weightGrad" | "matmul";

/** How a kernel runs: the operands' dtype, the threads it may use (wasm) and, on wasm, which decomposition. */
export interface RunContext {
  readonly dtype: Dtype;
  readonly threads: number;
  readonly variant?: GridToImageVariant;
  /**
   * wasm im2col, depthwise and (ReLU only) Winograd: the activation applied to every output as it is stored (a layer's
   * activation fused into the kernel's store; conv-dispatch.ts decides which kernel can)
   */
  readonly act?: ConvActivation | null;
  /** wasm im2col and depthwise (imageToGrid): added to the finished result (its length; one float32 rounding each) */
  readonly residual?: FloatArray | null;
}

/**
 * wasm decompositions: phase GEMMs, GEMM + col2im (gridᵀ·W), Wᵀ·grid + col2im, one dense GEMM (gridToImage), Winograd
 * (both; see dispatch.ts), depthwise rows (imageToGrid with one image channel per group).
 */
export type GridToImageVariant = "phase" | "col2im" | "wtx" | "winograd" | "winograd4" | "dense" | "depthwise";

/**
 * The algorithms dispatch chooses among, each one backend's kernel:
 *  - "reference": backends/reference plain loops (float64 always; the source of truth);
 *  - "direct": backends/direct-js allocation-free JS loops (float32 calls below SMALL_MACS multiply-adds);
 *  - "wasm-im2col" (imageToGrid): one implicit GEMM per group, im2col gathered per task;
 *  - "wasm-phase" (gridToImage): s^D phase GEMMs of the sub-kernels w[r::s] (stride 1 = one GEMM over the taps);
 *  - "wasm-col2im" (gridToImage): per image one GEMM C[positions, Cimg·∏k] = gridᵀ·W, added into the image (col2im);
 *  - "wasm-wtx" (gridToImage): per image one GEMM C[Cimg·∏k, positions] = Wᵀ·grid, added into the image (col2im);
 *  - "wasm-dense" (gridToImage of a 1-pixel grid spread into a k-sized image, one group): one GEMM grid·W;
 *  - "wasm-winograd" (2-D, d = 1): Winograd F(2×2, 2×2) on the phases of a k = 2s gridToImage, F(2×2, 3×3) on a k3 s1
 *    gridToImage or imageToGrid;
 *  - "wasm-winograd4" (2-D, k3 s1 d1): Winograd F(4×4, 3×3), gridToImage or imageToGrid;
 *  - "wasm-gemm" (weightGrad, matmul): GEMM with the im2col matrix as the reduction side, or a plain GEMM;
 *  - "wasm-depthwise" (imageToGrid, channels first, one image channel per group): SIMD rows, no GEMM.
 */
export type Algorithm =
  | "reference"
  | "direct"
  | "wasm-im2col"
  | "wasm-phase"
  | "wasm-col2im"
  | "wasm-wtx"
  | "wasm-winograd"
  | "wasm-winograd4"
  | "wasm-dense"
  | "wasm-gemm"
  | "wasm-depthwise";

/**
 * One backend: the dtypes it runs and a kernel per operation. Kernels receive dense operands in the geometry's layout,
 * trust the geometry (params/ validated it and dispatch checked the sizes) and return a new dense result.
 */
export interface Backend {
  readonly name: "reference" | "direct-js" | "wasm";
  readonly dtypes: readonly Dtype[];
  imageToGrid(g: ConvGeometry, image: FloatArray, w: FloatArray, bias: FloatArray | null, ctx: RunContext): FloatArray;
  gridToImage(g: ConvGeometry, grid: FloatArray, w: FloatArray, bias: FloatArray | null, ctx: RunContext): FloatArray;
  weightGrad(g: ConvGeometry, image: FloatArray, grid: FloatArray, ctx: RunContext): FloatArray;
  matmul(M: number, N: number, K: number, a: FloatArray, b: FloatArray, ctx: RunContext): FloatArray;
  /** true when this backend already checked that a result it returned has only finite elements (wasm: SIMD scan) */
  resultFinite?(out: FloatArray): boolean;
}

// The CPU backend's choice of algorithm for the convolution kernels and matmul: reference, direct JS loops or one of the wasm decompositions.
import type { ConvGeometry } from "../../params/geometry.js";
import { gridShape, imageShape, macCount, weightShape } from "../../params/geometry.js";
import type { Algorithm, Backend, Dtype, FloatArray, GridToImageVariant, KernelOp } from "../kernel.js";
import { referenceBackend } from "../reference/index.js";
import { directJsBackend } from "../direct-js/index.js";
import { wasmBackend } from "../wasm/index.js";
import { wasmUsable } from "../wasm/runtime.js";
import { getNumThreads } from "../threads.js";
import { hooks } from "../hooks.js";
import { unaryRuns } from "../js/elementwise-loops.generated.js";
import { leakyForward } from "../fused/activation.js";
import type { ConvActivation } from "../../params/kernel-records.js";

export type { Algorithm } from "../kernel.js";

/** Below this many multiply-adds a float32 call stays in JS (the wasm path costs ~10–30 µs of copies and packing). */
export const SMALL_MACS = 1 << 14;

/** Which backend runs each algorithm, and the wasm gridToImage decomposition it names. */
const RUNS: Record<Algorithm, { backend: Backend; variant?: GridToImageVariant }> = {
  reference: { backend: referenceBackend },
  direct: { backend: directJsBackend },
  "wasm-im2col": { backend: wasmBackend },
  "wasm-phase": { backend: wasmBackend, variant: "phase" },
  "wasm-col2im": { backend: wasmBackend, variant: "col2im" },
  "wasm-wtx": { backend: wasmBackend, variant: "wtx" },
  "wasm-winograd": { backend: wasmBackend, variant: "winograd" },
  "wasm-winograd4": { backend: wasmBackend, variant: "winograd4" },
  "wasm-dense": { backend: wasmBackend, variant: "dense" },
  "wasm-gemm": { backend: wasmBackend },
  "wasm-depthwise": { backend: wasmBackend, variant: "depthwise" },
};

const size = (shape: number[]) => shape.reduce((p, v) => p * v, 1);

/**
 * The wasm kernels compute coordinates in 32-bit integers (signed compares against the image bounds): on every axis the
 * largest coordinate plus one stride and one dilation step must stay below 2^30. Other geometries (strides or padding
 * near 2^30 and beyond) run the JS loops, which compute in doubles (exact to 2^53, checked by resolveConv).
 */
export const WASM_MAX_COORD = 2 ** 30;

export function fitsWasm(g: ConvGeometry): boolean {
  for (let i = 0; i < g.nd; i++) {
    const dk = g.dilation[i]! * (g.kernel[i]! - 1) + 1;
    const span = Math.max((g.gridSize[i]! - 1) * g.strides[i]! + dk, g.imageSize[i]! + g.padBegin[i]! + g.padEnd[i]! + g.outputPadding[i]!);
    if (!(span + g.strides[i]! + g.dilation[i]! < WASM_MAX_COORD)) return false;
  }
  return true;
}

/** A 1-pixel grid whose taps all land inside the image (pb = 0, d = 1, image = kernel), one group: one dense GEMM. */
export function denseApplies(g: ConvGeometry): boolean {
  return (
    g.groups === 1 &&
    g.gridSize.every((v) => v === 1) &&
    g.padBegin.every((v) => v === 0) &&
    g.dilation.every((v) => v === 1) &&
    g.imageSize.every((v, i) => v === g.kernel[i])
  );
}

/**
 * The depthwise rows need one image channel per group (MobileNet's and Conv-TasNet's depthwise layers, any channel
 * multiplier) and channels first. There K = ∏k (3 to 25) is far too short for a GEMM: one GEMM job per channel made
 * a k3 depthwise 1-D layer (128 channels × 1001 positions) 17.7 ms on one thread, mostly per-job overhead.
 */
export function depthwiseApplies(g: ConvGeometry): boolean {
  return g.groups > 1 && g.imageChannels === g.groups && !g.channelsLast;
}

/**
 * A 1×1 convolution of a single position (batch × ∏grid = 1: a squeeze-excite block's fully connected layers, a
 * classifier head) is a matrix-vector product: the wasm GEMM would copy and pack every weight for one use and fill a
 * 16-column panel with one column, so the direct loops' dot products are faster at any size (measured on one thread:
 * 88×336 88 vs 132 µs, 1280×960 3.2 vs 4.5 ms; at 2 positions the two tie, at 4 the GEMM wins 270 vs 669 µs).
 */
function matrixVector(g: ConvGeometry): boolean {
  if (g.channelsLast || g.batch !== 1) return false;
  for (let e = 0; e < g.nd; e++)
    if (g.kernel[e] !== 1 || g.strides[e] !== 1 || g.padBegin[e] !== 0 || g.gridSize[e] !== 1 || g.imageSize[e] !== 1) return false;
  return true;
}

/**
 * The gradients of a depthwise layer (gridToImage for the input, weightGrad) have no wasm rows yet; their per-channel
 * GEMM jobs cost more than the direct JS loops while a channel's grid plane is small (measured on one thread, input +
 * weight gradient: Conv-TasNet's k3 1-D layer, 1001 positions, 169 → 34 ms; MobileNetV3's 5×5 at 8×8, N = 4, 65 → 11
 * ms; 64×64 planes tie, 62 vs 71 ms, and keep the GEMMs, which use every thread).
 */
function smallDepthwise(g: ConvGeometry): boolean {
  return g.groups > 1 && g.imageChannels === g.groups && g.gridSize.reduce((p, v) => p * v, 1) <= 2048;
}

/**
 * Winograd needs a stride-1 correlation with 2 or 3 taps per axis, 2-D, no dilation: every phase of a k = 2s
 * gridToImage has 2 taps; a k3 s1 layer is one correlation of 3 taps (imageToGrid, or gridToImage as one phase).
 */
export function winogradApplies(g: ConvGeometry, op: "imageToGrid" | "gridToImage" = "gridToImage"): boolean {
  if (g.nd !== 2 || !g.dilation.every((d) => d === 1)) return false;
  return k3s1(g) || (op === "gridToImage" && g.kernel.every((k, i) => k === 2 * g.strides[i]!));
}

/** A 2-D k3 s1 d1 layer: the one correlation of 3 taps per axis that F(4×4, 3×3) computes (either direction). */
export function k3s1(g: ConvGeometry): boolean {
  return g.nd === 2 && g.kernel.every((k, i) => k === 3 && g.strides[i] === 1 && g.dilation[i] === 1);
}

/**
 * Winograd when its transforms pay: each transformed weight ((R + 1)² per phase and channel pair) must serve ≥ 64 output
 * tiles per phase, and both channel counts ≥ 8. Measured with bench/kernels-probe.mjs-style forced runs (FORCE=…), one
 * thread, against the best other path: DCGAN k4 s2, N = 16: 512→256 @4² (64 tiles per phase) 21.6 → 16.8 ms,
 * 256→128 @8² 21.6 → 13.3, 128→64 @16² 22.3 → 13.5; N = 8, 512→256 @4² (32 tiles) 10.7 vs 10.6 (a tie); 64→3 @32²
 * (3 image channels) 2.4 → 4.2 loses; FCN k64 s32 (1024 phases of 21×21 channels) loses; F(2×2, 3×3), N = 8: conv
 * 64→64 @56² 41.5 → 25.5 ms, transposed conv k3 s1 64→64 @64² 53.2 → 33.1 ms.
 */
function winogradWorthIt(g: ConvGeometry, phases: number, op: "imageToGrid" | "gridToImage"): boolean {
  if (!winogradApplies(g, op) || phases > 16) return false;
  const icpg = g.imageChannels / g.groups,
    gcpg = g.gridChannels / g.groups;
  const tiles = g.batch * Math.ceil(g.gridSize[0]! / 2) * Math.ceil(g.gridSize[1]! / 2);
  // the transformed weights are (R + 1)² matrices per phase and group: past 256 MiB they would crowd the 4 GiB of
  // wasm memory that the other paths fit in
  const R = g.kernel[0] === 3 ? 3 : 2;
  const uBytes = g.groups * phases * (R + 1) ** 2 * (icpg + 1) * gcpg * 4;
  return icpg >= 8 && gcpg >= 8 && tiles >= 64 && uBytes <= 2 ** 28;
}

/**
 * F(4×4, 3×3) instead of F(2×2, 3×3) on a k3 s1 layer that winogradWorthIt sends to Winograd: 36 products per 16 outputs
 * instead of 16 per 4, for costlier transforms and 36 transformed weight matrices instead of 16. Forced runs, conv p1,
 * N·Cin→Cout @ out², medians of 15 alternating runs on this 2-vCPU VM, ms, F(2×2) / F(4×4) (im2col):
 *                    1 thread                        2 threads
 *   4·32→16 @64²     6.82 / 5.46 ×1.25  (8.07)       7.37 / 6.19 ×1.19  (7.93)
 *   4·64→32 @32²     3.98 / 2.96 ×1.34  (6.46)       2.00 / 1.51 ×1.32  (3.04)
 *   4·16→32 @32²     3.37 / 3.00 ×1.13  (3.75)       0.66 / 0.58 ×1.14  (0.79)
 *   4·32→64 @16²     0.98 / 0.61 ×1.62  (1.58)       0.55 / 0.35 ×1.59  (0.89)
 *   1·64→64 @56²     5.33 / 4.75 ×1.12  (9.21)       2.28 / 2.23 ×1.02  (3.63)
 *   1·128→128 @28²   5.46 / 5.64 ×0.97  (8.70)       2.33 / 2.90 ×0.80  (4.19)
 *   1·256→256 @14²   7.54 / 6.75 ×1.12  (10.36)      3.76 / 6.18 ×0.61  (4.75)
 * On one thread it wins or ties (128→128 @28²: ×0.92–0.97 in three runs, the one loss, not worth a rule); on two it
 * loses where its tiles (16 per task at least) give a thread fewer than two tasks (49 and 16 tiles), so there it needs
 * ≥ 32 tiles per thread (splitting such a layer's tasks by output channels, tried, still lost: ×0.87–0.96). Accuracy,
 * max |y − y₆₄| / max |y₆₄| against the float64 loops, uniform(−1, 1) data, weights and bias, the seven layers above and
 * 1024→64, 2048→32 @8², four data seeds: F(4×4, 3×3) 3.3e-6 … 1.4e-5 (growing with K up to 256: 3.3e-6–5.1e-6 at
 * K = 16, 8.0e-6–1.4e-5 at 256; 8.6e-6–1.1e-5 at 1024, 6.6e-6–8.3e-6 at 2048); F(2×2, 3×3) 1.8e-7 … 6.9e-7; im2col
 * 2.9e-7 … 1.1e-6. F(4×4) is 10–30× F(2×2)'s error but bounded in K, so no channel count is excluded.
 */
export function winograd4WorthIt(g: ConvGeometry, op: "imageToGrid" | "gridToImage", threads = getNumThreads()): boolean {
  if (!k3s1(g)) return false;
  const out = op === "imageToGrid" ? g.gridSize : g.imageSize;
  const tiles = g.batch * Math.ceil(out[0]! / 4) * Math.ceil(out[1]! / 4);
  const uBytes = g.groups * 36 * (g.imageChannels / g.groups + 1) * (g.gridChannels / g.groups + 1) * 4;
  return uBytes <= 2 ** 28 && (threads <= 1 || tiles >= 32 * threads);
}

/**
 * Float32 overflow, one behaviour on every path: each result element is the sum accumulated in doubles and rounded once
 * to float32, so it is ±Inf exactly where that sum leaves float32's range, and NaN only from NaN/±Inf inputs. The JS
 * backends accumulate in doubles; the wasm GEMMs accumulate in float32 lanes, where an overflowing partial sum gives
 * ±Inf or (lanes of both signs) NaN: a wasm result with any non-finite element (a SIMD scan before the copy-out) is
 * recomputed by the direct-JS loops.
 */
function overflowChecked(run: { backend: Backend }, out: FloatArray, again: () => FloatArray): FloatArray {
  if (run.backend !== wasmBackend || wasmBackend.resultFinite!(out)) return out;
  hooks.lastAlgorithm = "direct";
  return again();
}

/**
 * The algorithm for one call: a forced one (test hook) if its backend runs this dtype, else the reference for float64,
 * direct JS for small float32 calls, `fast` otherwise (hooks.lastAlgorithm records it).
 */
function choose(
  op: KernelOp,
  dtype: Dtype,
  macs: number,
  outSize: number,
  fast: Algorithm | ((g: ConvGeometry) => Algorithm),
  g?: ConvGeometry,
): { backend: Backend; variant?: GridToImageVariant } {
  const forced = hooks.force[op];
  let alg: Algorithm;
  if (forced) alg = RUNS[forced].backend.dtypes.includes(dtype) ? forced : "reference";
  else if (dtype === "float64") alg = "reference";
  else alg = macs < SMALL_MACS ? "direct" : typeof fast === "function" ? fast(g!) : fast;
  if (alg === "wasm-dense" && !denseApplies(g!)) alg = "wasm-col2im";
  if (alg === "wasm-depthwise" && (op !== "imageToGrid" || !depthwiseApplies(g!))) alg = op === "imageToGrid" ? "wasm-im2col" : "wasm-phase";
  if (alg === "wasm-winograd" && !winogradApplies(g!, op === "imageToGrid" ? "imageToGrid" : "gridToImage"))
    alg = op === "imageToGrid" ? "wasm-im2col" : "wasm-phase";
  if (alg === "wasm-winograd4" && (op === "weightGrad" || op === "matmul" || !k3s1(g!))) alg = op === "imageToGrid" ? "wasm-im2col" : "wasm-phase";
  if (g && RUNS[alg].backend === wasmBackend && !fitsWasm(g)) alg = "direct";
  // WebAssembly refused (a CSP without 'wasm-unsafe-eval'): the JS kernels, after one warning
  if (RUNS[alg].backend === wasmBackend && !wasmUsable()) alg = "direct";
  hooks.lastAlgorithm = alg;
  // an empty result has nothing to compute: the reference's loops return it without the wasm hand-off
  return RUNS[outSize === 0 ? "reference" : alg];
}

/**
 * image → grid (convolution forward; transposed convolution's input gradient). act: the result goes through it — fused
 * into the store of the kernels that can (fusesActivation), a pass over the result everywhere else.
 */
export function imageToGrid(
  g: ConvGeometry,
  dtype: Dtype,
  image: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  act: ConvActivation | null = null,
): FloatArray {
  const run = chooseImageToGrid(g, dtype);
  const fuse = act !== null && fusesActivation(run, g, "imageToGrid", act);
  const out = run.backend.imageToGrid(g, image, w, bias, { dtype, threads: getNumThreads(), variant: run.variant, act: fuse ? act : null });
  const checked = overflowChecked(run, out, () => directJsBackend.imageToGrid(g, image, w, bias, { dtype, threads: 1 }));
  return act !== null && (!fuse || checked !== out) ? activateInPlace(checked, act) : checked;
}

function chooseImageToGrid(g: ConvGeometry, dtype: Dtype): { backend: Backend; variant?: GridToImageVariant } {
  return choose(
    "imageToGrid",
    dtype,
    macCount(g),
    size(gridShape(g)),
    (geo) =>
      matrixVector(geo)
        ? "direct"
        : depthwiseApplies(geo)
          ? "wasm-depthwise"
          : winogradWorthIt(geo, 1, "imageToGrid")
            ? winograd4WorthIt(geo, "imageToGrid")
              ? "wasm-winograd4"
              : "wasm-winograd"
            : "wasm-im2col",
    g,
  );
}

/**
 * imageToGrid(…) + residual (dense, the result's shape) with each sum rounded once, as the separate Add of the two
 * results: the wasm im2col and depthwise kernels add it in their arena before the copy-out (no JS pass, no second
 * array); every other algorithm, and a wasm result that is not all finite (the overflow rule recomputes the
 * convolution), runs imageToGrid and then the add. The same bits as imageToGrid followed by the elementwise add.
 */
export function imageToGridAdd(g: ConvGeometry, dtype: Dtype, image: FloatArray, w: FloatArray, bias: FloatArray | null, residual: FloatArray): FloatArray {
  const run = chooseImageToGrid(g, dtype);
  if ((run === RUNS["wasm-im2col"] || run === RUNS["wasm-depthwise"]) && residual instanceof Float32Array) {
    const out = run.backend.imageToGrid(g, image, w, bias, { dtype, threads: getNumThreads(), variant: run.variant, residual });
    if (wasmBackend.resultFinite!(out)) return out;
  }
  const y = imageToGrid(g, dtype, image, w, bias);
  // y is fresh (or a recycled array the scope handed out): the add in place
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + residual[i]!;
  return y;
}

/**
 * Whether the kernel `run` applies `act` as it stores, with channels on both sides (K, M > 0: an empty product is only
 * the bias fill): for imageToGrid the wasm im2col and depthwise kernels, and Winograd for ReLU. A leaky slope fuses
 * only when float32 holds it exactly: the kernels multiply in float32, the separate op rounds slope·v once from float64.
 */
function fusesActivation(
  run: { backend: Backend; variant?: GridToImageVariant },
  g: ConvGeometry,
  op: "imageToGrid" | "gridToImage",
  act: ConvActivation,
): boolean {
  if (act.kind === "leaky" && Math.fround(act.slope) !== act.slope) return false;
  const storing = op === "imageToGrid" && (run === RUNS["wasm-im2col"] || run === RUNS["wasm-depthwise"]);
  const kernel = storing || (act.kind === "relu" && (run === RUNS["wasm-winograd"] || run === RUNS["wasm-winograd4"]));
  return kernel && g.imageChannels > 0 && g.gridChannels > 0;
}

/** act over the whole array in place: the generated relu loop (NaN stays NaN, −0 becomes +0), or leaky's loop. */
function activateInPlace(a: FloatArray, act: ConvActivation): FloatArray {
  if (act.kind === "relu" || act.kind === "hardswish") unaryRuns[act.kind][a instanceof Float64Array ? 3 : 0]!(a, 0, 1, a, 0, 1, a.length);
  else leakyForward("leaky", act.slope, a, a);
  return a;
}

/**
 * Which wasm algorithm runs grid → image, by a rule measured with bench/kernels-probe.mjs (FORCE=…) on this machine:
 * the phase GEMMs get thin when there are many phases (FCN k64 s32: 1024 phases of 2×2 sub-kernels, 11 → 21 GFLOP/s
 * with col2im) or few grid positions per phase (DCGAN 512→256 @4², 256→128 @8²: N = batch·∏grid = 128 / 512 columns,
 * 22 → 31 and 30 → 34 GFLOP/s); with overlapping taps (k > s) col2im then wins. k = s (pixel shuffle), stride 1 and
 * large grids (DCGAN @16², U-Net, the k3 s1 layer: phase 32–39 vs col2im 18–29 GFLOP/s) do not use col2im.
 * Strided layers with ≥ 256 grid positions per image take wasm-wtx (one GEMM with all Cimg·∏k rows instead of s^D thin
 * phase GEMMs whose B is gathered per tap: DCGAN 64→3 @32² 8.7 → 33, 128→64 @16² 32 → 37, U-Net 128→64 @64²
 * 24 → 29 GFLOP/s on one thread); stride 1 (one phase already) stays on the phase GEMM (equal speed) unless the image is
 * more than twice the grid (then most of the phase GEMM's products are with padding zeros). 2-D layers with k = 2s
 * (DCGAN's k4 s2) take Winograd F(2×2, 2×2) on their phases when winogradWorthIt says the transforms pay, k3 s1 layers
 * F(2×2, 3×3) or F(4×4, 3×3) (winograd4WorthIt).
 */
export function gridToImageWasm(g: ConvGeometry): Algorithm {
  if (smallDepthwise(g)) return "direct";
  const sp = g.strides.reduce((p, v) => p * v, 1),
    kp = g.kernel.reduce((p, v) => p * v, 1);
  const perImage = g.gridSize.reduce((p, v) => p * v, 1),
    positions = g.batch * perImage;
  if (winogradWorthIt(g, sp, "gridToImage")) return winograd4WorthIt(g, "gridToImage") ? "wasm-winograd4" : "wasm-winograd";
  // DCGAN's first layer (noise 1×1 → 4×4): col2im packed each image's single grid row into a 2-row panel (half the
  // micro-kernel idle); one GEMM over the batch: N = 16, 100 → 512·16, 1.61 → 0.92 ms on one thread
  if (denseApplies(g)) return "wasm-dense";
  const overlapping = g.kernel.every((k, i) => k > g.strides[i]!);
  if (sp > 1 && kp > sp && overlapping && (sp >= 64 || positions <= 512)) return "wasm-col2im";
  // a grid much smaller than the image it spreads into (DCGAN's first layer: 1×1 → 4×4 by a k4 s1 kernel): the phase
  // GEMM runs over every image position × every tap, ∏I/(∏G·∏s) times the useful products (16× there, measured 100 vs
  // 1.8 ms); col2im multiplies only the real ones
  const imageSp = g.imageSize.reduce((p, v) => p * v, 1);
  if (imageSp > 2 * perImage * sp) return "wasm-col2im";
  return sp > 1 && perImage >= 256 ? "wasm-wtx" : "wasm-phase";
}

/** grid → image (transposed convolution forward; convolution's input gradient); act as in imageToGrid (Winograd fuses ReLU). */
export function gridToImage(
  g: ConvGeometry,
  dtype: Dtype,
  grid: FloatArray,
  w: FloatArray,
  bias: FloatArray | null,
  act: ConvActivation | null = null,
): FloatArray {
  const run = choose("gridToImage", dtype, macCount(g), size(imageShape(g)), gridToImageWasm, g);
  const fuse = act !== null && fusesActivation(run, g, "gridToImage", act);
  const out = run.backend.gridToImage(g, grid, w, bias, { dtype, threads: getNumThreads(), variant: run.variant, act: fuse ? act : null });
  const checked = overflowChecked(run, out, () => directJsBackend.gridToImage(g, grid, w, bias, { dtype, threads: 1 }));
  return act !== null && (!fuse || checked !== out) ? activateInPlace(checked, act) : checked;
}

/** weight gradient of either op from its image-side and grid-side tensors. */
export function weightGrad(g: ConvGeometry, dtype: Dtype, image: FloatArray, grid: FloatArray): FloatArray {
  const run = choose("weightGrad", dtype, macCount(g), size(weightShape(g)), (geo) => (smallDepthwise(geo) ? "direct" : "wasm-gemm"), g);
  const out = run.backend.weightGrad(g, image, grid, { dtype, threads: getNumThreads() });
  return overflowChecked(run, out, () => directJsBackend.weightGrad(g, image, grid, { dtype, threads: 1 }));
}

/** C (M × N) = A (M × K) · B (K × N), row-major; float64 and small products run JS loops. */
/** `batch` products C[i] = A[i]·B[i] of dense row-major stacks, one matmul per pair. */
export function matmulBatched(dtype: Dtype, batch: number, M: number, N: number, K: number, a: FloatArray, b: FloatArray): FloatArray {
  const out = dtype === "float32" ? new Float32Array(batch * M * N) : new Float64Array(batch * M * N);
  for (let i = 0; i < batch; i++) out.set(matmul(dtype, M, N, K, a.subarray(i * M * K, (i + 1) * M * K), b.subarray(i * K * N, (i + 1) * K * N)), i * M * N);
  return out;
}

export function matmul(dtype: Dtype, M: number, N: number, K: number, a: FloatArray, b: FloatArray): FloatArray {
  // a matrix–vector product (either side < 4 wide) reads each element of the matrix once: packing it for the GEMM
  // costs as much as the product, so the JS loop wins (3844×4096 · vector: 111 ms through the GEMM)
  const thin = Math.min(M, N) < 4;
  const run = choose("matmul", dtype, thin ? 0 : M * N * K, M * N, "wasm-gemm");
  const out = run.backend.matmul(M, N, K, a, b, { dtype, threads: getNumThreads() });
  return overflowChecked(run, out, () => directJsBackend.matmul(M, N, K, a, b, { dtype, threads: 1 }));
}

// The wasm backend: AssemblyScript SIMD GEMM kernels over one shared memory, run by a worker pool (float32 only).
import type { Backend, FloatArray } from "../kernel.js";
import { knownFinite } from "./program.js";
import { gridToImageCol2im, gridToImageDense, gridToImagePhase, gridToImageWinograd, gridToImageWtx, imageToGrid, imageToGridWinograd, matmul, weightGrad } from "./plan.js";

const f32 = (a: FloatArray | null) => a as Float32Array;

export const wasmBackend: Backend = {
  name: "wasm",
  dtypes: ["float32"],
  imageToGrid: (g, image, w, bias, ctx) => (ctx.variant === "winograd" ? imageToGridWinograd : imageToGrid)(g, f32(image), f32(w), bias && f32(bias), ctx.threads, !!ctx.relu),
  gridToImage(g, grid, w, bias, ctx) {
    const run = { col2im: gridToImageCol2im, wtx: gridToImageWtx, winograd: gridToImageWinograd, dense: gridToImageDense, phase: gridToImagePhase }[ctx.variant ?? "phase"];
    if (ctx.variant === "winograd") return gridToImageWinograd(g, f32(grid), f32(w), bias && f32(bias), ctx.threads, !!ctx.relu);
    return run(g, f32(grid), f32(w), bias && f32(bias), ctx.threads);
  },
  weightGrad: (g, image, grid, ctx) => weightGrad(g, f32(image), f32(grid), ctx.threads),
  matmul: (M, N, K, a, b, ctx) => matmul(M, N, K, f32(a), f32(b), ctx.threads),
  resultFinite: (out) => knownFinite(out as Float32Array),
};

// The wasm backend: AssemblyScript SIMD GEMM kernels over one shared memory, run by a worker pool (float32 only).
import type { Backend, FloatArray } from "../kernel.js";
import type { ConvActivation } from "../../params/kernel-records.js";
import { knownFinite } from "./program.js";
import {
  gridToImageCol2im,
  gridToImageDense,
  gridToImagePhase,
  gridToImageWinograd,
  gridToImageWtx,
  imageToGrid,
  imageToGridDepthwise,
  imageToGridWinograd,
  matmul,
  weightGrad,
} from "./plan.js";

const f32 = (a: FloatArray | null) => a as Float32Array;

/** Winograd's output transform stores ReLU only: conv-dispatch.ts never asks it for another activation. */
function winogradRelu(act: ConvActivation | null | undefined): boolean {
  if (act && act.kind !== "relu") throw new Error(`wasm Winograd: stores ReLU only, not a ${act.kind} activation`);
  return !!act;
}

/** The gridToImage planners without a fused epilogue, by variant (Winograd, which can store a ReLU, is called apart). */
const GRID_TO_IMAGE = { col2im: gridToImageCol2im, wtx: gridToImageWtx, dense: gridToImageDense, phase: gridToImagePhase } as const;

export const wasmBackend: Backend = {
  name: "wasm",
  dtypes: ["float32"],
  imageToGrid(g, image, w, bias, ctx) {
    if (ctx.residual && (ctx.variant === "winograd" || ctx.variant === "winograd4" || ctx.act))
      throw new Error("wasm backend: a residual is added by the im2col and depthwise kernels without an activation (conv-dispatch never asks otherwise)");
    if (ctx.variant === "winograd" || ctx.variant === "winograd4")
      return imageToGridWinograd(g, f32(image), f32(w), bias && f32(bias), ctx.threads, winogradRelu(ctx.act), ctx.variant === "winograd4" ? 4 : 2);
    const plan = ctx.variant === "depthwise" ? imageToGridDepthwise : imageToGrid;
    return plan(g, f32(image), f32(w), bias && f32(bias), ctx.threads, ctx.act ?? null, ctx.residual ? f32(ctx.residual) : null);
  },
  gridToImage(g, grid, w, bias, ctx) {
    if (ctx.variant === "winograd" || ctx.variant === "winograd4")
      return gridToImageWinograd(g, f32(grid), f32(w), bias && f32(bias), ctx.threads, winogradRelu(ctx.act), ctx.variant === "winograd4" ? 4 : 2);
    if (ctx.variant === "depthwise") throw new Error("wasm backend: the depthwise variant is an imageToGrid kernel (dispatch never asks it for gridToImage)");
    return GRID_TO_IMAGE[ctx.variant ?? "phase"](g, f32(grid), f32(w), bias && f32(bias), ctx.threads);
  },
  weightGrad: (g, image, grid, ctx) => weightGrad(g, f32(image), f32(grid), ctx.threads),
  matmul: (M, N, K, a, b, ctx) => matmul(M, N, K, f32(a), f32(b), ctx.threads),
  resultFinite: (out) => knownFinite(out as Float32Array),
};

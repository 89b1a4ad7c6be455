// Pooling forward on the CPU: the wasm 2×2 max kernel for the large float32 calls it covers, the JS loops for the rest.
import type { FloatArray } from "../../ndarray/strided.js";
import type { PoolGeometry } from "../../params/pool-params.js";
import { isMaxPool2x2, poolForward as poolLoops } from "../fused/pooling.js";
import { maxPool2x2 } from "../wasm/plan-pool.js";
import { wasmUsable } from "../wasm/runtime.js";
import { hooks } from "../hooks.js";

/**
 * Outputs from which the wasm kernel pays: a wasm call costs ~20 µs of fixed work (records, copies), and the JS loop
 * ~13 ns per output on random data, where its comparisons mispredict (U-Net's 4×16×64² input: 0.88 ms).
 */
const WASM_MIN_OUTPUTS = 4096;
/**
 * Inputs above this (32 MiB of float32) stay in JS: the one-thread wasm memory keeps whatever size a call grows it
 * to, so no pooling call may grow it past tens of MiB (the bound the group-norm and elementwise paths keep too).
 */
const WASM_MAX_INPUTS = 1 << 23;

/** poolForward of the Backend interface (argmax as there: null when no gradient is wanted). */
export function poolForward(g: PoolGeometry, x: FloatArray, y: FloatArray, argmax: Int32Array | Float64Array | null): void {
  if (
    argmax === null &&
    x instanceof Float32Array &&
    y instanceof Float32Array &&
    y.length >= WASM_MIN_OUTPUTS &&
    x.length <= WASM_MAX_INPUTS &&
    isMaxPool2x2(g) &&
    wasmUsable()
  ) {
    const [D, H, W] = g.inSize;
    const [, OH, OW] = g.outSize;
    maxPool2x2(g.batch * g.channels * D, H, W, OH, OW, x, y);
    hooks.lastPoolKernel = "wasm";
    return;
  }
  hooks.lastPoolKernel = "js";
  poolLoops(g, x, y, argmax);
}

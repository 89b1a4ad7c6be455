// Float32 sigmoid on the wasm kernels (assembly/sigmoid.ts): the JS loop's exp32Of two lanes at a time, with the JS module's own tables and constants.
import { collapse, type StridedView } from "../js/elementwise.js";
import { EXP32_FRACTION, EXP32_POW2, LN2_64_HI, LN2_64_LO } from "../js/elementwise-loops.generated.js";
import { soloRuntime, wasmUsable } from "./runtime.js";
import { BINARY_WASM_MAX, BINARY_WASM_MIN } from "./elementwise.js";

/**
 * exp32Of's constants and tables as assembly/sigmoid.ts reads them: 64/ln2, LN2_64_HI, LN2_64_LO, 1/6, 1/24, 1/120,
 * EXP32_FRACTION, EXP32_POW2 — each computed by the same JS expression as in the loops' module, or taken from it.
 */
const EXP_TABLE = Float64Array.from([64 / Math.LN2, LN2_64_HI, LN2_64_LO, 1 / 6, 1 / 24, 1 / 120, ...EXP32_FRACTION, ...EXP32_POW2]);

/**
 * o ← sigmoid(a) on the wasm kernels when both are Float32Array storage, dense (the call collapses to one run of
 * stride 1) and BINARY_WASM_MIN to BINARY_WASM_MAX elements long; returns false otherwise (the caller runs the JS
 * loop). The result is the JS loop's f32(1 / (1 + exp32Of(−x))) bit for bit: the same float64 operations in the same
 * order (test/backends/wasm/unary.test.ts). Conv-TasNet's mask (256 × 1001): about 5.8 → 1.5 ns per element here.
 */
export function sigmoidWasm(shape: readonly number[], o: StridedView, a: StridedView): boolean {
  if (!(o.data instanceof Float32Array && a.data instanceof Float32Array)) return false;
  let total = 1;
  for (const d of shape) total *= d;
  if (total < BINARY_WASM_MIN || total > BINARY_WASM_MAX) return false;
  const { shape: sh, strides } = collapse(shape, [o.strides, a.strides]);
  if (sh.length !== 1 || strides[0]![0] !== 1 || strides[1]![0] !== 1 || !wasmUsable()) return false;
  const rt = soloRuntime();
  rt.reset();
  const tabAt = rt.reserve(EXP_TABLE.length * 8),
    xAt = rt.reserve(total * 4);
  rt.commit("sigmoid");
  new Float64Array(rt.F32.buffer, tabAt, EXP_TABLE.length).set(EXP_TABLE);
  rt.F32.set(a.data.subarray(a.offset, a.offset + total), xAt >>> 2);
  rt.exports.sigmoid_f32(xAt, xAt, total, tabAt);
  o.data.set(rt.F32.subarray(xAt >>> 2, (xAt >>> 2) + total), o.offset);
  return true;
}

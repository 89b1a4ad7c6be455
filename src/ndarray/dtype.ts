// Element types and their storage: the bottom of the house (arrays, kernels and backends all build on these).
import { activeRecycleScope } from "./recycle.js";

/** Element type of arrays and kernels: float32 (MXNet's default) or float64. */
export type Dtype = "float32" | "float64";
/** The storage of a dtype. */
export type FloatArray = Float32Array | Float64Array;

/**
 * A zeroed array of `n` elements of `dtype` (the one allocation helper of the kernels and arrays): fresh, or inside a
 * recycling scope (recycle.ts) one its owner released, zeroed again unless the caller overwrites every element
 * (`overwritten`).
 */
export function allocate(dtype: Dtype, n: number, overwritten = false): FloatArray {
  const scope = activeRecycleScope();
  if (scope === null) return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  const reused = scope.take(dtype, n, !overwritten);
  if (reused) return reused;
  const a = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  scope.noteBorn(a);
  return a;
}

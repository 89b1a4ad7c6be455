// Element types and their storage: the bottom of the house (arrays, kernels and backends all build on these).

/** Element type of arrays and kernels: float32 (MXNet's default) or float64. */
export type Dtype = "float32" | "float64";
/** The storage of a dtype. */
export type FloatArray = Float32Array | Float64Array;

/** A fresh zeroed array of `n` elements of `dtype` (the one allocation helper of the kernels and arrays). */
export function allocate(dtype: Dtype, n: number): FloatArray {
  return dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
}

// Reference matrix product C[M,N] = A[M,K]·B[K,N] of dense row-major operands.
import type { FloatArray } from "../kernel.js";

export function matmul(m: number, n: number, k: number, a: FloatArray, b: FloatArray, out: FloatArray): void {
  out.fill(0);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p]!;
      for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + aip * b[p * n + j]!;
    }
}

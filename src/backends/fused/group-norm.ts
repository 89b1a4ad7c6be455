// Group normalisation's forward as typed-array loops: statistics per (sample, group) in float64, then one affine pass per channel.
import type { FloatArray } from "../../ndarray/strided.js";
import type { GroupNormView } from "../../params/kernel-records.js";
import { affineRun, runSquares, runSum } from "./run-sums.js";

/**
 * Per sample n and group g of `channelsPerGroup` consecutive channels: μ and the biased σ² over the group's
 * channelsPerGroup·inner elements (two passes, centred, as batch norm's kernel: no cancellation of Σx² − (Σx)²/m), then
 * y = x·a + b with a = γ[c]·invstd, b = β[c] − μ·a for each channel c of the group.
 */
export function groupNormForward(
  v: GroupNormView,
  x: FloatArray,
  gamma: FloatArray,
  beta: FloatArray,
  eps: number,
  y: FloatArray,
  mean: Float64Array,
  invstd: Float64Array,
): void {
  const { batch: N, groups: G, channelsPerGroup: cpg, inner } = v;
  const m = cpg * inner;
  for (let n = 0; n < N; n++)
    for (let g = 0; g < G; g++) {
      const s0 = (n * G + g) * m,
        e = s0 + m;
      const mu = runSum(x, s0, e) / m;
      const is = 1 / Math.sqrt(runSquares(x, s0, e, mu) / m + eps);
      mean[n * G + g] = mu;
      invstd[n * G + g] = is;
      if (inner === 1) {
        // one element per channel (layer norm's rows): the same a and b per element, without a call per element
        for (let k = 0, c = g * cpg; k < cpg; k++, c++) {
          const a = gamma[c]! * is;
          y[s0 + k] = x[s0 + k]! * a + (beta[c]! - mu * a);
        }
        continue;
      }
      for (let k = 0; k < cpg; k++) {
        const c = g * cpg + k;
        const a = gamma[c]! * is;
        const b = beta[c]! - mu * a;
        affineRun(x, y, s0 + k * inner, s0 + (k + 1) * inner, a, b);
      }
    }
}

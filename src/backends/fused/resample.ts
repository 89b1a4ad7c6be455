// Resampling along one axis for the CPU backend: the reference's sums, with the last axis (inner = 1) as its own loop.
import type { FloatArray } from "../kernel.js";
import type { AxisTaps } from "../../params/kernel-records.js";
import { resampleAxis as resampleAxisRows } from "../reference/resample.js";

/**
 * x viewed as [outer, inSize, inner] → out [outer, taps.i0.length, inner], out = l0·x[i0] + l1·x[i1] (only l0·x[i0]
 * where l1 = 0, so an infinite neighbour with weight 0 gives no NaN). The reference's row loop costs a loop set-up per
 * output when inner = 1 (the last axis: LR-ASPP's final 16² → 128² upsampling spends most of its time there), so that
 * axis runs as one loop over outputs; the same products and sums, bit for bit.
 */
export function resampleAxis(x: FloatArray, outer: number, inSize: number, inner: number, taps: AxisTaps, out: FloatArray): void {
  if (inner !== 1) {
    resampleAxisRows(x, outer, inSize, inner, taps, out);
    return;
  }
  const { i0, i1, l0, l1 } = taps;
  const outSize = i0.length;
  for (let a = 0, xb = 0, ob = 0; a < outer; a++, xb += inSize, ob += outSize)
    for (let o = 0; o < outSize; o++) {
      const w1 = l1[o]!;
      out[ob + o] = w1 === 0 ? l0[o]! * x[xb + i0[o]!]! : l0[o]! * x[xb + i0[o]!]! + w1 * x[xb + i1[o]!]!;
    }
}

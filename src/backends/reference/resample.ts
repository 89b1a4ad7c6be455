// Reference resampling along one axis: out[…, o, …] = l0[o]·x[…, i0[o], …] + l1[o]·x[…, i1[o], …], and its transpose.
import type { FloatArray } from "../kernel.js";

import type { AxisTaps } from "../../params/kernel-records.js";

export type { AxisTaps } from "../../params/kernel-records.js";

/** x viewed as [outer, inSize, inner] → out [outer, taps.i0.length, inner]. */
export function resampleAxis(x: FloatArray, outer: number, inSize: number, inner: number, taps: AxisTaps, out: FloatArray): void {
  const outSize = taps.i0.length;
  const { i0, i1, l0, l1 } = taps;
  for (let a = 0; a < outer; a++) {
    const xBase = a * inSize * inner;
    for (let o = 0; o < outSize; o++) {
      const p = xBase + i0[o]! * inner,
        q = xBase + i1[o]! * inner,
        w0 = l0[o]!,
        w1 = l1[o]!;
      const dst = (a * outSize + o) * inner;
      if (w1 === 0) for (let j = 0; j < inner; j++) out[dst + j] = w0 * x[p + j]!;
      else for (let j = 0; j < inner; j++) out[dst + j] = w0 * x[p + j]! + w1 * x[q + j]!;
    }
  }
}

/** The transpose: g [outer, outSize, inner] → dx [outer, inSize, inner] (dx zeroed by the caller), each weight's share added back. */
export function resampleAxisAdjoint(g: FloatArray, outer: number, inSize: number, inner: number, taps: AxisTaps, dx: FloatArray): void {
  const outSize = taps.i0.length;
  const { i0, i1, l0, l1 } = taps;
  for (let a = 0; a < outer; a++) {
    const xBase = a * inSize * inner;
    for (let o = 0; o < outSize; o++) {
      const p = xBase + i0[o]! * inner,
        q = xBase + i1[o]! * inner,
        w0 = l0[o]!,
        w1 = l1[o]!;
      const src = (a * outSize + o) * inner;
      for (let j = 0; j < inner; j++) dx[p + j] = dx[p + j]! + w0 * g[src + j]!;
      if (w1 !== 0) for (let j = 0; j < inner; j++) dx[q + j] = dx[q + j]! + w1 * g[src + j]!;
    }
  }
}

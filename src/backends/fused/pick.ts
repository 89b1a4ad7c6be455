// npx.pick's gather: one element per (outer, inner) position at a class id along the axis, ids clipped or wrapped.
import type { FloatArray } from "../../ndarray/strided.js";

/** out[o, i] = x[o, c, i], chosen[o, i] = c, c = round(ids[o, i]) clipped to [0, n) or wrapped; non-finite ids throw. */
export function pickAxis(
  x: FloatArray,
  ids: FloatArray,
  outer: number,
  n: number,
  inner: number,
  mode: "clip" | "wrap",
  out: FloatArray,
  chosen: FloatArray,
): void {
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const raw = Math.round(ids[o * inner + i]!);
      if (!Number.isFinite(raw)) throw new Error(`npx.pick: index holds ${ids[o * inner + i]}, not a class id`);
      const c = mode === "clip" ? Math.min(Math.max(raw, 0), n - 1) : ((raw % n) + n) % n;
      chosen[o * inner + i] = c;
      out[o * inner + i] = x[o * n * inner + c * inner + i]!;
    }
}

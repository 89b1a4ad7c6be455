// Dropout masks and their application: one loop each, the mask drawn from the seeded np.random generator.
import type { FloatArray } from "../../ndarray/strided.js";

/** mask[i] = 1/(1 − p) with probability 1 − p, else 0 (inverted dropout: the expected output equals the input). */
export function dropoutMask(n: number, p: number, uniform: () => number): Float64Array {
  const mask = new Float64Array(n);
  const keep = 1 / (1 - p);
  for (let i = 0; i < n; i++) mask[i] = uniform() >= p ? keep : 0;
  return mask;
}

/** y[i] = x[i]·mask[map[i]] (map: element → mask entry, for masks shared along axes) or x[i]·mask[i]. */
export function applyMask(x: FloatArray, mask: Float64Array, map: Int32Array | Float64Array | null, y: FloatArray): void {
  if (map) for (let i = 0; i < x.length; i++) y[i] = x[i]! * mask[map[i]!]!;
  else for (let i = 0; i < x.length; i++) y[i] = x[i]! * mask[i]!;
}

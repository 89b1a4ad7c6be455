// Concatenation along an axis as block copies: arrays viewed as [outer, block] rows laid side by side, and the inverse.
import type { FloatArray } from "../../ndarray/strided.js";

/** out[o, offset_k + j] = part_k[o, j] for rows o < outer, where part k has `blocks[k]` elements per row. */
export function concatRows(parts: readonly FloatArray[], blocks: readonly number[], outer: number, out: FloatArray): void {
  const row = blocks.reduce((p, b) => p + b, 0);
  let off = 0;
  for (let k = 0; k < parts.length; k++) {
    const src = parts[k]!,
      b = blocks[k]!;
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * b, o * b + b), o * row + off);
    off += b;
  }
}

/** The inverse: part k receives its columns of every row of `src`. */
export function splitRows(src: FloatArray, blocks: readonly number[], outer: number, parts: readonly (FloatArray | null)[]): void {
  const row = blocks.reduce((p, b) => p + b, 0);
  let off = 0;
  for (let k = 0; k < parts.length; k++) {
    const dst = parts[k],
      b = blocks[k]!;
    if (dst) for (let o = 0; o < outer; o++) dst.set(src.subarray(o * row + off, o * row + off + b), o * b);
    off += b;
  }
}

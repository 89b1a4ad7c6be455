// Reference pad and fold: a gather of every axis through a source-index table, and its adjoint scatter-add.
import type { FloatArray } from "../kernel.js";

/**
 * The big tensor has shape `big`; along axis k its index t reads small index tables[k][t] (−1: no element;
 * a null table is the identity, big[k] = small[k]).
 *   pad:  big[t₀, …, t_r] = small[tables₀[t₀], …, tables_r[t_r]]      (0 when any index is −1)
 *   fold: small[tables₀[t₀], …] += big[t₀, …]                          (the transpose: each big element goes back)
 */
function walk(
  fold: boolean,
  small: FloatArray,
  smallShape: readonly number[],
  big: FloatArray,
  bigShape: readonly number[],
  tables: readonly (Int32Array | null)[],
): void {
  const rank = bigShape.length;
  const strides = new Int32Array(rank);
  for (let k = rank - 1, s = 1; k >= 0; k--) {
    strides[k] = s;
    s *= smallShape[k]!;
  }
  const last = rank - 1;
  const inner = bigShape[last]!;
  const innerTable = tables[last] ?? null;
  const innerStride = strides[last]!;
  let rows = 1;
  for (let k = 0; k < last; k++) rows *= bigShape[k]!;
  const idx = new Int32Array(Math.max(last, 1));
  let o = 0;
  for (let r = 0; r < rows; r++) {
    // the small offset of this row, or −1 when an outer index has no source
    let base = 0;
    for (let k = 0; k < last; k++) {
      const t = tables[k];
      const src = t ? t[idx[k]!]! : idx[k]!;
      if (src < 0) {
        base = -1;
        break;
      }
      base += src * strides[k]!;
    }
    if (base < 0) {
      if (!fold) for (let j = 0; j < inner; j++) big[o + j] = 0;
    } else if (innerTable === null) {
      if (fold) for (let j = 0; j < inner; j++) small[base + j * innerStride] = small[base + j * innerStride]! + big[o + j]!;
      else for (let j = 0; j < inner; j++) big[o + j] = small[base + j * innerStride]!;
    } else if (fold) {
      for (let j = 0; j < inner; j++) {
        const src = innerTable[j]!;
        if (src >= 0) small[base + src * innerStride] = small[base + src * innerStride]! + big[o + j]!;
      }
    } else {
      for (let j = 0; j < inner; j++) {
        const src = innerTable[j]!;
        big[o + j] = src >= 0 ? small[base + src * innerStride]! : 0;
      }
    }
    o += inner;
    for (let k = last - 1; k >= 0; k--) {
      if (++idx[k]! < bigShape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** Writes the padded `big` (every element) from `small`. */
export function padGather(
  small: FloatArray,
  smallShape: readonly number[],
  tables: readonly (Int32Array | null)[],
  big: FloatArray,
  bigShape: readonly number[],
): void {
  walk(false, small, smallShape, big, bigShape, tables);
}

/** Adds every element of `big` onto its source in `small` (zero `small` first for the plain adjoint). */
export function foldScatter(
  big: FloatArray,
  bigShape: readonly number[],
  tables: readonly (Int32Array | null)[],
  small: FloatArray,
  smallShape: readonly number[],
): void {
  walk(true, small, smallShape, big, bigShape, tables);
}

/** out[…, c, …] = bias[c] along `axis` of `shape` (the start of a fold that adds a per-channel bias in the same pass). */
export function fillChannels(out: FloatArray, shape: readonly number[], axis: number, bias: FloatArray): void {
  let outer = 1,
    inner = 1;
  for (let k = 0; k < axis; k++) outer *= shape[k]!;
  for (let k = axis + 1; k < shape.length; k++) inner *= shape[k]!;
  const channels = shape[axis]!;
  let o = 0;
  for (let a = 0; a < outer; a++)
    for (let c = 0; c < channels; c++) {
      const v = bias[c]!;
      for (let j = 0; j < inner; j++) out[o++] = v;
    }
}

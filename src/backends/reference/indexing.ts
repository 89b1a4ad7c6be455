// Offsets into dense tensors laid out by a ConvGeometry (channels-first or channels-last).
import type { ConvGeometry } from "../../params/geometry.js";

export type FloatArray = Float32Array | Float64Array;

/** Every multi-index of a box of the given extents, in row-major order. */
export function multiIndices(extents: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const e of extents) {
    const next: number[][] = [];
    for (const prefix of out) for (let i = 0; i < e; i++) next.push([...prefix, i]);
    out = next;
  }
  return out;
}

/** Row-major linear index of `idx` inside a box of `extents`. */
export function linear(idx: readonly number[], extents: readonly number[]): number {
  let l = 0;
  for (let i = 0; i < extents.length; i++) l = l * extents[i]! + idx[i]!;
  return l;
}

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

/** Offset of element (n, c, pos) of a data tensor with `channels` channels and spatial `size`. */
export function dataOffset(g: ConvGeometry, channels: number, size: readonly number[], n: number, c: number, pos: readonly number[]): number {
  const sp = prod(size);
  return g.channelsLast ? (n * sp + linear(pos, size)) * channels + c : (n * channels + c) * sp + linear(pos, size);
}

/** Offset of weight element (grid channel gc, image channel within its group icl, tap a). */
export function weightOffset(g: ConvGeometry, gc: number, icl: number, tap: readonly number[]): number {
  const icg = g.imageChannels / g.groups;
  const kp = prod(g.kernel);
  return g.channelsLast ? (gc * kp + linear(tap, g.kernel)) * icg + icl : (gc * icg + icl) * kp + linear(tap, g.kernel);
}

/** Image position met by grid index q and tap a (p = q·s − padBegin + a·d), or null when it falls outside. */
export function imagePosition(g: ConvGeometry, q: readonly number[], tap: readonly number[]): number[] | null {
  const p: number[] = [];
  for (let i = 0; i < g.nd; i++) {
    const v = q[i]! * g.strides[i]! - g.padBegin[i]! + tap[i]! * g.dilation[i]!;
    if (v < 0 || v >= g.imageSize[i]!) return null;
    p.push(v);
  }
  return p;
}

// Output cross-check: normalized max error = max|a − ref| / max|ref|.
// (An element-wise relative error blows up where the reference is ~0; normalizing by the largest
// reference magnitude is the usual check for float32 sums of products.)
import { readFileSync } from "node:fs";

export const TOLERANCE = 1e-3;

export function readF32(file) {
  const b = readFileSync(file);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
}

export function maxRelError(a, ref) {
  if (a.length !== ref.length) return { error: Infinity, reason: `length ${a.length} ≠ ${ref.length}` };
  let maxDiff = 0;
  let maxRef = 0;
  let nonFinite = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = Math.abs(ref[i]);
    if (r > maxRef) maxRef = r;
    const d = Math.abs(a[i] - ref[i]);
    if (Number.isNaN(d)) nonFinite++;
    else if (d > maxDiff) maxDiff = d;
  }
  if (nonFinite) return { error: Infinity, reason: `${nonFinite} NaN values` };
  return { error: maxRef > 0 ? maxDiff / maxRef : maxDiff };
}

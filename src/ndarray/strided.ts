// Shape and stride arithmetic for strided views: contiguous strides, element offsets, size checks.

export type { Dtype, FloatArray } from "./dtype.js";
export { allocate } from "./dtype.js";

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  // indexed, not for-of: the iterator over a frozen shape costs twice the loop, and every op asks for sizes
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

/** Row-major strides (in elements) of a dense array of this shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== s) return false;
    s *= shape[i]!;
  }
  return true;
}

/** Buffer offsets of every element of a strided view, in row-major order. */
export function elementOffsets(shape: readonly number[], strides: readonly number[], offset: number): Int32Array | Float64Array {
  const n = shapeSize(shape);
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  if (n === 0) return out;
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let off = offset;
  for (let e = 0; e < n; e++) {
    out[e] = off;
    for (let ax = nd - 1; ax >= 0; ax--) {
      idx[ax]!++;
      off += strides[ax]!;
      if (idx[ax]! < shape[ax]!) break;
      off -= strides[ax]! * shape[ax]!;
      idx[ax] = 0;
    }
  }
  return out;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Checks that a shape is a list of non-negative integers; `what` names the caller in the error. */
export function checkShape(shape: readonly number[], what: string): void {
  for (const d of shape) if (!Number.isInteger(d) || d < 0) throw new Error(`${what}: shape ${formatShape(shape)} must contain non-negative integers`);
}

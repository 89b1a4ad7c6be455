// Shape ops: views (index, reshape, transpose), copies and dtype casts, each recorded for autograd.
import { NDArray } from "../ndarray/ndarray.js";
import { contiguousStrides, type Dtype, formatShape, shapeSize } from "../ndarray/strided.js";
import { backendFor } from "../backends/dispatch.js";
import { storageLength } from "../ndarray/storage.js";
import { recordOp } from "../tape/tape.js";
import { type Index, resolveIndex } from "../ndarray/indexing.js";

/** A view of `x` (shares memory) produced by basic indexing. */
export function view(x: NDArray, shape: number[], strides: number[], offset: number, index: readonly Index[]): NDArray {
  return recordOp("index", [x], new NDArray(x.storage, shape, strides, offset), { index });
}

/** numpy basic indexing of `x` as a view sharing memory (see NDArray.at). */
export function at(x: NDArray, index: readonly Index[]): NDArray {
  const v = resolveIndex(x.shape, x.strides, x.offset, index as Index[]);
  return view(x, v.shape, v.strides, v.offset, [...index]);
}

/** Fills one -1 entry and checks the element count. */
export function resolveReshape(from: readonly number[], to: readonly number[]): number[] {
  const size = shapeSize(from);
  const unknown = to.filter((d) => d === -1).length;
  if (unknown > 1) throw new Error(`reshape: can only specify one unknown dimension (-1), got ${formatShape(to)}`);
  for (const d of to)
    if (!Number.isInteger(d) || (d < 0 && d !== -1)) throw new Error(`reshape: new shape ${formatShape(to)} must contain non-negative integers or one -1`);
  const known = to.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const out = to.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (shapeSize(out) !== size || !out.every(Number.isInteger))
    throw new Error(`reshape: cannot reshape array of size ${size} (shape ${formatShape(from)}) into shape ${formatShape(to)}`);
  return out;
}

export function reshape(x: NDArray, to: readonly number[]): NDArray {
  const shape = resolveReshape(x.shape, to);
  const base = x.isContiguous ? x : denseCopy(x);
  return recordOp("reshape", [x], new NDArray(base.storage, shape, undefined, base.offset), { shape: x.shape });
}

export function transpose(x: NDArray, axes?: readonly number[]): NDArray {
  const nd = x.ndim;
  const perm = axes ? axes.map((a) => (a < 0 ? a + nd : a)) : [...Array(nd).keys()].reverse();
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== nd || sorted.some((a, i) => a !== i))
    throw new Error(`transpose: axes ${formatShape(axes ?? [])} are not a permutation of the ${nd} axes of shape ${formatShape(x.shape)}`);
  const out = new NDArray(
    x.storage,
    perm.map((a) => x.shape[a]!),
    perm.map((a) => x.strides[a]!),
    x.offset,
  );
  return recordOp("transpose", [x], out, { axes: perm });
}

function denseCopy(x: NDArray, dtype: Dtype = x.dtype): NDArray {
  const n = x.size;
  const be = backendFor(x);
  const out = new NDArray(be.allocate(dtype, n, true), x.shape);
  be.unaryInto("identity", x.shape, { data: out.storage, strides: out.strides, offset: 0 }, { data: x.storage, strides: x.strides, offset: x.offset });
  return out;
}

export function copy(x: NDArray): NDArray {
  return recordOp("copy", [x], denseCopy(x), {});
}

export function astype(x: NDArray, dtype: Dtype): NDArray {
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`astype: dtype "${String(dtype)}" is not supported; use "float32" or "float64"`);
  return recordOp("astype", [x], denseCopy(x, dtype), { dtype: x.dtype });
}

/** `x` as a dense row-major NDArray (itself when already dense from offset 0). */
export function contiguous(x: NDArray): NDArray {
  return x.isContiguous && x.offset === 0 && storageLength(x.storage) === x.size ? x : denseCopy(x);
}

/**
 * The transpose of `x[index]`: zeros of `shape` with `g` written through the same index (a basic index is linear and
 * injective), recorded as "index_scatter" so the gradient of an index view can be differentiated again.
 */
export function indexScatter(g: NDArray, shape: readonly number[], index: readonly Index[]): NDArray {
  const v = resolveIndex(shape, contiguousStrides(shape), 0, index);
  if (v.shape.length !== g.ndim || v.shape.some((d, i) => d !== g.shape[i]))
    throw new Error(`index: gradient of shape ${formatShape(g.shape)} does not fit the view of shape ${formatShape(v.shape)}`);
  const be = backendFor(g);
  const out = be.allocate(g.dtype, shapeSize(shape)); // zeros, on g's device
  be.unaryInto("identity", v.shape, { data: out, strides: v.strides, offset: v.offset }, { data: g.storage, strides: g.strides, offset: g.offset });
  return recordOp("index_scatter", [g], new NDArray(out, [...shape]), { index, shape });
}

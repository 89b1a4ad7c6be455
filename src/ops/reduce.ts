// Reductions sum / mean / max / min / prod over all axes or chosen ones, with keepdims.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape, shapeSize } from "../ndarray/strided.js";
import { backendFor } from "../backends/dispatch.js";
import { recordOp } from "../tape/tape.js";
import { readBoolean, snapshotOptions } from "../params/options.js";
import type { ReduceOp } from "../tape/op-types.js";

export interface ReduceOptions {
  /** axis or axes to reduce (negative counts from the end); all axes when omitted */
  axis?: number | readonly number[] | null;
  /** keep reduced axes with size 1 so the result broadcasts against the input */
  keepdims?: boolean;
}

export type { ReduceOp } from "../tape/op-types.js";

/** Normalised, sorted, distinct axes; throws naming the op on a bad axis. */
export function normalizeAxes(axis: ReduceOptions["axis"], ndim: number, op: string): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => {
    if (!Number.isInteger(a) || a < -ndim || a >= ndim) throw new Error(`${op}: axis ${a} is out of bounds for an array of dimension ${ndim}`);
    return a < 0 ? a + ndim : a;
  });
  if (new Set(out).size !== out.length) throw new Error(`${op}: duplicate value in axis ${formatShape(list)}`);
  return out.sort((a, b) => a - b);
}

export function reduce(op: ReduceOp, x: NDArray, options?: ReduceOptions): NDArray {
  const o = snapshotOptions(op, options, ["axis", "keepdims"]);
  const keepdims = readBoolean(op, "keepdims", o.keepdims, false);
  const axes = normalizeAxes(o.axis as ReduceOptions["axis"], x.ndim, op);
  const reduced = new Set(axes);
  const count = axes.reduce((p, a) => p * x.shape[a]!, 1);
  if ((op === "max" || op === "min") && count === 0)
    throw new Error(`${op}: zero-size array to reduction operation ${op === "max" ? "maximum" : "minimum"} which has no identity`);
  const keptShape = x.shape.filter((_, i) => !reduced.has(i));
  const be = backendFor(x);
  const out = be.allocate(x.dtype, shapeSize(keptShape));
  be.reduceInto(op, x.shape, { data: x.storage, strides: x.strides, offset: x.offset }, axes, out);
  const shape = keepdims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : keptShape;
  return recordOp(op, [x], new NDArray(out, shape), { axes, keepdims });
}

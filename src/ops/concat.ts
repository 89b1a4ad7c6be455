// np.concatenate: joins arrays of equal shape except along one axis.
import { NDArray } from "../ndarray/ndarray.js";
import { allocate, formatShape } from "../ndarray/strided.js";
import { recordOp } from "../autograd/tape.js";
import { contiguous } from "./shape.js";

export function concatenate(list: readonly NDArray[], options: { axis?: number } = {}): NDArray {
  if (!Array.isArray(list) || list.length === 0) throw new Error("np.concatenate: expects a non-empty list of NDArrays");
  const arrays: readonly NDArray[] = list;
  arrays.forEach((a, i) => {
    if (!(a instanceof NDArray)) throw new Error(`np.concatenate: element ${i} is not an NDArray`);
  });
  const first = arrays[0]!;
  const nd = first.ndim;
  const axisIn = options.axis ?? 0;
  const axis = axisIn < 0 ? axisIn + nd : axisIn;
  if (!Number.isInteger(axis) || axis < 0 || axis >= nd) throw new Error(`np.concatenate: axis ${axisIn} is out of range for arrays of rank ${nd}`);
  for (const a of arrays) {
    if (a.dtype !== first.dtype) throw new Error(`np.concatenate: mixed dtypes ${first.dtype} and ${a.dtype}; convert with astype`);
    if (a.ndim !== nd || a.shape.some((d, i) => i !== axis && d !== first.shape[i]))
      throw new Error(`np.concatenate: shapes ${arrays.map((b) => formatShape(b.shape)).join(", ")} must match except on axis ${axis}`);
  }
  const sizes = arrays.map((a) => a.shape[axis]!);
  const shape = [...first.shape];
  shape[axis] = sizes.reduce((s, d) => s + d, 0);
  const outer = first.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = first.shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const rowOut = shape[axis]! * inner;
  const out = allocate(first.dtype, outer * rowOut);
  let at = 0;
  for (const a of arrays) {
    const chunk = a.shape[axis]! * inner;
    const src = contiguous(a).data;
    for (let o = 0; o < outer; o++) out.set(src.subarray(o * chunk, (o + 1) * chunk), o * rowOut + at);
    at += chunk;
  }
  return recordOp("concat", arrays, new NDArray(out, shape), { axis, sizes });
}

// np.concatenate, np.stack, np.split and np.array_split: joining arrays along an axis and cutting them apart again.
import { NDArray } from "../ndarray/ndarray.js";
import { type Dtype, formatShape } from "../ndarray/strided.js";
import type { Storage } from "../ndarray/storage.js";
import { resolveIndex, type Index } from "../ndarray/indexing.js";
import { recordOp } from "../tape/tape.js";
import { readInt, showValue, snapshotOptions } from "../params/options.js";
import { backendFor } from "../backends/dispatch.js";
import { astype, contiguous, reshape, view } from "./shape.js";

export interface AxisOption {
  /** default 0; negative counts from the end */
  axis?: number;
}

function checkList(where: string, arrays: unknown): NDArray[] {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new Error(`${where}: expects a non-empty list of arrays, got ${showValue(arrays)}`);
  arrays.forEach((a, i) => {
    if (!(a instanceof NDArray)) throw new Error(`${where}: element ${i} of the list is ${showValue(a)}, not an NDArray`);
  });
  return arrays as NDArray[];
}

/**
 * Joins arrays along an existing axis (numpy's concatenate): every other axis must match. The result is float64 when
 * any input is (numpy's promotion), else float32.
 */
export function concatenate(arrays: readonly NDArray[], options?: AxisOption): NDArray {
  const where = "concatenate";
  const list = checkList(where, arrays);
  const o = snapshotOptions(where, options, ["axis"]);
  const nd = list[0]!.ndim;
  if (nd === 0) throw new Error(`${where}: zero-dimensional arrays cannot be concatenated; use stack`);
  const ax = readInt(where, "axis", o.axis, 0, -nd, nd - 1);
  const axis = ax < 0 ? ax + nd : ax;
  const first = list[0]!.shape;
  list.forEach((a, i) => {
    if (a.ndim !== nd)
      throw new Error(`${where}: array ${i} has ${a.ndim} axes (shape ${formatShape(a.shape)}) but array 0 has ${nd} (shape ${formatShape(first)})`);
    if (a.shape.some((d, k) => k !== axis && d !== first[k]))
      throw new Error(`${where}: array ${i} has shape ${formatShape(a.shape)} but array 0 has ${formatShape(first)}; all axes but axis ${axis} must match`);
  });
  const dtype: Dtype = list.some((a) => a.dtype === "float64") ? "float64" : "float32";
  const outer = first.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = first.slice(axis + 1).reduce((p, d) => p * d, 1);
  const blocks = list.map((a) => a.shape[axis]! * inner);
  const parts: Storage[] = list.map((a) => contiguous(a.dtype === dtype ? a : astype(a, dtype)).storage);
  const shape = [...first];
  shape[axis] = list.reduce((p, a) => p + a.shape[axis]!, 0);
  const be = backendFor(...list);
  const out = be.allocate(dtype, outer * blocks.reduce((p, b) => p + b, 0), true);
  be.concatRows(parts, blocks, outer, out);
  return recordOp("concatenate", list, new NDArray(out, shape), { axis, outer, blocks });
}

/** Joins arrays of one shape along a new axis (numpy's stack). */
export function stack(arrays: readonly NDArray[], options?: AxisOption): NDArray {
  const where = "stack";
  const list = checkList(where, arrays);
  const o = snapshotOptions(where, options, ["axis"]);
  const nd = list[0]!.ndim;
  const ax = readInt(where, "axis", o.axis, 0, -(nd + 1), nd);
  const axis = ax < 0 ? ax + nd + 1 : ax;
  const first = list[0]!.shape;
  list.forEach((a, i) => {
    if (a.ndim !== nd || a.shape.some((d, k) => d !== first[k]))
      throw new Error(`${where}: array ${i} has shape ${formatShape(a.shape)} but array 0 has ${formatShape(first)}; stacked arrays must have one shape`);
  });
  const expanded = [...first.slice(0, axis), 1, ...first.slice(axis)];
  return concatenate(
    list.map((a) => reshape(a, expanded)),
    { axis },
  );
}

/** Views of x between consecutive cut points along `axis` (each recorded, so gradients flow back). */
function cut(x: NDArray, bounds: readonly number[], axis: number): NDArray[] {
  const out: NDArray[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const index: Index[] = x.shape.map((_, i) => (i === axis ? ([bounds[k]!, bounds[k + 1]!] as const) : null));
    const v = resolveIndex(x.shape, x.strides, x.offset, index);
    out.push(view(x, v.shape, v.strides, v.offset, index));
  }
  return out;
}

function splitImpl(where: string, x: NDArray, sections: number | readonly number[], options: AxisOption | undefined, even: boolean): NDArray[] {
  if (!(x instanceof NDArray)) throw new Error(`${where}: input must be an NDArray, got ${showValue(x)}`);
  const o = snapshotOptions(where, options, ["axis"]);
  if (x.ndim === 0) throw new Error(`${where}: cannot split a 0-d array`);
  const ax = readInt(where, "axis", o.axis, 0, -x.ndim, x.ndim - 1);
  const axis = ax < 0 ? ax + x.ndim : ax;
  const n = x.shape[axis]!;
  let bounds: number[];
  if (typeof sections === "number") {
    if (!Number.isInteger(sections) || sections < 1) throw new Error(`${where}: sections=${showValue(sections)} must be an integer >= 1`);
    if (even && n % sections !== 0)
      throw new Error(`${where}: axis ${axis} of length ${n} does not split into ${sections} equal sections (use np.array_split)`);
    // numpy's array_split: the first n % sections pieces get one extra element
    const base = Math.floor(n / sections),
      extra = n % sections;
    bounds = [0];
    for (let k = 0; k < sections; k++) bounds.push(bounds[k]! + base + (k < extra ? 1 : 0));
  } else if (Array.isArray(sections)) {
    for (const v of sections) if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`${where}: indices ${showValue(sections)} must be integers`);
    // numpy clamps cut points into [0, n] (negative ones count from the end) and keeps them in the given order
    const clamp = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
    bounds = [0, ...sections.map(clamp), n];
    for (let k = 1; k < bounds.length; k++) if (bounds[k]! < bounds[k - 1]!) bounds[k] = bounds[k - 1]!;
  } else throw new Error(`${where}: indicesOrSections=${showValue(sections)} must be a number of sections or a list of cut indices`);
  return cut(x, bounds, axis);
}

/** numpy's split: `sections` equal pieces (must divide the axis) or pieces between the given cut indices. */
export function split(x: NDArray, indicesOrSections: number | readonly number[], options?: AxisOption): NDArray[] {
  return splitImpl("split", x, indicesOrSections, options, true);
}

/** numpy's array_split: like split, but `sections` need not divide the axis (the first pieces get one more). */
export function arraySplit(x: NDArray, indicesOrSections: number | readonly number[], options?: AxisOption): NDArray[] {
  return splitImpl("array_split", x, indicesOrSections, options, false);
}

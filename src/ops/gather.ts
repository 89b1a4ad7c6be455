// Gathering along one axis by an index table (−1 reads a zero) and its adjoint, the scatter-add: the border kernels
// padGather / foldScatter with a table on that axis only. np.take and npx.gridSample are written with them.
import { NDArray } from "../ndarray/ndarray.js";
import { array } from "../ndarray/create.js";
import type { NestedArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { recordOp } from "../tape/tape.js";
import { backendFor } from "../backends/dispatch.js";
import { showValue } from "../params/options.js";
import { contiguous, reshape } from "./shape.js";

/**
 * The attributes of gather_axis / scatter_axis: `table[j]` is the source index along `axis` (of length `n` in the
 * gathered-from array) of position j, or −1 for a zero. `fromData`: the table was computed from array values (a
 * sampling grid), so the graph cannot be written with it as a constant.
 */
export interface AxisTable {
  readonly axis: number;
  readonly table: Int32Array;
  readonly n: number;
  readonly fromData: boolean;
}

const tablesFor = (ndim: number, t: AxisTable) => Array.from({ length: ndim }, (_, k) => (k === t.axis ? t.table : null));

/** y[…, j, …] = x[…, table[j], …] along `axis` (0 where table[j] = −1). */
export function gatherAxis(x: NDArray, t: AxisTable): NDArray {
  const bigShape = x.shape.map((d, k) => (k === t.axis ? t.table.length : d));
  const be = backendFor(x);
  const out = be.allocate(
    x.dtype,
    bigShape.reduce((p, d) => p * d, 1),
  );
  be.padGather(contiguous(x).storage, x.shape, tablesFor(x.ndim, t), out, bigShape);
  return recordOp("gather_axis", [x], new NDArray(out, bigShape), t);
}

/** The adjoint: y (gathered shape) → x's shape with axis length n, each y element added onto its source. */
export function scatterAxis(y: NDArray, t: AxisTable): NDArray {
  const smallShape = y.shape.map((d, k) => (k === t.axis ? t.n : d));
  const be = backendFor(y);
  const out = be.allocate(
    y.dtype,
    smallShape.reduce((p, d) => p * d, 1),
  );
  be.foldScatter(contiguous(y).storage, y.shape, tablesFor(y.ndim, t), out, smallShape);
  return recordOp("scatter_axis", [y], new NDArray(out, smallShape), t);
}

export interface TakeOptions {
  /** the axis taken along; default: x flattened (numpy's axis=None) */
  axis?: number;
}

/** numpy's take: x's elements at `indices` along `axis` (negative indices count from the end; out of range throws). */
export function take(x: NDArray, indices: NDArray | NestedArray | number, options: TakeOptions = {}): NDArray {
  const where = "np.take";
  if (!(x instanceof NDArray)) throw new Error(`${where}: x must be an NDArray, got ${showValue(x)}`);
  if (Array.isArray(indices) && indices.some(Array.isArray)) indices = array(indices as NestedArray, "float64");
  const idx = indices instanceof NDArray ? indices : Array.isArray(indices) || typeof indices === "number" ? null : undefined;
  if (idx === undefined) throw new Error(`${where}: indices must be an NDArray, a list of integers or an integer, got ${showValue(indices)}`);
  const values = idx ? Array.from(contiguous(idx).hostData) : typeof indices === "number" ? [indices] : [...(indices as readonly number[])];
  const idxShape = idx ? idx.shape : typeof indices === "number" ? [] : [values.length];
  const flat = options.axis === undefined;
  const src = flat ? reshape(x, [x.size]) : x;
  const axis = flat ? 0 : options.axis!;
  if (!Number.isInteger(axis) || axis < -src.ndim || axis >= src.ndim)
    throw new Error(`${where}: axis=${showValue(options.axis)} is out of range for shape ${formatShape(x.shape)}`);
  const ax = axis < 0 ? axis + src.ndim : axis;
  const n = src.shape[ax]!;
  const table = new Int32Array(values.length);
  values.forEach((v, j) => {
    if (!Number.isInteger(v) || v < -n || v >= n) throw new Error(`${where}: index ${v} is out of range for axis ${ax} of length ${n}`);
    table[j] = v < 0 ? v + n : v;
  });
  const y = gatherAxis(src, { axis: ax, table, n, fromData: false });
  return reshape(y, [...src.shape.slice(0, ax), ...idxShape, ...src.shape.slice(ax + 1)]);
}

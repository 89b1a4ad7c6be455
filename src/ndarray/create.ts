// Array creation: np.array from nested lists, typed arrays or numbers; zeros, ones, full, arange, eye.
import { NDArray, type NestedArray } from "./ndarray.js";
import { allocate, checkShape, type Dtype, type FloatArray, formatShape, shapeSize } from "./strided.js";

export interface DtypeOption {
  /** float32 (MXNet's default) or float64 */
  dtype?: Dtype;
}

export function checkDtype(dtype: unknown, op: string): Dtype {
  if (dtype === undefined) return "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`${op}: dtype "${String(dtype)}" is not supported; use "float32" or "float64"`);
  return dtype;
}

/** Shape of a nested list, checking it is rectangular and numeric. */
function nestedShape(v: NestedArray, op: string, path = "data"): number[] {
  if (typeof v === "number") return [];
  if (!Array.isArray(v)) throw new Error(`${op}: ${path} is ${v === null ? "null" : typeof v}, expected a number or a nested array of numbers`);
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0]!, op, `${path}[0]`);
  for (let i = 1; i < v.length; i++) {
    const s = nestedShape(v[i]!, op, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j]))
      throw new Error(`${op}: ${path} is ragged: element 0 has shape ${formatShape(inner)} but element ${i} has shape ${formatShape(s)}`);
  }
  return [v.length, ...inner];
}

/** A dense NDArray holding a nested list of numbers. */
export function fromNested(v: NestedArray, dtype: Dtype, op: string): NDArray {
  const shape = nestedShape(v, op);
  const out = allocate(dtype, shapeSize(shape));
  let i = 0;
  const fill = (x: NestedArray) => {
    if (typeof x === "number") out[i++] = x;
    else for (const y of x) fill(y);
  };
  fill(v);
  return new NDArray(out, shape);
}

type ArrayData = NestedArray | FloatArray | NDArray | ArrayLike<number>;

/**
 * np.array: a new array from nested lists, a typed array (1-D), a number (0-d) or another NDArray (copied).
 * The dtype is float32 unless given (MXNet's default); a Float64Array keeps float64 when no dtype is given.
 */
export function array(data: ArrayData, options: DtypeOption = {}): NDArray {
  if (data instanceof NDArray) {
    // a copy (never a view), converted to the dtype asked for; like numpy's np.array it is not linked to the tape
    const dtype = options.dtype === undefined ? data.dtype : checkDtype(options.dtype, "np.array");
    const out = allocate(dtype, data.size);
    out.set(data.asTypedArray());
    return new NDArray(out, data.shape);
  }
  if (data instanceof DataView) throw new Error("np.array: a DataView has no element type; pass a typed array");
  // typed arrays, and array-likes such as { length: 2, 0: 1, 1: 2 } (nested plain arrays are read below)
  const arrayLike = typeof data === "object" && data !== null && !Array.isArray(data) && typeof (data as ArrayLike<number>).length === "number";
  if (ArrayBuffer.isView(data) || arrayLike) {
    const dtype = options.dtype !== undefined ? checkDtype(options.dtype, "np.array") : data instanceof Float64Array ? "float64" : "float32";
    const src = data as unknown as ArrayLike<number>;
    const out = allocate(dtype, src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (typeof v !== "number") throw new Error(`np.array: element ${i} is not a number`);
      out[i] = v;
    }
    return new NDArray(out, [src.length]);
  }
  return fromNested(data as NestedArray, checkDtype(options.dtype, "np.array"), "np.array");
}

function shapeArg(shape: number | readonly number[], op: string): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  checkShape(s, op);
  return s;
}

export function full(shape: number | readonly number[], value: number, options: DtypeOption = {}): NDArray {
  return filled(shape, value, options, "np.full");
}

function filled(shape: number | readonly number[], value: number, options: DtypeOption, op: string): NDArray {
  const s = shapeArg(shape, op);
  if (typeof value !== "number") throw new Error(`${op}: fill value must be a number, got ${typeof value}`);
  const out = allocate(checkDtype(options.dtype, op), shapeSize(s));
  out.fill(value);
  return new NDArray(out, s);
}

export function zeros(shape: number | readonly number[], options: DtypeOption = {}): NDArray {
  const s = shapeArg(shape, "np.zeros");
  return new NDArray(allocate(checkDtype(options.dtype, "np.zeros"), shapeSize(s)), s);
}

export function ones(shape: number | readonly number[], options: DtypeOption = {}): NDArray {
  return filled(shape, 1, options, "np.ones");
}

/** np.arange(stop) or np.arange(start, stop, step?): evenly spaced values in [start, stop). */
export function arange(startOrStop: number, stop?: number, step = 1, options: DtypeOption = {}): NDArray {
  const [start, end] = stop === undefined ? [0, startOrStop] : [startOrStop, stop];
  for (const [name, v] of [["start", start], ["stop", end], ["step", step]] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`np.arange: ${name}=${String(v)} must be a finite number`);
  if (step === 0) throw new Error("np.arange: step must not be zero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const out = allocate(checkDtype(options.dtype, "np.arange"), n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new NDArray(out, [n]);
}

/** np.eye(n, m?): ones on the main diagonal. */
export function eye(n: number, m = n, options: DtypeOption = {}): NDArray {
  checkShape([n, m], "np.eye");
  const out = allocate(checkDtype(options.dtype, "np.eye"), n * m);
  for (let i = 0; i < Math.min(n, m); i++) out[i * m + i] = 1;
  return new NDArray(out, [n, m]);
}

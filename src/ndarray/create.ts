// Array creation: np.array from nested lists, typed arrays or numbers; zeros, ones, full, arange, eye.
import { NDArray, type NestedArray } from "./ndarray.js";
import { allocate, type Dtype, type FloatArray, formatShape, shapeSize } from "./strided.js";
import { allocateShape, noExtraArgs, readDtypeArg, readShape } from "./create-args.js";
import { showValue } from "../params/options.js";
import type { Context } from "../context.js";

export interface DtypeOption {
  /** float32 (MXNet's default) or float64 */
  dtype?: Dtype;
  /** the device of the new array, e.g. npx.gpu() (np.ts moves it there; default cpu(0)) */
  ctx?: Context;
}

export function checkDtype(dtype: unknown, op: string): Dtype {
  if (dtype === undefined) return "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new Error(`${op}: dtype "${String(dtype)}" is not supported; use "float32" or "float64"`);
  return dtype;
}

/** The deepest nesting np.array reads (a 32-D array is numpy's limit too); deeper lists are refused before recursing. */
const MAX_NESTING = 32;

/** Shape of a nested list, checking it is rectangular and numeric. */
function nestedShape(v: NestedArray, op: string, path = "data", depth = 0): number[] {
  if (typeof v === "number") return [];
  if (depth >= MAX_NESTING)
    throw new Error(
      `${op}: data is nested more than ${MAX_NESTING} levels deep (at ${path.length > 60 ? `${path.slice(0, 30)}…` : path}); an array has at most ${MAX_NESTING} dimensions`,
    );
  if (!Array.isArray(v)) throw new Error(`${op}: ${path} is ${v === null ? "null" : typeof v}, expected a number or a nested array of numbers`);
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0]!, op, depth < 8 ? `${path}[0]` : path, depth + 1);
  for (let i = 1; i < v.length; i++) {
    const s = nestedShape(v[i]!, op, depth < 8 ? `${path}[${i}]` : path, depth + 1);
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
export function array(data: ArrayData, options?: DtypeOption | Dtype, ...extra: never[]): NDArray {
  noExtraArgs("np.array", extra, "(data, { dtype }?)");
  // explicit dtype or undefined (the default then depends on the data)
  const given = options === undefined || options === null ? undefined : readDtypeArg("np.array", options, "np.array takes (data, { dtype }?)");
  if (data instanceof NDArray) {
    // a copy (never a view), converted to the dtype asked for; like numpy's np.array it is not linked to the tape
    const dtype = given ?? data.dtype;
    const out = allocate(dtype, data.size);
    out.set(data.asTypedArray());
    return new NDArray(out, data.shape);
  }
  if (data instanceof DataView) throw new Error("np.array: a DataView has no element type; pass a typed array");
  // typed arrays, and array-likes such as { length: 2, 0: 1, 1: 2 } (nested plain arrays are read below)
  const arrayLike = typeof data === "object" && data !== null && !Array.isArray(data) && typeof (data as ArrayLike<number>).length === "number";
  if (ArrayBuffer.isView(data) || arrayLike) {
    const dtype = given !== undefined ? given : data instanceof Float64Array ? "float64" : "float32";
    const src = data as unknown as ArrayLike<number>;
    const out = allocate(dtype, src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      if (typeof v !== "number") throw new Error(`np.array: element ${i} is not a number`);
      out[i] = v;
    }
    return new NDArray(out, [src.length]);
  }
  return fromNested(data as NestedArray, given ?? "float32", "np.array");
}

type DtypeArg = DtypeOption | Dtype;

export function full(shape: number | readonly number[], value: number, options?: DtypeArg, ...extra: never[]): NDArray {
  noExtraArgs("np.full", extra, "(shape, fillValue, { dtype }?)");
  return filled(shape, value, options, "np.full");
}

function filled(shape: number | readonly number[], value: number, options: unknown, op: string): NDArray {
  const s = readShape(op, shape);
  if (typeof value !== "number") throw new Error(`${op}: fill value must be a number, got ${showValue(value)}`);
  const out = allocateShape(op, s, readDtypeArg(op, options, `pass the shape as one list: ${op}([${s.join(", ")}, …])`));
  // a fresh array holds +0: fill for anything else, −0 included (numpy keeps np.full(2, -0.0)'s sign)
  if (value !== 0 || Object.is(value, -0)) out.fill(value);
  return new NDArray(out, s);
}

/** np.zeros(shape, { dtype }?): `shape` is a number or a list; numpy's slip np.zeros(2, 3) is an error saying so. */
export function zeros(shape: number | readonly number[], options?: DtypeArg, ...extra: never[]): NDArray {
  noExtraArgs("np.zeros", extra, "(shape, { dtype }?)");
  return filled(shape, 0, options, "np.zeros");
}

export function ones(shape: number | readonly number[], options?: DtypeArg, ...extra: never[]): NDArray {
  noExtraArgs("np.ones", extra, "(shape, { dtype }?)");
  return filled(shape, 1, options, "np.ones");
}

/** np.arange(stop) or np.arange(start, stop, step?, { dtype }?): evenly spaced values in [start, stop). */
export function arange(startOrStop: number, stop?: number | null, step = 1, options?: DtypeArg, ...extra: never[]): NDArray {
  noExtraArgs("np.arange", extra, "(start, stop?, step?, { dtype }?)");
  const [start, end] = stop === undefined || stop === null ? [0, startOrStop] : [startOrStop, stop];
  for (const [name, v] of [
    ["start", start],
    ["stop", end],
    ["step", step],
  ] as const)
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`np.arange: ${name}=${showValue(v)} must be a finite number`);
  if (step === 0) throw new Error("np.arange: step must not be zero");
  const n = Math.max(0, Math.ceil((end - start) / step));
  const out = allocateShape(
    "np.arange",
    [n],
    readDtypeArg("np.arange", options, 'the dtype goes in the 4th argument, e.g. np.arange(0, 5, 1, { dtype: "float64" })'),
  );
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new NDArray(out, [n]);
}

/** np.eye(n, m?, k?, { dtype }?): ones on the diagonal k (0 main, > 0 above, < 0 below), numpy's positional form. */
export function eye(n: number, m?: number | null, k: number | DtypeArg = 0, options?: DtypeArg, ...extra: never[]): NDArray {
  noExtraArgs("np.eye", extra, "(n, m?, k?, { dtype }?)");
  if (typeof k !== "number") [k, options] = [0, k];
  const cols = m === undefined || m === null ? n : m;
  const shape = readShape("np.eye", [n, cols], "[n, m]");
  if (!Number.isInteger(k)) throw new Error(`np.eye: k=${showValue(k)} must be an integer (the diagonal's offset)`);
  const out = allocateShape("np.eye", shape, readDtypeArg("np.eye", options, "np.eye takes (n, m?, k?, { dtype }?)"));
  for (let i = Math.max(0, -k); i < n && i + k < cols; i++) out[i * cols + i + k] = 1;
  return new NDArray(out, shape);
}

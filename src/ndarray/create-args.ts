// Arguments of the creation functions (np.zeros, np.random.normal, …): shapes, sizes against typed-array limits, dtypes.
import { allocate, type Dtype, type FloatArray } from "./dtype.js";
import { showValue, snapshotOptions } from "../params/options.js";
import { checkArraySize } from "../params/sizes.js";

const fmt = (s: readonly number[]) => `[${s.join(",")}]`;

/**
 * A shape: a number (1-D) or a list of integers ≥ 0. null, undefined, BigInt, strings, holes and non-integers are
 * errors naming `where`, the argument and the entry.
 */
export function readShape(where: string, v: unknown, name = "shape"): number[] {
  if (typeof v === "bigint") throw new Error(`${where}: ${name}=${showValue(v)} is a BigInt; use a plain number`);
  if (typeof v === "number") v = [v];
  if (!Array.isArray(v)) throw new Error(`${where}: ${name} must be a number or a list of integers like [2, 3], got ${showValue(v)}`);
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (!(i in v)) throw new Error(`${where}: ${name}=${showValue(v)} has an empty slot at index ${i}`);
    const d: unknown = v[i];
    if (typeof d === "bigint") throw new Error(`${where}: ${name}=${showValue(v)} holds a BigInt at index ${i}; use plain numbers`);
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0)
      throw new Error(`${where}: ${name}=${showValue(v)} must hold integers >= 0 (index ${i} is ${showValue(d)})`);
    out.push(d);
  }
  return out;
}

/** The element count of `shape`, checked against the largest typed array (params/sizes.ts) before anything is allocated. */
export function checkSize(where: string, shape: readonly number[], dtype: Dtype): number {
  return checkArraySize(where, "shape", shape, dtype === "float32" ? 4 : 8);
}

/** A zeroed array for `shape`, with the size check first and a clear error when the engine cannot find the memory. */
export function allocateShape(where: string, shape: readonly number[], dtype: Dtype): FloatArray {
  const n = checkSize(where, shape, dtype);
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (e instanceof RangeError)
      throw new Error(`${where}: could not allocate ${n * (dtype === "float32" ? 4 : 8)} bytes for shape ${fmt(shape)} as ${dtype} (${e.message})`);
    throw e;
  }
}

function dtypeValue(where: string, v: unknown): Dtype {
  if (v === undefined || v === null) return "float32";
  if (v !== "float32" && v !== "float64") throw new Error(`${where}: dtype ${showValue(v)} is not supported; use "float32" or "float64"`);
  return v;
}

/**
 * The dtype from the options argument: `{ dtype }`, a dtype string (numpy's positional dtype) or nothing. A number
 * here is numpy's common slip `np.zeros(2, 3)`: an error showing the call that was meant (`hint`).
 */
export function readDtypeArg(where: string, v: unknown, hint: string): Dtype {
  if (v === undefined || v === null || typeof v === "string") return dtypeValue(where, v);
  if (typeof v === "number" || Array.isArray(v)) throw new Error(`${where}: got ${showValue(v)} where the options { dtype } go; ${hint}`);
  const o = snapshotOptions(where, v, ["dtype"]);
  return dtypeValue(where, o.dtype);
}

/** Throws when a creation function got more arguments than it takes (a positional form it does not have). */
export function noExtraArgs(where: string, extra: readonly unknown[], takes: string): void {
  if (extra.length > 0) throw new Error(`${where}: takes ${takes}; got ${extra.length} more argument(s): ${extra.map((x) => showValue(x)).join(", ")}`);
}

// The members of MXNet's `np` namespace (numpy-style creation, math and random functions over NDArray), one export each:
// src/np.ts exports this module as `np`, so a bundler that follows namespace property accesses (Vite) keeps only the
// members a page uses, where an object literal kept them all. Wrapped creation functions are marked pure for that.
import "./methods.js";
import { NDArray, type Operand } from "./ndarray/ndarray.js";
import { Context } from "./context.js";
import * as create from "./ndarray/create.js";
import * as rand from "./ndarray/random.js";
import * as ew from "./ops/elementwise.js";
import type { OutOptions } from "./ops/elementwise.js";
import * as lin from "./ops/linalg.js";
import { reduce, type ReduceOptions } from "./ops/reduce.js";
import * as shp from "./ops/shape.js";
import { arraySplit as arraySplitOp, concatenate as concatenateOp, split as splitOp, stack as stackOp } from "./ops/join.js";
import { pad as padOp } from "./ops/pad-constant.js";
import { broadcastTo as broadcastToOp, tile as tileOp } from "./ops/broadcast.js";
import { einsum as einsumOp } from "./ops/einsum.js";
import { take as takeOp } from "./ops/gather.js";

/**
 * MXNet's `ctx=` on a creation function: `ctx` is taken out of the options object (any plain-object argument), the
 * array is made on the CPU as before (initializers and random draws are CPU code), then moved to `ctx` once.
 */
function onCtx<F extends (...args: never[]) => NDArray>(fn: F, where: string): F {
  const wrapped = (...args: unknown[]): NDArray => {
    let ctx: Context | undefined;
    const pass = args.map((a) => {
      if (a === null || typeof a !== "object" || Array.isArray(a) || a instanceof NDArray || ArrayBuffer.isView(a) || !Object.hasOwn(a, "ctx")) return a;
      const { ctx: c, ...rest } = a as { ctx?: unknown };
      if (c !== undefined && c !== null) {
        if (!(c instanceof Context)) throw new Error(`${where}: ctx must be a context such as npx.cpu() or npx.gpu(0), got ${typeof c}`);
        ctx = c;
      }
      return rest;
    });
    const x = fn(...(pass as never[])); // F takes these arguments: the caller's, ctx removed
    return ctx === undefined ? x : x.asInCtx(ctx);
  };
  // the wrapper takes exactly F's arguments (it only removes ctx from an options object): F's overloads are kept
  return wrapped as unknown as F;
}

const asArray = (v: Operand, op: string): NDArray => {
  if (v instanceof NDArray) return v;
  if (typeof v === "number") return create.array(v);
  throw new Error(`${op}: operand must be an NDArray or a number`);
};

/** The n-dimensional array class (MXNet's `np.ndarray`), for `instanceof` checks and types. */
export const ndarray = NDArray;

/** A new array from nested lists, a number or a typed array (numpy's `np.array`); `dtype` float32 (default) or float64. */
export const array = /* @__PURE__ */ onCtx(create.array, "np.array");

/** A new array of `shape` filled with 0 (`np.zeros`). */
export const zeros = /* @__PURE__ */ onCtx(create.zeros, "np.zeros");

/** A new array of `shape` filled with 1 (`np.ones`). */
export const ones = /* @__PURE__ */ onCtx(create.ones, "np.ones");

/** A new array of `shape` filled with `value` (`np.full`). */
export const full = /* @__PURE__ */ onCtx(create.full, "np.full");

/** Evenly spaced values in [start, stop) with `step` (`np.arange(stop)` or `np.arange(start, stop, step)`). */
export const arange = /* @__PURE__ */ onCtx(create.arange, "np.arange");

/** An n×m array with ones on the k-th diagonal and zeros elsewhere (`np.eye`). */
export const eye = /* @__PURE__ */ onCtx(create.eye, "np.eye");

/** Random sampling with a seedable generator: `seed`, `uniform`, `normal` (MXNet's `np.random`). */
export const random = {
  /** Re-seeds the generator behind every np.random function (runs are then reproducible). */
  seed: rand.seed,
  /** Samples from U[low, high): `uniform({ low, high, size, dtype })` or numpy's `uniform(low, high, size)`. */
  uniform: /* @__PURE__ */ onCtx(rand.uniform, "np.random.uniform"),
  /** Samples from N(loc, scale²): `normal({ loc, scale, size, dtype })` or numpy's `normal(loc, scale, size)`. */
  normal: /* @__PURE__ */ onCtx(rand.normal, "np.random.normal"),
};

/** a + b elementwise, with numpy broadcasting. */
export const add = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("add", a, b, options);

/** a − b elementwise, with numpy broadcasting. */
export const subtract = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("sub", a, b, options);

/** a · b elementwise, with numpy broadcasting. */
export const multiply = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("mul", a, b, options);

/** a / b elementwise, with numpy broadcasting. */
export const divide = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("div", a, b, options);

/** The larger of a and b elementwise (NaN propagates), with broadcasting. */
export const maximum = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("maximum", a, b, options);

/** The smaller of a and b elementwise (NaN propagates), with broadcasting. */
export const minimum = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("minimum", a, b, options);

/** a raised to b elementwise, with broadcasting. */
export const power = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("pow", a, b, options);

/** numpy's mod (remainder): a − ⌊a/b⌋·b, the result has b's sign */
export const mod = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("mod", a, b, options);

/** numpy's fmod (C's): a − trunc(a/b)·b, the result has a's sign */
export const fmod = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("fmod", a, b, options);

/** 1 where a == b, else 0, elementwise with broadcasting (in the operands' dtype, as MXNet). */
export const equal = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("eq", a, b, options);

/** 1 where a != b, else 0, elementwise with broadcasting. */
export const not_equal = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("ne", a, b, options);

/** 1 where a < b, else 0, elementwise with broadcasting. */
export const less = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("lt", a, b, options);

/** 1 where a <= b, else 0, elementwise with broadcasting. */
export const less_equal = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("le", a, b, options);

/** 1 where a > b, else 0, elementwise with broadcasting. */
export const greater = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("gt", a, b, options);

/** 1 where a >= b, else 0, elementwise with broadcasting. */
export const greater_equal = (a: Operand, b: Operand, options?: OutOptions) => ew.binary("ge", a, b, options);

/** x where condition is non-zero, else y, elementwise with broadcasting (`np.where(condition, x, y)`). */
export const where = (condition: Operand, x: Operand, y: Operand, options?: OutOptions) => ew.where(condition, x, y, options);

/** −x elementwise. */
export const negative = (x: Operand, options?: OutOptions) => ew.unary("neg", asArray(x, "np.negative"), options);

/** eˣ elementwise. */
export const exp = (x: Operand, options?: OutOptions) => ew.unary("exp", asArray(x, "np.exp"), options);

/** The natural logarithm elementwise. */
export const log = (x: Operand, options?: OutOptions) => ew.unary("log", asArray(x, "np.log"), options);

/** The square root elementwise. */
export const sqrt = (x: Operand, options?: OutOptions) => ew.unary("sqrt", asArray(x, "np.sqrt"), options);

/** |x| elementwise. */
export const abs = (x: Operand, options?: OutOptions) => ew.unary("abs", asArray(x, "np.abs"), options);

/** The hyperbolic tangent elementwise. */
export const tanh = (x: Operand, options?: OutOptions) => ew.unary("tanh", asArray(x, "np.tanh"), options);

/** The sine elementwise (radians). */
export const sin = (x: Operand, options?: OutOptions) => ew.unary("sin", asArray(x, "np.sin"), options);

/** The cosine elementwise (radians). */
export const cos = (x: Operand, options?: OutOptions) => ew.unary("cos", asArray(x, "np.cos"), options);

/** the error function 2/√π ∫₀ˣ e^(−t²) dt (scipy.special.erf; ONNX Erf) */
export const erf = (x: Operand, options?: OutOptions) => ew.unary("erf", asArray(x, "np.erf"), options);

/** The sum over `axis` (all axes when omitted); `keepdims` keeps the reduced axes with size 1. */
export const sum = (x: NDArray, options?: ReduceOptions) => reduce("sum", x, options);

/** The mean over `axis` (all axes when omitted); `keepdims` keeps the reduced axes with size 1. */
export const mean = (x: NDArray, options?: ReduceOptions) => reduce("mean", x, options);

/** The maximum over `axis` (all axes when omitted); `keepdims` keeps the reduced axes with size 1. */
export const max = (x: NDArray, options?: ReduceOptions) => reduce("max", x, options);

/** The minimum over `axis` (all axes when omitted); `keepdims` keeps the reduced axes with size 1. */
export const min = (x: NDArray, options?: ReduceOptions) => reduce("min", x, options);

/** The product over `axis` (all axes when omitted; 1 for an empty slice, as numpy); `keepdims` keeps the reduced axes with size 1. */
export const prod = (x: NDArray, options?: ReduceOptions) => reduce("prod", x, options);

/** numpy's `dot` for 1-D and 2-D arrays: vector·vector → 0-d, matrix·vector, vector·matrix, matrix·matrix. */
export const dot = lin.dot;

/** numpy's `matmul`: like dot for 1-D/2-D, batched over leading axes (which must match) for 3-D and more. */
export const matmul = lin.matmul;

/** The same elements in a new `shape` (one entry may be −1); a view when `x` is contiguous. */
export const reshape = (x: NDArray, shape: readonly number[]) => shp.reshape(x, shape);

/** Permutes the axes (reverses them when `axes` is omitted); a view. */
export const transpose = (x: NDArray, axes?: readonly number[]) => shp.transpose(x, axes);

/** Joins arrays along an existing axis (`np.concatenate(arrays, { axis })`). */
export const concatenate = concatenateOp;

/** Joins arrays along a new axis (`np.stack(arrays, { axis })`). */
export const stack = stackOp;

/** Splits an array into equal sections or at indices along an axis (`np.split`). */
export const split = splitOp;

/** Like split, but the sections may be unequal (`np.array_split`). */
export const array_split = arraySplitOp;

/** Pads by per-axis (before, after) widths: a constant (default 0) or numpy's "reflect", "edge", "wrap" modes (`np.pad`). */
export const pad = padOp;

/** x repeated along its size-1 and new leading axes to exactly `shape` (`np.broadcast_to`). */
export const broadcastTo = broadcastToOp;

/** x repeated reps[i] times along each axis (`np.tile`). */
export const tile = tileOp;

/** Einstein summation over one or two operands, e.g. "bij,bjk->bik" (`np.einsum`; no ellipsis). */
export const einsum = einsumOp;

/** x's elements at integer `indices` along `axis`, or of the flattened array (`np.take`). */
export const take = takeOp;

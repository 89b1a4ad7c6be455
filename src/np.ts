// The `np` namespace: MXNet-numpy-style creation, math and random functions over NDArray.
import "./methods.js";
import { NDArray, type Operand } from "./ndarray/ndarray.js";
import { Context } from "./context.js";
import * as create from "./ndarray/create.js";
import * as random from "./ndarray/random.js";
import * as ew from "./ops/elementwise.js";
import type { OutOptions } from "./ops/elementwise.js";
import * as lin from "./ops/linalg.js";
import { reduce, type ReduceOptions } from "./ops/reduce.js";
import * as shp from "./ops/shape.js";
import { arraySplit, concatenate, split, stack } from "./ops/join.js";
import { pad } from "./ops/pad-constant.js";

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

export const np = {
  ndarray: NDArray,
  array: onCtx(create.array, "np.array"),
  zeros: onCtx(create.zeros, "np.zeros"),
  ones: onCtx(create.ones, "np.ones"),
  full: onCtx(create.full, "np.full"),
  arange: onCtx(create.arange, "np.arange"),
  eye: onCtx(create.eye, "np.eye"),
  random: { seed: random.seed, uniform: onCtx(random.uniform, "np.random.uniform"), normal: onCtx(random.normal, "np.random.normal") },
  add: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("add", a, b, options),
  subtract: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("sub", a, b, options),
  multiply: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("mul", a, b, options),
  divide: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("div", a, b, options),
  maximum: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("maximum", a, b, options),
  minimum: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("minimum", a, b, options),
  power: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("pow", a, b, options),
  equal: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("eq", a, b, options),
  not_equal: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("ne", a, b, options),
  less: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("lt", a, b, options),
  less_equal: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("le", a, b, options),
  greater: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("gt", a, b, options),
  greater_equal: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("ge", a, b, options),
  where: (condition: Operand, x: Operand, y: Operand, options?: OutOptions) => ew.where(condition, x, y, options),
  negative: (x: Operand, options?: OutOptions) => ew.unary("neg", asArray(x, "np.negative"), options),
  exp: (x: Operand, options?: OutOptions) => ew.unary("exp", asArray(x, "np.exp"), options),
  log: (x: Operand, options?: OutOptions) => ew.unary("log", asArray(x, "np.log"), options),
  sqrt: (x: Operand, options?: OutOptions) => ew.unary("sqrt", asArray(x, "np.sqrt"), options),
  abs: (x: Operand, options?: OutOptions) => ew.unary("abs", asArray(x, "np.abs"), options),
  tanh: (x: Operand, options?: OutOptions) => ew.unary("tanh", asArray(x, "np.tanh"), options),
  sum: (x: NDArray, options?: ReduceOptions) => reduce("sum", x, options),
  mean: (x: NDArray, options?: ReduceOptions) => reduce("mean", x, options),
  max: (x: NDArray, options?: ReduceOptions) => reduce("max", x, options),
  min: (x: NDArray, options?: ReduceOptions) => reduce("min", x, options),
  dot: lin.dot,
  matmul: lin.matmul,
  reshape: (x: NDArray, shape: readonly number[]) => shp.reshape(x, shape),
  transpose: (x: NDArray, axes?: readonly number[]) => shp.transpose(x, axes),
  concatenate,
  stack,
  split,
  array_split: arraySplit,
  pad,
};

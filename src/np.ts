// The `np` namespace: MXNet-numpy-style creation, math and random functions over NDArray.
import "./methods.js";
import { NDArray, type Operand } from "./ndarray/ndarray.js";
import * as create from "./ndarray/create.js";
import * as random from "./ndarray/random.js";
import * as ew from "./ops/elementwise.js";
import type { OutOptions } from "./ops/elementwise.js";
import * as lin from "./ops/linalg.js";
import { reduce, type ReduceOptions } from "./ops/reduce.js";
import * as shp from "./ops/shape.js";
import { arraySplit, concatenate, split, stack } from "./ops/join.js";
import { pad } from "./ops/pad-constant.js";
import { broadcastTo, tile } from "./ops/broadcast.js";
import { einsum } from "./ops/einsum.js";
import { take } from "./ops/gather.js";

const asArray = (v: Operand, op: string): NDArray => {
  if (v instanceof NDArray) return v;
  if (typeof v === "number") return create.array(v);
  throw new Error(`${op}: operand must be an NDArray or a number`);
};

export const np = {
  ndarray: NDArray,
  array: create.array,
  zeros: create.zeros,
  ones: create.ones,
  full: create.full,
  arange: create.arange,
  eye: create.eye,
  random: { seed: random.seed, uniform: random.uniform, normal: random.normal },
  add: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("add", a, b, options),
  subtract: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("sub", a, b, options),
  multiply: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("mul", a, b, options),
  divide: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("div", a, b, options),
  maximum: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("maximum", a, b, options),
  minimum: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("minimum", a, b, options),
  power: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("pow", a, b, options),
  /** numpy's mod (remainder): a − ⌊a/b⌋·b, the result has b's sign */
  mod: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("mod", a, b, options),
  /** numpy's fmod (C's): a − trunc(a/b)·b, the result has a's sign */
  fmod: (a: Operand, b: Operand, options?: OutOptions) => ew.binary("fmod", a, b, options),
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
  sin: (x: Operand, options?: OutOptions) => ew.unary("sin", asArray(x, "np.sin"), options),
  cos: (x: Operand, options?: OutOptions) => ew.unary("cos", asArray(x, "np.cos"), options),
  /** the error function 2/√π ∫₀ˣ e^(−t²) dt (scipy.special.erf; ONNX Erf) */
  erf: (x: Operand, options?: OutOptions) => ew.unary("erf", asArray(x, "np.erf"), options),
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
  broadcastTo,
  tile,
  einsum,
  take,
};

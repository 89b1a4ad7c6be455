// The `np` namespace: MXNet-numpy-style creation, math and random functions over NDArray.
import "./methods.js";
import { NDArray, type Operand } from "./ndarray/ndarray.js";
import * as create from "./ndarray/create.js";
import * as random from "./ndarray/random.js";
import * as ew from "./ops/elementwise.js";
import * as lin from "./ops/linalg.js";
import { reduce, type ReduceOptions } from "./ops/reduce.js";
import * as shp from "./ops/shape.js";
import { arraySplit, concatenate, split, stack } from "./ops/join.js";

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
  add: (a: Operand, b: Operand) => ew.binary("add", a, b),
  subtract: (a: Operand, b: Operand) => ew.binary("sub", a, b),
  multiply: (a: Operand, b: Operand) => ew.binary("mul", a, b),
  divide: (a: Operand, b: Operand) => ew.binary("div", a, b),
  maximum: (a: Operand, b: Operand) => ew.binary("maximum", a, b),
  minimum: (a: Operand, b: Operand) => ew.binary("minimum", a, b),
  power: (a: Operand, b: Operand) => ew.binary("pow", a, b),
  equal: (a: Operand, b: Operand) => ew.binary("eq", a, b),
  negative: (x: Operand) => ew.unary("neg", asArray(x, "np.negative")),
  exp: (x: Operand) => ew.unary("exp", asArray(x, "np.exp")),
  log: (x: Operand) => ew.unary("log", asArray(x, "np.log")),
  sqrt: (x: Operand) => ew.unary("sqrt", asArray(x, "np.sqrt")),
  abs: (x: Operand) => ew.unary("abs", asArray(x, "np.abs")),
  tanh: (x: Operand) => ew.unary("tanh", asArray(x, "np.tanh")),
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
};

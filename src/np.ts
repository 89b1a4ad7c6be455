// The `np` namespace: MXNet-numpy-style creation, math and random functions over NDArray.
import { NDArray, type Operand } from "./ndarray/ndarray.js";
import * as create from "./ndarray/create.js";
import * as random from "./ndarray/random.js";
import * as ew from "./ops/elementwise.js";
import * as lin from "./ops/linalg.js";
import type { ReduceOptions } from "./ops/reduce.js";
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
  sum: (x: NDArray, options?: ReduceOptions) => x.sum(options),
  mean: (x: NDArray, options?: ReduceOptions) => x.mean(options),
  max: (x: NDArray, options?: ReduceOptions) => x.max(options),
  min: (x: NDArray, options?: ReduceOptions) => x.min(options),
  dot: lin.dot,
  matmul: lin.matmul,
  reshape: (x: NDArray, shape: readonly number[]) => x.reshape(shape),
  transpose: (x: NDArray, axes?: readonly number[]) => (axes ? x.transpose(axes) : x.transpose()),
  concatenate,
  stack,
  split,
  array_split: arraySplit,
};

// The `npx` namespace: MXNet's neural-network operators (convolution, deconvolution, activations).
import "./methods.js";
import type { NDArray } from "./ndarray/ndarray.js";
import { convolution, deconvolution } from "./ops/conv.js";
import * as ew from "./ops/elementwise.js";
import { logSoftmax, pick, softmax } from "./ops/softmax.js";

export type Activation = "relu" | "sigmoid" | "tanh" | "softrelu";

export function activation(x: NDArray, actType: Activation): NDArray {
  if (!["relu", "sigmoid", "tanh", "softrelu"].includes(actType))
    throw new Error(`npx.activation: actType "${String(actType)}" is not one of relu, sigmoid, tanh, softrelu`);
  return ew.unary(actType, x);
}

export const npx = {
  convolution,
  deconvolution,
  activation,
  relu: (x: NDArray, options?: ew.OutOptions) => ew.unary("relu", x, options),
  sigmoid: (x: NDArray, options?: ew.OutOptions) => ew.unary("sigmoid", x, options),
  softmax,
  logSoftmax,
  pick,
};

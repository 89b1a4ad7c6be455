// The `npx` namespace: MXNet's neural-network operators (convolution, deconvolution, activations, image conversion).
import type { NDArray } from "./ndarray/ndarray.js";
import { convolution, deconvolution } from "./ops/conv.js";
import * as ew from "./ops/elementwise.js";
import { logSoftmax, pick, softmax } from "./ops/softmax.js";
import { image } from "./ops/image.js";

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
  relu: (x: NDArray) => ew.unary("relu", x),
  sigmoid: (x: NDArray) => ew.unary("sigmoid", x),
  softmax,
  logSoftmax,
  pick,
  image,
};

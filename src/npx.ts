// The `npx` namespace: MXNet's neural-network operators (convolution, pooling, batch norm, activations, images, …).
import "./methods.js";
import type { NDArray } from "./ndarray/ndarray.js";
import { convolution, deconvolution } from "./ops/conv.js";
import * as ew from "./ops/elementwise.js";
import { logSoftmax, pick, softmax } from "./ops/softmax.js";
import { leakyRelu, softsign } from "./ops/activation.js";
import { batchNorm } from "./ops/batch-norm.js";
import { groupNorm, instanceNorm, layerNorm } from "./ops/normalization.js";
import { gridSample } from "./ops/grid-sample.js";
import { pooling } from "./ops/pooling.js";
import { depthToSpace, spaceToDepth } from "./ops/depth-to-space.js";
import { dropout } from "./ops/dropout.js";
import { upsampling } from "./ops/upsampling.js";
import { image } from "./ops/image.js";

export type Activation = "relu" | "sigmoid" | "tanh" | "softrelu" | "softsign" | "hardsigmoid" | "hardswish";
export const ACTIVATIONS: readonly Activation[] = ["relu", "sigmoid", "tanh", "softrelu", "softsign", "hardsigmoid", "hardswish"];

export function activation(x: NDArray, actType: Activation): NDArray {
  if (!ACTIVATIONS.includes(actType)) throw new Error(`npx.activation: actType "${String(actType)}" is not one of ${ACTIVATIONS.join(", ")}`);
  return actType === "softsign" ? softsign(x) : ew.unary(actType, x);
}

export const npx = {
  convolution,
  deconvolution,
  activation,
  relu: (x: NDArray, options?: ew.OutOptions) => ew.unary("relu", x, options),
  sigmoid: (x: NDArray, options?: ew.OutOptions) => ew.unary("sigmoid", x, options),
  /** PyTorch's Hardsigmoid: relu6(x + 3)/6 */
  hardSigmoid: (x: NDArray, options?: ew.OutOptions) => ew.unary("hardsigmoid", x, options),
  /** PyTorch's Hardswish (MobileNetV3): x·relu6(x + 3)/6 */
  hardSwish: (x: NDArray, options?: ew.OutOptions) => ew.unary("hardswish", x, options),
  leakyRelu,
  batchNorm,
  instanceNorm,
  layerNorm,
  groupNorm,
  gridSample,
  pooling,
  depthToSpace,
  spaceToDepth,
  dropout,
  softmax,
  logSoftmax,
  pick,
  upsampling,
  image,
};

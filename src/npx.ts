// The `npx` namespace: MXNet's neural-network operators (convolution, pooling, batch norm, activations, images, …).
import "./methods.js";
import type { NDArray } from "./ndarray/ndarray.js";
import { convolution, deconvolution } from "./ops/conv.js";
import * as ew from "./ops/elementwise.js";
import { logSoftmax, pick, softmax } from "./ops/softmax.js";
import { leakyRelu, softsign } from "./ops/activation.js";
import { batchNorm } from "./ops/batch-norm.js";
import { pooling } from "./ops/pooling.js";
import { depthToSpace, spaceToDepth } from "./ops/depth-to-space.js";
import { dropout } from "./ops/dropout.js";
import { upsampling } from "./ops/upsampling.js";
import { image } from "./ops/image.js";
import { cpu, gpu, type InitGpuOptions, numGpus } from "./context.js";
import { initGpu, syncGpu } from "./backends/webgpu/device.js";

export type Activation = "relu" | "sigmoid" | "tanh" | "softrelu" | "softsign";
export const ACTIVATIONS: readonly Activation[] = ["relu", "sigmoid", "tanh", "softrelu", "softsign"];

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
  leakyRelu,
  batchNorm,
  pooling,
  depthToSpace,
  spaceToDepth,
  dropout,
  softmax,
  logSoftmax,
  pick,
  upsampling,
  image,
  /** Finds a WebGPU device: resolves to the number of usable GPUs (0 or 1), never rejects for missing WebGPU. */
  initGpu: (options?: InitGpuOptions): Promise<number> => initGpu(options),
  /** The number of GPUs initGpu found. */
  numGpus,
  /** GPU i's context (throws before initGpu or when there is none). */
  gpu,
  /** The CPU context. */
  cpu,
  /** Waits for all queued GPU work and throws the first error an op reported (resolves at once without a GPU). */
  waitAll: async (): Promise<void> => (numGpus() > 0 ? syncGpu("npx.waitAll") : undefined),
};

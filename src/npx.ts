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
import { cpu, gpu, type InitGpuOptions, numGpus } from "./context.js";
import { initGpu, syncGpu } from "./backends/webgpu/device.js";

export type Activation = "relu" | "sigmoid" | "tanh" | "softrelu" | "softsign" | "hardsigmoid" | "hardswish";
export const ACTIVATIONS: readonly Activation[] = ["relu", "sigmoid", "tanh", "softrelu", "softsign", "hardsigmoid", "hardswish"];

export function activation(x: NDArray, actType: Activation): NDArray {
  if (!ACTIVATIONS.includes(actType)) throw new Error(`npx.activation: actType "${String(actType)}" is not one of ${ACTIVATIONS.join(", ")}`);
  return actType === "softsign" ? softsign(x) : ew.unary(actType, x);
}

/** MXNet's `npx` namespace: neural-network operators (convolution, transposed convolution, pooling, batch norm, activations, images). */
export const npx = {
  /** N-d convolution (MXNet's `npx.convolution`): strides, padding (numbers, begin/end pairs, SAME/VALID), dilation, groups, bias, NCHW/NHWC, padding modes. */
  convolution,
  /** N-d transposed convolution (MXNet's `npx.deconvolution`, D2L §12.10): the adjoint of convolution with the same options, plus outputPadding or outputShape. */
  deconvolution,
  /** Applies an activation by name: relu, sigmoid, tanh, softrelu or softsign (`npx.activation(x, actType)`). */
  activation,
  /** max(x, 0) elementwise. */
  relu: (x: NDArray, options?: ew.OutOptions) => ew.unary("relu", x, options),
  /** 1 / (1 + e⁻ˣ) elementwise. */
  sigmoid: (x: NDArray, options?: ew.OutOptions) => ew.unary("sigmoid", x, options),
  /** PyTorch's Hardsigmoid: relu6(x + 3)/6 */
  hardSigmoid: (x: NDArray, options?: ew.OutOptions) => ew.unary("hardsigmoid", x, options),
  /** PyTorch's Hardswish (MobileNetV3): x·relu6(x + 3)/6 */
  hardSwish: (x: NDArray, options?: ew.OutOptions) => ew.unary("hardswish", x, options),
  /** x for x > 0, slope·x otherwise (MXNet's `npx.leaky_relu`; also elu, selu, gelu, prelu by actType). */
  leakyRelu,
  /** Batch normalization over the channel axis with gamma, beta and running statistics (MXNet's `npx.batch_norm`). */
  batchNorm,
  /** Each sample's channel normalised over its positions, then γ[c]·ŷ + β[c] (MXNet's `npx.instance_norm`). */
  instanceNorm,
  /** Normalised over one axis, then γ·ŷ + β (MXNet's `npx.layer_norm`). */
  layerNorm,
  /** Channels in numGroups groups, each sample's group normalised, then γ[c]·ŷ + β[c] (MXNet 2's `npx.group_norm`). */
  groupNorm,
  /** Bilinear sampling of an image at grid points in [−1, 1] (PyTorch's `grid_sample`; zeros or border padding). */
  gridSample,
  /** Max, average or global pooling with kernel, stride, padding and ceil/floor convention (MXNet's `npx.pooling`). */
  pooling,
  /** Moves blocks of channels into space (pixel shuffle, `npx.depth_to_space`), DCR or CRD order. */
  depthToSpace,
  /** Moves spatial blocks into channels, the inverse of depthToSpace (`npx.space_to_depth`). */
  spaceToDepth,
  /** Zeroes elements with probability p and scales the rest by 1/(1 − p) in training mode; the identity in predict mode. */
  dropout,
  /** softmax along an axis (default the last): e^x / Σ e^x, computed stably. */
  softmax,
  /** log softmax along an axis (default the last), computed stably. */
  logSoftmax,
  /** Picks one element per position along an axis by integer indices (MXNet's `npx.pick`, e.g. the labelled class). */
  pick,
  /** Nearest or bilinear upsampling by an integer scale (MXNet's `npx.upsampling`). */
  upsampling,
  /** Pixels in and out of arrays: toTensor, normalize, fromImageData, toImageData (MXNet's `npx.image`). */
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

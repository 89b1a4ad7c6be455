// The members of MXNet's `npx` namespace (neural-network operators: convolution, pooling, batch norm, activations,
// images, …), one export each: src/npx.ts exports this module as `npx`, so a bundler that follows namespace property
// accesses (Vite) keeps only the members a page uses, where an object literal kept every operator.
import "./methods.js";
import type { NDArray } from "./ndarray/ndarray.js";
import { convolution as convolutionOp, deconvolution as deconvolutionOp } from "./ops/conv.js";
import * as ew from "./ops/elementwise.js";
import { logSoftmax as logSoftmaxOp, pick as pickOp, softmax as softmaxOp } from "./ops/softmax.js";
import { activation as activationOp, leakyRelu as leakyReluOp } from "./ops/activation.js";
import { batchNorm as batchNormOp } from "./ops/batch-norm.js";
import { groupNorm as groupNormOp, instanceNorm as instanceNormOp, layerNorm as layerNormOp } from "./ops/normalization.js";
import { gridSample as gridSampleOp } from "./ops/grid-sample.js";
import { pooling as poolingOp } from "./ops/pooling.js";
import { depthToSpace as depthToSpaceOp, spaceToDepth as spaceToDepthOp } from "./ops/depth-to-space.js";
import { dropout as dropoutOp } from "./ops/dropout.js";
import { upsampling as upsamplingOp } from "./ops/upsampling.js";
import { image as imageOp } from "./ops/image.js";
import { cpu as cpuOp, gpu as gpuOp, type InitGpuOptions, numGpus as numGpusOp } from "./context.js";
import { initGpu as initGpuOp, syncGpu } from "./backends/webgpu/device.js";

/** N-d convolution (MXNet's `npx.convolution`): strides, padding (numbers, begin/end pairs, SAME/VALID), dilation, groups, bias, NCHW/NHWC, padding modes. */
export const convolution = convolutionOp;

/** N-d transposed convolution (MXNet's `npx.deconvolution`, D2L §12.10): the adjoint of convolution with the same options, plus outputPadding or outputShape. */
export const deconvolution = deconvolutionOp;

/** Applies an activation by name: relu, sigmoid, tanh, softrelu or softsign (`npx.activation(x, actType)`). */
export const activation = activationOp;

/** max(x, 0) elementwise. */
export const relu = (x: NDArray, options?: ew.OutOptions) => ew.unary("relu", x, options);

/** 1 / (1 + e⁻ˣ) elementwise. */
export const sigmoid = (x: NDArray, options?: ew.OutOptions) => ew.unary("sigmoid", x, options);

/** PyTorch's Hardsigmoid: relu6(x + 3)/6 */
export const hardSigmoid = (x: NDArray, options?: ew.OutOptions) => ew.unary("hardsigmoid", x, options);

/** PyTorch's Hardswish (MobileNetV3): x·relu6(x + 3)/6 */
export const hardSwish = (x: NDArray, options?: ew.OutOptions) => ew.unary("hardswish", x, options);

/** x for x > 0, slope·x otherwise (MXNet's `npx.leaky_relu`; also elu, selu, gelu, prelu by actType). */
export const leakyRelu = leakyReluOp;

/** Batch normalization over the channel axis with gamma, beta and running statistics (MXNet's `npx.batch_norm`). */
export const batchNorm = batchNormOp;

/** Each sample's channel normalised over its positions, then γ[c]·ŷ + β[c] (MXNet's `npx.instance_norm`). */
export const instanceNorm = instanceNormOp;

/** Normalised over one axis, then γ·ŷ + β (MXNet's `npx.layer_norm`). */
export const layerNorm = layerNormOp;

/** Channels in numGroups groups, each sample's group normalised, then γ[c]·ŷ + β[c] (MXNet 2's `npx.group_norm`). */
export const groupNorm = groupNormOp;

/** Bilinear sampling of an image at grid points in [−1, 1] (PyTorch's `grid_sample`; zeros or border padding). */
export const gridSample = gridSampleOp;

/** Max, average or global pooling with kernel, stride, padding and ceil/floor convention (MXNet's `npx.pooling`). */
export const pooling = poolingOp;

/** Moves blocks of channels into space (pixel shuffle, `npx.depth_to_space`), DCR or CRD order. */
export const depthToSpace = depthToSpaceOp;

/** Moves spatial blocks into channels, the inverse of depthToSpace (`npx.space_to_depth`). */
export const spaceToDepth = spaceToDepthOp;

/** Zeroes elements with probability p and scales the rest by 1/(1 − p) in training mode; the identity in predict mode. */
export const dropout = dropoutOp;

/** softmax along an axis (default the last): e^x / Σ e^x, computed stably. */
export const softmax = softmaxOp;

/** log softmax along an axis (default the last), computed stably. */
export const logSoftmax = logSoftmaxOp;

/** Picks one element per position along an axis by integer indices (MXNet's `npx.pick`, e.g. the labelled class). */
export const pick = pickOp;

/** Nearest or bilinear upsampling by an integer scale (MXNet's `npx.upsampling`). */
export const upsampling = upsamplingOp;

/** Pixels in and out of arrays: toTensor, normalize, fromImageData, toImageData (MXNet's `npx.image`). */
export const image = imageOp;

/** Finds a WebGPU device: resolves to the number of usable GPUs (0 or 1), never rejects for missing WebGPU. */
export const initGpu = (options?: InitGpuOptions): Promise<number> => initGpuOp(options);

/** The number of GPUs initGpu found. */
export const numGpus = numGpusOp;

/** GPU i's context (throws before initGpu or when there is none). */
export const gpu = gpuOp;

/** The CPU context. */
export const cpu = cpuOp;

/**
 * Waits for all queued GPU work and throws the first error an op reported (resolves at once without a GPU). It copies no
 * values back: a GPU array becomes synchronously readable with `await x.wait()` (or read it with `await x.data()`).
 */
export const waitAll = async (): Promise<void> => (numGpusOp() > 0 ? syncGpu("npx.waitAll") : undefined);

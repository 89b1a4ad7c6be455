// Public entry of tconv: np, npx, nn, gluon, init, autograd, d2l, setNumThreads.
import "./methods.js"; // first: installs NDArray's methods before anything can call them
export { np } from "./np.js";
export { npx, type Activation } from "./npx.js";
export { nn, gluon } from "./gluon/index.js";
export { Parameter, ParameterDict, type ParameterGradReq, type ParameterOptions } from "./gluon/parameter.js";
export { init } from "./init/initializers.js";
export { d2l } from "./d2l/index.js";
export { autograd } from "./autograd/index.js";
export { NDArray, type NestedArray, type Operand } from "./ndarray/ndarray.js";
export type { Dtype } from "./backends/kernel.js";
export type { Index } from "./ndarray/indexing.js";
export { resolveConv, type ConvOptions, type ConvOp, type Padding, type ResolvedConv } from "./params/conv-params.js";
export type { ConvGeometry, Layout } from "./params/geometry.js";
export type { ConvLayerOptions, ConvTransposeLayerOptions } from "./gluon/conv-layers.js";
export type { BatchNormLayerOptions } from "./gluon/norm-layers.js";
export type { DenseOptions, DropoutLayerOptions } from "./gluon/basic-layers.js";
export type { AvgPoolLayerOptions, GlobalPoolLayerOptions, PoolLayerOptions } from "./gluon/pool-layers.js";
export type { BatchNormOptions } from "./ops/batch-norm.js";
export type { PoolingOptions, PoolType, PoolingConvention } from "./ops/pooling.js";
export type { LeakyActType, LeakyReluOptions } from "./ops/activation.js";
export type { DepthToSpaceOptions, ShuffleMode } from "./ops/depth-to-space.js";
export type { DropoutOptions } from "./ops/dropout.js";
export type { AxisOption } from "./ops/join.js";
export type { ConvCallOptions } from "./ops/conv.js";
export type { ImageDataLike, FromImageDataOptions, ToImageDataOptions } from "./ops/image.js";
export { setNumThreads, getNumThreads, threadsReady } from "./backends/threads.js";

// Public entry of tconv: np, npx, nn, gluon, init, autograd, d2l, setNumThreads.
export { np } from "./np.js";
export { npx, type Activation } from "./npx.js";
export { nn, gluon } from "./gluon/index.js";
export { Parameter, ParameterDict, type ParameterGradReq, type ParameterOptions } from "./gluon/parameter.js";
export { init } from "./init/initializers.js";
export { d2l } from "./d2l/index.js";
export { autograd } from "./autograd/index.js";
export { NDArray, type Dtype, type Index, type NestedArray, type Operand } from "./ndarray/ndarray.js";
export { resolveConv, type ConvOptions, type ConvOp, type Padding, type ResolvedConv } from "./params/conv-params.js";
export type { ConvGeometry, Layout } from "./params/geometry.js";
export type { ConvLayerOptions, ConvTransposeLayerOptions } from "./gluon/conv-layers.js";
export type { ConvCallOptions } from "./ops/conv.js";
export type { ImageDataLike, FromImageDataOptions, ToImageDataOptions } from "./ops/image.js";
export { setNumThreads, getNumThreads, threadsReady } from "./kernels/threads.js";

// The `nn` namespace: Gluon's layers and containers, each usable as a value and as a type (`let net: nn.Sequential`).
export { Block, Block as HybridBlock, Sequential, Sequential as HybridSequential } from "./block.js";
export { Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose } from "./conv-layers.js";
export { BatchNorm } from "./norm-layers.js";
export { GroupNorm, InstanceNorm, LayerNorm } from "./feature-norm-layers.js";
export { Activation, Dense, Dropout, ELU, Flatten, GELU, HardSigmoid, HardSwish, LeakyReLU, PReLU, SELU } from "./basic-layers.js";
export {
  AvgPool1D,
  AvgPool2D,
  AvgPool3D,
  GlobalAvgPool1D,
  GlobalAvgPool2D,
  GlobalAvgPool3D,
  GlobalMaxPool1D,
  GlobalMaxPool2D,
  GlobalMaxPool3D,
  MaxPool1D,
  MaxPool2D,
  MaxPool3D,
} from "./pool-layers.js";
export { PixelShuffle1D, PixelShuffle2D, PixelShuffle3D } from "./pixel-shuffle-layers.js";
export { Upsample } from "./upsample.js";
export { SpectralNorm } from "./spectral-norm.js";

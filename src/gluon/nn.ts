// The `nn` namespace: Gluon's layers and containers, each usable as a value and as a type (`let net: nn.Sequential`).
export { Block, Block as HybridBlock, Sequential, Sequential as HybridSequential } from "./block.js";
export { Conv1D, Conv1DTranspose, Conv2D, Conv2DTranspose, Conv3D, Conv3DTranspose } from "./conv-layers.js";

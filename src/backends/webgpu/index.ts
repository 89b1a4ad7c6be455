// The WebGPU backend's entry points: device, memory, transfers and the kernels over GpuTensor handles.
export { initGpu, syncGpu, destroyGpu, gpuInfo, gpuOp, type GpuLike, type InitGpuOptions } from "./device.js";
export { allocTensor, releaseTensor, emptyPools, poolStats, sizeClass, type GpuTensor } from "./buffer-pool.js";
export { upload, readTensor, requireFloat32 } from "./transfer.js";
export { pipelineCount } from "./pipelines.js";
export { imageToGridGpu, gridToImageGpu, weightGradGpu } from "./conv.js";
export { matmulGpu } from "./matmul.js";
export { unaryGpu, binaryGpu, denseView, type GpuView } from "./elementwise.js";
export { reduceGpu } from "./reduce.js";
export { scalarStats, MAX_CACHED_SCALARS } from "./scalars.js";

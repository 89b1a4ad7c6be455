// releaseMemory(): gives back the WebAssembly memory (and the worker pool) that a large float32 call grew, and the free GPU buffers.
import { emptyPools } from "./webgpu/buffer-pool.js";
import { destroyPool } from "./wasm/pool.js";
import { dropRuntime } from "./wasm/runtime.js";

/**
 * WebAssembly memory only grows: after a call that needed 1 GiB the module keeps 1 GiB. releaseMemory() ends the pool
 * workers and drops the module and its memory (the garbage collector frees them once the workers have exited); the
 * next float32 call builds a fresh module with a small memory (~10 ms). Kernel calls are synchronous, so the backend
 * is always idle when this runs. On WebGPU the pooled free buffers are destroyed (queued work that used them finishes
 * first: destroy() waits for submitted work).
 */
export function releaseMemory(): void {
  destroyPool();
  dropRuntime();
  // GPU buffers of live arrays stay; the pooled free ones are destroyed
  emptyPools();
}

// Compute pipelines cached by WGSL source per device, and the one dispatch helper every kernel uses.
import type { GpuTensor } from "./buffer-pool.js";
import { gpuOp } from "./device.js";

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/**
 * The pipeline of `code` (entry point `main`, bind group 0, layout derived from the shader). Kernels bake a call's
 * sizes into the source as constants, so a network compiles one pipeline per distinct layer shape, once.
 */
export function pipelineFor(device: GPUDevice, code: string): GPUComputePipeline {
  let cache = caches.get(device);
  if (cache === undefined) caches.set(device, (cache = new Map()));
  let p = cache.get(code);
  if (p === undefined) {
    const module = device.createShaderModule({ code });
    p = device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
    cache.set(code, p);
  }
  return p;
}

/** Number of pipelines compiled so far on `device` (tests of the cache). */
export function pipelineCount(device: GPUDevice): number {
  return caches.get(device)?.size ?? 0;
}

/** One storage binding: a tensor, bound over its first `size` elements (rounded up to 16 bytes for vec4 views). */
export type Binding = GpuTensor;

/**
 * Checks the operands against the device limits, then encodes one compute pass of `code` over `workgroups` with
 * `bindings` at @binding(0…) and submits it. Queued: returns at once; errors surface at the next sync, naming `op`.
 */
export function dispatch(op: string, code: string, bindings: readonly Binding[], workgroups: readonly [number, number, number]): void {
  gpuOp(op, (device) => {
    const lim = device.limits;
    if (bindings.length > lim.maxStorageBuffersPerShaderStage)
      throw new Error(`${op}: ${bindings.length} storage buffers exceed the device limit ${lim.maxStorageBuffersPerShaderStage}`);
    for (const b of bindings)
      if (b.size * 4 > lim.maxStorageBufferBindingSize)
        throw new Error(`${op}: an operand of ${b.size} float32 elements (${b.size * 4} bytes) exceeds the maxStorageBufferBindingSize limit of ${lim.maxStorageBufferBindingSize} bytes`);
    for (const w of workgroups)
      if (w > lim.maxComputeWorkgroupsPerDimension)
        throw new Error(`${op}: ${w} workgroups along one dimension exceed the device limit ${lim.maxComputeWorkgroupsPerDimension}`);
    if (workgroups.some((w) => w === 0)) return;
    const pipeline = pipelineFor(device, code);
    const entries: GPUBindGroupEntry[] = bindings.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buffer, offset: 0, size: Math.min(b.buffer.size, Math.max(16, Math.ceil((b.size * 4) / 16) * 16)) },
    }));
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const enc = device.createCommandEncoder({ label: op });
    const pass = enc.beginComputePass({ label: op });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    pass.end();
    device.queue.submit([enc.finish()]);
  });
}

/** A 1-D count of workgroups spread over x and y (each at most 65535, the spec default). */
export function grid2d(count: number): [number, number, number] {
  if (count <= 65535) return [count, 1, 1];
  return [65535, Math.ceil(count / 65535), 1];
}

// Compute pipelines cached by WGSL source per device, and the one dispatch helper every kernel uses.
import type { GpuTensor } from "./buffer-pool.js";
import { USAGE } from "./buffer-pool.js";
import { gpuOp } from "./device.js";

const caches = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/**
 * The pipeline of `code` (entry point `main`, bind group 0, layout derived from the shader). The GEMM kernels take a
 * call's sizes from a uniform buffer, so one pipeline serves every shape of a kernel variant (a tiled GEMM compiles in
 * ~3 s on SwiftShader; the elementwise kernels, which compile in ~0.1 s, still bake their shapes in).
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
export function dispatch(op: string, code: string, bindings: readonly Binding[], workgroups: readonly [number, number, number], uniforms?: Int32Array): void {
  gpuOp(op, (device) => {
    const lim = device.limits;
    if (bindings.length > lim.maxStorageBuffersPerShaderStage)
      throw new Error(`${op}: ${bindings.length} storage buffers exceed the device limit ${lim.maxStorageBuffersPerShaderStage}`);
    for (const b of bindings)
      if (b.size * 4 > lim.maxStorageBufferBindingSize)
        throw new Error(
          `${op}: an operand of ${b.size} float32 elements (${b.size * 4} bytes) exceeds the maxStorageBufferBindingSize limit of ${lim.maxStorageBufferBindingSize} bytes`,
        );
    for (const w of workgroups)
      if (w > lim.maxComputeWorkgroupsPerDimension)
        throw new Error(`${op}: ${w} workgroups along one dimension exceed the device limit ${lim.maxComputeWorkgroupsPerDimension}`);
    if (workgroups.some((w) => w === 0)) return;
    const pipeline = pipelineFor(device, code);
    const entries: GPUBindGroupEntry[] = bindings.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buffer, offset: 0, size: Math.min(b.buffer.size, Math.max(16, Math.ceil((b.size * 4) / 16) * 16)) },
    }));
    // the call's sizes: a uniform buffer at the binding after the storage ones, so one pipeline serves every shape
    let ubuf: GPUBuffer | null = null;
    if (uniforms !== undefined) {
      ubuf = device.createBuffer({ size: Math.max(16, Math.ceil(uniforms.byteLength / 16) * 16), usage: USAGE.UNIFORM | USAGE.COPY_DST, label: `${op} sizes` });
      device.queue.writeBuffer(ubuf, 0, uniforms.buffer, uniforms.byteOffset, uniforms.byteLength);
      entries.push({ binding: bindings.length, resource: { buffer: ubuf } });
    }
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const enc = device.createCommandEncoder({ label: op });
    const pass = enc.beginComputePass({ label: op });
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    pass.end();
    device.queue.submit([enc.finish()]);
    // freed once the submitted work is done (destroy() does not cut short work already queued)
    ubuf?.destroy();
  });
}

/** A 1-D count of workgroups spread over x and y (each at most 65535, the spec default). */
export function grid2d(count: number): [number, number, number] {
  if (count <= 65535) return [count, 1, 1];
  return [65535, Math.ceil(count / 65535), 1];
}

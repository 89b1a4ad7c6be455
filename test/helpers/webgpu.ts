// The WebGPU device for the GPU tests in Node (the npm `webgpu` package, Dawn, on whatever adapter exists, or why not), and the GPU-against-CPU comparison.
import assert from "node:assert/strict";
import type { NDArray } from "../../src/ndarray/ndarray.js";
import { initGpu } from "../../src/backends/webgpu/device.js";
import type { GpuLike } from "../../src/backends/webgpu/device.js";
import { gpu as gpuContext, numGpus } from "../../src/context.js";

/**
 * Opens the device through `webgpu`'s create([]) (scripts/run-tests.mjs points Dawn's Vulkan loader at Chromium's
 * SwiftShader when no other Vulkan driver is set). Resolves to false when a device is open, or to the reason there is
 * none, printed, for `test(..., { skip })`: the GPU tests skip only when no adapter exists.
 */
export async function openTestGpu(): Promise<string | false> {
  let entry: GpuLike;
  try {
    const mod = (await import("webgpu")) as { create: (flags: string[]) => GpuLike; globals: object };
    Object.assign(globalThis, mod.globals);
    entry = mod.create([]);
  } catch (e) {
    return skip(`the npm package "webgpu" could not be loaded: ${(e as Error).message}`);
  }
  if ((await initGpu({ gpu: entry })) === 1 && numGpus() === 1) return false;
  try {
    gpuContext(0);
  } catch (e) {
    return skip(`${(e as Error).message} (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? "unset"})`);
  }
  return skip("initGpu found no GPU");
}

function skip(reason: string): string {
  console.log(`# webgpu tests skipped: ${reason}`);
  return reason;
}

/**
 * Waits for a GPU array and checks it against the CPU result elementwise: |g − c| ≤ atol + rtol·|c|, equal values
 * (±∞ included) and NaN on both sides agreeing.
 */
export async function assertCloseToCpu(gpuArr: NDArray, cpuArr: NDArray, what: string, atol = 1e-5, rtol = 1e-5): Promise<void> {
  assert.equal(String(gpuArr.ctx), "gpu(0)", `${what}: result on the GPU`);
  assert.equal(String(cpuArr.ctx), "cpu(0)");
  await gpuArr.wait();
  assert.deepEqual(gpuArr.shape, cpuArr.shape, `${what}: shape`);
  const g = gpuArr.asTypedArray(),
    c = cpuArr.asTypedArray();
  for (let i = 0; i < c.length; i++) {
    const tol = atol + rtol * Math.abs(c[i]!);
    if (!(g[i] === c[i] || Math.abs(g[i]! - c[i]!) <= tol || (Number.isNaN(g[i]!) && Number.isNaN(c[i]!))))
      assert.fail(`${what}: element ${i} is ${g[i]} on the GPU and ${c[i]} on the CPU (tolerance ${tol})`);
  }
}

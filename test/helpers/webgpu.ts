// The WebGPU device for the GPU tests in Node: the npm `webgpu` package (Dawn) on whatever adapter exists, or why not.
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

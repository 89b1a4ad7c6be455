// --gpu for the demos in Node: opens WebGPU through the `webgpu` package (Dawn, a dev dependency imported only when --gpu
// is given) and returns d2l.tryGpu(): gpu(0) when an adapter exists, otherwise cpu() with the reason printed.
import { existsSync } from "node:fs";
import { type Context, d2l, type GpuLike, npx } from "tconv";

/** Chromium's SwiftShader (a software Vulkan driver), used when no other Vulkan driver gives an adapter */
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";

/**
 * Opens the GPU for a demo. Dawn first tries the system's Vulkan drivers; when they give no adapter (no GPU, or only
 * Mesa's lavapipe, which Dawn rejects) and VK_ICD_FILENAMES is unset, it retries with Chromium's SwiftShader, as
 * `npm test` and bench:gpu do. Never throws for a missing GPU: the demo then runs on the CPU and says so.
 */
export async function openGpu(log: (line: string) => void = console.log): Promise<Context> {
  let mod: { create: (flags: string[]) => GpuLike; globals: object };
  try {
    mod = (await import("webgpu")) as typeof mod;
  } catch (e) {
    log(`--gpu: the npm package "webgpu" did not load (${(e as Error).message.split("\n")[0]}); running on cpu(0)`);
    return npx.cpu();
  }
  Object.assign(globalThis, mod.globals);
  process.env.XDG_RUNTIME_DIR ??= "/tmp"; // Vulkan's window-system code warns without one
  let found = await npx.initGpu({ gpu: mod.create([]) });
  if (found === 0 && process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER; // read by the Vulkan loader when Dawn makes its next instance
    found = await npx.initGpu({ gpu: mod.create([]) });
    if (found > 0) log(`--gpu: no hardware Vulkan adapter; using Chromium's SwiftShader (software: correct, not fast)`);
  }
  if (found === 0) {
    try {
      npx.gpu();
    } catch (e) {
      log(`--gpu: no WebGPU adapter (${(e as Error).message}); running on cpu(0)`);
    }
  }
  return d2l.tryGpu();
}

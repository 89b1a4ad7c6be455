// Runs every test/**/*.test.ts with node's test runner (TypeScript loaded through tsx).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? find(p) : p.endsWith(".test.ts") ? [p] : [];
  });
}
const only = process.argv.slice(2);
const files = only.length > 0 ? only : find("test").sort();
// WebGPU in Node (test/backends/webgpu): Dawn finds no Vulkan driver on a machine without a GPU, so point its loader at
// the SwiftShader that Debian's Chromium ships, unless the caller chose a driver (VK_ICD_FILENAMES) already.
const env = { ...process.env };
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
if (env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER)) {
  env.VK_ICD_FILENAMES = SWIFTSHADER;
  // the Vulkan loader itself: Chromium's copy when the system has none (libvulkan1 not installed)
  const systemLoader = ["/usr/lib/x86_64-linux-gnu/libvulkan.so.1", "/usr/lib/aarch64-linux-gnu/libvulkan.so.1", "/usr/lib/libvulkan.so.1"].some(existsSync);
  if (!systemLoader) env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  env.XDG_RUNTIME_DIR ??= "/tmp";
}
// every property test without its own seed samples the same cases on every run (test/helpers/fast-check-seed.ts)
const seeded = ["--import", "./test/helpers/fast-check-seed.ts"];
const r = spawnSync(process.execPath, ["--import", "tsx", ...seeded, "--test", "--test-reporter=spec", ...files], { stdio: "inherit", env });
process.exit(r.status ?? 1);

#!/usr/bin/env node
// The 10,000-step GPU memory soak (issue 21, item 4): trains one Conv2DTranspose on gpu(0) and checks that the live GPU
// buffers stay flat. npm test runs a 300-step version (test/backends/webgpu/memory.test.ts); on SwiftShader a step of
// even this smallest net costs ~8–20 ms, so 10,000 steps (~2–3 min) are too long for npm test and run here instead.
//
//   node scripts/gpu-memory-soak.mjs [--steps 10000] [--every 500]      (needs `npm run build` first)
//
// Exit status 0: flat; 1: the live buffer count grew (a leak) or a loss was not finite; 2: no GPU adapter.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
// Dawn needs a Vulkan driver; without a GPU use Chromium's SwiftShader (as scripts/run-tests.mjs and bench/gpu.mjs do).
// LD_LIBRARY_PATH takes effect only at process start, so re-run once with the variables set.
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER) && process.env.TCONV_SOAK_CHILD === undefined) {
  const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp", TCONV_SOAK_CHILD: "1" };
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libvulkan.so.1")) env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit", env });
  process.exit(r.status ?? 1);
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`gpu-memory-soak: --${name} ${process.argv[i + 1]} must be an integer >= 1`);
  return v;
};
const STEPS = arg("steps", 10_000),
  EVERY = arg("every", 500);

const { autograd, gluon, init, nn, np, npx, releaseMemory } = await import(join(REPO, "dist", "index.js"));
const { destroyGpu, gpuInfo, poolStats } = await import(join(REPO, "dist", "backends", "webgpu", "index.js"));
const { create, globals } = await import("webgpu");
Object.assign(globalThis, globals);
if ((await npx.initGpu({ gpu: create([]) })) === 0) {
  console.log("gpu-memory-soak: no WebGPU adapter (set VK_ICD_FILENAMES to a Vulkan driver)");
  process.exit(2);
}
const info = gpuInfo();
console.log(`adapter: ${info.vendor} ${info.architecture} ${info.description}`.trim());
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

// the smallest meaningful training step: Conv2DTranspose(1, k2) on a 1×1×4×4 input, L1 loss, SGD with momentum
const ctx = npx.gpu();
const net = new nn.Conv2DTranspose(1, { kernelSize: 2, inChannels: 1 });
net.initialize(init.Normal(0.1), { ctx });
const trainer = new gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.01, momentum: 0.9 });
np.random.seed(4);
const X = np.random.uniform({ size: [1, 1, 4, 4], ctx });
const Y = np.random.uniform({ size: [1, 1, 5, 5], ctx });
const live = () => {
  const s = poolStats();
  return s.created - s.destroyed;
};
const settle = async () => {
  await npx.waitAll();
  // FinalizationRegistry callbacks run as tasks after a collection: collect until no more buffers come back
  let returned = -1;
  for (let k = 0; k < 20 && poolStats().returned !== returned; k++) {
    returned = poolStats().returned;
    gc();
    await new Promise((r) => setTimeout(r, 20));
  }
};

const counts = [];
let loss = 0;
const t0 = performance.now();
for (let step = 1; step <= STEPS; step++) {
  const l = autograd.record(() => net.forward(X).sub(Y).abs().mean());
  l.backward();
  trainer.step(1);
  if (step % EVERY === 0 || step === STEPS) {
    loss = (await l.wait()).item();
    if (!Number.isFinite(loss)) {
      console.log(`step ${step}: loss ${loss} is not finite`);
      process.exit(1);
    }
    await settle();
    counts.push(live());
    console.log(`step ${String(step).padStart(String(STEPS).length)}: loss ${loss.toExponential(3)}, live GPU buffers ${live()}`);
  }
}
const ms = performance.now() - t0;
console.log(`${STEPS} steps in ${(ms / 1000).toFixed(1)} s (${(ms / STEPS).toFixed(2)} ms a step, samples and collections included)`);
// As in memory.test.ts: a late collection can double the pool once; a leak grows at every sample (one buffer a step
// adds EVERY buffers a sample).
const first = counts[0];
const jumps = counts.slice(1).filter((c, i) => c > counts[i] + 16).length;
const flat = jumps <= 1 && Math.max(...counts) <= 2 * first + 16;
releaseMemory();
const emptied = poolStats().pooledBytes === 0;
destroyGpu();
console.log(flat ? `flat: live buffers ${first} → ${counts.at(-1)} (max ${Math.max(...counts)})` : `GREW: live buffers ${counts.join(", ")}`);
console.log(emptied ? "releaseMemory emptied the pool" : "releaseMemory left pooled bytes");
process.exit(flat && emptied ? 0 : 1);

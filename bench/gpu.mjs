#!/usr/bin/env node
// bench:gpu: tconv's transposed convolution on gpu(0) (npx.deconvolution on GPU arrays, then await y.wait()) against its
// own wasm path on the CPU, per DCGAN generator layer, in Node
// through the npm `webgpu` package (Dawn). Prints the adapter; on a software adapter (SwiftShader) the numbers are a
// smoke test of the pipeline, not a speed measurement.
//
//   node bench/gpu.mjs [--batch 4] [--reps 3]
//
// Peers on WebGPU (onnxruntime-web's WebGPU EP, tfjs-webgpu) and the Chromium page are not in this script yet.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");
const SWIFTSHADER = "/usr/lib/chromium/vk_swiftshader_icd.json";
// Dawn needs a Vulkan driver; without a GPU use the SwiftShader Chromium ships (its loader too, via LD_LIBRARY_PATH,
// which only takes effect at process start: re-run this script once with the variables set)
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER) && process.env.TCONV_BENCH_GPU_CHILD === undefined) {
  const env = { ...process.env, VK_ICD_FILENAMES: SWIFTSHADER, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? "/tmp", TCONV_BENCH_GPU_CHILD: "1" };
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libvulkan.so.1")) env.LD_LIBRARY_PATH = ["/usr/lib/chromium", env.LD_LIBRARY_PATH].filter(Boolean).join(":");
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit", env });
  process.exit(r.status ?? 1);
}

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const BATCH = arg("batch", 4),
  REPS = arg("reps", 3);

const { np, npx } = await import(join(REPO, "dist", "index.js"));
const G = await import(join(REPO, "dist", "backends", "webgpu", "index.js"));
const { create, globals } = await import("webgpu");
Object.assign(globalThis, globals);

if ((await npx.initGpu({ gpu: create([]) })) === 0) {
  try {
    npx.gpu();
  } catch (e) {
    console.log(`bench:gpu: no WebGPU adapter: ${e.message}`);
  }
  process.exit(0);
}
const info = G.gpuInfo();
const software = /swiftshader|llvmpipe|lavapipe|software|warp/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
console.log(`adapter: vendor="${info.vendor}" architecture="${info.architecture}" description="${info.description}"`);
if (software) console.log("SOFTWARE ADAPTER: the GPU timings below are a smoke test (CPU emulation of a GPU), not GPU speed.");

// D2L's DCGAN generator (n_G = 64): 100→512 (k4 s1 p0), 512→256, 256→128, 128→64, 64→3 (k4 s2 p1)
const layers = [
  [100, 512, 1, 1, 0],
  [512, 256, 4, 2, 1],
  [256, 128, 8, 2, 1],
  [128, 64, 16, 2, 1],
  [64, 3, 32, 2, 1],
];
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nbatch ${BATCH}, median of ${REPS} (GPU: npx.deconvolution on gpu(0) arrays + await y.wait(), i.e. queue + readback; both paths warmed up by one call first)`,
);
console.log("layer                              webgpu ms   wasm ms   max|diff|");
for (const [cin, cout, hw, s, p] of layers) {
  np.random.seed(1);
  const x = np.random.uniform({ low: -1, high: 1, size: [BATCH, cin, hw, hw] });
  const w = np.random.uniform({ low: -0.05, high: 0.05, size: [cin, cout, 4, 4] });
  const gx = x.asInCtx(npx.gpu()),
    gw = w.asInCtx(npx.gpu());
  const onGpu = async () => (await npx.deconvolution(gx, gw, { strides: s, padding: p }).wait()).asTypedArray();
  let gpuOut = await onGpu(); // warm-up: compiles the pipeline
  npx.deconvolution(x, w, { strides: s, padding: p }); // warm-up: the wasm module and its buffers
  const gpuMs = [],
    cpuMs = [];
  let cpuOut;
  for (let r = 0; r < REPS; r++) {
    let t0 = performance.now();
    gpuOut = await onGpu();
    gpuMs.push(performance.now() - t0);
    t0 = performance.now();
    cpuOut = npx.deconvolution(x, w, { strides: s, padding: p }).asTypedArray();
    cpuMs.push(performance.now() - t0);
  }
  let diff = 0;
  for (let i = 0; i < cpuOut.length; i++) diff = Math.max(diff, Math.abs(cpuOut[i] - gpuOut[i]));
  const o = (hw - 1) * s - 2 * p + 4;
  const name = `[${BATCH},${cin},${hw},${hw}]→[${BATCH},${cout},${o},${o}]`;
  console.log(`${name.padEnd(34)} ${median(gpuMs).toFixed(1).padStart(9)} ${median(cpuMs).toFixed(1).padStart(9)}   ${diff.toExponential(1)}`);
}
G.destroyGpu();

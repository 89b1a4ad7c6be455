// Node's side of test/web/train.test.ts, run in a child `node --experimental-wasm-relaxed-simd` so that it runs the wasm
// kernels Chromium runs (relaxed SIMD): 50 steps at 1 thread, layer outputs for the fixed noise, the demo's checkpoint after 13 steps.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { setNumThreads, type NDArray } from "tconv";
import { DCGANPair } from "../../examples/dcgan-nets.js";
import { DCGANSteps, FIXED_NOISE_KEY, buildNets, noise } from "../../examples/dcgan-train.js";
import { trainDCGAN } from "../../examples/dcgan.js";

export const ARCH = { imageSize: 16, width: 8, latentDim: 16 };
export const CONFIG = { seed: 0, datasetSize: 64, batchSize: 8, learningRate: 0.002 };
export const STEPS = 50;
export const DEMO_STEPS = 13;

const out = process.argv[2];
if (out && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  setNumThreads(1);
  const nets = buildNets(ARCH, CONFIG);
  const steps = new DCGANSteps(ARCH, CONFIG);
  for (let s = 0; s < STEPS; s++) steps.step(nets, Math.floor(s / steps.perEpoch), s % steps.perEpoch);
  new DCGANPair(nets.generator, nets.discriminator).saveParameters(join(out, "node-50.safetensors"));
  let x: NDArray = noise(16, ARCH.latentDim, CONFIG.seed, FIXED_NOISE_KEY).at("0:1");
  const maps: { shape: number[]; data: number[] }[] = [];
  for (let i = 0; i < nets.generator.length; i++) {
    x = nets.generator.at(i).forward(x) as NDArray;
    maps.push({ shape: [...x.shape], data: Array.from(x.asTypedArray()) });
  }
  writeFileSync(join(out, "node-maps.json"), JSON.stringify(maps));
  await trainDCGAN({ ...ARCH, ...CONFIG, epochs: 100, maxBatches: DEMO_STEPS, threads: 1, out: join(out, "demo"), pictures: false, quiet: true });
  const { relaxedSimdSupported } = await import("../../src/backends/wasm/runtime.js");
  writeFileSync(join(out, "node-done.json"), JSON.stringify({ relaxed: relaxedSimdSupported() }));
}

// Steps per second of `npm run demo:dcgan`'s training step in Node (demo defaults), for scripts/train-screenshots.mjs.
// Usage: tsx scripts/train-node-speed.ts THREADS STEPS → prints one JSON line { threads, steps, seconds }.
import { setNumThreads } from "tconv";
import { DCGANSteps, buildNets } from "../examples/dcgan-train.js";

const threads = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 30);
setNumThreads(threads);
const arch = { imageSize: 16, width: 32, latentDim: 100 };
const config = { seed: 0, datasetSize: 4096, batchSize: 32, learningRate: 0.001 };
const nets = buildNets(arch, config);
const steps = new DCGANSteps(arch, config);
for (let k = 0; k < 10; k++) steps.step(nets, 0, k); // warm-up, as the page's measurement skips its first 10 steps
const t0 = performance.now();
for (let k = 10; k < 10 + count; k++) steps.step(nets, Math.floor(k / steps.perEpoch), k % steps.perEpoch);
console.log(JSON.stringify({ threads, steps: count, seconds: (performance.now() - t0) / 1000 }));

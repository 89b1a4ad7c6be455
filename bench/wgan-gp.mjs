#!/usr/bin/env node
// WGAN-GP critic step (gradient penalty through autograd.grad with createGraph: a second backward through every
// convolution) against the plain WGAN critic step, on D2L's DCGAN critic without BatchNorm (64×64, N=16, float32),
// and against PyTorch 1.13 CPU doing the same steps at the same thread count when /usr/bin/python3 has torch.
//   npm run build && node bench/wgan-gp.mjs [--threads 1] [--target-ms 4000]
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { autograd, gluon, init, nn, np, setNumThreads, threadsReady } from "../dist/index.js";

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const threads = Number(opt("threads", 1));
const targetMs = Number(opt("target-ms", 4000));
setNumThreads(threads);
await threadsReady();

const N = 16,
  LAMBDA = 10;

/** D2L §20.2's net_D with WGAN-GP's change: no BatchNorm (Gulrajani et al. 2017), so each conv gets a bias. */
function critic() {
  const net = new nn.Sequential();
  for (const c of [64, 128, 256, 512]) net.add(new nn.Conv2D(c, { kernelSize: 4, strides: 2, padding: 1 }), new nn.LeakyReLU(0.2));
  net.add(new nn.Conv2D(1, { kernelSize: 4 }));
  return net;
}

np.random.seed(0);
const D = critic();
D.initialize(init.Normal(0.02));
const trainer = new gluon.Trainer(D.collectParams(), "adam", { learningRate: 1e-4, beta1: 0, beta2: 0.9 });
const real = np.random.uniform({ low: -1, high: 1, size: [N, 3, 64, 64] });
const fake = np.random.uniform({ low: -1, high: 1, size: [N, 3, 64, 64] });
const eps = np.random.uniform({ low: 0, high: 1, size: [N, 1, 1, 1] });
const ones = np.ones([N]);

/** Wasserstein critic loss per sample: D(fake) − D(real). */
const plainLoss = () => D.forward(fake).reshape(N).sub(D.forward(real).reshape(N));

function plainStep() {
  autograd.record(plainLoss).backward(ones);
  trainer.step(N);
}

function gpStep() {
  const xHat = eps.mul(real).add(eps.neg().add(1).mul(fake)).attachGrad();
  const loss = autograd.record(() => {
    const g = autograd.grad(D.forward(xHat), xHat, { headGrads: np.ones([N, 1, 1, 1]), createGraph: true });
    const penalty = g.reshape(N, -1).pow(2).sum({ axis: 1 }).sqrt().sub(1).pow(2).mul(LAMBDA);
    return plainLoss().add(penalty);
  });
  loss.backward(ones);
  trainer.step(N);
}

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

/** PyTorch serving one step per request (bench/pytorch/wgan_gp.py), or null when /usr/bin/python3 has no torch. */
async function startTorch() {
  const child = spawn("/usr/bin/python3", [fileURLToPath(new URL("./pytorch/wgan_gp.py", import.meta.url)), String(threads)], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(stderr.trim().split("\n").pop() || "python exited");
    return JSON.parse(r.value);
  };
  try {
    const hello = await next();
    return { ...hello, step: async (name) => (child.stdin.write(`${name}\n`), (await next()).ms), stop: () => child.stdin.end("quit\n") };
  } catch (e) {
    console.log(`(PyTorch not run: ${e.message})`);
    return null;
  }
}

/** ms of one tconv step, measured here; PyTorch's steps are timed inside Python. */
const tconvStep = (fn) => async () => {
  const t = performance.now();
  fn();
  return performance.now() - t;
};

/**
 * median ms of each step over interleaved rounds (each round runs every step once, in rotating order, tconv's and
 * PyTorch's alike, so load changes on a shared machine hit all of them): ≥ 7 rounds and ≥ targetMs per step, after one
 * warm-up call each.
 */
async function timeAll(steps) {
  for (const s of steps) await s();
  const samples = steps.map(() => []);
  for (let round = 0, t0 = performance.now(); round < 7 || performance.now() - t0 < targetMs * steps.length; round++)
    for (let k = 0; k < steps.length; k++) {
      const i = (k + round) % steps.length;
      samples[i].push(await steps[i]());
    }
  return samples.map(median);
}

console.log(
  `WGAN-GP critic step, D2L DCGAN critic without BatchNorm, [${N}, 3, 64, 64] float32, ${threads} thread(s); load average ${loadavg()[0].toFixed(2)}`,
);
const torch = await startTorch();
const steps = [tconvStep(plainStep), tconvStep(gpStep), ...(torch ? [() => torch.step("plain"), () => torch.step("gp")] : [])];
const ms = await timeAll(steps);
torch?.stop();
const rows = [["tconv", ms[0], ms[1]]];
if (torch) rows.push([`PyTorch ${torch.torch} CPU (${torch.threads} thread${torch.threads > 1 ? "s" : ""})`, ms[2], ms[3]]);
console.log(`${"".padEnd(30)} ${"plain step ms".padStart(14)} ${"GP step ms".padStart(12)} ${"GP / plain".padStart(11)}`);
for (const [name, p, g] of rows) console.log(`${name.padEnd(30)} ${p.toFixed(1).padStart(14)} ${g.toFixed(1).padStart(12)} ${(g / p).toFixed(2).padStart(11)}`);
if (torch)
  console.log(
    `PyTorch / tconv: plain step ${(ms[2] / ms[0]).toFixed(2)}x, GP step ${(ms[3] / ms[1]).toFixed(2)}x (above 1: tconv faster); load average ${loadavg()[0].toFixed(2)}`,
  );

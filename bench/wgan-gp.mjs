#!/usr/bin/env node
// WGAN-GP critic step (gradient penalty through autograd.grad with createGraph: a second backward through every
// convolution) against the plain WGAN critic step, on D2L's DCGAN critic without BatchNorm (64×64, N=16, float32),
// and against PyTorch 1.13 CPU doing the same steps at the same thread count when /usr/bin/python3 has torch.
//   npm run build && node bench/wgan-gp.mjs [--threads 1] [--target-ms 4000]
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { autograd, gluon, init, nn, np, setNumThreads, threadsReady } from "../dist/index.js";

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const threads = Number(opt("threads", 1));
const targetMs = Number(opt("target-ms", 4000));
setNumThreads(threads);
await threadsReady();

const N = 16, LAMBDA = 10;

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
/** median ms of each fn over interleaved rounds (load changes hit both alike): ≥ 7 rounds and ≥ targetMs, after one warm-up call each. */
function timeAll(fns) {
  for (const fn of fns) fn();
  const samples = fns.map(() => []);
  for (let round = 0, t0 = performance.now(); round < 7 || performance.now() - t0 < targetMs * fns.length; round++)
    for (let k = 0; k < fns.length; k++) {
      const i = (k + round) % fns.length;
      const t = performance.now();
      fns[i]();
      samples[i].push(performance.now() - t);
    }
  return samples.map(median);
}

console.log(`WGAN-GP critic step, D2L DCGAN critic without BatchNorm, [${N}, 3, 64, 64] float32, ${threads} thread(s); load average ${loadavg()[0].toFixed(2)}`);
const [plain, gp] = timeAll([plainStep, gpStep]);
const rows = [["tconv", plain, gp]];
const script = fileURLToPath(new URL("./pytorch/wgan_gp.py", import.meta.url));
const py = spawnSync("/usr/bin/python3", [script, String(threads), String(targetMs / 1000)], { encoding: "utf8" });
let torchVersion = null;
if (py.status === 0) {
  const r = JSON.parse(py.stdout.trim().split("\n").pop());
  torchVersion = r.torch;
  rows.push([`PyTorch ${r.torch} CPU (${r.threads} thread${r.threads > 1 ? "s" : ""})`, median(r.plain_ms), median(r.gp_ms)]);
} else console.log(`(PyTorch not run: ${(py.stderr || py.error?.message || "").trim().split("\n").pop()})`);
console.log(`${"".padEnd(30)} ${"plain step ms".padStart(14)} ${"GP step ms".padStart(12)} ${"GP / plain".padStart(11)}`);
for (const [name, p, g] of rows) console.log(`${name.padEnd(30)} ${p.toFixed(1).padStart(14)} ${g.toFixed(1).padStart(12)} ${(g / p).toFixed(2).padStart(11)}`);
if (torchVersion) console.log(`PyTorch / tconv: plain step ${(rows[1][1] / plain).toFixed(2)}x, GP step ${(rows[1][2] / gp).toFixed(2)}x (above 1: tconv faster)`);

// Whole-network and generic-op rows (child process of run.mjs): D2L's DCGAN generator forward (N = 16, predict mode)
// and one DCGAN training step (update_D then update_G, N = 16) built from tconv's layers; 1M-element add/mul/relu and
// an Adam step over 2.1M parameters against plain typed-array loops. One JSON event per row ("@@{...}").
//   node lib/networks.mjs --threads 1 [--target-ms 1000] [--min-reps 3] [--ops]
import { pathToFileURL } from "node:url";
import { tconvDistEntry } from "./peers.mjs";
import { dcganDiscriminator, dcganGenerator, dcganNote } from "./dcgan.mjs";

const args = Object.fromEntries(process.argv.slice(2).flatMap((a, i, all) => (a.startsWith("--") ? [[a.slice(2), all[i + 1] ?? ""]] : [])));
const THREADS = Number(args.threads ?? 1);
const TARGET_MS = Number(args["target-ms"] ?? 1000);
const MIN_REPS = Number(args["min-reps"] ?? 3);
const emit = (o) => process.stdout.write("@@" + JSON.stringify(o) + "\n");

const tconv = await import(pathToFileURL(tconvDistEntry()).href);
const { nn, np, npx, autograd, gluon } = tconv;
tconv.setNumThreads(THREADS);
await tconv.threadsReady?.();
const runtimeMod = await import(pathToFileURL(tconvDistEntry().replace(/index\.js$/, "backends/wasm/runtime.js")).href).catch(() => null);

/**
 * tconv and the plain loop alternately (one call each per round, so both see the same machine load), after a warm-up
 * call of each: the median of each over ≥ 15 rounds and ≥ TARGET_MS.
 */
function measurePair(ours, plain) {
  ours();
  plain();
  const a = [],
    b = [];
  const start = performance.now();
  while (a.length < 15 || (performance.now() - start < TARGET_MS && a.length < 400)) {
    let t0 = performance.now();
    ours();
    a.push(performance.now() - t0);
    t0 = performance.now();
    plain();
    b.push(performance.now() - t0);
  }
  const med = (x) => x.sort((p, q) => p - q)[x.length >> 1];
  return { ms: med(a), plainMs: med(b), rounds: a.length };
}

/** Median of warm repetitions (≥ MIN_REPS, ≥ TARGET_MS in total), after one warm-up call. */
function measure(fn) {
  fn();
  const times = [];
  const start = performance.now();
  while (times.length < MIN_REPS || (performance.now() - start < TARGET_MS && times.length < 200)) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], reps: times.length };
}

const N = 16;
np.random.seed(0);
const netG = dcganGenerator(nn),
  netD = dcganDiscriminator(nn);
netG.initialize(tconv.init.Normal ? new tconv.init.Normal(0.02) : undefined);
netD.initialize(tconv.init.Normal ? new tconv.init.Normal(0.02) : undefined);
const Z = np.random.normal({ size: [N, 100, 1, 1] });
const X = np.random.uniform({ low: -1, high: 1, size: [N, 3, 64, 64] });
const ones = np.ones([N]),
  zeros = np.zeros([N]);
const loss = new gluon.loss.SigmoidBCELoss();
netD.forward(netG.forward(Z)); // deferred shapes
const trainerD = new gluon.Trainer(netD.collectParams(), "adam", { learningRate: 0.005, beta1: 0.5 });
const trainerG = new gluon.Trainer(netG.collectParams(), "adam", { learningRate: 0.005, beta1: 0.5 });
const train = autograd.trainMode ?? ((f) => f());
const flat = (y) => y.reshape(N);

/** D2L's update_D then update_G (the fake images for D come from G in training mode, outside the tape: detach). */
function trainStep() {
  const fakeX = train(() => netG.forward(Z));
  const lossD = autograd.record(() => {
    const realY = flat(netD.forward(X)),
      fakeY = flat(netD.forward(fakeX));
    return loss.forward(realY, ones).add(loss.forward(fakeY, zeros)).div(2).sum();
  });
  lossD.backward();
  trainerD.step(N);
  const lossG = autograd.record(() => loss.forward(flat(netD.forward(netG.forward(Z))), ones).sum());
  lossG.backward();
  trainerG.step(N);
}

const build = runtimeMod?.wasmBuild?.() ?? "unknown";
const note = `${dcganNote(nn)}wasm build ${build}`;
const fwd = measure(() => netG.forward(Z).asTypedArray());
emit({ event: "network", id: "dcgan-forward", threads: THREADS, ms: fwd.ms, reps: fwd.reps, note });
// the training step is long: fewer repetitions
const trainOld = [MIN_REPS, TARGET_MS];
const tr = (() => {
  const t = [];
  trainStep();
  for (let i = 0; i < Math.max(2, trainOld[0]); i++) {
    const t0 = performance.now();
    trainStep();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { ms: t[t.length >> 1], reps: t.length };
})();
emit({ event: "network", id: "dcgan-train", threads: THREADS, ms: tr.ms, reps: tr.reps, note });

// ---- generic ops against plain loops (single-threaded JS: only at 1 thread)
if (THREADS === 1 && "ops" in args) {
  const n = 1 << 20;
  const a = np.random.uniform({ size: [n] }),
    b = np.random.uniform({ low: -1, high: 1, size: [n] });
  const A = a.asTypedArray(),
    B = b.asTypedArray();
  const plain = {
    add: () => {
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) o[i] = A[i] + B[i];
      return o;
    },
    mul: () => {
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) o[i] = A[i] * B[i];
      return o;
    },
    relu: () => {
      const o = new Float32Array(n);
      for (let i = 0; i < n; i++) o[i] = B[i] > 0 ? B[i] : 0;
      return o;
    },
  };
  const ours = { add: () => a.add(b), mul: () => a.mul(b), relu: () => npx.relu(b) };
  for (const op of ["add", "mul", "relu"]) {
    emit({ event: "op", id: op, ...measurePair(ours[op], plain[op]) });
  }
  // Adam over 2.1M parameters (two tensors), gradients set, against one plain loop over the same arrays
  const sizes = [2_000_000, 100_000];
  const params = sizes.map((s, i) => {
    const p = new gluon.Parameter(`p${i}`, [s], "float32", new tconv.init.Constant(np.zeros([s])));
    p.initialize();
    p.grad().set(np.random.normal({ size: [s] }));
    return p;
  });
  const trainer = new gluon.Trainer(params, "adam", { learningRate: 0.001 });
  const W = params.map((p) => p.data().asTypedArray()),
    G = params.map((p) => p.grad().asTypedArray());
  const M = W.map((w) => new Float32Array(w.length)),
    V = W.map((w) => new Float32Array(w.length));
  const plainAdam = () => {
    for (let k = 0; k < W.length; k++) {
      const w = W[k],
        g = G[k],
        m = M[k],
        v = V[k];
      for (let i = 0; i < w.length; i++) {
        const gi = g[i] / 16;
        m[i] = 0.9 * m[i] + 0.1 * gi;
        v[i] = 0.999 * v[i] + 0.001 * gi * gi;
        w[i] -= (0.001 * m[i]) / (Math.sqrt(v[i]) + 1e-8);
      }
    }
  };
  emit({ event: "op", id: "adam-2.1M", ...measurePair(() => trainer.step(16), plainAdam) });
}
emit({ event: "done" });

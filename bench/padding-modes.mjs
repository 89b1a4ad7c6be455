#!/usr/bin/env node
// Cost of paddingMode in the fast (float32, wasm) kernels: each mode vs "zeros" on the same call, in one process,
// forward and forward+backward, for a convolution and a transposed convolution (run `npm run build` first).
//   node bench/padding-modes.mjs [--threads 1] [--target-ms 600]
// The modes run pad → zero-padding kernel (convolution) or zero-padding kernel → fold (+ bias) (transposed): the
// extra work is one pass over the padded image, against the kernel's C·∏k multiply-adds per element.
import { autograd, np, npx, setNumThreads } from "../dist/index.js";

const argv = process.argv.slice(2);
const opt = (name, dflt) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : dflt);
const threads = Number(opt("threads", 1));
const targetMs = Number(opt("target-ms", 600));
setNumThreads(threads);

const MODES = ["zeros", "reflect", "replicate", "circular"];
const CASES = [
  { name: "conv k3 p1 64→64 @32², N=4", op: "convolution", x: [4, 64, 32, 32], w: [64, 64, 3, 3], o: { padding: 1 } },
  { name: "conv k7 p3 3→64 @64², N=4", op: "convolution", x: [4, 3, 64, 64], w: [64, 3, 7, 7], o: { padding: 3 } },
  { name: "tconv k4 s2 p1 128→64 @16², N=8 (DCGAN)", op: "deconvolution", x: [8, 128, 16, 16], w: [128, 64, 4, 4], o: { strides: 2, padding: 1 } },
  { name: "tconv k4 s2 p1 64→3 @32², N=8 (DCGAN)", op: "deconvolution", x: [8, 64, 32, 32], w: [64, 3, 4, 4], o: { strides: 2, padding: 1 } },
];

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}
/**
 * median ms of each fn, measured in interleaved rounds (each round runs every fn once, in rotating order) so that load
 * changes on a shared machine hit every mode alike; ≥ 7 rounds and ≥ targetMs, after a 200 ms warm-up of each.
 */
function timeAll(fns) {
  for (const fn of fns) for (const t0 = performance.now(); performance.now() - t0 < 200; ) fn();
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

np.random.seed(15);
console.log(`paddingMode cost, float32, ${threads} thread(s), median ms (ratio to zeros); load average ${(await import("node:os")).loadavg()[0].toFixed(2)}`);
console.log(`${"case".padEnd(42)} ${"pass".padEnd(10)} ${MODES.map((m) => m.padStart(16)).join("")}`);
for (const c of CASES) {
  const x = np.random.uniform({ low: -1, high: 1, size: c.x }),
    w = np.random.uniform({ low: -0.1, high: 0.1, size: c.w });
  const b = np.zeros([c.op === "convolution" ? c.w[0] : c.w[1]]).astype("float32");
  for (const pass of ["forward", "fwd nobias", "fwd+bwd"]) {
    if (pass === "fwd+bwd") {
      x.attachGrad();
      w.attachGrad();
    }
    const ms = timeAll(
      MODES.map((mode) => {
        const o = { ...c.o, paddingMode: mode, bias: pass === "fwd nobias" ? null : b };
        if (pass !== "fwd+bwd") return () => npx[c.op](x, w, o).asTypedArray();
        return () => {
          const y = autograd.record(() => npx[c.op](x, w, o));
          y.backward(y);
        };
      }),
    );
    const cells = ms.map((t) => `${t.toFixed(2)} (${(t / ms[0]).toFixed(2)})`.padStart(16)).join("");
    console.log(`${c.name.padEnd(42)} ${pass.padEnd(10)} ${cells}`);
  }
}

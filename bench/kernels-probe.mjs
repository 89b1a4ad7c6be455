// Quick GFLOP/s probe of the wasm kernels on the layers that matter, 1 and 2 threads (run `npm run build` first).
import { gridToImage, imageToGrid, weightGrad } from "../dist/backends/cpu/conv-dispatch.js";
import { hooks } from "../dist/backends/hooks.js";
// FORCE=wasm-col2im (or wasm-phase, ...) forces the transposed-convolution algorithm, to compare paths
if (process.env.FORCE) hooks.force.gridToImage = process.env.FORCE;
import { setNumThreads } from "../dist/backends/threads.js";
import { macCount } from "../dist/params/geometry.js";

/** NCHW geometry from (N, Cgrid, Cimg, grid, k, s, p); image = (grid−1)·s − 2p + k. */
function geo(N, gridC, imageC, grid, k, s, p) {
  const image = (grid - 1) * s - 2 * p + k;
  return {
    nd: 2,
    batch: N,
    groups: 1,
    imageChannels: imageC,
    gridChannels: gridC,
    gridSize: [grid, grid],
    imageSize: [image, image],
    kernel: [k, k],
    strides: [s, s],
    dilation: [1, 1],
    padBegin: [p, p],
    padEnd: [p, p],
    outputPadding: [0, 0],
    channelsLast: false,
  };
}
const cases = [
  ["DCGAN tconv k4s2p1 512→256@4²", "t", geo(8, 512, 256, 4, 4, 2, 1)],
  ["DCGAN tconv k4s2p1 256→128@8²", "t", geo(8, 256, 128, 8, 4, 2, 1)],
  ["DCGAN tconv k4s2p1 128→64@16²", "t", geo(8, 128, 64, 16, 4, 2, 1)],
  ["DCGAN tconv k4s2p1 64→3@32²", "t", geo(8, 64, 3, 32, 4, 2, 1)],
  // D2L's generator batch (N = 16): the whole-network rows run these
  ["DCGAN N=16 tconv k4s2p1 512→256@4²", "t", geo(16, 512, 256, 4, 4, 2, 1)],
  ["DCGAN N=16 tconv k4s2p1 256→128@8²", "t", geo(16, 256, 128, 8, 4, 2, 1)],
  ["DCGAN N=16 tconv k4s2p1 128→64@16²", "t", geo(16, 128, 64, 16, 4, 2, 1)],
  ["U-Net tconv k2s2 128→64@64²", "t", geo(8, 128, 64, 64, 2, 2, 0)],
  ["U-Net tconv k2s2 512→256@32²", "t", geo(8, 512, 256, 32, 2, 2, 0)],
  ["FCN-32s tconv k64s32p16 21→21@10²", "t", geo(8, 21, 21, 10, 64, 32, 16)],
  ["tconv k3s1p1 64→64@64²", "t", geo(8, 64, 64, 64, 3, 1, 1)],
  // convolution: the image is the 56² input, the grid the output
  ["conv k3p1 64→64@56²", "c", geo(8, 64, 64, 56, 3, 1, 1)],
  ["weight grad k3p1 64→64@56²", "w", geo(8, 64, 64, 56, 3, 1, 1)],
];
const only = process.argv[2];
const rnd = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
};
const prod = (a) => a.reduce((p, v) => p * v, 1);
console.log("case".padEnd(38), "alg".padEnd(12), "1 thread", "  2 threads", " speed-up");
for (const [name, kind, g] of cases) {
  if (only && !name.includes(only)) continue;
  const img = rnd(g.batch * g.imageChannels * prod(g.imageSize)),
    grid = rnd(g.batch * g.gridChannels * prod(g.gridSize));
  const w = rnd(g.gridChannels * g.imageChannels * prod(g.kernel));
  const run = () =>
    kind === "t" ? gridToImage(g, "float32", grid, w, null) : kind === "c" ? imageToGrid(g, "float32", img, w, null) : weightGrad(g, "float32", img, grid);
  const flop = 2 * macCount(g);
  const res = [];
  for (const th of [1, 2]) {
    setNumThreads(th);
    // warm-up (~300 ms): fresh workers run Liftoff code until V8's optimizing tier has compiled the kernels
    for (let t0 = performance.now(), i = 0; i < 3 || performance.now() - t0 < Number(process.env.WARM ?? 300); i++) run();
    let best = Infinity,
      total = 0;
    for (let i = 0; i < 30 && (i < 3 || total < 1500); i++) {
      const t = performance.now();
      run();
      const dt = performance.now() - t;
      total += dt;
      best = Math.min(best, dt);
    }
    res.push(flop / best / 1e6);
  }
  console.log(
    name.padEnd(38),
    hooks.lastAlgorithm.padEnd(12),
    res[0].toFixed(1).padStart(8),
    res[1].toFixed(1).padStart(11),
    (res[1] / res[0]).toFixed(2).padStart(8) + "×",
  );
}

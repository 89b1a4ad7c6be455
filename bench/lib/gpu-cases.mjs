// bench:gpu's cases, the same in a Chromium page (gpu-page.mjs) and in Node with Dawn (gpu.mjs): tconv on gpu(0),
// onnxruntime-web's WebGPU EP and tfjs-webgpu on one adapter, with every peer's output checked against tconv's CPU
// result (max |Δ| printed), so a peer set up wrongly cannot pass silently.
import { dcganGenerator } from "./dcgan.mjs";
import { maxAbs, maxAbsDiff } from "./diff.mjs";
import { buildConvModel } from "./onnx.mjs";

/** D2L's DCGAN generator's transposed convolutions (n_G = 64): [cin, cout, input size, stride, padding], all k4 */
export const LAYERS = [
  [100, 512, 1, 1, 0],
  [512, 256, 4, 2, 1],
  [256, 128, 8, 2, 1],
  [128, 64, 16, 2, 1],
  [64, 3, 32, 2, 1],
];

/** adapter descriptions of software (CPU) implementations of WebGPU */
export const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|warp|fallback/i;

/** The run's sizes once the adapter is known: --quick (the default on a software adapter) keeps SwiftShader to minutes. */
export function resolveOpts(req, software) {
  const quick = req.quick || (software && !req.full);
  const genBatches = req.batch ?? (quick ? [16] : [16, 64]);
  return {
    quick,
    genBatches,
    skipWhy: req.batch ? "not in --batch" : "--quick (the default on a software adapter, where N = 64 costs about 4× N = 16): pass --batch 16,64 or --full",
    layerBatch: req.layerBatch ?? (quick ? 4 : 16),
    trainBatch: req.trainBatch ?? (quick ? 4 : 16),
    reps: req.reps ?? (quick ? 1 : 5),
    // on SwiftShader a row whose first call takes this long is not repeated
    capMs: quick ? 60_000 : 300_000,
  };
}
export function describeOpts(o, software) {
  return (
    `${o.quick ? "quick" : "full"} run: generator at N = ${o.genBatches.join(", ")}, layers at batch ${o.layerBatch}, training step at batch ${o.trainBatch}; ` +
    `median of ${o.reps} timed call(s) after one warm-up call${o.quick ? ` (none when the warm-up took over ${o.capMs / 1000} s)` : ""}` +
    (software ? "\nSOFTWARE ADAPTER: these timings are a smoke test (a CPU emulating a GPU), not GPU speed; the max |Δ| columns are the point." : "")
  );
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** NHWC values → NCHW (tfjs works in NHWC; the comparison is in tconv's NCHW) */
function nhwcToNchw(a, [n, c, h, w]) {
  const out = new Float32Array(a.length);
  for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let i = 0; i < h * w; i++) out[(b * c + k) * h * w + i] = a[(b * h * w + i) * c + k];
  return out;
}
const firstLine = (e) => String(e?.message ?? e).split("\n")[0];

/**
 * Runs `fn` (async, returns the output values) once to warm up (pipelines compile there), then `reps` times; returns the
 * median ms and the last output. A row whose warm-up alone took longer than `capMs` is not repeated (SwiftShader).
 */
async function time(fn, reps, capMs) {
  let t0 = performance.now();
  let out = await fn();
  const firstMs = performance.now() - t0;
  const ms = [];
  for (let r = 0; r < (firstMs > capMs ? 0 : reps); r++) {
    t0 = performance.now();
    out = await fn();
    ms.push(performance.now() - t0);
  }
  return { ms: ms.length ? median(ms) : firstMs, reps: ms.length, firstMs, out };
}

/**
 * libs: { tconv: { np, npx, nn, init, gluon, autograd }, onnx: tconv/onnx, ort: module | { error }, tf: module | { error } }
 * opts: { genBatches: number[], layerBatch, trainBatch, reps, capMs }. `log` gets each line as it is measured; returns
 * the rows ({ row, lib, ms, reps, firstMs, maxAbsDiff, scale } or { row, lib, skipped }).
 */
export async function runGpuBench(libs, opts, log) {
  const { np, npx, nn, init, gluon, autograd } = libs.tconv;
  const { ort, tf } = libs;
  const ctx = npx.gpu();
  const rows = [];
  const fmt = (r) =>
    r.skipped
      ? `  ${(r.lib === "all" ? r.row : r.lib).padEnd(22)} skipped: ${r.skipped}`
      : `  ${r.lib.padEnd(22)} ${r.ms.toFixed(1).padStart(9)} ms  (${r.reps ? `median of ${r.reps}` : "one call"}; first call ${r.firstMs.toFixed(0)} ms)  max|Δ| vs tconv CPU ${r.maxAbsDiff.toExponential(1)} (values up to ${r.scale.toFixed(2)})`;
  const add = (r) => {
    rows.push(r);
    log(fmt(r));
  };
  /** one library on one row: time it and compare with the CPU reference, or record why it did not run */
  const measure = async (row, lib, ref, make) => {
    try {
      const fn = await make();
      const t = await time(fn, opts.reps, opts.capMs);
      add({ row, lib, ms: t.ms, reps: t.reps, firstMs: t.firstMs, maxAbsDiff: maxAbsDiff(t.out, ref), scale: maxAbs(ref) });
    } catch (e) {
      add({ row, lib, skipped: `failed: ${firstLine(e)}` });
    }
  };
  const peerSkip = (row, lib, peer) => add({ row, lib, skipped: peer.error });

  // --- the DCGAN generator, predict mode (BatchNorm with its running statistics) ---
  np.random.seed(0);
  const net = dcganGenerator(nn);
  net.initialize(new init.Normal(0.02));
  // give BatchNorm non-trivial running statistics and affine parameters, so a peer that skipped them would differ
  net.forward(np.random.normal({ size: [2, 100, 1, 1] })); // deferred shapes
  for (let i = 0; i < net.length; i++) {
    const b = net.at(i);
    if (!("runningVar" in b)) continue;
    const c = b.gamma.shape[0];
    b.gamma.setData(np.random.uniform({ low: 0.5, high: 1.5, size: [c] }));
    b.beta.setData(np.random.uniform({ low: -0.2, high: 0.2, size: [c] }));
    b.runningMean.setData(np.random.uniform({ low: -0.1, high: 0.1, size: [c] }));
    b.runningVar.setData(np.random.uniform({ low: 0.5, high: 2, size: [c] }));
  }
  // the weights as plain arrays for tfjs: [conv weight, bn | null] per block
  const blocks = [];
  for (let i = 0; i < net.length; i++) {
    const b = net.at(i);
    if ("weight" in b && !("runningVar" in b)) blocks.push({ w: b.weight.data(), strides: blocks.length === 0 ? 1 : 2, bn: null });
    else if ("runningVar" in b)
      blocks.at(-1).bn = { gamma: b.gamma.data(), beta: b.beta.data(), mean: b.runningMean.data(), variance: b.runningVar.data(), eps: b.epsilon };
  }
  const cases = [];
  for (const N of opts.genBatches) {
    const z = np.random.normal({ size: [N, 100, 1, 1] });
    cases.push({ N, z, ref: Float32Array.from(net.forward(z).asTypedArray()), onnxBytes: libs.onnx.exportModel(net, [[N, 100, 1, 1]]) });
  }
  let tfGen = null;
  if (!tf.error) {
    const t = tf;
    const vars = blocks.map(({ w, strides, bn }) => ({
      filter: t.transpose(t.tensor4d(w.asTypedArray(), w.shape), [2, 3, 1, 0]), // [cin,cout,kh,kw] → [kh,kw,cout,cin]
      cout: w.shape[1],
      strides,
      bn: bn && Object.fromEntries(Object.entries(bn).map(([k, v]) => [k, typeof v === "number" ? v : t.tensor1d(v.asTypedArray())])),
    }));
    tfGen = (x) =>
      t.tidy(() => {
        let h = x;
        for (const [i, v] of vars.entries()) {
          const [n, hh] = h.shape;
          const o = v.strides === 1 ? hh + 3 : 2 * hh;
          h = t.conv2dTranspose(h, v.filter, [n, o, o, v.cout], v.strides, v.strides === 1 ? "valid" : "same");
          if (v.bn) h = t.relu(t.batchNorm(h, v.bn.mean, v.bn.variance, v.bn.beta, v.bn.gamma, v.bn.eps));
          else if (i === vars.length - 1) h = t.tanh(h);
        }
        return h;
      });
  }
  net.resetCtx(ctx);
  for (const N of [16, 64].filter((n) => !opts.genBatches.includes(n))) add({ row: `generator N=${N}`, lib: "all", skipped: opts.skipWhy ?? "not in --batch" });
  for (const { N, z, ref, onnxBytes } of cases) {
    const row = `generator N=${N}`;
    log(`\nDCGAN generator, predict mode, noise [${N},100,1,1] → [${N},3,64,64]`);
    const gz = z.asInCtx(ctx);
    await measure(row, "tconv webgpu", ref, () => async () => (await net.forward(gz).wait()).asTypedArray());
    if (ort.error) peerSkip(row, "onnxruntime-web webgpu", ort);
    else
      await measure(row, "onnxruntime-web webgpu", ref, async () => {
        const s = await ort.InferenceSession.create(onnxBytes, { executionProviders: ["webgpu"], graphOptimizationLevel: "all" });
        const feed = { [s.inputNames[0]]: new ort.Tensor("float32", Float32Array.from(z.asTypedArray()), [N, 100, 1, 1]) };
        return async () => (await s.run(feed))[s.outputNames[0]].data;
      });
    if (tf.error) peerSkip(row, "tfjs webgpu", tf);
    else
      await measure(row, "tfjs webgpu", ref, () => {
        const x = tf.tensor4d(z.asTypedArray(), [N, 1, 1, 100]); // [N,100,1,1] and [N,1,1,100] share their values
        return async () => {
          const y = tfGen(x);
          const d = await y.data();
          y.dispose();
          return nhwcToNchw(d, [N, 3, 64, 64]);
        };
      });
  }

  // --- the generator's transposed convolutions, one layer at a time ---
  const B = opts.layerBatch;
  log(`\nthe generator's transposed convolutions (k4, no bias), batch ${B}`);
  for (const [cin, cout, hw, s, p] of LAYERS) {
    const o = (hw - 1) * s - 2 * p + 4;
    const row = `[${B},${cin},${hw},${hw}]→[${B},${cout},${o},${o}]`;
    log(` ${row}`);
    np.random.seed(1);
    const x = np.random.uniform({ low: -1, high: 1, size: [B, cin, hw, hw] });
    const w = np.random.uniform({ low: -0.05, high: 0.05, size: [cin, cout, 4, 4] });
    const ref = Float32Array.from(npx.deconvolution(x, w, { strides: s, padding: p }).asTypedArray());
    const gx = x.asInCtx(ctx),
      gw = w.asInCtx(ctx);
    await measure(row, "tconv webgpu", ref, () => async () => (await npx.deconvolution(gx, gw, { strides: s, padding: p }).wait()).asTypedArray());
    if (ort.error) peerSkip(row, "onnxruntime-web webgpu", ort);
    else
      await measure(row, "onnxruntime-web webgpu", ref, async () => {
        const bytes = buildConvModel({
          op: "ConvTranspose",
          xShape: [B, cin, hw, hw],
          wShape: [cin, cout, 4, 4],
          w: Float32Array.from(w.asTypedArray()),
          yShape: [B, cout, o, o],
          strides: [s, s],
          pads: [p, p],
        });
        const sess = await ort.InferenceSession.create(bytes, { executionProviders: ["webgpu"], graphOptimizationLevel: "all" });
        const feed = { x: new ort.Tensor("float32", Float32Array.from(x.asTypedArray()), [B, cin, hw, hw]) };
        return async () => (await sess.run(feed)).y.data;
      });
    if (tf.error) peerSkip(row, "tfjs webgpu", tf);
    else
      await measure(row, "tfjs webgpu", ref, () => {
        const tx = tf.transpose(tf.tensor4d(x.asTypedArray(), x.shape), [0, 2, 3, 1]);
        const tw = tf.transpose(tf.tensor4d(w.asTypedArray(), w.shape), [2, 3, 1, 0]);
        return async () => {
          const y = tf.conv2dTranspose(tx, tw, [B, o, o, cout], s, s === 1 ? "valid" : "same");
          const d = await y.data();
          y.dispose();
          return nhwcToNchw(d, [B, cout, o, o]);
        };
      });
  }

  // --- a tconv training step on the GPU: generator forward (BatchNorm in training mode), L2 loss, backward, SGD ---
  const T = opts.trainBatch;
  log(`\ntconv training step on gpu(0): DCGAN generator, batch ${T}, L2Loss to a fixed target, backward, SGD (lr 0.01)`);
  log("  (no peer row: onnxruntime-web runs inference only, and tfjs-webgpu would need the generator rebuilt as a tfjs model)");
  {
    const row = `training step N=${T}`;
    np.random.seed(2);
    const build = () => {
      const g = dcganGenerator(nn);
      g.initialize(new init.Normal(0.02));
      return g;
    };
    const cpuNet = build(),
      gpuNet = build();
    const z = np.random.normal({ size: [T, 100, 1, 1] });
    const target = np.random.uniform({ low: -1, high: 1, size: [T, 3, 64, 64] });
    cpuNet.forward(z);
    gpuNet.forward(z);
    for (const [name, prm] of gpuNet.collectParams().entries()) prm.setData(cpuNet.collectParams().get(name).data());
    gpuNet.resetCtx(ctx);
    const l2 = new gluon.loss.L2Loss();
    const step = (g, trainer, zz, tt) => {
      const l = autograd.record(() => l2.forward(g.forward(zz), tt).mean());
      l.backward();
      trainer.step(1);
      return l;
    };
    const cpuLoss = step(cpuNet, new gluon.Trainer(cpuNet.collectParams(), "sgd", { learningRate: 0.01 }), z, target).item();
    // the first GPU step is compared with the CPU step: the loss and every parameter after the update
    const gTrainer = new gluon.Trainer(gpuNet.collectParams(), "sgd", { learningRate: 0.01 });
    const gz = z.asInCtx(ctx),
      gt = target.asInCtx(ctx);
    try {
      const t = await time(
        async () => {
          const l = step(gpuNet, gTrainer, gz, gt);
          await l.wait();
          return l;
        },
        0,
        Infinity,
      );
      const gpuLoss = t.out.item();
      let wDiff = 0,
        wScale = 0;
      for (const [name, prm] of gpuNet.collectParams().entries()) {
        const c = cpuNet.collectParams().get(name).data().asTypedArray();
        const gArr = prm.data();
        await gArr.wait();
        wDiff = Math.max(wDiff, maxAbsDiff(gArr.asTypedArray(), c));
        wScale = Math.max(wScale, maxAbs(c));
      }
      log(
        `  first step (compiles the pipelines) ${t.firstMs.toFixed(0)} ms; loss ${gpuLoss.toExponential(4)} on gpu(0), ${cpuLoss.toExponential(4)} on the CPU; max|Δ| of the parameters after the step ${wDiff.toExponential(1)}`,
      );
      // the timed steps (on a software adapter in --quick, none when the first took longer than capMs)
      const r = t.firstMs > opts.capMs ? null : await time(async () => (await step(gpuNet, gTrainer, gz, gt).wait(), [0]), opts.reps, opts.capMs);
      add({ row, lib: "tconv webgpu", ms: r ? r.ms : t.firstMs, reps: r ? r.reps : 0, firstMs: t.firstMs, maxAbsDiff: wDiff, scale: wScale });
      rows.at(-1).lossDiff = Math.abs(gpuLoss - cpuLoss);
    } catch (e) {
      add({ row, lib: "tconv webgpu", skipped: `failed: ${firstLine(e)}` });
    }
  }
  return rows;
}

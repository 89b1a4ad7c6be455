// The page side of chromium-kernels.test.ts: the GPU kernels added after the conv kernels (pooling, fused BatchNorm,
// upsampling, padding modes, take, dropout, pick, batched matmul, gelu/prelu/softsign, mod/fmod, sin/cos, erf, prod)
// on navigator.gpu's device and on the page's CPU backend, values and gradients, for the test to compare.
import { autograd, type NDArray, np, npx } from "../../../src/index.js";
import { gpuInfo } from "../../../src/backends/webgpu/index.js";

export interface KernelCase {
  what: string;
  got: number[];
  want: number[];
  atol: number;
  rtol: number;
  /** bit for bit, the sign of ±0 included */
  exact?: boolean;
}
export interface DropoutStats {
  p: number;
  n: number;
  kept: number;
  /** kept elements not equal to fround(x / (1 − p)), and gradients not equal to the mask times the head gradient */
  badScale: number;
  badGrad: number;
}
export interface KernelPageResult {
  gpus: number;
  reason?: string;
  adapter?: string;
  cases?: KernelCase[];
  dropout?: DropoutStats[];
}

const LAYOUTS = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] } as const;

async function values(a: NDArray): Promise<number[]> {
  await a.wait();
  return [...a.asTypedArray()];
}

async function run(seed: number): Promise<KernelPageResult> {
  const gpus = await npx.initGpu();
  if (gpus === 0) {
    try {
      npx.gpu();
    } catch (e) {
      return { gpus, reason: (e as Error).message };
    }
  }
  const ctx = npx.gpu();
  const info = gpuInfo()!;
  const cases: KernelCase[] = [];
  const push = async (what: string, g: NDArray, c: NDArray, atol: number, rtol: number, exact = false) =>
    cases.push({ what, got: await values(g), want: await values(c), atol, rtol, exact });

  /** f(inputs) and d Σ f·w / d inputs on the CPU and on the GPU (w random, so every output's gradient path is weighted) */
  const compare = async (what: string, xs: NDArray[], f: (ts: NDArray[]) => NDArray, tol = 1e-5, grads = xs.map((_, i) => i), shape?: readonly number[]) => {
    const w = np.random.uniform({ low: -1, high: 1, size: shape ?? autograd.pause(() => f(xs)).shape });
    const once = (ts: NDArray[], ww: NDArray) => {
      for (const i of grads) ts[i]!.attachGrad();
      const y = autograd.record(() => f(ts));
      autograd.record(() => y.mul(ww).sum()).backward();
      return y;
    };
    const gs = xs.map((t) => t.asInCtx(ctx));
    const yc = once(xs, w),
      yg = once(gs, w.asInCtx(ctx));
    await push(`${what}: value`, yg, yc, tol, tol);
    for (const i of grads) await push(`${what}: gradient of input ${i}`, gs[i]!.grad!, xs[i]!.grad!, tol, tol);
  };
  const uniform = (size: number[], low = -2, high = 2) => np.random.uniform({ low, high, size });
  np.random.seed(seed);

  // pooling: max / avg (with and without countIncludePad) / sum, 1–3-D, both layouts, ceil mode, global
  const pools = [
    { nd: 2, poolType: "max", kernel: 3, stride: 2, pad: 1, full: true, channelsLast: false },
    { nd: 2, poolType: "avg", kernel: 2, stride: 1, pad: 1, countIncludePad: false, channelsLast: true },
    { nd: 1, poolType: "avg", kernel: 3, stride: 2, pad: 1, countIncludePad: true, channelsLast: false },
    { nd: 3, poolType: "sum", kernel: 2, stride: 1, pad: 0, channelsLast: true },
    { nd: 2, poolType: "max", globalPool: true, channelsLast: false },
  ] as const;
  for (const o of pools) {
    const spatial = [5, 4, 3].slice(3 - o.nd);
    const x = uniform(o.channelsLast ? [2, ...spatial, 3] : [2, 3, ...spatial]);
    const options = {
      poolType: o.poolType,
      layout: LAYOUTS[o.nd][o.channelsLast ? 1 : 0],
      ...("globalPool" in o
        ? { globalPool: true, kernel: 1 }
        : {
            kernel: Array(o.nd).fill(o.kernel),
            stride: Array(o.nd).fill(o.stride),
            pad: Array(o.nd).fill(o.pad),
            ...("full" in o ? { poolingConvention: "full" as const } : {}),
            ...("countIncludePad" in o ? { countIncludePad: o.countIncludePad } : {}),
          }),
    };
    await compare(`pooling ${JSON.stringify(options)}`, [x], ([t]) => npx.pooling(t!, options));
  }

  // fused BatchNorm: training (batch statistics, running update) and predict mode, channel axis 1 and -1
  for (const [training, axis] of [
    [true, 1],
    [false, -1],
  ] as const) {
    const shape = [4, 3, 5, 3];
    const C = shape.at(axis)!;
    const x = np.random.normal({ loc: 3, scale: 2, size: shape });
    const gamma = uniform([C], 0.5, 1.5),
      beta = uniform([C], -1, 1);
    const rmC = uniform([C], -1, 1),
      rvC = uniform([C], 0.5, 2);
    const rmG = rmC.copyto(ctx),
      rvG = rvC.copyto(ctx);
    const stats = (ts: NDArray[]) => (ts[0]!.ctx.deviceType === "gpu" ? [rmG, rvG] : [rmC, rvC]);
    await compare(
      `batchNorm ${training ? "training" : "predict"} axis ${axis}`,
      [x, gamma, beta],
      (ts) => {
        const [m, v] = stats(ts);
        return npx.batchNorm(ts[0]!, ts[1]!, ts[2]!, m!, v!, { axis, training, momentum: 0.8 });
      },
      1e-4,
      [0, 1, 2],
      shape, // not from a trial call: in training mode that would update the CPU's running statistics once more
    );
    if (training) {
      await push("batchNorm training: updated running mean", rmG, rmC, 1e-5, 1e-4);
      await push("batchNorm training: updated running var", rvG, rvC, 1e-5, 1e-4);
    }
  }

  // upsampling: nearest and bilinear (alignCorners or not), 1–3-D, both layouts
  for (const [nd, sampleType, alignCorners, channelsLast] of [
    [2, "nearest", false, false],
    [2, "bilinear", true, true],
    [1, "bilinear", false, false],
    [3, "nearest", false, true],
  ] as const) {
    const spatial = [3, 4, 2].slice(3 - nd);
    const x = uniform(channelsLast ? [2, ...spatial, 3] : [2, 3, ...spatial]);
    const options = {
      scale: [2, 3, 2].slice(3 - nd),
      sampleType,
      layout: LAYOUTS[nd][channelsLast ? 1 : 0],
      ...(sampleType === "bilinear" ? { alignCorners } : {}),
    };
    await compare(`upsampling ${JSON.stringify(options)}`, [x], ([t]) => npx.upsampling(t!, options));
  }

  // np.pad in every mode with asymmetric widths; convolution and transposed convolution with padding modes
  for (const mode of ["constant", "reflect", "edge", "wrap"] as const) {
    const options = mode === "constant" ? { mode, constantValues: 1.5 } : { mode };
    await compare(`np.pad ${mode}`, [uniform([3, 4, 5])], ([t]) =>
      np.pad(
        t!,
        [
          [1, 2],
          [0, 1],
          [2, 0],
        ],
        options,
      ),
    );
  }
  for (const paddingMode of ["reflect", "replicate", "circular"] as const) {
    const x = uniform([1, 2, 5, 5], -1, 1),
      w = uniform([2, 2, 3, 3], -1, 1),
      b = uniform([2], -1, 1);
    await compare(`convolution paddingMode ${paddingMode}`, [x, w, b], ([t, ww, bb]) => npx.convolution(t!, ww!, { padding: 1, paddingMode, bias: bb! }));
    await compare(`deconvolution paddingMode ${paddingMode}`, [x, w, b], ([t, ww, bb]) => npx.deconvolution(t!, ww!, { padding: 1, paddingMode, bias: bb! }));
  }

  // np.take with repeated indices (the gradient adds several elements onto one)
  await compare("np.take axis 1", [uniform([3, 4, 2])], ([t]) => np.take(t!, [3, 0, 3, 1, 3], { axis: 1 }));

  // npx.pick (clip and wrap, ids out of range) and the sparse SoftmaxCrossEntropyLoss path it serves
  for (const mode of ["clip", "wrap"] as const) {
    const x = uniform([4, 5]);
    const ids = np.array([0, 7, -3, 4]);
    await compare(`npx.pick ${mode}`, [x, ids], ([t, i]) => npx.pick(t!, i!, { axis: 1, mode }), 1e-5, [0]);
  }
  {
    const pred = np.random.normal({ size: [4, 5] });
    const label = np.array([0, 4, 2, 2]);
    await compare(
      "log_softmax + pick (sparse cross entropy)",
      [pred, label],
      ([p, l]) => npx.pick(npx.logSoftmax(p!, { axis: -1 }), l!, { axis: -1 }).neg(),
      1e-5,
      [0],
    );
  }

  // batched matmul (3-D and 4-D stacks, tiles of 32 crossed)
  for (const [batch, m, k, n] of [
    [[3], 5, 7, 4],
    [[2, 2], 33, 9, 34],
  ] as const) {
    const a = uniform([...batch, m, k], -1, 1),
      b = uniform([...batch, k, n], -1, 1);
    await compare(`np.matmul [${batch}] ${m}×${k} · ${k}×${n}`, [a, b], ([aa, bb]) => np.matmul(aa!, bb!), 1e-5);
  }

  // gelu, prelu (per channel and shared α), softsign
  {
    const x = uniform([2, 3, 4], -3, 3);
    await compare("gelu", [x], ([t]) => npx.leakyRelu(t!, { actType: "gelu" }), 1e-6);
    await compare("softsign", [x], ([t]) => npx.activation(t!, "softsign"), 1e-6);
    for (const size of [[3], [1]]) {
      const alpha = uniform(size, 0, 0.5);
      await compare(`prelu α of shape [${size}]`, [x, alpha], ([t, a]) => npx.leakyRelu(t!, { actType: "prelu", gamma: a! }), 1e-5);
    }
  }

  // mod / fmod bit for bit: ±0, ±∞, NaN, zero divisors, quotients beyond 2²⁴, random pairs
  {
    const special = [0, -0, 1, -1, 2.5, -2.5, 3, -7, 1e-3, 1e30, -1e30, 16777217, Infinity, -Infinity, Number.NaN];
    const a: number[] = [],
      b: number[] = [];
    for (const x of special) for (const y of special) a.push(x), b.push(y);
    const ra = uniform([64], -1e6, 1e6).asTypedArray(),
      rb = uniform([64], 0.5, 50).asTypedArray();
    for (let i = 0; i < 64; i++) a.push(ra[i]!), b.push(i % 2 ? rb[i]! : -rb[i]!);
    const A = np.array(Float32Array.from(a)),
      B = np.array(Float32Array.from(b));
    const gA = A.asInCtx(ctx),
      gB = B.asInCtx(ctx);
    await push("np.fmod", np.fmod(gA, gB), np.fmod(A, B), 0, 0, true);
    await push("np.mod", np.mod(gA, gB), np.mod(A, B), 0, 0, true);
  }

  // sin / cos within 2⁻²² for |x| < 8192 (Cephes' sinf/cosf); erf within 4e-7 (A&S 7.1.26)
  {
    const xs = [0, -0, 0.5, Math.PI / 4, Math.PI / 2, Math.PI, -Math.PI, 100, -1000, 8000, Infinity, -Infinity, Number.NaN];
    xs.push(...uniform([100], -8000, 8000).asTypedArray());
    const X = np.array(Float32Array.from(xs));
    await push("np.sin", np.sin(X.asInCtx(ctx)), np.sin(X), 2 ** -22, 0);
    await push("np.cos", np.cos(X.asInCtx(ctx)), np.cos(X), 2 ** -22, 0);
    const es = [0, -0, 1e-6, 0.5, -0.5, 1, 2, -3, 5, 10, Infinity, -Infinity, Number.NaN, ...uniform([100], -6, 6).asTypedArray()];
    const E = np.array(Float32Array.from(es));
    await push("np.erf", np.erf(E.asInCtx(ctx)), np.erf(E), 4e-7, 0);
  }

  // prod over one axis and all axes (a zero in one slice), with its gradient
  {
    const v = uniform([3, 7], 0.5, 1.5).asTypedArray().slice();
    v[9] = 0;
    const x = np.array(v).reshape(3, 7);
    await compare("np.prod axis 1", [x], ([t]) => np.prod(t!, { axis: 1 }), 1e-5);
    await compare("np.prod all axes", [uniform([2, 5], 0.8, 1.2)], ([t]) => np.prod(t!).reshape(1), 1e-5);
  }

  // dropout: its mask is hashed on the GPU (not the CPU's), so check its statistics, scale and backward instead
  const dropout: DropoutStats[] = [];
  for (const p of [0.2, 0.5]) {
    const n = 2 ** 14;
    const x = uniform([n], 1, 2).asInCtx(ctx); // no zeros: y = 0 only where dropped
    const w = uniform([n], 1, 2).asInCtx(ctx);
    x.attachGrad();
    const y = autograd.record(() => npx.dropout(x, { p }));
    autograd.record(() => y.mul(w).sum()).backward();
    const [xs, ys, gs, ws] = (await Promise.all([x, y, x.grad!, w].map(values))) as [number[], number[], number[], number[]];
    const keep = Math.fround(1 / (1 - p));
    let kept = 0,
      badScale = 0,
      badGrad = 0;
    for (let i = 0; i < n; i++) {
      if (ys[i] !== 0) {
        kept++;
        if (ys[i] !== Math.fround(xs[i]! * keep)) badScale++;
        if (gs[i] !== Math.fround(ws[i]! * keep)) badGrad++;
      } else if (gs[i] !== 0) badGrad++;
    }
    dropout.push({ p, n, kept, badScale, badGrad });
  }
  return { gpus, adapter: `${info.vendor} ${info.architecture} ${info.description}`.trim(), cases, dropout };
}

(globalThis as unknown as { runKernelChecks: typeof run }).runKernelChecks = run;

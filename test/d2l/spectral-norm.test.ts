// d2l.spectralNorm and nn.SpectralNorm against the dense matrix's largest singular value (Jacobi eigenvalues of WᵀW).
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, autograd, d2l, nn, np, npx, type ConvOptions } from "../../src/index.js";
import { randn } from "../helpers/gradcheck.js";

/** Largest eigenvalue of the symmetric n×n matrix a (row-major, overwritten) by cyclic Jacobi rotations. */
function jacobiMaxEigenvalue(a: Float64Array, n: number): number {
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!,
            akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!,
            aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  let m = -Infinity;
  for (let i = 0; i < n; i++) m = Math.max(m, a[i * n + i]!);
  return m;
}

/** σ_max of the dense rows×cols matrix W: sqrt of the top eigenvalue of the smaller Gram matrix, in plain loops. */
function denseSigma(W: NDArray): number {
  const [rows, cols] = W.shape as [number, number];
  const d = W.asTypedArray();
  const n = Math.min(rows, cols),
    byCols = cols <= rows;
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      if (byCols) for (let r = 0; r < rows; r++) s += d[r * cols + i]! * d[r * cols + j]!;
      else for (let c = 0; c < cols; c++) s += d[i * cols + c]! * d[j * cols + c]!;
      g[i * n + j] = s;
    }
  return Math.sqrt(jacobiMaxEigenvalue(g, n));
}

interface Case {
  name: string;
  xShape: number[];
  wShape: number[];
  params: ConvOptions;
}
const CASES: Case[] = [
  { name: "1-D k3 s2 p1 zeros", xShape: [1, 2, 9], wShape: [3, 2, 3], params: { strides: 2, padding: 1 } },
  { name: "1-D k3 circular (a circulant)", xShape: [1, 1, 8], wShape: [1, 1, 3], params: { padding: 1, paddingMode: "circular" } },
  { name: "1-D dilation 2 reflect, groups 2", xShape: [1, 4, 7], wShape: [2, 2, 3], params: { dilation: 2, padding: 2, groups: 2, paddingMode: "reflect" } },
  { name: "2-D k4 s2 p1 (DCGAN-like) replicate", xShape: [1, 2, 6, 6], wShape: [3, 2, 4, 4], params: { strides: 2, padding: 1, paddingMode: "replicate" } },
  { name: "2-D NHWC k3 same", xShape: [1, 5, 4, 2], wShape: [2, 3, 3, 2], params: { padding: "same", layout: "NHWC" } },
  { name: "3-D k2 s1 p1 circular", xShape: [1, 1, 3, 3, 3], wShape: [2, 1, 2, 2, 2], params: { padding: 1, paddingMode: "circular" } },
];

for (const c of CASES)
  test(`d2l.spectralNorm equals the dense W's largest singular value: ${c.name}`, () => {
    np.random.seed(c.name.length);
    const w = randn(c.wShape);
    const W = d2l.convMatrix(c.xShape, w, c.params);
    const want = denseSigma(W);
    const got = d2l.spectralNorm(w, c.params, c.xShape, { iterations: 20000, tol: 1e-14 });
    assert.ok(Math.abs(got - want) <= 1e-8 * want, `${got} vs ${want}`);
    // the transposed convolution with the same weight is Wᵀ on the conv's output shape: same norm
    const gridShape = npx.convolution(np.zeros(c.xShape, { dtype: "float64" }), w, c.params).shape;
    const deconvParams = { ...c.params, outputShape: c.params.layout === "NHWC" ? c.xShape.slice(1, -1) : c.xShape.slice(2) };
    const t = d2l.spectralNorm(w, deconvParams, gridShape, { iterations: 20000, tol: 1e-14, op: "deconvolution" });
    assert.ok(Math.abs(t - want) <= 1e-8 * want, `transposed: ${t} vs ${want}`);
  });

test("d2l.spectralNorm of a transposed conv whose outputPadding ≥ stride (dilation 2 > stride 1)", () => {
  np.random.seed(7);
  const w = randn([2, 3, 3]);
  const y = randn([1, 2, 5]);
  const params: ConvOptions = { dilation: 2, outputPadding: 1, padding: 1 };
  const out = npx.deconvolution(y, w, params);
  // the dense matrix of this deconvolution: column j = deconv(e_j)
  const cols = y.size,
    rows = out.size;
  const M = new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const e = new Float64Array(cols);
    e[j] = 1;
    const col = npx.deconvolution(new NDArray(e, y.shape), w, params).asTypedArray();
    for (let i = 0; i < rows; i++) M[i * cols + j] = col[i]!;
  }
  const want = denseSigma(new NDArray(M, [rows, cols]));
  const got = d2l.spectralNorm(w, params, y.shape, { op: "deconvolution", iterations: 20000, tol: 1e-14 });
  assert.ok(Math.abs(got - want) <= 1e-8 * want, `${got} vs ${want}`);
});

test("d2l.spectralNorm in float32 runs the fast kernels and agrees to float32 accuracy", () => {
  np.random.seed(8);
  const w = randn([4, 3, 3, 3]);
  const a = denseSigma(d2l.convMatrix([1, 3, 6, 6], w, { padding: 1 }));
  const b = d2l.spectralNorm(w.astype("float32"), { padding: 1 }, [1, 3, 6, 6], { iterations: 3000, tol: 0 });
  assert.ok(Math.abs(a - b) <= 1e-4 * a, `${a} vs ${b}`);
});

test("d2l.spectralNorm errors: non-positive shapes, bad options", () => {
  const w = np.ones([1, 1, 3]);
  assert.throws(() => d2l.spectralNorm(w, {}, [1, 1, 0]), /^Error: spectralNorm: inputShape=\[1,1,0\] must hold positive integers/);
  assert.throws(() => d2l.spectralNorm(w, {}, [1, -1, 5]), /spectralNorm: inputShape=\[1,-1,5\] must hold positive integers/);
  assert.throws(() => d2l.spectralNorm(w, {}, [1, 1, 5], { iterations: 0 }), /spectralNorm: iterations=0 must be an integer >= 1/);
  assert.throws(() => d2l.spectralNorm(w, {}, [1, 1, 5], { tol: -1 }), /spectralNorm: tol=-1 must be a finite number >= 0/);
  assert.throws(() => d2l.spectralNorm(w, {}, [1, 1, 5], { op: "conv" as never }), /spectralNorm: op="conv" is not one of "convolution", "deconvolution"/);
  assert.throws(
    () => d2l.spectralNorm(w, {}, [1, 1, 5], { iteration: 3 } as never),
    /spectralNorm: unknown option 'iteration' \(did you mean 'iterations'\?\)/,
  );
  assert.throws(() => d2l.spectralNorm(w, {}, [1, 2, 5]), /convolution: input has 2 channels, weight expects 1/);
});

test("nn.SpectralNorm: the wrapped layer runs with W/σ, σ the exact norm; predict mode keeps the estimate", () => {
  np.random.seed(9);
  const conv = new nn.Conv2D(3, { kernelSize: 3, strides: 2, padding: 1, paddingMode: "reflect", inChannels: 2, dtype: "float64" });
  const sn = new nn.SpectralNorm(conv, { inputShape: [4, 2, 6, 6], iterations: 30 });
  sn.initialize();
  const x = randn([4, 2, 6, 6]);
  for (let i = 0; i < 20; i++) autograd.record(() => sn.forward(x));
  const w = conv.weight.data();
  const exact = denseSigma(d2l.convMatrix([1, 2, 6, 6], w, { strides: 2, padding: 1, paddingMode: "reflect" }));
  assert.ok(Math.abs(sn.sigma - exact) <= 1e-9 * exact, `${sn.sigma} vs ${exact}`);
  const y = sn.forward(x);
  const want = npx.convolution(x, w.div(exact), { strides: 2, padding: 1, paddingMode: "reflect", bias: conv.bias!.data() });
  let diff = 0;
  for (let i = 0; i < y.size; i++) diff = Math.max(diff, Math.abs(y.asTypedArray()[i]! - want.asTypedArray()[i]!));
  assert.ok(diff <= 1e-9, `output ${diff}`);
  const normalized = d2l.spectralNorm(w.div(sn.sigma), conv.convParams(), [1, 2, 6, 6], { iterations: 5000, tol: 1e-14 });
  assert.ok(Math.abs(normalized - 1) <= 1e-8, `normalized σ ${normalized}`);
});

test("nn.SpectralNorm's weight gradient includes σ's: matches central differences of W ↦ loss(conv(x, W/σ_exact(W)))", () => {
  np.random.seed(10);
  const up = new nn.Conv1DTranspose(2, { kernelSize: 4, strides: 2, padding: 1, paddingMode: "circular", inChannels: 3, dtype: "float64" });
  const sn = new nn.SpectralNorm(up, { inputShape: [1, 3, 5], iterations: 200 });
  sn.initialize();
  const x = randn([2, 3, 5]);
  const r = randn([2, 2, 10]);
  for (let i = 0; i < 10; i++) autograd.record(() => sn.forward(x));
  const w = up.weight.data();
  up.weight.zeroGrad();
  const loss = autograd.record(() => sn.forward(x).mul(r).sum());
  loss.backward();
  const analytic = up.weight.grad()!.asTypedArray();
  const params = up.convParams();
  const f = (wv: NDArray) => {
    const s = d2l.spectralNorm(wv, params, [1, 3, 5], { op: "deconvolution", iterations: 20000, tol: 1e-15 });
    return npx
      .deconvolution(x, wv.div(s), { ...params, bias: up.bias!.data() })
      .mul(r)
      .sum()
      .item();
  };
  const base = Float64Array.from(w.asTypedArray());
  const eps = 1e-6;
  for (let i = 0; i < base.length; i++) {
    const plus = Float64Array.from(base),
      minus = Float64Array.from(base);
    plus[i] = plus[i]! + eps;
    minus[i] = minus[i]! - eps;
    const numeric = (f(new NDArray(plus, w.shape)) - f(new NDArray(minus, w.shape))) / (2 * eps);
    assert.ok(Math.abs(analytic[i]! - numeric) <= 1e-5 * (1 + Math.abs(numeric)), `element ${i}: ${analytic[i]} vs ${numeric}`);
  }
});

test("nn.SpectralNorm errors name the layer and the argument", () => {
  assert.throws(
    () => new nn.SpectralNorm(new nn.Upsample({ scale: 2 }) as never, { inputShape: [1, 1, 4, 4] }),
    /^Error: SpectralNorm: expects a conv or transposed conv layer \(nn.Conv1D … nn.Conv3DTranspose\), got a Upsample$/,
  );
  const conv = new nn.Conv2D(2, { kernelSize: 3 });
  assert.throws(
    () => new nn.SpectralNorm(conv, { inputShape: [1, 2, 5] }),
    /SpectralNorm: inputShape=\[1,2,5\] must be the Conv2D's input shape, 4 positive integers \(NCHW\)/,
  );
  assert.throws(() => new nn.SpectralNorm(conv, { inputShape: [1, 2, 5, 5], iterations: 0 }), /SpectralNorm: iterations=0 must be an integer >= 1/);
  assert.throws(() => new nn.SpectralNorm(conv, {} as never), /SpectralNorm: inputShape=undefined must be/);
});

/** 20 geometries: every padding mode, strides 1–3, dilation, groups, channels-last, 1-D to 3-D, conv and transposed. */
const SWEEP: Case[] = [];
{
  const modes = ["zeros", "reflect", "replicate", "circular"] as const;
  for (let i = 0; i < 20; i++) {
    const nd = 1 + (i % 3);
    const mode = modes[i % 4]!;
    const s = 1 + (i % 3),
      dil = 1 + ((i >> 2) % 2),
      k = 2 + (i % 2);
    const groups = i % 5 === 0 ? 2 : 1;
    const cin = 2 * groups,
      cout = (1 + (i % 2)) * groups;
    const n = nd === 3 ? 4 : nd === 2 ? 5 : 8;
    const pad = Math.min(dil * (k - 1), mode === "reflect" ? n - 1 : n);
    const last = nd === 2 && i % 2 === 1;
    const spatial = Array(nd).fill(n);
    SWEEP.push({
      name: `sweep ${i}: ${nd}-D k${k} s${s} d${dil} g${groups} ${mode}${last ? " NHWC" : ""}`,
      xShape: last ? [1, ...spatial, cin] : [1, cin, ...spatial],
      wShape: last ? [cout, ...Array(nd).fill(k), cin / groups] : [cout, cin / groups, ...Array(nd).fill(k)],
      params: { strides: s, dilation: dil, padding: pad, groups, paddingMode: mode, ...(last ? { layout: "NHWC" as const } : {}) },
    });
  }
}

test("issue 27 (9): d2l.spectralNorm with default options is within its stated tol (1e-6) on 20 geometries; the upper bound is certified", () => {
  let worstLow = 0,
    worstRatio = 1;
  const ratios: string[] = [];
  for (const c of SWEEP) {
    np.random.seed(c.name.length * 7 + 1);
    const w = randn(c.wShape);
    const want = denseSigma(d2l.convMatrix(c.xShape, w, c.params));
    const got = d2l.spectralNorm(w, c.params, c.xShape);
    worstLow = Math.max(worstLow, (want - got) / want);
    assert.ok(Math.abs(got - want) <= 1e-6 * want, `${c.name}: ${got} vs ${want}`);
    const b = d2l.spectralNormBounds(w, c.params, c.xShape);
    assert.ok(b.upperBound >= want, `${c.name}: upper bound ${b.upperBound} < σ ${want}`);
    assert.ok(Math.abs(b.sigma - got) <= 1e-12 * want);
    ratios.push(`${c.params.paddingMode} ${(b.upperBound / want).toFixed(2)}`);
    if (c.params.paddingMode === "zeros") worstRatio = Math.max(worstRatio, b.upperBound / want);
  }
  // not vacuous: with zero padding within 10 % of σ here (the embedding's edge effects); reflect, replicate and
  // circular multiply by the padding's copy factor sqrt(∏ most copies), up to 5.7× σ on these small inputs
  assert.ok(worstRatio < 1.1, `upper bound up to ${worstRatio}× σ: ${ratios.join(", ")}`);
  assert.ok(worstLow <= 1e-6);
  console.log(`# upper bound / σ: ${ratios.join(", ")}`);
});

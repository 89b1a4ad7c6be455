// Gluon conv layers: weight shapes, deferred initialization, the book's §12.10 outputs, initializers,
// bias / activation options, agreement with direct loops written here, outputSize, and input validation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { npx } from "../../src/npx.js";
import { init } from "../../src/init/initializers.js";
import { nn } from "../../src/gluon/index.js";
import { autograd } from "../../src/autograd/index.js";
import { NDArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;

// ---- direct loops (channels-first, N-d), independent of src/backends ------------------------------

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}
/** every multi-index of `shape` in row-major order */
function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((d) => d === 0)) return;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    yield [...idx];
    let ax = shape.length - 1;
    while (ax >= 0 && ++idx[ax]! === shape[ax]!) idx[ax--] = 0;
    if (ax < 0) return;
  }
}
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

interface Hyper {
  s: number[];
  p: number[];
  d: number[];
  g: number;
}

/** out[n,o,q] = Σ_{c in o's group, a} x[n,c,q·s − p + a·d]·w[o,c mod (C/g),a] + bias[o] */
function directConv(x: NDArray, w: NDArray, h: Hyper, bias: number[] | null): NDArray {
  const [N, _C, ...S] = x.shape as number[];
  const [O, Cg, ...K] = w.shape as number[];
  const out = S.map((n, i) => Math.floor((n + 2 * h.p[i]! - h.d[i]! * (K[i]! - 1) - 1) / h.s[i]!) + 1);
  const xs = strides(x.shape);
  const ws = strides(w.shape);
  const xd = x.asTypedArray();
  const wd = w.asTypedArray();
  const y = new Float64Array(N! * O! * out.reduce((p, v) => p * v, 1));
  let e = 0;
  const perGroupOut = O! / h.g;
  for (const [n, o, ...q] of indices([N!, O!, ...out])) {
    let acc = bias ? bias[o!]! : 0;
    const grp = Math.floor(o! / perGroupOut);
    for (let cg = 0; cg < Cg!; cg++) {
      const c = grp * Cg! + cg;
      for (const a of indices(K)) {
        const pos = q.map((qi, i) => qi * h.s[i]! - h.p[i]! + a[i]! * h.d[i]!);
        if (pos.some((v, i) => v < 0 || v >= S[i]!)) continue;
        acc += xd[dot([n!, c, ...pos], xs)]! * wd[dot([o!, cg, ...a], ws)]!;
      }
    }
    y[e++] = acc;
  }
  return new NDArray(y, [N!, O!, ...out]);
}

/** the scatter definition: y[n, co, i·s − p + a·d] += x[n, ci, i]·w[ci, co mod (Co/g), a] (+ bias) */
function directConvTranspose(x: NDArray, w: NDArray, h: Hyper, opad: number[], bias: number[] | null): NDArray {
  const [N, Ci, ...S] = x.shape as number[];
  const [, Cog, ...K] = w.shape as number[];
  const Co = Cog! * h.g;
  const out = S.map((n, i) => (n - 1) * h.s[i]! - 2 * h.p[i]! + h.d[i]! * (K[i]! - 1) + 1 + opad[i]!);
  const ys = strides([N!, Co, ...out]);
  const y = new Float64Array(N! * Co * out.reduce((p, v) => p * v, 1));
  const xs = strides(x.shape);
  const ws = strides(w.shape);
  const xd = x.asTypedArray();
  const wd = w.asTypedArray();
  const perGroupIn = Ci! / h.g;
  for (const [n, ci, ...i] of indices(x.shape)) {
    const grp = Math.floor(ci! / perGroupIn);
    for (let cog = 0; cog < Cog!; cog++)
      for (const a of indices(K)) {
        const pos = i.map((iv, ax) => iv * h.s[ax]! - h.p[ax]! + a[ax]! * h.d[ax]!);
        if (pos.some((v, ax) => v < 0 || v >= out[ax]!)) continue;
        const o = dot([n!, grp * Cog! + cog, ...pos], ys);
        y[o] = y[o]! + xd[dot([n!, ci!, ...i], xs)]! * wd[dot([ci!, cog, ...a], ws)]!;
      }
  }
  if (bias)
    for (const [n, c, ...p] of indices([N!, Co, ...out])) {
      const o = dot([n!, c!, ...p], ys);
      y[o] = y[o]! + bias[c!]!;
    }
  return new NDArray(y, [N!, Co, ...out]);
}

function rand(shape: number[], seed: number): NDArray {
  np.random.seed(seed);
  return np.random.uniform({ low: -1, high: 1, size: shape, dtype: "float64" });
}

function assertClose(got: NDArray, want: NDArray, tol = 1e-10, what = "") {
  assert.deepEqual(got.shape, want.shape, `${what} shape`);
  const g = got.asTypedArray();
  const w = want.asTypedArray();
  for (let i = 0; i < g.length; i++) assert.ok(Math.abs(g[i]! - w[i]!) <= tol, `${what} element ${i}: ${g[i]} vs ${w[i]}`);
}

// ---- weight shapes -------------------------------------------------------------------------------

test("Conv1D/2D/3D build [Cout, Cin, ...k] weights and [Cout] biases (channels-first)", () => {
  assert.deepEqual(new nn.Conv1D(8, { kernelSize: 3, inChannels: 2 }).weight.shape, [8, 2, 3]);
  assert.deepEqual(new nn.Conv2D(8, { kernelSize: [3, 5], inChannels: 2 }).weight.shape, [8, 2, 3, 5]);
  const c3 = new nn.Conv3D(8, { kernelSize: 2, inChannels: 4 });
  assert.deepEqual(c3.weight.shape, [8, 4, 2, 2, 2]);
  assert.deepEqual(c3.bias!.shape, [8]);
});

test("Conv1D/2D/3D channels-last build [Cout, ...k, Cin] weights", () => {
  assert.deepEqual(new nn.Conv1D(8, { kernelSize: 3, inChannels: 2, layout: "NWC" }).weight.shape, [8, 3, 2]);
  assert.deepEqual(new nn.Conv2D(8, { kernelSize: [3, 5], inChannels: 2, layout: "NHWC" }).weight.shape, [8, 3, 5, 2]);
  assert.deepEqual(new nn.Conv3D(8, { kernelSize: [1, 2, 3], inChannels: 4, layout: "NDHWC" }).weight.shape, [8, 1, 2, 3, 4]);
});

test("transposed layers build [Cin, Cout, ...k] weights, and [Cin, ...k, Cout] channels-last", () => {
  assert.deepEqual(new nn.Conv1DTranspose(8, { kernelSize: 3, inChannels: 2 }).weight.shape, [2, 8, 3]);
  assert.deepEqual(new nn.Conv2DTranspose(8, { kernelSize: [3, 5], inChannels: 2 }).weight.shape, [2, 8, 3, 5]);
  assert.deepEqual(new nn.Conv3DTranspose(8, { kernelSize: 2, inChannels: 4 }).weight.shape, [4, 8, 2, 2, 2]);
  assert.deepEqual(new nn.Conv2DTranspose(8, { kernelSize: [3, 5], inChannels: 2, layout: "NHWC" }).weight.shape, [2, 3, 5, 8]);
  assert.deepEqual(new nn.Conv2DTranspose(8, { kernelSize: 3, inChannels: 2 }).bias!.shape, [8]);
});

test("groups divide the per-group channel axis of the weight", () => {
  assert.deepEqual(new nn.Conv2D(6, { kernelSize: 3, inChannels: 4, groups: 2 }).weight.shape, [6, 2, 3, 3]);
  assert.deepEqual(new nn.Conv2DTranspose(6, { kernelSize: 3, inChannels: 4, groups: 2 }).weight.shape, [4, 3, 3, 3]);
});

// ---- deferred initialization ---------------------------------------------------------------------

test("deferred init infers inChannels at the first forward", () => {
  const conv = new nn.Conv2D(4, { kernelSize: 3 });
  assert.deepEqual(conv.weight.shape, [4, 0, 3, 3]);
  conv.initialize();
  assert.equal(conv.weight.isInitialized, false);
  assert.equal(conv.bias!.isInitialized, true, "the bias shape is known at once");
  const y = conv.forward(np.ones([2, 3, 5, 5]));
  assert.deepEqual(conv.weight.shape, [4, 3, 3, 3]);
  assert.equal(conv.weight.isInitialized, true);
  assert.deepEqual(y.shape, [2, 4, 3, 3]);
});

test("deferred init of transposed and channels-last layers fills the right axis", () => {
  const t = new nn.Conv2DTranspose(4, { kernelSize: 3 });
  assert.deepEqual(t.weight.shape, [0, 4, 3, 3]);
  t.initialize();
  assert.deepEqual(t.forward(np.ones([1, 5, 2, 2])).shape, [1, 4, 4, 4]);
  assert.deepEqual(t.weight.shape, [5, 4, 3, 3]);
  const c = new nn.Conv1D(4, { kernelSize: 2, layout: "NWC" });
  c.initialize();
  assert.deepEqual(c.forward(np.ones([1, 6, 3])).shape, [1, 5, 4]);
  assert.deepEqual(c.weight.shape, [4, 2, 3]);
  const tl = new nn.Conv3DTranspose(2, { kernelSize: 2, layout: "NDHWC" });
  tl.initialize();
  assert.deepEqual(tl.forward(np.ones([1, 2, 2, 2, 3])).shape, [1, 3, 3, 3, 2]);
  assert.deepEqual(tl.weight.shape, [3, 2, 2, 2, 2]);
  const g = new nn.Conv2D(6, { kernelSize: 1, groups: 3 });
  g.initialize();
  g.forward(np.ones([1, 9, 2, 2]));
  assert.deepEqual(g.weight.shape, [6, 3, 1, 1]);
});

test("weight access before the first forward of a deferred layer says initialization was deferred", () => {
  const conv = new nn.Conv2D(4, { kernelSize: 3 });
  conv.initialize();
  assert.throws(
    () => conv.weight.data(),
    (e: Error) =>
      e.message.includes(`Parameter '${conv.weight.name}' of Conv2D`) && /initialization was deferred/.test(e.message) && e.message.includes("[4,0,3,3]"),
  );
});

test("parameter access or forward before initialize names the parameter and says initialize", () => {
  const conv = new nn.Conv2DTranspose(1, { kernelSize: 2, inChannels: 1 });
  const re = new RegExp(`Parameter '${conv.weight.name}' of Conv2DTranspose has not been initialized\\. Call initialize\\(\\)`);
  assert.throws(() => conv.weight.data(), re);
  assert.throws(() => conv.forward(np.ones([1, 1, 2, 2])), /has not been initialized\. Call initialize\(\)/);
  const deferred = new nn.Conv2D(1, { kernelSize: 2 });
  assert.throws(() => deferred.forward(np.ones([1, 1, 2, 2])), /Parameter '(weight|bias)' of Conv2D has not been initialized/);
});

// ---- the book's §12.10 examples -------------------------------------------------------------------

const bookX = () =>
  np
    .array([
      [0, 1],
      [2, 3],
    ])
    .reshape(1, 1, 2, 2);
const bookK = () =>
  np
    .array([
      [0, 1],
      [2, 3],
    ])
    .reshape(1, 1, 2, 2);

test("init.Constant(K) is broadcast into the weight (book: tconv(X) with kernel_size=2)", () => {
  const tconv = new nn.Conv2DTranspose(1, { kernelSize: 2 });
  tconv.initialize(init.Constant(bookK()));
  const y = tconv.forward(bookX());
  assert.deepEqual(y.tolist(), [
    [
      [
        [0, 0, 1],
        [0, 4, 6],
        [4, 12, 9],
      ],
    ],
  ]);
  assert.deepEqual(tconv.weight.data().tolist(), bookK().tolist());
  assert.deepEqual(tconv.bias!.data().tolist(), [0], "the bias keeps its zeros initializer");
});

test("book: padding=1 removes the first and last rows and columns", () => {
  const tconv = new nn.Conv2DTranspose(1, { kernelSize: 2, padding: 1 });
  tconv.initialize(init.Constant(bookK()));
  assert.deepEqual(tconv.forward(bookX()).tolist(), [[[[4]]]]);
});

test("book: strides=2 spreads the kernel copies", () => {
  const tconv = new nn.Conv2DTranspose(1, { kernelSize: 2, strides: 2 });
  tconv.initialize(init.Constant(bookK()));
  assert.deepEqual(tconv.forward(bookX()).tolist(), [
    [
      [
        [0, 0, 0, 1],
        [0, 0, 2, 3],
        [0, 2, 0, 3],
        [4, 6, 6, 9],
      ],
    ],
  ]);
});

test("book: a transposed layer with the conv's hyper-parameters restores the input shape", () => {
  np.random.seed(0);
  const X = np.random.uniform({ size: [1, 10, 16, 16] });
  const conv = new nn.Conv2D(20, { kernelSize: 5, padding: 2, strides: 3 });
  const tconv = new nn.Conv2DTranspose(10, { kernelSize: 5, padding: 2, strides: 3 });
  conv.initialize();
  tconv.initialize();
  assert.deepEqual(tconv.forward(conv.forward(X)).shape, X.shape);
});

// ---- initializers through layers ---------------------------------------------------------------------

test("the default init is Uniform(0.07) for weights and zeros for biases", () => {
  np.random.seed(1);
  const conv = new nn.Conv2D(64, { kernelSize: 3, inChannels: 32 });
  conv.initialize();
  const w = conv.weight.data().asTypedArray();
  let min = Infinity;
  let max = -Infinity;
  for (const v of w) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.ok(min >= -0.07 && max <= 0.07, `range ${min}..${max}`);
  assert.ok(min < -0.069 && max > 0.069, "the whole interval is used");
  assert.ok(Array.from(conv.bias!.data().asTypedArray()).every((v) => v === 0));
});

test("weightInitializer and biasInitializer take priority over the initializer given to initialize()", () => {
  const conv = new nn.Conv1D(2, { kernelSize: 1, inChannels: 1, weightInitializer: init.One(), biasInitializer: init.Constant(3) });
  conv.initialize(init.Constant(7));
  assert.deepEqual(conv.weight.data().tolist(), [[[1]], [[1]]]);
  assert.deepEqual(conv.bias!.data().tolist(), [3, 3]);
});

test("initialize twice keeps the values unless forceReinit", () => {
  const conv = new nn.Conv1D(1, { kernelSize: 2, inChannels: 1 });
  conv.initialize(init.Constant(1));
  conv.initialize(init.Constant(2));
  assert.deepEqual(conv.weight.data().tolist(), [[[1, 1]]]);
  conv.initialize(init.Constant(2), { forceReinit: true });
  assert.deepEqual(conv.weight.data().tolist(), [[[2, 2]]]);
});

test("init.Bilinear: a stride-2 Conv2DTranspose upsamples a linear ramp exactly in the interior", () => {
  // out[p] of a stride-2, kernel-4, padding-1 transposed conv sits at input coordinate p/2 − 1/4 (pixel
  // centres: (p + 1/2)/2 − 1/2). Bilinear interpolation reproduces an affine function exactly away from
  // the border, so out[p, q] = ramp(p/2 − 1/4, q/2 − 1/4) for 1 ≤ p, q ≤ 2n − 2.
  const n = 6;
  const ramp = (i: number, j: number) => 0.5 + 2 * i - 3 * j;
  const x = np.zeros([1, 1, n, n], f64);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) x.at(0, 0, i, j).set(ramp(i, j));
  const up = new nn.Conv2DTranspose(1, { kernelSize: 4, strides: 2, padding: 1, weightInitializer: init.Bilinear(), dtype: "float64" });
  up.initialize();
  const y = up.forward(x);
  assert.deepEqual(y.shape, [1, 1, 2 * n, 2 * n]);
  for (let p = 1; p <= 2 * n - 2; p++)
    for (let q = 1; q <= 2 * n - 2; q++) {
      const want = ramp(p / 2 - 0.25, q / 2 - 0.25);
      const got = y.at(0, 0, p, q).item();
      assert.ok(Math.abs(got - want) < 1e-12, `[${p},${q}] ${got} vs ${want}`);
    }
});

test("init.Bilinear upsamples each of several channels independently", () => {
  const c = 3;
  const x = rand([1, c, 4, 4], 21);
  const up = new nn.Conv2DTranspose(c, { kernelSize: 4, strides: 2, padding: 1, weightInitializer: init.Bilinear(), dtype: "float64" });
  up.initialize();
  const y = up.forward(x);
  const single = new nn.Conv2DTranspose(1, { kernelSize: 4, strides: 2, padding: 1, weightInitializer: init.Bilinear(), dtype: "float64" });
  single.initialize();
  for (let ch = 0; ch < c; ch++) assertClose(y.at(":", `${ch}:${ch + 1}`), single.forward(x.at(":", `${ch}:${ch + 1}`).copy()), 1e-12, `channel ${ch}`);
});

// ---- options: bias, activation ------------------------------------------------------------------------

test("useBias: false leaves out the bias parameter", () => {
  const conv = new nn.Conv2D(3, { kernelSize: 2, useBias: false });
  assert.equal(conv.bias, null);
  assert.equal(conv.collectParams().size, 1);
  conv.initialize(init.One());
  assert.deepEqual(conv.forward(np.ones([1, 1, 2, 2])).tolist(), [[[[4]], [[4]], [[4]]]]);
});

test("the bias adds one value per output channel", () => {
  const x = rand([2, 3, 5, 5], 2);
  const W = rand([4, 3, 3, 3], 3);
  const plain = new nn.Conv2D(4, { kernelSize: 3, useBias: false, dtype: "float64" });
  plain.initialize(init.Constant(W));
  const biased = new nn.Conv2D(4, { kernelSize: 3, dtype: "float64", biasInitializer: init.Constant(np.array([1, -2, 3, 0.5], f64)) });
  biased.initialize(init.Constant(W));
  assertClose(biased.forward(x), plain.forward(x).add(np.array([1, -2, 3, 0.5], f64).reshape(1, 4, 1, 1)));
});

test('activation: "relu" propagates NaN and maps −Inf to 0, as npx.relu (float32 and float64)', () => {
  for (const dtype of ["float32", "float64"] as const) {
    const layer = new nn.Conv1D(1, { kernelSize: 1, useBias: false, activation: "relu", dtype });
    layer.initialize(init.One());
    const y = layer.forward(np.array([[[NaN, -1, 2, -Infinity, Infinity, -0]]], { dtype })).tolist() as number[][][];
    assert.deepEqual(y, [[[NaN, 0, 2, 0, Infinity, 0]]]);
    assert.ok(Object.is(y[0]![0]![5], 0), "relu(−0) is +0");
  }
});

test('activation: "relu" equals relu of the plain output', () => {
  const x = rand([1, 2, 6, 6], 4);
  for (const [Layer, wShape] of [
    [nn.Conv2D, [3, 2, 3, 3]],
    [nn.Conv2DTranspose, [2, 3, 3, 3]],
  ] as const) {
    const W = rand([...wShape], 5);
    const plain = new Layer(3, { kernelSize: 3, dtype: "float64" });
    plain.initialize(init.Constant(W));
    const act = new Layer(3, { kernelSize: 3, dtype: "float64", activation: "relu" });
    act.initialize(init.Constant(W));
    const y = act.forward(x);
    assert.deepEqual(y.tolist(), npx.relu(plain.forward(x)).tolist());
    assert.ok(
      Array.from(y.asTypedArray()).some((v) => v > 0) && Array.from(plain.forward(x).asTypedArray()).some((v) => v < 0),
      "the case exercises both signs",
    );
  }
  const s = new nn.Conv1D(1, { kernelSize: 1, activation: "sigmoid", dtype: "float64" });
  s.initialize(init.One());
  assert.deepEqual(s.forward(np.array([[[0, 2]]], f64)).tolist(), [[[0.5, 1 / (1 + Math.exp(-2))]]]);
});

test('activation: "relu" fused into the float32 kernels (im2col, Winograd, others) is bit for bit relu of the plain output, and recorded forwards keep both ops', () => {
  // float32 sizes that reach the wasm im2col (k5), Winograd (k3 s1; k4 s2 transposed) and other paths (k2 s2 transposed,
  // a reflect padding mode, a tiny direct-JS call); NaN, ±Inf and −0 in the input exercise the relu rule
  const cases: [
    string,
    () => {
      act: InstanceType<typeof nn.Conv2D> | InstanceType<typeof nn.Conv2DTranspose>;
      plain: InstanceType<typeof nn.Conv2D> | InstanceType<typeof nn.Conv2DTranspose>;
      x: NDArray;
    },
  ][] = [];
  const pair =
    <L extends typeof nn.Conv2D | typeof nn.Conv2DTranspose>(Layer: L, channels: number, o: Record<string, unknown>, xShape: number[], seed: number) =>
    () => {
      const mk = (activation?: "relu") => new Layer(channels, { ...o, activation } as never);
      const act = mk("relu"),
        plain = mk();
      act.initialize(init.Uniform(0.3));
      plain.initialize();
      const data = Float32Array.from(rand(xShape, seed).asTypedArray());
      data[0] = NaN;
      data[1] = Infinity;
      data[2] = -Infinity;
      data[3] = -0;
      const x = new NDArray(data, xShape);
      act.forward(x);
      plain.forward(x);
      for (const [k, p] of act.collectParams().entries()) plain.collectParams().get(k).setData(p.data());
      return { act, plain, x };
    };
  cases.push(["Conv2D k5 (im2col)", pair(nn.Conv2D, 16, { kernelSize: 5, padding: 2 }, [2, 8, 12, 12], 11)]);
  cases.push(["Conv2D k3 (Winograd)", pair(nn.Conv2D, 16, { kernelSize: 3, padding: 1 }, [2, 16, 24, 24], 12)]);
  cases.push(["Conv2DTranspose k3 s1 (Winograd)", pair(nn.Conv2DTranspose, 16, { kernelSize: 3, padding: 1 }, [2, 16, 24, 24], 13)]);
  cases.push(["Conv2DTranspose k4 s2 (Winograd phases)", pair(nn.Conv2DTranspose, 16, { kernelSize: 4, strides: 2, padding: 1 }, [2, 16, 16, 16], 14)]);
  cases.push(["Conv2DTranspose k2 s2 (not fused)", pair(nn.Conv2DTranspose, 16, { kernelSize: 2, strides: 2 }, [2, 16, 16, 16], 15)]);
  cases.push(["Conv2D reflect padding", pair(nn.Conv2D, 16, { kernelSize: 3, padding: 1, paddingMode: "reflect" }, [2, 16, 24, 24], 16)]);
  cases.push(["Conv2D tiny (direct JS)", pair(nn.Conv2D, 2, { kernelSize: 2 }, [1, 1, 3, 3], 17)]);
  for (const [name, make] of cases) {
    const { act, plain, x } = make();
    const want = npx.relu(plain.forward(x)).asTypedArray();
    const got = act.forward(x).asTypedArray();
    assert.equal(got.length, want.length, name);
    for (let i = 0; i < got.length; i++)
      assert.ok(Object.is(got[i], want[i]) || (Number.isNaN(got[i]!) && Number.isNaN(want[i]!)), `${name}: [${i}] ${got[i]} vs ${want[i]}`);
    // recorded: both ops are on the tape, so the input's gradient is the unfused pair's, relu's mask included
    const xa = x.copy().attachGrad(),
      xb = x.copy().attachGrad();
    autograd.record(() => act.forward(xa).sum()).backward();
    autograd.record(() => npx.relu(plain.forward(xb)).sum()).backward();
    assert.deepEqual(Array.from(xa.grad!.asTypedArray()).map(String), Array.from(xb.grad!.asTypedArray()).map(String), `${name}: gradient`);
    assert.ok(
      xa.grad!.asTypedArray().some((v) => v !== 0),
      `${name}: a gradient flows`,
    );
  }
});

// ---- layers equal the direct loops ---------------------------------------------------------------------

test("Conv1D / Conv2D / Conv3D equal the direct convolution loop (strides, padding, dilation, groups, bias)", () => {
  const cases: { Layer: typeof nn.Conv1D; x: number[]; ch: number; k: number[]; h: Hyper }[] = [
    { Layer: nn.Conv1D, x: [2, 3, 11], ch: 4, k: [3], h: { s: [2], p: [1], d: [2], g: 1 } },
    { Layer: nn.Conv2D, x: [1, 4, 7, 6], ch: 6, k: [3, 2], h: { s: [2, 1], p: [1, 0], d: [1, 2], g: 2 } },
    { Layer: nn.Conv3D, x: [1, 2, 5, 4, 5], ch: 3, k: [2, 3, 2], h: { s: [1, 2, 2], p: [1, 1, 0], d: [1, 1, 1], g: 1 } },
  ];
  cases.forEach(({ Layer, x: xs, ch, k, h }, ci) => {
    const x = rand(xs, 30 + ci);
    const W = rand([ch, xs[1]! / h.g, ...k], 40 + ci);
    const b = Array.from({ length: ch }, (_, i) => i - 1.5);
    const layer = new Layer(ch, {
      kernelSize: k,
      strides: h.s,
      padding: h.p,
      dilation: h.d,
      groups: h.g,
      dtype: "float64",
      biasInitializer: init.Constant(np.array(b, f64)),
    });
    layer.initialize(init.Constant(W));
    assertClose(layer.forward(x), directConv(x, W, h, b), 1e-10, Layer.name);
  });
});

test("Conv1DTranspose / Conv2DTranspose / Conv3DTranspose equal the direct scatter loop", () => {
  const cases: { Layer: typeof nn.Conv1DTranspose; x: number[]; ch: number; k: number[]; h: Hyper; opad: number[] }[] = [
    { Layer: nn.Conv1DTranspose, x: [2, 3, 5], ch: 2, k: [3], h: { s: [3], p: [1], d: [1], g: 1 }, opad: [2] },
    { Layer: nn.Conv2DTranspose, x: [1, 4, 3, 4], ch: 6, k: [3, 2], h: { s: [2, 1], p: [1, 0], d: [1, 2], g: 2 }, opad: [1, 1] },
    { Layer: nn.Conv3DTranspose, x: [1, 2, 2, 3, 2], ch: 3, k: [2, 3, 2], h: { s: [2, 2, 1], p: [0, 1, 0], d: [1, 1, 1], g: 1 }, opad: [0, 1, 0] },
  ];
  cases.forEach(({ Layer, x: xs, ch, k, h, opad }, ci) => {
    const x = rand(xs, 50 + ci);
    const W = rand([xs[1]!, ch / h.g, ...k], 60 + ci);
    const b = Array.from({ length: ch }, (_, i) => 0.25 * i);
    const layer = new Layer(ch, {
      kernelSize: k,
      strides: h.s,
      padding: h.p,
      dilation: h.d,
      groups: h.g,
      outputPadding: opad,
      dtype: "float64",
      biasInitializer: init.Constant(np.array(b, f64)),
    });
    layer.initialize(init.Constant(W));
    assertClose(layer.forward(x), directConvTranspose(x, W, h, opad, b), 1e-10, Layer.name);
  });
});

test("a channels-last layer equals the channels-first layer on transposed data and weights", () => {
  const x = rand([2, 3, 5, 4], 70); // NCHW
  const W = rand([4, 3, 3, 2], 71); // [Cout, Cin, kh, kw]
  const first = new nn.Conv2D(4, { kernelSize: [3, 2], padding: 1, dtype: "float64" });
  first.initialize(init.Constant(W));
  const last = new nn.Conv2D(4, { kernelSize: [3, 2], padding: 1, layout: "NHWC", dtype: "float64" });
  last.initialize(init.Constant(W.transpose(0, 2, 3, 1).copy()));
  assertClose(last.forward(x.transpose(0, 2, 3, 1).copy()), first.forward(x).transpose(0, 2, 3, 1).copy());

  const Wt = rand([3, 2, 2, 3], 72); // [Cin, Cout, kh, kw]
  const tf = new nn.Conv2DTranspose(2, { kernelSize: [2, 3], strides: 2, dtype: "float64" });
  tf.initialize(init.Constant(Wt));
  const tl = new nn.Conv2DTranspose(2, { kernelSize: [2, 3], strides: 2, layout: "NHWC", dtype: "float64" });
  tl.initialize(init.Constant(Wt.transpose(0, 2, 3, 1).copy()));
  assertClose(tl.forward(x.transpose(0, 2, 3, 1).copy()), tf.forward(x).transpose(0, 2, 3, 1).copy());
});

// ---- outputSize ----------------------------------------------------------------------------------------

test("forward(x, { outputSize }) on transposed layers picks the output padding", () => {
  const x = rand([1, 2, 4, 4], 80);
  const W = rand([2, 3, 3, 3], 81);
  const mk = (outputPadding?: number) => {
    const t = new nn.Conv2DTranspose(3, { kernelSize: 3, strides: 2, padding: 1, outputPadding, dtype: "float64" });
    t.initialize(init.Constant(W));
    return t;
  };
  // (4 − 1)·2 − 2 + 3 = 7 without output padding; 8 needs outputPadding 1
  assert.deepEqual(mk().forward(x).shape, [1, 3, 7, 7]);
  const y8 = mk().forward(x, { outputSize: [8, 8] });
  assert.deepEqual(y8.shape, [1, 3, 8, 8]);
  assertClose(y8, mk(1).forward(x));
  assertClose(y8, directConvTranspose(x, W, { s: [2, 2], p: [1, 1], d: [1, 1], g: 1 }, [1, 1], [0, 0, 0]));
  assertClose(
    mk().forward(x, { outputSize: [1, 3, 8, 7] }),
    directConvTranspose(x, W, { s: [2, 2], p: [1, 1], d: [1, 1], g: 1 }, [1, 0], [0, 0, 0]),
    1e-10,
    "full output shape",
  );
  // the conv with the same hyper-parameters maps the 8×8 output back to 4×4
  const conv = new nn.Conv2D(2, { kernelSize: 3, strides: 2, padding: 1 });
  conv.initialize();
  assert.deepEqual(conv.forward(np.zeros([1, 3, 8, 8])).shape, [1, 2, 4, 4]);
  // the error names the layer's option (outputSize), not the op's (outputShape)
  assert.throws(() => mk().forward(x, { outputSize: [10, 10] }), /^Error: Conv2DTranspose: outputSize \[10,10\] is unreachable/);
  assert.throws(() => mk().forward(x, { outputSize: [9] }), /^Error: Conv2DTranspose: outputSize=\[9\] must be 2 positive integers/);
});

// ---- input validation ----------------------------------------------------------------------------------

test("a channel mismatch names the layer and both channel counts", () => {
  const t = new nn.Conv2DTranspose(2, { kernelSize: 2, inChannels: 4 });
  t.initialize();
  assert.throws(() => t.forward(np.ones([1, 3, 2, 2])), /^Error: Conv2DTranspose: input has 3 channels, weight expects 4$/);
  const c = new nn.Conv2D(2, { kernelSize: 2 });
  c.initialize();
  c.forward(np.ones([1, 3, 4, 4]));
  assert.throws(() => c.forward(np.ones([1, 5, 4, 4])), /Conv2D: input has 5 channels, weight expects 3/);
  const g = new nn.Conv2D(4, { kernelSize: 1, groups: 2 });
  g.initialize();
  assert.throws(() => g.forward(np.ones([1, 3, 2, 2])), /Conv2D: groups=2 must divide input channels 3/);
});

test("ConvND forward: errors the op raises for this input (reflect padding, input smaller than the kernel) name the layer", () => {
  const c = new nn.Conv2D(1, { kernelSize: 3, padding: 3, paddingMode: "reflect" });
  c.initialize();
  assert.throws(
    () => c.forward(np.ones([1, 1, 3, 3])),
    /^Error: Conv2D: paddingMode "reflect" needs padding < the input size on every axis .* axis 0 has padding \[3, 3\] for input size 3$/,
  );
  assert.deepEqual(c.forward(np.ones([1, 1, 4, 4])).shape, [1, 1, 8, 8]);
  const small = new nn.Conv1D(1, { kernelSize: 5 });
  small.initialize();
  assert.throws(() => small.forward(np.ones([1, 1, 3])), /^Error: Conv1D: padded input 3 is smaller than the dilated kernel 5 on axis 0$/);
});

test("ConvNDTranspose forward: errors the op raises for this input (reflect padding, mixed dtypes) name the layer", () => {
  // output size (2 − 1)·1 − 2·2 + 5 = 2, so padding 2 reflects past the far edge of the output
  const t = new nn.Conv2DTranspose(2, { kernelSize: 5, padding: 2, paddingMode: "reflect", layout: "NHWC" });
  t.initialize();
  assert.throws(
    () => t.forward(np.ones([1, 3, 2, 1])),
    /^Error: Conv2DTranspose: paddingMode "reflect" needs padding < the output size on every axis .* axis 1 has padding \[2, 2\] for output size 2$/,
  );
  assert.deepEqual(t.forward(np.ones([1, 3, 3, 1])).shape, [1, 3, 3, 2]);
  const t1 = new nn.Conv1DTranspose(1, { kernelSize: 1 });
  t1.initialize();
  assert.throws(
    () => t1.forward(np.ones([1, 1, 3], f64)),
    /^Error: Conv1DTranspose: mixed dtypes: input float64, weight float32, bias float32; convert with astype$/,
  );
});

test("an input of the wrong rank names the layer, the layout and the shape", () => {
  const c = new nn.Conv2D(2, { kernelSize: 2 });
  c.initialize();
  assert.throws(() => c.forward(np.ones([3, 4, 4])), /Conv2D: expects a 4-D input \(NCHW\), got shape \[3,4,4\]/);
  const t = new nn.Conv1DTranspose(2, { kernelSize: 2, layout: "NWC" });
  t.initialize();
  assert.throws(() => t.forward(np.ones([1, 3, 4, 4])), /Conv1DTranspose: expects a 3-D input \(NWC\), got shape \[1,3,4,4\]/);
});

test("zero, negative or mis-sized kernelSize throws naming the layer and the value", () => {
  assert.throws(() => new nn.Conv2D(1, { kernelSize: 0 }), /Conv2D: kernelSize=0 must be an integer >= 1/);
  assert.throws(() => new nn.Conv2DTranspose(1, { kernelSize: -2 }), /Conv2DTranspose: kernelSize=-2 must be an integer >= 1/);
  assert.throws(() => new nn.Conv3D(1, { kernelSize: [3, 3] }), /Conv3D: kernelSize=\[3,3\] must have 3 entries, one per axis/);
  assert.throws(() => new nn.Conv1D(1, { kernelSize: 1.5 }), /Conv1D: kernelSize=1.5/);
  assert.throws(() => new nn.Conv1D(1, undefined as never), /Conv1D: options with kernelSize are required/);
  assert.throws(() => new nn.Conv1D(1, {} as never), /Conv1D: kernelSize is required/);
});

test("strides, dilation, padding and outputPadding are checked by params/ when the layer is built, naming the layer", () => {
  assert.throws(() => new nn.Conv2D(1, { kernelSize: 2, strides: 0 }), /^Error: Conv2D: strides=(0|\[0,0\]) must be/);
  assert.throws(() => new nn.Conv2DTranspose(1, { kernelSize: 2, strides: [2, -1] }), /^Error: Conv2DTranspose: strides=\[2,-1\] must be/);
  assert.throws(() => new nn.Conv1D(1, { kernelSize: 2, dilation: 0 }), /^Error: Conv1D: dilation=(0|\[0\]) must be/);
  assert.throws(() => new nn.Conv3DTranspose(1, { kernelSize: 2, strides: [1, 1] }), /^Error: Conv3DTranspose: strides=\[1,1\] must have 3 entries/);
  assert.throws(() => new nn.Conv2D(1, { kernelSize: 2, padding: "full" as never }), /^Error: Conv2D: padding="full" is not one of/);
  assert.throws(
    () => new nn.Conv2DTranspose(1, { kernelSize: 3, strides: 2, outputPadding: 2 }),
    /^Error: Conv2DTranspose: outputPadding=(2|\[2,2\]) must be < max\(strides, dilation\)/,
  );
  // valid values far larger than any default still build (the probe input grows with them)
  assert.deepEqual(new nn.Conv2DTranspose(1, { kernelSize: 3, strides: 40, padding: 50, dilation: 30, outputPadding: 39 }).weight.shape, [0, 1, 3, 3]);
  assert.deepEqual(
    new nn.Conv3D(2, {
      kernelSize: [1, 2, 3],
      padding: [
        [0, 1],
        [2, 0],
        [5, 5],
      ],
      inChannels: 4,
      groups: 2,
    }).weight.shape,
    [2, 2, 1, 2, 3],
  );
});

test("unknown options name the nearest known one; options are snapshotted when the layer is built", () => {
  assert.throws(() => new nn.Conv2DTranspose(2, { kernelSize: 3, stride: 2 } as never), {
    message: "Conv2DTranspose: unknown option 'stride' (did you mean 'strides'?)",
  });
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 3, outputPadding: 1 } as never), /Conv2D: unknown option 'outputPadding'/);
  assert.throws(() => new nn.Conv2D(2, { kernel_size: 3 } as never), /Conv2D: unknown option 'kernel_size' \(did you mean 'kernelSize'\?\)/);
  const opts = { kernelSize: 2, strides: 2 };
  const t = new nn.Conv2DTranspose(1, opts).initialize();
  opts.strides = 1; // later changes to the caller's object do not reach the layer
  assert.deepEqual(t.forward(np.ones([1, 1, 2, 2])).shape, [1, 1, 4, 4]);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 3, dtype: "float16" as never }), /Conv2D: dtype="float16" is not one of "float32", "float64"/);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 3, weightInitializer: "xavier" as never }), /Conv2D: weightInitializer must come from init/);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 3, layout: "NCW" }), /Conv2D: layout="NCW" is not one of "NCHW", "NHWC"/);
});

test("bad channels, inChannels and groups throw naming the layer", () => {
  assert.throws(() => new nn.Conv2D(0, { kernelSize: 1 }), /Conv2D: channels=0 must be an integer >= 1/);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 1, inChannels: -1 }), /Conv2D: inChannels=-1 must be an integer >= 0/);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 1, groups: 0 }), /Conv2D: groups=0 must be an integer >= 1/);
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 1, inChannels: 3, groups: 2 }), /Conv2D: groups=2 must divide input channels 3/);
  assert.throws(() => new nn.Conv2DTranspose(3, { kernelSize: 1, groups: 2 }), /Conv2DTranspose: groups=2 must divide output channels 3/);
});

test("a float64 layer keeps float64 parameters and outputs", () => {
  const c = new nn.Conv1D(1, { kernelSize: 1, dtype: "float64" });
  c.initialize();
  const y = c.forward(np.ones([1, 1, 3], f64));
  assert.equal(y.dtype, "float64");
  assert.equal(c.weight.data().dtype, "float64");
});

test("init.Bilinear and init.Xavier read channels-last weights in their layout", () => {
  // the same upsampler in NHWC must equal the NCHW one on transposed data
  const x = rand([1, 2, 4, 3], 90);
  const mk = (layout?: "NHWC") => {
    const t = new nn.Conv2DTranspose(2, { kernelSize: 4, strides: 2, padding: 1, layout, weightInitializer: init.Bilinear(), dtype: "float64" });
    t.initialize();
    return t;
  };
  const first = mk();
  const last = mk("NHWC");
  const yl = last.forward(x.transpose(0, 2, 3, 1).copy());
  assertClose(yl, first.forward(x).transpose(0, 2, 3, 1).copy(), 1e-12);
  assertClose(last.weight.data(), first.weight.data().transpose(0, 2, 3, 1).copy(), 0);
  // Xavier's fans: fanIn = Cin·kh·kw and fanOut = Cout·kh·kw whatever the layout
  np.random.seed(91);
  const c = new nn.Conv2D(60, { kernelSize: [3, 5], inChannels: 4, layout: "NHWC", weightInitializer: init.Xavier({ factorType: "out" }), dtype: "float64" });
  c.initialize();
  const bound = Math.sqrt(3 / (60 * 15));
  const w = Array.from(c.weight.data().asTypedArray());
  assert.ok(
    w.every((v) => Math.abs(v) <= bound) && w.some((v) => Math.abs(v) > 0.98 * bound),
    `Xavier out bound ${bound}, max ${Math.max(...w.map(Math.abs))}`,
  );
});

test("an unknown activation is rejected when the layer is built, naming the layer", () => {
  assert.throws(() => new nn.Conv2D(4, { kernelSize: 3, activation: "gelu" as never }), {
    message: 'Conv2D: activation "gelu" is not one of "relu", "sigmoid", "tanh", "softrelu", "softsign", "hardsigmoid", "hardswish"',
  });
});

test("groups must divide a given inChannels of a transposed layer when it is built", () => {
  assert.throws(() => new nn.Conv2DTranspose(4, { kernelSize: 3, groups: 2, inChannels: 3 }), {
    message: "Conv2DTranspose: groups=2 must divide input channels 3",
  });
});

test("String(layer) shows every non-default option in Gluon's words, and only those", () => {
  assert.equal(String(new nn.Conv2DTranspose(1, { kernelSize: 2, strides: 2 })), "Conv2DTranspose(None -> 1, kernel_size=[2,2], stride=2)");
  assert.equal(
    String(
      new nn.Conv2DTranspose(4, {
        kernelSize: 3,
        strides: 2,
        padding: 1,
        outputPadding: 1,
        dilation: 2,
        groups: 2,
        inChannels: 6,
        useBias: false,
        layout: "NHWC",
        activation: "relu",
      }),
    ),
    "Conv2DTranspose(6 -> 4, kernel_size=[3,3], stride=2, padding=1, output_padding=1, dilation=2, groups=2, bias=False, layout=NHWC, Activation(relu))",
  );
  assert.equal(
    String(new nn.Conv1D(3, { kernelSize: 3, padding: [[1, 2]], paddingMode: "reflect", inChannels: 2 })),
    "Conv1D(2 -> 3, kernel_size=[3], stride=1, padding=[[1,2]], padding_mode=reflect)",
  );
  assert.equal(
    String(new nn.Conv2D(3, { kernelSize: 3, padding: "same", dilation: [1, 1], groups: 1 })),
    'Conv2D(None -> 3, kernel_size=[3,3], stride=1, padding="same")',
  );
  assert.equal(String(new nn.Conv2D(3, { kernelSize: 3, padding: [0, 0], strides: [1, 1] })), "Conv2D(None -> 3, kernel_size=[3,3], stride=[1,1])");
});

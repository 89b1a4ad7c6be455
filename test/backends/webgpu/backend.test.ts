// NDArrays on gpu(0) through the WebGPU backend object, against the same calls on the CPU backend: elementwise with
// broadcasting, where, reductions, matmul, convolution / transposed convolution with their gradients, the SGD update;
// and the device contract (ctx, wait, asInCtx, copyto, { ctx } on creation, mixed devices, float64).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, nn, np, npx } from "../../../src/index.js";
import { destroyGpu, emptyPools, poolStats, releaseTensor, upload } from "../../../src/backends/webgpu/index.js";
import { readStorage, webgpuBackend } from "../../../src/backends/webgpu/backend.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";
import { convolutionActivated } from "../../../src/ops/conv.js";
import type { ConvActivation } from "../../../src/params/kernel-records.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const assertClose = assertCloseToCpu;

const gpu = () => npx.gpu();
const valuesArb = (n: number) =>
  fc.array(
    fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }).map((v) => (Math.abs(v) < 1e-3 ? 0 : v)),
    { minLength: n, maxLength: n },
  );

test("before wait a GPU array's values cannot be read synchronously (an Error saying to await x.wait()); after it they can, until an op writes it again", {
  skip: SKIP,
}, async () => {
  const x = np.array(
    [
      [1, 2],
      [3, 4],
    ],
    { ctx: gpu() },
  );
  assert.equal(String(x.ctx), "gpu(0)");
  for (const read of [() => x.asTypedArray(), () => x.tolist(), () => String(x), () => x.at(0, 0).item()]) assert.throws(read, /await x\.wait\(\)/);
  assert.equal(await x.wait(), x, "wait resolves to the array itself");
  assert.deepEqual(x.tolist(), [
    [1, 2],
    [3, 4],
  ]);
  assert.equal(x.at(1, 0).item(), 3);
  assert.equal(String(x), "array([[1., 2.],\n       [3., 4.]])");
  x.iadd(10); // an in-place GPU write drops the host copy: no stale values
  assert.throws(() => x.asTypedArray(), /await x\.wait\(\)/);
  await npx.waitAll();
  assert.throws(() => x.asTypedArray(), /await x\.wait\(\)/, "waitAll waits for the device but reads nothing back");
  await x.wait();
  assert.deepEqual(x.tolist(), [
    [11, 12],
    [13, 14],
  ]);
});

test("await x.data() on a GPU array waits for the queued ops and resolves to a copy of the values in row-major order", { skip: SKIP }, async () => {
  const x = np.array(
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    { ctx: gpu() },
  );
  const y = x.mul(2).T; // queued on the device; a transposed view
  assert.throws(() => y.asTypedArray(), /await x\.wait\(\)/);
  const values = await y.data();
  assert.deepEqual(Array.from(values), [2, 8, 4, 10, 6, 12]);
  values[0] = -1; // a copy: writing it changes nothing on the device
  assert.deepEqual(Array.from(await y.data()), [2, 8, 4, 10, 6, 12]);
});

test("asInCtx returns the same array on its own device and a copy elsewhere; copyto always copies; GPU → CPU needs the wait first", {
  skip: SKIP,
}, async () => {
  const c = np.array([1, 2, 3]);
  assert.equal(c.asInCtx(npx.cpu()), c);
  const g = c.asInCtx(gpu());
  assert.equal(g.asInCtx(gpu()), g);
  const g2 = g.copyto(gpu());
  assert.notEqual(g2, g);
  g2.iadd(1); // the copy has its own buffer
  assert.throws(() => g.asInCtx(npx.cpu()), /await x\.wait\(\)/);
  await g.wait();
  await g2.wait();
  assert.deepEqual(g.asInCtx(npx.cpu()).tolist(), [1, 2, 3]);
  assert.deepEqual(g2.copyto(npx.cpu()).tolist(), [2, 3, 4]);
  assert.equal(String(g.copyto(npx.cpu()).ctx), "cpu(0)");
  assert.throws(() => c.asInCtx("gpu(0)" as never), /asInCtx: expected a context such as npx\.cpu\(\) or npx\.gpu\(0\), got string/);
});

test("{ ctx } on every np creation function, including np.random.*, gives the same values on the GPU", { skip: SKIP }, async () => {
  const ctx = gpu();
  np.random.seed(3);
  const ru = np.random.uniform({ size: [2, 3], ctx });
  const rn = np.random.normal(0, 1, [4], { ctx });
  np.random.seed(3);
  const cu = np.random.uniform({ size: [2, 3] });
  const cn = np.random.normal(0, 1, [4]);
  const pairs: [NDArray, NDArray, string][] = [
    [np.array([[1, 2]], { ctx }), np.array([[1, 2]]), "array"],
    [np.zeros([2, 2], { ctx }), np.zeros([2, 2]), "zeros"],
    [np.ones(3, { ctx }), np.ones(3), "ones"],
    [np.full([2], 7, { ctx }), np.full([2], 7), "full"],
    [np.arange(0, 5, 1, { ctx }), np.arange(0, 5, 1), "arange"],
    [np.eye(3, null, 0, { ctx }), np.eye(3), "eye"],
    [ru, cu, "random.uniform"],
    [rn, cn, "random.normal"],
  ];
  for (const [g, c, what] of pairs) await assertClose(g, c, what, 0, 0);
  assert.throws(() => np.zeros(2, { ctx: "gpu" as never }), /np\.zeros: ctx must be a context/);
});

test("float64 on the GPU is a clear error: WebGPU has no f64", { skip: SKIP }, () => {
  assert.throws(() => np.zeros(2, { dtype: "float64", ctx: gpu() }), /float64.*WebGPU has no float64 \(f64\)/);
  const g = np.ones(2, { ctx: gpu() });
  assert.throws(() => g.astype("float64"), /WebGPU has no float64/);
});

test("an op mixing devices throws naming both (no CPU round trip)", { skip: SKIP }, async () => {
  const g = np.ones([1, 1, 4, 4], { ctx: gpu() });
  const c = np.ones([1, 1, 4, 4]);
  assert.throws(() => g.add(c), /^Error: add: the arrays are on different devices, gpu\(0\) and cpu\(0\)/);
  assert.throws(() => g.iadd(c), /^Error: iadd: the arrays are on different devices/);
  assert.throws(() => np.where(g, c, 1), /^Error: where: the arrays are on different devices/);
  assert.throws(() => npx.convolution(g, np.ones([1, 1, 2, 2])), /^Error: convolution: the arrays are on different devices, gpu\(0\) and cpu\(0\)/);
  assert.throws(() => npx.pick(g, np.zeros([1, 1, 4]), { axis: 3 }), /^Error: the arrays are on different devices, gpu\(0\) and cpu\(0\)/);
  await npx.waitAll();
});

test("elementwise ops with broadcasting and where equal the CPU backend (property)", { skip: SKIP }, async () => {
  const ctx = gpu();
  const ops = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "power", "equal", "less"] as const;
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 })),
      fc.boolean(),
      valuesArb(12),
      valuesArb(12),
      async ([r, c], bcastRow, va, vb) => {
        const a = np.array(va.slice(0, r * c)).reshape(r, c);
        const b = bcastRow ? np.array(vb.slice(0, c)) : np.array(vb.slice(0, r)).reshape(r, 1);
        const ga = a.asInCtx(ctx),
          gb = b.asInCtx(ctx);
        for (const op of ops) await assertClose(np[op](ga, gb), np[op](a, b), op, 1e-5, 1e-5);
        await assertClose(ga.abs().sqrt().log(), a.abs().sqrt().log(), "abs, sqrt, log");
        await assertClose(ga.T.exp().mul(0.5), a.T.exp().mul(0.5), "exp of a transposed view", 1e-5, 1e-5);
        await assertClose(np.where(ga.sub(gb), ga, 2), np.where(a.sub(b), a, 2), "where");
      },
    ),
    { numRuns: 6, seed: 2101 },
  );
});

test("reductions (sum, mean, max, min over axes, keepdims) equal the CPU backend (property)", { skip: SKIP }, async () => {
  const ctx = gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("sum", "mean", "max", "min" as const),
      fc.constantFrom<number | number[] | null>(null, 0, 1, -1, [0, 2]),
      fc.boolean(),
      valuesArb(24),
      async (op, axis, keepdims, v) => {
        const x = np.array(v).reshape(2, 3, 4);
        await assertClose(np[op](x.asInCtx(ctx), { axis, keepdims }), np[op](x, { axis, keepdims }), `${op} axis ${String(axis)}`, 1e-5, 1e-5);
      },
    ),
    { numRuns: 6, seed: 2102 },
  );
});

test("np.dot / matmul of 1-D and 2-D operands equal the CPU backend, across several 32×32 tiles", { skip: SKIP }, async () => {
  const ctx = gpu();
  np.random.seed(5);
  for (const [m, k, n] of [
    [3, 5, 2],
    [33, 40, 65],
    [1, 8, 4],
  ] as const) {
    const a = np.random.uniform({ low: -1, high: 1, size: [m, k] }),
      b = np.random.uniform({ low: -1, high: 1, size: [k, n] });
    await assertClose(np.matmul(a.asInCtx(ctx), b.asInCtx(ctx)), np.matmul(a, b), `matmul ${m}x${k}x${n}`, 1e-5, 1e-4);
  }
  const v = np.arange(4).asInCtx(ctx);
  await assertClose(np.dot(v, v), np.dot(np.arange(4), np.arange(4)), "vector · vector");
});

test("convolution and transposed convolution (strides, padding, dilation, groups, bias) and their input, weight and bias gradients equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  const ctx = gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("convolution", "deconvolution" as const),
      fc.record({
        k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 1 }),
        d: fc.integer({ min: 1, max: 2 }),
        groups: fc.constantFrom(1, 2),
        bias: fc.boolean(),
      }),
      fc.integer({ min: 0, max: 1000 }),
      async (op, o, seed) => {
        np.random.seed(seed);
        const cin = 2 * o.groups,
          cout = 2 * o.groups,
          size = 6;
        const x = np.random.uniform({ low: -1, high: 1, size: [2, cin, size, size] });
        const w = np.random.uniform({ low: -1, high: 1, size: op === "convolution" ? [cout, cin / o.groups, o.k, o.k] : [cin, cout / o.groups, o.k, o.k] });
        const b = np.random.uniform({ low: -1, high: 1, size: [cout] });
        const options = { strides: o.s, padding: o.p, dilation: o.d, groups: o.groups };
        const run = (xx: NDArray, ww: NDArray, bb: NDArray) => {
          for (const t of [xx, ww, bb]) t.attachGrad();
          const y = autograd.record(() => {
            const out = npx[op](xx, ww, { ...options, bias: o.bias ? bb : null });
            return out.mul(out).sum(); // a head that weights every output differently
          });
          y.backward();
          return y;
        };
        const gx = x.asInCtx(ctx),
          gw = w.asInCtx(ctx),
          gb = b.asInCtx(ctx);
        const yc = run(x, w, b),
          yg = run(gx, gw, gb);
        const what = `${op} ${JSON.stringify(o)}`;
        await assertClose(yg, yc, `${what}: value`, 1e-4, 1e-4);
        await assertClose(gx.grad!, x.grad!, `${what}: input gradient`, 1e-4, 1e-4);
        await assertClose(gw.grad!, w.grad!, `${what}: weight gradient`, 1e-4, 1e-4);
        if (o.bias) await assertClose(gb.grad!, b.grad!, `${what}: bias gradient`, 1e-4, 1e-4);
      },
    ),
    { numRuns: 5, seed: 2103 },
  );
});

test("leaky ReLU, ELU and SELU and their gradients, concatenate along an axis and its gradient equal the CPU backend (property)", { skip: SKIP }, async () => {
  const ctx = gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("leaky", "elu", "selu" as const),
      fc.double({ min: 0.01, max: 0.5, noNaN: true }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 1000 }),
      async (actType, slope, axis, seed) => {
        np.random.seed(seed);
        const a = np.random.uniform({ low: -2, high: 2, size: [2, 3, 4] });
        const b = np.random.uniform({ low: -2, high: 2, size: axis === 0 ? [1, 3, 4] : axis === 1 ? [2, 2, 4] : [2, 3, 1] });
        const run = (aa: NDArray, bb: NDArray) => {
          aa.attachGrad();
          bb.attachGrad();
          const y = autograd.record(() => {
            const c = np.concatenate([aa, bb], { axis });
            const h = npx.leakyRelu(c, { actType, slope });
            return h.mul(h).sum();
          });
          y.backward();
          return y;
        };
        const ga = a.asInCtx(ctx),
          gb = b.asInCtx(ctx);
        const what = `${actType} slope ${slope} axis ${axis}`;
        await assertClose(run(ga, gb), run(a, b), `${what}: value`, 1e-4, 1e-5);
        await assertClose(ga.grad!, a.grad!, `${what}: gradient of the first part`, 1e-5, 1e-5);
        await assertClose(gb.grad!, b.grad!, `${what}: gradient of the second part`, 1e-5, 1e-5);
      },
    ),
    { numRuns: 5, seed: 2105 },
  );
});

test("softmax and log_softmax along an axis, with their gradients, equal the CPU backend (property)", { skip: SKIP }, async () => {
  const ctx = gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("softmax", "logSoftmax" as const),
      fc.integer({ min: -3, max: 2 }),
      fc.integer({ min: 0, max: 1000 }),
      async (op, axis, seed) => {
        np.random.seed(seed);
        const x = np.random.normal(0, 3, [2, 3, 5]);
        const w = np.random.uniform({ size: [2, 3, 5] });
        const run = (xx: NDArray, ww: NDArray) => {
          xx.attachGrad();
          const y = autograd.record(() => npx[op](xx, { axis }).mul(ww).sum());
          y.backward();
          return y;
        };
        const gx = x.asInCtx(ctx);
        await assertClose(npx[op](gx, { axis }), npx[op](x, { axis }), `${op} axis ${axis}`, 1e-5, 1e-5);
        await assertClose(run(gx, w.asInCtx(ctx)), run(x, w), `${op} axis ${axis}: weighted sum`, 1e-4, 1e-5);
        await assertClose(gx.grad!, x.grad!, `${op} axis ${axis}: gradient`, 1e-5, 1e-5);
      },
    ),
    { numRuns: 5, seed: 2106 },
  );
  // infinite maxima are limits, as on the CPU: softmax([∞, 1]) = [1, 0], softmax([∞, ∞, 0]) = [½, ½, 0], all −∞ uniform
  const inf = Number.POSITIVE_INFINITY;
  const x = np.array([
    [inf, 1, 2],
    [inf, inf, 0],
    [-inf, -inf, -inf],
    [1, 2, 3],
  ]);
  for (const op of ["softmax", "logSoftmax"] as const) await assertClose(npx[op](x.asInCtx(ctx)), npx[op](x), `${op} with infinite maxima`, 1e-6, 1e-6);
  await assertClose(
    npx.softmax(x.asInCtx(ctx)),
    np.array([
      [1, 0, 0],
      [0.5, 0.5, 0],
      [1 / 3, 1 / 3, 1 / 3],
      [0.09003057, 0.24472847, 0.66524096],
    ]),
    "softmax values",
    1e-6,
    1e-6,
  );
});

test("depthToSpace / spaceToDepth (DCR and CRD) and 1-D / 3-D pixel shuffles, with gradients, equal the CPU backend (property)", { skip: SKIP }, async () => {
  const ctx = gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("DCR", "CRD" as const),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 0, max: 1000 }),
      async (mode, b, c, seed) => {
        np.random.seed(seed);
        const x = np.random.uniform({ size: [2, c * b * b, 3, 2] });
        const w = np.random.uniform({ size: [2, c, 3 * b, 2 * b] });
        const run = (xx: NDArray, ww: NDArray) => {
          xx.attachGrad();
          const y = autograd.record(() => npx.spaceToDepth(npx.depthToSpace(xx, b, { mode }).mul(ww), b, { mode }).sum());
          y.backward();
          return y;
        };
        const gx = x.asInCtx(ctx);
        const what = `${mode} block ${b} channels ${c}`;
        await assertClose(npx.depthToSpace(gx, b, { mode }), npx.depthToSpace(x, b, { mode }), `${what}: depthToSpace`, 0, 0);
        await assertClose(npx.spaceToDepth(w.asInCtx(ctx), b, { mode }), npx.spaceToDepth(w, b, { mode }), `${what}: spaceToDepth`, 0, 0);
        await assertClose(run(gx, w.asInCtx(ctx)), run(x, w), `${what}: value`, 1e-4, 1e-5);
        await assertClose(gx.grad!, x.grad!, `${what}: gradient`, 0, 0);
      },
    ),
    { numRuns: 5, seed: 2107 },
  );
  np.random.seed(1);
  const x3 = np.random.uniform({ size: [1, 8, 2, 1, 3] }),
    x1 = np.random.uniform({ size: [2, 6, 4] });
  await assertClose(new nn.PixelShuffle3D([2, 2, 2]).forward(x3.asInCtx(ctx)), new nn.PixelShuffle3D([2, 2, 2]).forward(x3), "PixelShuffle3D", 0, 0);
  await assertClose(new nn.PixelShuffle1D(3).forward(x1.asInCtx(ctx)), new nn.PixelShuffle1D(3).forward(x1), "PixelShuffle1D", 0, 0);
});

test("allocate(dtype, n, overwritten): a recycled GPU buffer comes back zeroed without `overwritten` and unwiped with it; ops that pass it equal the CPU over a pool of NaN-filled buffers", {
  skip: SKIP,
}, async () => {
  // returns `count` buffers of n NaNs to the pool: the next allocations of their size class recycle them (last in, first out)
  const dirty = (n: number, count = 1) => {
    const ts = Array.from({ length: count }, () => upload(new Float32Array(n).fill(Number.NaN), "test"));
    for (const t of ts) releaseTensor(t);
  };
  const n = 37;
  dirty(n);
  let before = poolStats();
  const zeroed = webgpuBackend.allocate("float32", n);
  assert.equal(poolStats().reused, before.reused + 1, "the NaN buffer was recycled");
  assert.equal(poolStats().cleared, before.cleared + 1, "and cleared");
  assert.deepEqual(Array.from(await readStorage(zeroed)), new Array<number>(n).fill(0), "overwritten=false gives zeros");
  dirty(n);
  before = poolStats();
  const raw = webgpuBackend.allocate("float32", n, true);
  assert.equal(poolStats().reused, before.reused + 1);
  assert.equal(poolStats().cleared, before.cleared, "overwritten=true queues no clear");
  assert.ok((await readStorage(raw)).every(Number.isNaN), "the recycled buffer was handed over as it was");
  // a buffer WebGPU creates is zero-initialised by the spec: no clear is queued for it
  emptyPools();
  before = poolStats();
  const created = webgpuBackend.allocate("float32", n);
  assert.equal(poolStats().created, before.created + 1);
  assert.equal(poolStats().cleared, before.cleared);
  assert.deepEqual(Array.from(await readStorage(created)), new Array<number>(n).fill(0));

  // the ops that allocate with overwritten=true (binary and unary elementwise, copy, astype, concatenate, leaky ReLU,
  // softsign, upsampling, group norm) must write every element: over NaN-filled recycled buffers they equal the CPU
  np.random.seed(21);
  const x = np.random.uniform({ low: -2, high: 2, size: [2, 3, 4, 4] });
  const y = np.random.uniform({ low: -2, high: 2, size: [1, 3, 1, 4] });
  const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [3] });
  const beta = np.random.uniform({ low: -1, high: 1, size: [3] });
  const ops: [string, (a: NDArray, b: NDArray, g: NDArray, c: NDArray) => NDArray][] = [
    ["add (broadcast)", (a, b) => a.add(b)],
    ["mul by a number", (a) => a.mul(3)],
    ["exp", (a) => np.exp(a)],
    ["copy of a transposed view", (a) => a.transpose([0, 2, 3, 1]).copy()],
    ["concatenate", (a) => np.concatenate([a, a], { axis: 1 })],
    ["leakyRelu", (a) => npx.leakyRelu(a, { slope: 0.1 })],
    ["softsign", (a) => npx.activation(a, "softsign")],
    ["upsampling", (a) => npx.upsampling(a, { scale: 2, sampleType: "nearest" })],
    ["group norm", (a, _b, g, c) => npx.groupNorm(a, g.reshape([3]), c.reshape([3]), { numGroups: 3 })],
  ];
  const g = [x, y, gamma, beta].map((t) => t.asInCtx(gpu()));
  for (const [what, f] of ops) {
    let expected: NDArray;
    try {
      expected = f(x, y, gamma, beta);
    } catch (e) {
      assert.fail(`${what} on the CPU: ${(e as Error).message}`);
    }
    for (const size of [expected.size, x.size, 2 * x.size]) dirty(size, 4);
    await assertClose(f(g[0]!, g[1]!, g[2]!, g[3]!), expected, `${what} over recycled NaN buffers`, 1e-5, 1e-5);
  }
});

test("a convolution with a fused ReLU or leaky slope (the importer's Conv → Relu / PRelu / LeakyRelu) equals the CPU backend's", { skip: SKIP }, async () => {
  np.random.seed(31);
  const x = np.random.normal({ size: [1, 4, 12] }),
    w = np.random.normal({ size: [6, 4, 3] }),
    bias = np.random.normal({ size: [6] });
  const acts: ConvActivation[] = [{ kind: "relu" }, { kind: "leaky", slope: 0.25 }, { kind: "leaky", slope: 0.2 }];
  for (const act of acts) {
    const o = { padding: [1], bias };
    const cpu = convolutionActivated("convolution", x, w, act, o);
    const onGpu = convolutionActivated("convolution", x.asInCtx(gpu()), w.asInCtx(gpu()), act, { ...o, bias: bias.asInCtx(gpu()) });
    await assertClose(onGpu, cpu, `convolution + ${JSON.stringify(act)}`);
    const cpuT = convolutionActivated("deconvolution", x, w.reshape([4, 6, 3]), act, { strides: [2] });
    const gpuT = convolutionActivated("deconvolution", x.asInCtx(gpu()), w.reshape([4, 6, 3]).asInCtx(gpu()), act, { strides: [2] });
    await assertClose(gpuT, cpuT, `deconvolution + ${JSON.stringify(act)}`);
    if (act.kind === "leaky")
      assert.ok(
        cpu.asTypedArray().some((v) => v < 0),
        "negative outputs exercise the slope",
      );
  }
});

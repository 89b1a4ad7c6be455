// Named regression tests for every fault of issue 14 (aborts, hangs, silent wrong values, validation holes, unclear
// errors, resources); heavy calls run in a child process with a JS-heap cap and a time limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, np, npx, releaseMemory, setNumThreads, getNumThreads, maxThreads, threadsReady, type NDArray } from "../../src/index.js";
import { hooks } from "../../src/backends/hooks.js";
import { runtime } from "../../src/backends/wasm/runtime.js";
import { hardwareThreads } from "../../src/backends/wasm/pool.js";
import * as dispatch from "../../src/backends/cpu/conv-dispatch.js";
import type { Algorithm } from "../../src/backends/kernel.js";
import type { ConvGeometry } from "../../src/params/geometry.js";
import { describe, runChild } from "../helpers/child.js";
import { directConv, maxAbsDiff, randomArray } from "../helpers/conv-direct.js";

const f64 = { dtype: "float64" } as const;

// ---- 1. process aborts on valid input --------------------------------------------------------------------------

test("1a: float64 deconvolution of a 2048² input with strides 2 runs in a 64 MB JS heap (was: V8 heap abort)", async () => {
  const r = await runChild(
    `
    const { np, npx } = tconv;
    const y = npx.deconvolution(np.ones([1, 1, 2048, 2048], { dtype: "float64" }), np.ones([1, 1, 2, 2], { dtype: "float64" }), { strides: 2 });
    const d = y.asTypedArray();
    let ones = 0; for (let i = 0; i < d.length; i++) if (d[i] === 1) ones++;
    console.log(JSON.stringify({ shape: y.shape, ones }));`,
    { heapMb: 64, timeoutMs: 120000 },
  );
  assert.equal(r.status, 0, describe(r));
  // k = s = 2: every output position receives exactly one tap (the pixel shuffle), so all 4096² values are 1
  assert.deepEqual(JSON.parse(r.stdout), { shape: [1, 1, 4096, 4096], ones: 4096 * 4096 });
});

test("1b: float64 convolution of a 2048² input runs in a 64 MB JS heap (was: one index array per position)", async () => {
  const r = await runChild(
    `
    const { np, npx } = tconv;
    const x = np.arange(2048 * 2048, undefined, 1, { dtype: "float64" }).reshape(1, 1, 2048, 2048);
    const y = npx.convolution(x, np.ones([1, 1, 3, 3], { dtype: "float64" }), { padding: 1 });
    // interior output (i, j) = Σ of the 3×3 window of i·2048 + j = 9·(i·2048 + j)
    console.log(JSON.stringify({ shape: y.shape, v: y.at(0, 0, 1000, 7).item() }));`,
    { heapMb: 64, timeoutMs: 120000 },
  );
  assert.equal(r.status, 0, describe(r));
  assert.deepEqual(JSON.parse(r.stdout), { shape: [1, 1, 2048, 2048], v: 9 * (1000 * 2048 + 7) });
});

test("1c: deconvolution with dilation 2^32 + 1 is refused by size at once (was: abort after 25 s)", async () => {
  const r = await runChild(
    `
    const { np, npx } = tconv;
    try { npx.deconvolution(np.ones([1, 1, 2, 2], { dtype: "float64" }), np.ones([1, 1, 2, 2], { dtype: "float64" }), { dilation: 2 ** 32 + 1 }); console.log("returned"); }
    catch (e) { console.log(e.message); }`,
    { heapMb: 64, timeoutMs: 20000 },
  );
  assert.equal(r.status, 0, describe(r));
  assert.match(
    r.stdout,
    /^deconvolution: the output \[1,1,4294967299,4294967299\] has 18446744\d+ elements \(\d+ GiB\), more than the 2\^32 elements a JavaScript typed array holds/,
  );
});

// ---- 2. hangs that grew with an option's value ---------------------------------------------------------------------

test("2a: strides [1e9, 1] on the wasm path plans one phase per image position (was: a loop over r < stride)", async () => {
  // 128 channels make it a wasm call (≥ 16384 multiply-adds); 1e9 < 2^30 keeps it on wasm-phase; the old planner
  // looped 1e9 times (3.6 s per 1e8)
  const r = await runChild(
    `
    const { np, npx } = tconv;
    np.random.seed(3);
    const x = np.random.uniform({ size: [1, 128, 1, 1] }), w = np.random.uniform({ size: [128, 128, 2, 1] });
    const y = npx.deconvolution(x, w, { strides: [1e9, 1] });
    const ref = npx.deconvolution(x.astype("float64"), w.astype("float64"), { strides: [1e9, 1] });
    let err = 0; const a = y.asTypedArray(), b = ref.asTypedArray();
    for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
    console.log(JSON.stringify({ shape: y.shape, err }));`,
    { timeoutMs: 15000 },
  );
  assert.equal(r.status, 0, describe(r));
  const out = JSON.parse(r.stdout) as { shape: number[]; err: number };
  assert.deepEqual(out.shape, [1, 128, 2, 1]);
  assert.ok(out.err < 1e-4, `max error ${out.err}`);
});

test("2b: strides 1e12 returns (JS path: coordinates beyond the wasm int32 range)", () => {
  const x = np.ones([1, 128, 1, 1]),
    w = np.ones([128, 4, 3, 1]);
  const y = npx.deconvolution(x, w, { strides: [1e12, 1] });
  assert.deepEqual(y.shape, [1, 4, 3, 1]);
  assert.deepEqual(Array.from(y.asTypedArray()), new Array(12).fill(128));
});

test("2c: a request over 4 GiB of wasm memory fails before any task list is built, naming the op and an honest size", () => {
  // 16 channels of 32² (16384 multiply-adds: a wasm call), stride 1057: the image is 32768² floats = 4 GiB on its own
  const t0 = Date.now();
  assert.throws(() => npx.deconvolution(np.zeros([1, 16, 32, 32]), np.zeros([16, 1, 1, 1]), { strides: 1057 }), {
    message: /^deconvolution: the gridToImage kernel needs 4\.\d\d GiB, more than the 4 GiB of wasm memory$/,
  });
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(npx.deconvolution(np.ones([1, 1, 1, 1]), np.ones([1, 1, 1, 1])).tolist(), [[[[1]]]], "the backend stays usable");
});

// ---- 3. silent wrong float32 values in the wasm kernels (int32 indices) -----------------------------------------------

test("3a: convolution with strides = padding = 3·2^30 equals the float64 result (was: 100 % wrong)", () => {
  np.random.seed(5);
  const x = np.random.uniform({ size: [1, 128, 2, 2] }),
    w = np.random.uniform({ size: [128, 128, 1, 1] });
  const opts = { strides: 3 * 2 ** 30, padding: 3 * 2 ** 30 };
  const y = npx.convolution(x, w, opts);
  const ref = npx.convolution(x.astype("float64"), w.astype("float64"), opts);
  assert.deepEqual(y.shape, [1, 128, 3, 3]);
  const err = maxAbsDiff(y.asTypedArray(), ref.asTypedArray());
  assert.ok(err < 1e-4, `max error ${err}`);
  assert.ok(
    ref.asTypedArray().some((v) => v !== 0),
    "the centre tap meets the image",
  );
});

test("3b: strides 2^32 does not trap (was: RuntimeError: divide by zero)", () => {
  const x = np.ones([1, 128, 2, 2]),
    w = np.ones([128, 128, 1, 1]);
  const y = npx.convolution(x, w, { strides: 2 ** 32, padding: 2 ** 32 });
  // grid = ⌊(2 + 2·2^32 − 1) / 2^32⌋ + 1 = 3; only q = 1 meets the image (1·2^32 − 2^32 = 0): Σ of 128 ones
  assert.deepEqual(y.shape, [1, 128, 3, 3]);
  assert.equal(y.at(0, 0, 0, 0).item(), 0);
  assert.equal(y.at(0, 5, 1, 1).item(), 128);
  assert.equal(y.at(0, 0, 1, 2).item(), 0);
});

test("3c: dispatch sends geometries beyond 2^30 to the JS loops even when wasm is forced", () => {
  const g: ConvGeometry = {
    nd: 1,
    batch: 1,
    groups: 1,
    imageChannels: 1,
    gridChannels: 1,
    gridSize: [2],
    imageSize: [2],
    kernel: [1],
    strides: [2 ** 31],
    dilation: [1],
    padBegin: [0],
    padEnd: [2 ** 31 - 1],
    outputPadding: [0],
    channelsLast: false,
  };
  assert.equal(dispatch.fitsWasm(g), false);
  hooks.force.imageToGrid = "wasm-im2col";
  try {
    assert.deepEqual(Array.from(dispatch.imageToGrid(g, "float32", new Float32Array([2, 3]), new Float32Array([5]), null)), [10, 0]);
    assert.equal(hooks.lastAlgorithm, "direct");
  } finally {
    hooks.force.imageToGrid = null;
  }
});

// ---- 4. validation holes ---------------------------------------------------------------------------------------------

test("4a: a sparse strides array is an error naming the slot (was: shape [1,1,6,NaN])", () => {
  // biome-ignore lint/suspicious/noSparseArray: the test is about a sparse array
  assert.throws(() => npx.deconvolution(np.ones([1, 1, 3, 3]), np.ones([1, 1, 2, 2]), { strides: [2, ,] as never }), {
    message: /^deconvolution: strides has an empty slot at index 1 \(a sparse array\)$/,
  });
});

test("4b: the caller's outputPadding array is never written (was: SAME extended it in place)", () => {
  const outputPadding = [0, 0];
  const y = npx.deconvolution(np.ones([1, 1, 3, 3]), np.ones([1, 1, 1, 1]), { strides: 2, padding: "same", outputPadding });
  assert.deepEqual(y.shape, [1, 1, 6, 6]);
  assert.deepEqual(outputPadding, [0, 0]);
  const frozen = Object.freeze([0, 0]);
  assert.deepEqual(npx.deconvolution(np.ones([1, 1, 3, 3]), np.ones([1, 1, 1, 1]), { strides: 2, padding: "same", outputPadding: frozen }).shape, [1, 1, 6, 6]);
});

test("4c: the tape keeps a copy of the options: changing strides after record does not change the gradient", () => {
  const grad = (mutate: boolean) => {
    const x = np.array([[[1, 2, 3]]], f64).attachGrad();
    const w = np.array([[[1, 10]]], f64);
    const strides = [2];
    const loss = autograd.record(() => {
      const y = npx.deconvolution(x, w, { strides });
      return np.sum(y.mul(np.arange(y.size, undefined, 1, f64).reshape(y.shape)));
    });
    if (mutate) strides[0] = 1;
    loss.backward();
    return x.grad!.tolist();
  };
  assert.deepEqual(grad(true), grad(false));
});

test("4d: a Proxy's options are read once: later answers cannot change the call", () => {
  let reads = 0;
  const options = new Proxy(
    { strides: 1 },
    {
      get(target, key, recv) {
        if (key === "strides") return ++reads === 1 ? 2 : 1;
        return Reflect.get(target, key, recv);
      },
    },
  );
  const y = npx.deconvolution(np.ones([1, 1, 3]), np.ones([1, 1, 2]), options);
  assert.deepEqual(y.shape, [1, 1, 6]);
  assert.equal(reads, 1);
  let elementReads = 0;
  const strides = new Proxy([2], { get: (t, k, r) => (k === "0" ? (++elementReads === 1 ? 2 : 7) : Reflect.get(t, k, r)) });
  assert.deepEqual(npx.deconvolution(np.ones([1, 1, 3]), np.ones([1, 1, 2]), { strides }).shape, [1, 1, 6]);
  assert.equal(elementReads, 1);
});

test('4e: padding "same" with an unreachable outputShape is an error (was: accepted [100] from length 2, stride 1)', () => {
  assert.throws(() => npx.deconvolution(np.ones([1, 1, 2]), np.ones([1, 1, 3]), { padding: "same", outputShape: [100] }), {
    message: /^deconvolution: outputShape \[100\] is unreachable with padding "same"; reachable range on axis 0 is 1\.\.4$/,
  });
  // the top of the range is reachable: s·(in − 1) + d·(k − 1) + max(s, d) = 1 + 2 + 1
  assert.deepEqual(npx.deconvolution(np.ones([1, 1, 2]), np.ones([1, 1, 3]), { padding: "same", outputShape: [4] }).shape, [1, 1, 4]);
});

test("4f: Object.prototype.padding set by other code changes nothing", () => {
  const proto = Object.prototype as Record<string, unknown>;
  proto.padding = 1;
  try {
    assert.deepEqual(npx.convolution(np.ones([1, 1, 5]), np.ones([1, 1, 3]), {}).shape, [1, 1, 3]);
    assert.deepEqual(npx.deconvolution(np.ones([1, 1, 5]), np.ones([1, 1, 3])).shape, [1, 1, 7]);
  } finally {
    delete proto.padding;
  }
});

// ---- 5. unclear errors -------------------------------------------------------------------------------------------

const x1 = () => np.ones([1, 1, 3]);
const w1 = () => np.ones([1, 1, 2]);
const unclear: [string, () => unknown, RegExp][] = [
  ["options null", () => npx.convolution(x1(), w1(), null as never), /^convolution: options must be a plain object like \{ strides, padding \}, got null$/],
  [
    "outputPadding 1n",
    () => npx.deconvolution(x1(), w1(), { strides: 2, outputPadding: 1n as never }),
    /^deconvolution: outputPadding=1n is a BigInt; use a plain number$/,
  ],
  [
    "a circular padding",
    () => {
      const p: unknown[] = [1];
      p.push(p);
      return npx.convolution(x1(), w1(), { padding: p as never });
    },
    /^convolution: padding\[1\] contains itself \(a circular structure\)$/,
  ],
  ["a symbol layout", () => npx.convolution(x1(), w1(), { layout: Symbol("NCW") as never }), /^convolution: layout is a symbol/],
  ["strides as a string", () => npx.convolution(x1(), w1(), { strides: "2" as never }), /^convolution: strides="2" must be a number or a list of 1 numbers$/],
  ["a class instance as options", () => npx.convolution(x1(), w1(), new Map() as never), /^convolution: options must be a plain object/],
];
for (const [name, fn, message] of unclear)
  test(`5: ${name} gives an Error naming the op and the option`, () => {
    assert.throws(fn, (e: unknown) => e instanceof Error && e.constructor === Error && message.test(e.message));
  });

test("5: layer.forward(null) and np.zeros([1e5, 1e5]) give Errors naming the layer / function (were: reading 'ndim', Invalid typed array length)", async () => {
  const { nn } = await import("../../src/index.js");
  assert.throws(() => new nn.Conv2D(2, { kernelSize: 1 }).forward(null as never), { message: /^Conv2D: input must be an NDArray, got null$/ });
  assert.throws(() => new nn.Conv2DTranspose(2, { kernelSize: 1 }).forward(null as never), {
    message: /^Conv2DTranspose: input must be an NDArray, got null$/,
  });
  assert.throws(
    () => np.zeros([1e5, 1e5]),
    (e: unknown) => e instanceof Error && e.constructor === Error && /^np\.zeros: shape \[100000,100000\] has 10000000000 elements/.test(e.message),
  );
});

test("5: a broadcast or product too large for one array is refused by size, naming the op", () => {
  assert.throws(() => np.add(np.zeros([100000, 1]), np.zeros([1, 100000])), {
    message:
      /^add: the broadcast result \[100000,100000\] has 10000000000 elements \(37\.3 GiB\), more than the 2\^32 elements a JavaScript typed array holds$/,
  });
  assert.throws(() => np.dot(np.zeros([100000, 1]), np.zeros([1, 100000])), {
    message: /^np\.dot: the matmul kernel needs 37\.3 GiB, more than the 4 GiB of wasm memory$/,
  });
});

test("5: resolveConv copies and checks its shapes (a sparse or non-integer shape is an error naming the op)", async () => {
  const { resolveConv } = await import("../../src/index.js");
  // biome-ignore lint/suspicious/noSparseArray: the test is about a sparse array
  assert.throws(() => resolveConv("convolution", [1, 1, ,] as never, [1, 1, 2]), {
    message: /^convolution: input shape \[1,1,undefined\] must hold non-negative integers$/,
  });
  assert.throws(() => resolveConv("convolution", [1, 1, 2.5], [1, 1, 2]), {
    message: /^convolution: input shape \[1,1,2\.5\] must hold non-negative integers$/,
  });
  assert.throws(() => resolveConv("conv" as never, [1, 1, 3], [1, 1, 2]), { message: /^resolveConv: op="conv" is not "convolution" or "deconvolution"$/ });
});

test("5: sizes near the limits read honestly: 4 GiB + 20 MiB is 'needs 4.02 GiB', never 'needs 4 GiB'", async () => {
  const { formatBytes } = await import("../../src/params/sizes.js");
  assert.equal(formatBytes(2 ** 32), "4 GiB");
  assert.equal(formatBytes(2 ** 32 + 20 * 2 ** 20), "4.02 GiB");
  assert.equal(formatBytes(2 ** 32 + 1), "4.01 GiB");
  assert.equal(formatBytes(1536 * 2 ** 20), "1.5 GiB");
  assert.equal(formatBytes(12 * 2 ** 20), "12 MiB");
});

// ---- 6. threads and memory ---------------------------------------------------------------------------------------

test("6a: setNumThreads accepts 1..maxThreads() (4 × hardware threads, at most 65) and rejects 1e6 by name", () => {
  const max = maxThreads();
  assert.ok(max >= 1 && max <= 65);
  assert.throws(() => setNumThreads(1e6), { message: new RegExp(`^setNumThreads: n=1000000 must be "auto" or an integer from 1 to ${max} `) });
  assert.throws(() => setNumThreads(0), { message: /^setNumThreads: n=0 must be "auto" or an integer from 1/ });
  assert.throws(() => setNumThreads(2.5), { message: /^setNumThreads: n=2\.5 must be "auto" or an integer/ });
  assert.throws(() => setNumThreads("2" as never), { message: /^setNumThreads: n="2" must be "auto" or an integer/ });
  const saved = getNumThreads();
  setNumThreads(max);
  assert.equal(getNumThreads(), max);
  setNumThreads(saved);
});

test("6b: setNumThreads going down ends the oversubscribed pool workers (one per hardware thread stays asleep)", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  hooks.macsPerThread = 0; // let a small product use every thread
  try {
    setNumThreads(maxThreads());
    await threadsReady();
    const a = np.ones([64, 300]),
      b = np.ones([300, 64]);
    np.dot(a, b);
    const started = hooks.poolSize();
    if (started < 2) return; // one hardware thread: no pool to shrink
    const keep = Math.min(started, hardwareThreads() - 1);
    const exitedBefore = hooks.workersExited;
    setNumThreads(1);
    assert.equal(hooks.poolSize(), keep);
    // the pool shrinks by replacing its incarnation (issue 27: a reused slot of a terminated worker could block a call),
    // so every old worker exits and `keep` fresh ones serve: none of the surplus lingers
    for (let i = 0; i < 200 && hooks.workersExited - exitedBefore < started; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(hooks.workersExited - exitedBefore, started, "the old incarnation's workers all exited");
    assert.equal(hooks.poolSize(), keep);
    assert.equal(np.dot(a, b).at(0, 0).item(), 300);
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("6c: releaseMemory gives the wasm memory of a large call back (the old memory is collected)", async () => {
  const r = await runChild(
    `
    const { np, npx, releaseMemory } = tconv;
    const { runtime } = await import(${JSON.stringify(new URL("../../dist/backends/wasm/runtime.js", import.meta.url).href)});
    // a 256 MiB float32 call: 8 channels of 2048² in, 8 out
    npx.convolution(np.ones([1, 8, 2048, 2048]), np.ones([8, 8, 1, 1]));
    const big = runtime().memory.buffer.byteLength;
    const ref = new WeakRef(runtime().memory);
    releaseMemory();
    for (let i = 0; i < 40 && ref.deref() !== undefined; i++) { await new Promise((r) => setTimeout(r, 50)); globalThis.gc(); }
    const collected = ref.deref() === undefined;
    const y = npx.convolution(np.ones([1, 8, 8, 8]), np.ones([8, 8, 3, 3]));
    console.log(JSON.stringify({ big, collected, after: runtime().memory.buffer.byteLength, v: y.at(0, 0, 3, 3).item() }));`,
    { heapMb: 128, timeoutMs: 120000, nodeArgs: ["--expose-gc"] },
  );
  assert.equal(r.status, 0, describe(r));
  const out = JSON.parse(r.stdout) as { big: number; collected: boolean; after: number; v: number };
  assert.ok(out.big >= 256 * 2 ** 20, `memory during the call: ${out.big}`);
  assert.ok(out.collected, "the old WebAssembly.Memory was garbage-collected");
  assert.ok(out.after < 64 * 2 ** 20, `memory after release and a small call: ${out.after}`);
  assert.equal(out.v, 72);
});

test("6d: releaseMemory in this process: the next call builds a fresh, small runtime and is right", () => {
  npx.convolution(np.ones([1, 8, 64, 64]), np.ones([8, 8, 3, 3]));
  const before = runtime();
  releaseMemory();
  const y = npx.convolution(np.ones([1, 8, 64, 64]), np.ones([8, 8, 3, 3]), { padding: 1 });
  assert.notEqual(runtime(), before);
  assert.equal(y.at(0, 0, 10, 10).item(), 72);
});

// ---- float32 overflow: one behaviour on every path -----------------------------------------------------------------

/** A conv geometry with `c` image channels over `n` positions, 1×1 kernel, one grid channel. */
function overflowCase(c: number, n: number): { g: ConvGeometry; image: Float32Array; w: Float32Array; exact: number[] } {
  const g: ConvGeometry = {
    nd: 1,
    batch: 1,
    groups: 1,
    imageChannels: c,
    gridChannels: 1,
    gridSize: [n],
    imageSize: [n],
    kernel: [1],
    strides: [1],
    dilation: [1],
    padBegin: [0],
    padEnd: [0],
    outputPadding: [0],
    channelsLast: false,
  };
  const image = new Float32Array(c * n),
    w = new Float32Array(c).fill(1);
  const exact: number[] = [];
  for (let p = 0; p < n; p++) {
    // position p: channels alternate +3e38 / −3e38 (exact sum 0), or all +3e38 (overflow: +Inf), or all −3e38 (−Inf)
    const kind = p % 3;
    for (let ch = 0; ch < c; ch++) image[ch * n + p] = kind === 0 ? (ch < c / 2 ? 3e38 : -3e38) : kind === 1 ? 3e38 : -3e38;
    exact.push(kind === 0 ? 0 : kind === 1 ? Infinity : -Infinity);
  }
  return { g, image, w, exact };
}

test("float32 overflow: every imageToGrid path gives ±Inf exactly where the sum leaves float32's range, never NaN", () => {
  const { g, image, w, exact } = overflowCase(64, 300); // 19 200 multiply-adds: the automatic choice is wasm
  const algs: (Algorithm | null)[] = ["reference", "direct", "wasm-im2col", null];
  for (const alg of algs) {
    hooks.force.imageToGrid = alg;
    try {
      assert.deepEqual(Array.from(dispatch.imageToGrid(g, "float32", image, w, null)), exact, `path ${alg ?? "auto"}`);
    } finally {
      hooks.force.imageToGrid = null;
    }
  }
});

test("float32 overflow: every gridToImage, weightGrad and matmul path agrees with the double-accumulated sum", () => {
  // gridToImage with a 1×1 kernel: image[c][p] = Σ_g grid[g][p]·w[g][c]; the grid plays the image above
  const { g: conv, image: grid, w, exact } = overflowCase(64, 300);
  const g: ConvGeometry = { ...conv, imageChannels: 1, gridChannels: 64 };
  for (const alg of ["reference", "direct", "wasm-phase", "wasm-col2im", "wasm-wtx", null] as (Algorithm | null)[]) {
    hooks.force.gridToImage = alg;
    try {
      assert.deepEqual(Array.from(dispatch.gridToImage(g, "float32", grid, w, null)), exact, `gridToImage ${alg ?? "auto"}`);
    } finally {
      hooks.force.gridToImage = null;
    }
  }
  // matmul: row p of A = the channels of position p, B = ones
  const A = new Float32Array(300 * 64);
  for (let p = 0; p < 300; p++) for (let ch = 0; ch < 64; ch++) A[p * 64 + ch] = grid[ch * 300 + p]!;
  const B = new Float32Array(64 * 4).fill(1);
  for (const alg of ["direct", "wasm-gemm", null] as (Algorithm | null)[]) {
    hooks.force.matmul = alg;
    try {
      const c = dispatch.matmul("float32", 300, 4, 64, A, B);
      assert.deepEqual(
        Array.from(c).filter((_, i) => i % 4 === 0),
        exact,
        `matmul ${alg ?? "auto"}`,
      );
    } finally {
      hooks.force.matmul = null;
    }
  }
  // weightGrad: dw[0][c] = Σ_p image[c][p]·grid[0][p] with grid = ones: channel c's row sums
  const wg: ConvGeometry = { ...conv, imageChannels: 300, gridChannels: 1, gridSize: [64], imageSize: [64] };
  const image2 = new Float32Array(300 * 64);
  for (let p = 0; p < 300; p++) for (let ch = 0; ch < 64; ch++) image2[p * 64 + ch] = grid[ch * 300 + p]!;
  for (const alg of ["reference", "direct", "wasm-gemm", null] as (Algorithm | null)[]) {
    hooks.force.weightGrad = alg;
    try {
      assert.deepEqual(Array.from(dispatch.weightGrad(wg, "float32", image2, new Float32Array(64).fill(1))), exact, `weightGrad ${alg ?? "auto"}`);
    } finally {
      hooks.force.weightGrad = null;
    }
  }
});

test("float32 overflow through npx: convolution of finite values whose partial sums overflow is finite", () => {
  // the float32 sum of [3e38, 3e38, −3e38] overflows half-way; the double-accumulated result is 3e38
  const x = np.array(Float32Array.from([3e38, 3e38, -3e38])).reshape(1, 3, 1);
  const w = np.ones([1, 3, 1]);
  const y = npx.convolution(x, w);
  assert.ok(Math.abs(y.item() - 3e38) / 3e38 < 1e-6, String(y.item()));
});

// keep the helper import honest: directConv is the independent reference the fuzz test also uses
test("helpers: the independent direct convolution agrees with npx on a small case", () => {
  const g: ConvGeometry = {
    nd: 1,
    batch: 1,
    groups: 1,
    imageChannels: 2,
    gridChannels: 1,
    gridSize: [3],
    imageSize: [4],
    kernel: [2],
    strides: [1],
    dilation: [1],
    padBegin: [0],
    padEnd: [0],
    outputPadding: [0],
    channelsLast: false,
  };
  const x = randomArray(8, 1),
    w = randomArray(4, 2);
  const y: NDArray = npx.convolution(np.array(x).reshape(1, 2, 4), np.array(w).reshape(1, 2, 2));
  assert.ok(maxAbsDiff(y.asTypedArray(), directConv(g, x, w, null)) < 1e-5);
});

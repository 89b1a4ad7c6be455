// The wasm GEMM against a naive triple loop; the arena's 4 GiB error; a dying worker makes one call throw and the pool recover.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { matmul, gridToImage } from "../../../src/backends/cpu/conv-dispatch.js";
import { setNumThreads, getNumThreads } from "../../../src/backends/threads.js";
import { matmul as wasmGemm } from "../../../src/backends/wasm/plan.js";
import { hooks } from "../../../src/backends/hooks.js";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { assertClose, randomArray } from "../../helpers/geometry-arb.js";
import { whenWorkersReady } from "../../../src/backends/wasm/pool.js";
import { relaxedSimdSupported, runtime, soloRuntime, WasmRuntime } from "../../../src/backends/wasm/runtime.js";

function naive(M: number, N: number, K: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) c[i * N + j] = c[i * N + j]! + a[i * K + k]! * b[k * N + j]!;
  return c;
}

test("wasm GEMM = naive triple loop on random sizes (0, 1, non-multiples of the 2×16 tile and of the 128/256 blocks)", () => {
  const dim = fc.oneof(fc.constantFrom(0, 1, 2, 15, 16, 17, 33), fc.integer({ min: 0, max: 70 }));
  fc.assert(
    fc.property(dim, dim, dim, fc.integer({ min: 1, max: 1e9 }), fc.constantFrom(1, 2), (M, N, K, seed, threads) => {
      const a = randomArray(M * K, seed),
        b = randomArray(K * N, seed + 1);
      assertClose(wasmGemm(M, N, K, a, b, threads), naive(M, N, K, a, b), K, `gemm ${M}×${N}×${K}`);
    }),
    { numRuns: 300 },
  );
  for (const [M, N, K] of [
    [130, 40, 300],
    [3, 1000, 520],
    [257, 33, 129],
  ] as const) {
    const a = randomArray(M * K, 1),
      b = randomArray(K * N, 2);
    for (const t of [1, 2]) assertClose(wasmGemm(M, N, K, a, b, t), naive(M, N, K, a, b), K, `gemm ${M}×${N}×${K} t${t}`);
  }
});

test("matmul dispatch: float64 and forced algorithms agree; float32 gives a Float32Array", () => {
  const [M, N, K] = [40, 50, 60];
  const a = randomArray(M * K, 3),
    b = randomArray(K * N, 4);
  const ref = naive(M, N, K, a, b);
  const c64 = matmul("float64", M, N, K, Float64Array.from(a), Float64Array.from(b));
  assert.ok(c64 instanceof Float64Array);
  assertClose(c64, ref, 1e-6, "float64");
  for (const alg of ["direct", "wasm-gemm", null] as const) {
    hooks.force.matmul = alg;
    try {
      assertClose(matmul("float32", M, N, K, a, b), ref, K, `matmul ${alg}`);
    } finally {
      hooks.force.matmul = null;
    }
  }
  assert.ok(matmul("float32", M, N, K, a, b) instanceof Float32Array);
});

test("two threads really split the work and give the 1-thread result", async () => {
  const saved = getNumThreads();
  await whenWorkersReady(1);
  try {
    const [M, N, K] = [200, 700, 300];
    const a = randomArray(M * K, 5),
      b = randomArray(K * N, 6);
    const one = wasmGemm(M, N, K, a, b, 1);
    const two = wasmGemm(M, N, K, a, b, 2);
    assert.equal(hooks.lastTaskCounts.length, 2);
    assert.ok(hooks.lastTaskCounts.every((n) => n >= 0) && hooks.lastTaskCounts.reduce((s, n) => s + n, 0) > 1);
    assertClose(two, one, K, "threads 1 vs 2");
  } finally {
    setNumThreads(saved);
  }
});

test("a call on one thread runs in the plain-memory runtime, one on two threads in the shared one, with the same bits", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // a small call may use the pool too
  try {
    assert.equal(runtime().shared, true);
    assert.equal(soloRuntime().shared, false);
    assert.ok(!(soloRuntime().memory.buffer instanceof SharedArrayBuffer));
    assert.equal(soloRuntime().build, runtime().build, "the same compiled variant");
    const [M, N, K] = [64, 300, 96];
    const a = randomArray(M * K, 7),
      b = randomArray(K * N, 8);
    const one = wasmGemm(M, N, K, a, b, 1);
    assert.equal(hooks.lastRuntimeShared, false);
    const two = wasmGemm(M, N, K, a, b, 2);
    assert.equal(hooks.lastRuntimeShared, true);
    assert.equal(hooks.lastTaskCounts.length, 2);
    assert.deepEqual(two, one);
  } finally {
    hooks.macsPerThread = savedMacs;
    setNumThreads(saved);
  }
});

test("a tensor too large for wasm memory throws an Error naming the size, and the backend stays usable", () => {
  // 2×2 grid, stride 40000: the image has 40001² ≈ 1.6e9 floats = 6 GiB
  const g: ConvGeometry = {
    nd: 2,
    batch: 1,
    groups: 1,
    imageChannels: 1,
    gridChannels: 1,
    gridSize: [2, 2],
    imageSize: [40001, 40001],
    kernel: [1, 1],
    strides: [40000, 40000],
    dilation: [1, 1],
    padBegin: [0, 0],
    padEnd: [0, 0],
    outputPadding: [0, 0],
    channelsLast: false,
  };
  hooks.force.gridToImage = "wasm-phase";
  try {
    assert.throws(
      () => gridToImage(g, "float32", new Float32Array(4), new Float32Array(1), null),
      /the gridToImage kernel needs 5\.97 GiB, more than the 4 GiB of wasm memory/,
    );
  } finally {
    hooks.force.gridToImage = null;
  }
  const a = randomArray(64 * 64, 7);
  assertClose(wasmGemm(64, 64, 64, a, a, 1), naive(64, 64, 64, a, a), 64, "after the error");
});

test("a worker that dies makes the call throw; the next call rebuilds the pool and is right", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  setNumThreads(2);
  await whenWorkersReady(1);
  hooks.macsPerThread = 0;
  try {
    const [M, N, K] = [64, 300, 64];
    const a = randomArray(M * K, 8),
      b = randomArray(K * N, 9);
    const ref = naive(M, N, K, a, b);
    assertClose(wasmGemm(M, N, K, a, b, 2), ref, K, "before");
    hooks.killWorkerOnNextCall = 0;
    assert.throws(() => wasmGemm(M, N, K, a, b, 2), /worker thread died/);
    // the rebuilt pool's worker has not reported in yet: this call runs on this thread, without waiting
    assertClose(wasmGemm(M, N, K, a, b, 2), ref, K, "after, before the new worker is ready");
    assert.equal(hooks.poolSize(), 1);
    await whenWorkersReady(1);
    assertClose(wasmGemm(M, N, K, a, b, 2), ref, K, "after, on the new worker");
    assert.equal(hooks.lastTaskCounts.length, 2);
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("a call does not wait for a worker that has not taken its offer, and the late worker joins no finished call", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  setNumThreads(2);
  await whenWorkersReady(1);
  hooks.macsPerThread = 0;
  try {
    const [M, N, K] = [64, 3000, 64];
    const a = randomArray(M * K, 10),
      b = randomArray(K * N, 11);
    const ref = naive(M, N, K, a, b);
    // the worker sleeps 3 s after waking: this thread takes every task meanwhile, withdraws the offer and returns
    hooks.stallWorkerOnNextCall = { worker: 0, ms: 3000 };
    const t0 = performance.now();
    assertClose(wasmGemm(M, N, K, a, b, 2), ref, K, "while the worker sleeps");
    const first = performance.now() - t0;
    assert.equal(hooks.lastTaskCounts[1], 0, "the sleeping worker ran no task");
    // more calls while it sleeps: each new offer is taken by nobody, withdrawn, and the results stay right
    const b2 = randomArray(K * N, 12);
    assertClose(wasmGemm(M, N, K, a, b2, 2), naive(M, N, K, a, b2), K, "a second call while it sleeps");
    const both = performance.now() - t0;
    assert.ok(both < 2500, `the calls waited for the sleeping worker: ${first.toFixed(0)} ms, then ${both.toFixed(0)} ms in all`);
    // once it wakes it finds its offer withdrawn and waits for the next one; later calls use it again
    await new Promise((r) => setTimeout(r, 3200));
    let joined = false;
    for (let i = 0; i < 40 && !joined; i++) {
      assertClose(wasmGemm(M, N, K, a, b, 2), ref, K, `after the worker woke (call ${i})`);
      joined = hooks.lastTaskCounts[1]! > 0;
    }
    assert.ok(joined, "the worker never took part again");
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("the runtime runs the relaxed-SIMD build exactly where the engine validates it, else SIMD128", () => {
  const supported = relaxedSimdSupported();
  assert.equal(runtime().build, supported ? "relaxed-simd" : "simd128");
  // test/backends/wasm/relaxed-simd.test.ts reruns this file with the V8 flag and says which build it expects
  if (process.env.TCONV_EXPECT_WASM_BUILD) assert.equal(runtime().build, process.env.TCONV_EXPECT_WASM_BUILD);
  if (!supported)
    assert.throws(
      () => new WasmRuntime(true, "relaxed-simd"),
      /wasm backend: this engine does not support relaxed SIMD \(Node 20 needs --experimental-wasm-relaxed-simd\)/,
    );
});

test("the wasm finite scan finds one ±Inf or NaN anywhere (SIMD body or tail) and passes finite extremes", () => {
  const rt = runtime();
  rt.reset();
  const n = 16 * 5 + 7;
  const at = rt.reserve(n * 4);
  rt.commit("finite scan test");
  const F = rt.F32,
    base = at >>> 2;
  const fill = () => {
    for (let i = 0; i < n; i++) F[base + i] = i % 2 ? 3.4e38 : -1e-45;
  };
  fill();
  assert.equal(rt.exports.all_finite(at, n), 1, "largest finite float32 and the smallest subnormal");
  for (const bad of [Infinity, -Infinity, NaN])
    for (const i of [0, 17, 79, 80, n - 1]) {
      fill();
      F[base + i] = bad;
      assert.equal(rt.exports.all_finite(at, n), 0, `${bad} at ${i}`);
    }
  rt.reset();
});

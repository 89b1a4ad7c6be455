// Winograd F(4×4, 3×3) on k3 s1 layers (2-D): its matrices in float64, the wasm kernel against the reference loops, and
// when dispatch picks it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import * as dispatch from "../../../src/backends/cpu/conv-dispatch.js";
import { hooks } from "../../../src/backends/hooks.js";
import { getNumThreads, setNumThreads } from "../../../src/backends/threads.js";
import { whenWorkersReady } from "../../../src/backends/wasm/pool.js";
import { TASK } from "../../../src/backends/wasm/interface.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";

// Lavin & Gray's F(4, 3) matrices, as written in assembly/winograd.ts
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];
const mul = (A: number[][], B: number[][]) => A.map((row) => B[0]!.map((_, j) => row.reduce((s, a, k) => s + a * B[k]![j]!, 0)));
const tr = (A: number[][]) => A[0]!.map((_, j) => A.map((row) => row[j]!));

test("winograd F(4×4, 3×3): Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A is the 4×4 correlation of a 6×6 patch with a 3×3 kernel (float64)", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return (seed / 2 ** 31) * 2 - 1;
  };
  for (let trial = 0; trial < 20; trial++) {
    const g = [0, 1, 2].map(() => [0, 1, 2].map(rnd));
    const d = [0, 1, 2, 3, 4, 5].map(() => [0, 1, 2, 3, 4, 5].map(rnd));
    const U = mul(mul(G, g), tr(G));
    const V = mul(mul(BT, d), tr(BT));
    const Mx = U.map((row, i) => row.map((u, j) => u * V[i]![j]!));
    const Y = mul(mul(AT, Mx), tr(AT));
    for (let u = 0; u < 4; u++)
      for (let v = 0; v < 4; v++) {
        let direct = 0;
        for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) direct += d[u + i]![v + j]! * g[i]![j]!;
        assert.ok(Math.abs(Y[u]![v]! - direct) < 1e-12, `y[${u}][${v}] = ${Y[u]![v]} ≠ ${direct}`);
      }
  }
});

/** 2-D k3 s1 geometry: image = grid + 2 − pb − pe (the convolution's input is the image, its output the grid). */
function geo3(o: {
  batch: number;
  groups?: number;
  ic: number;
  gc: number;
  grid: [number, number];
  pb: [number, number];
  pe: [number, number];
  last?: boolean;
}): ConvGeometry {
  return {
    nd: 2,
    batch: o.batch,
    groups: o.groups ?? 1,
    imageChannels: o.ic,
    gridChannels: o.gc,
    gridSize: o.grid,
    imageSize: [0, 1].map((e) => o.grid[e]! + 2 - o.pb[e]! - o.pe[e]!),
    kernel: [3, 3],
    strides: [1, 1],
    dilation: [1, 1],
    padBegin: o.pb,
    padEnd: o.pe,
    outputPadding: [0, 0],
    channelsLast: o.last ?? false,
  };
}

/**
 * Tolerance of F(4×4, 3×3) in float32 against the float64 loops: 2e-5·(max|ref| + 1)·√reduction, twice the bound the
 * other wasm paths meet (test/helpers assertClose). Measured on uniform(−1, 1) data its error is 3e-6–1.4e-5 of
 * max|ref| (conv-dispatch.ts winograd4WorthIt), 10–30× F(2×2, 3×3)'s; a transform coefficient off by 1/800 (8 → 7.99)
 * fails it.
 */
function assertClose4(got: ArrayLike<number>, ref: ArrayLike<number>, reduction: number, what: string): void {
  assert.equal(got.length, ref.length, `${what}: length`);
  let maxRef = 0,
    maxDiff = 0;
  for (let i = 0; i < ref.length; i++) {
    maxRef = Math.max(maxRef, Math.abs(ref[i]!));
    const d = Math.abs(got[i]! - ref[i]!);
    if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Infinity : d;
  }
  const tol = 2e-5 * (maxRef + 1) * Math.sqrt(Math.max(1, reduction));
  assert.ok(maxDiff <= tol, `${what}: max |diff| ${maxDiff} > ${tol}`);
}

/** Forced F(4×4, 3×3) for `op` on 1 and 2 threads, with and without bias and fused ReLU, against the reference loops. */
function check(g: ConvGeometry, seed: number, op: "gridToImage" | "imageToGrid" = "imageToGrid", threadsList = [1, 2]): void {
  const toImage = op === "gridToImage";
  const src = randomArray(size(toImage ? gridShape(g) : imageShape(g)), seed),
    w = randomArray(size(weightShape(g)), seed + 1);
  for (const [bias, relu] of [
    [null, false],
    [randomArray(toImage ? g.imageChannels : g.gridChannels, seed + 2), false],
    [randomArray(toImage ? g.imageChannels : g.gridChannels, seed + 3), true],
  ] as const) {
    const ref = new Float64Array(size(toImage ? imageShape(g) : gridShape(g)));
    (toImage ? gridToImage : imageToGrid)(g, Float64Array.from(src), Float64Array.from(w), bias && Float64Array.from(bias), ref);
    if (relu) for (let i = 0; i < ref.length; i++) ref[i] = Math.max(ref[i]!, 0);
    for (const threads of threadsList) {
      setNumThreads(threads);
      hooks.force[op] = "wasm-winograd4";
      let got: ArrayLike<number>;
      try {
        // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test picks the dispatched kernel by name
        got = dispatch[op](g, "float32", src, w, bias, relu ? { kind: "relu" } : null);
      } finally {
        hooks.force[op] = null;
      }
      assert.equal(hooks.lastAlgorithm, "wasm-winograd4", JSON.stringify(g));
      if (g.batch > 0 && size(g.gridSize) > 0 && g.gridChannels > 0 && g.imageChannels > 0) {
        assert.deepEqual([...new Set(hooks.lastTasks.map((t) => t[3]))], [TASK.WINO], "the Winograd tasks ran");
        assert.ok(
          hooks.lastTasks.every((t) => t[2]! <= 64),
          "tasks of at most 64 tiles",
        );
      }
      if (relu)
        assert.ok(
          Array.prototype.every.call(got, (v: number) => v >= 0 && !Object.is(v, -0)),
          "fused ReLU stores max(v, +0)",
        );
      const reduction = ((toImage ? g.gridChannels : g.imageChannels) / g.groups) * 9;
      assertClose4(got, ref, reduction, `${op} F(4×4, 3×3) t${threads} bias=${!!bias} relu=${relu} ${JSON.stringify(g)}`);
    }
  }
}

async function withPool(f: () => void): Promise<void> {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // small problems use the pool too
  try {
    f();
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
}

test("winograd F(4×4, 3×3): output sizes 1..7 per axis (partial tiles), padding 0..2, both layouts, batch 2, equal the direct sums", () =>
  withPool(() => {
    let seed = 100;
    for (let h = 1; h <= 7; h++)
      for (let wd = 1; wd <= 7; wd++) {
        const p = (h + wd) % 3;
        const g = geo3({ batch: 2, ic: 3, gc: 5, grid: [h, wd], pb: [p, (p + 1) % 3], pe: [(p + 2) % 3, p], last: (h + wd) % 2 === 1 });
        if (g.imageSize.every((v) => v > 0)) check(g, seed++, h % 2 ? "imageToGrid" : "gridToImage", [1]);
      }
  }));

test("winograd F(4×4, 3×3): SIMD interiors with edges, several tasks on 2 threads, K blocks (K = 300), row blocks (M = 130)", () =>
  withPool(() => {
    // 23 columns: 6 tiles per row, runs that start mid-panel (single-tile paths) and a partial last tile; 3 images
    check(geo3({ batch: 3, ic: 9, gc: 10, grid: [13, 23], pb: [1, 1], pe: [1, 1] }), 21);
    assert.ok(hooks.lastTasks.length >= 3, `72 tiles on 2 threads: ${hooks.lastTasks.length} tasks`);
    check(geo3({ batch: 3, ic: 9, gc: 10, grid: [13, 23], pb: [1, 1], pe: [1, 1], last: true }), 22);
    check(geo3({ batch: 2, groups: 2, ic: 10, gc: 6, grid: [16, 16], pb: [0, 2], pe: [2, 0] }), 23, "gridToImage");
    for (const op of ["imageToGrid", "gridToImage"] as const) check(geo3({ batch: 1, ic: 300, gc: 130, grid: [9, 21], pb: [1, 1], pe: [1, 1] }), 24, op);
  }));

test("winograd F(4×4, 3×3): any k3 s1 geometry (property, seeded) equals the direct sums", () =>
  withPool(() => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 2 }),
          icpg: fc.integer({ min: 1, max: 5 }),
          gcpg: fc.integer({ min: 1, max: 6 }),
          g0: fc.integer({ min: 1, max: 11 }),
          g1: fc.integer({ min: 1, max: 19 }),
          pb0: fc.integer({ min: 0, max: 2 }),
          pb1: fc.integer({ min: 0, max: 2 }),
          pe0: fc.integer({ min: 0, max: 2 }),
          pe1: fc.integer({ min: 0, max: 2 }),
          last: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
          op: fc.constantFrom("gridToImage" as const, "imageToGrid" as const),
        }),
        (r) => {
          const g = geo3({
            batch: r.batch,
            groups: r.groups,
            ic: r.groups * r.icpg,
            gc: r.groups * r.gcpg,
            grid: [r.g0, r.g1],
            pb: [r.pb0, r.pb1],
            pe: [r.pe0, r.pe1],
            last: r.last,
          });
          fc.pre(g.imageSize.every((v) => v > 0));
          check(g, r.seed, r.op);
        },
      ),
      { numRuns: 60, seed: 24 },
    );
  }));

test("dispatch picks F(4×4, 3×3) for k3 s1 Winograd layers on one thread, and on two only with ≥ 32 of its tiles per thread", () => {
  const conv = (N: number, ic: number, gc: number, n: number) => geo3({ batch: N, ic, gc, grid: [n, n], pb: [1, 1], pe: [1, 1] });
  const unet = [conv(4, 32, 16, 64), conv(4, 64, 32, 32), conv(4, 16, 32, 32), conv(4, 32, 64, 16), conv(1, 64, 64, 56)];
  for (const g of unet) {
    assert.equal(dispatch.winograd4WorthIt(g, "imageToGrid", 1), true, JSON.stringify(g));
    assert.equal(dispatch.winograd4WorthIt(g, "imageToGrid", 2), true, JSON.stringify(g));
  }
  // 49 and 16 tiles: one thread yes, two no (a thread would get fewer than two tasks)
  for (const g of [conv(1, 128, 128, 28), conv(1, 256, 256, 14)]) {
    assert.equal(dispatch.winograd4WorthIt(g, "imageToGrid", 1), true);
    assert.equal(dispatch.winograd4WorthIt(g, "imageToGrid", 2), false);
  }
  // not a k3 s1 layer, or 36 transformed 2048² weight matrices (600 MB)
  assert.equal(dispatch.winograd4WorthIt({ ...conv(4, 32, 16, 64), strides: [2, 2] }, "imageToGrid", 1), false);
  assert.equal(dispatch.winograd4WorthIt({ ...conv(4, 32, 16, 64), dilation: [2, 2] }, "imageToGrid", 1), false);
  assert.equal(dispatch.winograd4WorthIt(conv(1, 2048, 2048, 16), "imageToGrid", 1), false);
  // through dispatch, both directions, at the thread count in force
  const saved = getNumThreads();
  try {
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      const g = conv(4, 32, 64, 16);
      dispatch.imageToGrid(g, "float32", randomArray(size(imageShape(g)), 1), randomArray(size(weightShape(g)), 2), null);
      assert.equal(hooks.lastAlgorithm, "wasm-winograd4");
      assert.equal(dispatch.gridToImageWasm(g), "wasm-winograd4");
      const few = conv(1, 128, 128, 28);
      dispatch.imageToGrid(few, "float32", randomArray(size(imageShape(few)), 3), randomArray(size(weightShape(few)), 4), null);
      assert.equal(hooks.lastAlgorithm, threads === 1 ? "wasm-winograd4" : "wasm-winograd");
      // F(2×2, 3×3)'s own threshold still applies first: 4 channels stay on im2col
      const thin = conv(4, 4, 64, 16);
      dispatch.imageToGrid(thin, "float32", randomArray(size(imageShape(thin)), 5), randomArray(size(weightShape(thin)), 6), null);
      assert.equal(hooks.lastAlgorithm, "wasm-im2col");
    }
  } finally {
    setNumThreads(saved);
  }
});

test("winograd F(4×4, 3×3): a transform that overflows float32 (4·d0 − 5·d2 past 3.4e38) sends the call to the direct loops", () => {
  const g = geo3({ batch: 1, ic: 8, gc: 8, grid: [9, 9], pb: [1, 1], pe: [1, 1] });
  const image = randomArray(size(imageShape(g)), 5).map((v, i) => (i % 2 ? 1e38 : -1e38) * (v > 0 ? 1 : 0.5));
  const w = randomArray(size(weightShape(g)), 6).map((v) => v * 1e-3);
  const ref = new Float64Array(size(gridShape(g)));
  imageToGrid(g, Float64Array.from(image), Float64Array.from(w), null, ref);
  hooks.force.imageToGrid = "wasm-winograd4";
  let got: ArrayLike<number>;
  try {
    got = dispatch.imageToGrid(g, "float32", image, w, null);
  } finally {
    hooks.force.imageToGrid = null;
  }
  assert.equal(hooks.lastAlgorithm, "direct");
  assert.ok(ref.every((v) => Number.isFinite(v)));
  assertClose4(got, ref, 72, "F(4×4, 3×3) with huge inputs");
});

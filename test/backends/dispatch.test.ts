// Every dispatch algorithm (forced and automatic, 1 and 2 threads) against the reference kernels on random geometries.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConvGeometry } from "../../src/params/geometry.js";
import * as dispatch from "../../src/backends/cpu/conv-dispatch.js";
import type { Algorithm } from "../../src/backends/kernel.js";
import { setNumThreads, getNumThreads } from "../../src/backends/threads.js";
import { hooks } from "../../src/backends/hooks.js";
import { resolveConv } from "../../src/params/conv-params.js";
import { whenWorkersReady } from "../../src/backends/wasm/pool.js";
import { imageToGrid } from "../../src/backends/reference/image-to-grid.js";
import { gridToImage } from "../../src/backends/reference/grid-to-image.js";
import { weightGrad } from "../../src/backends/reference/weight-grad.js";
import { assertClose, geometryArb, gridShape, imageShape, randomArray, size, weightShape } from "../helpers/geometry-arb.js";

const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);

type Entry = "imageToGrid" | "gridToImage" | "weightGrad";
const ALGS: Record<Entry, (Algorithm | null)[]> = {
  imageToGrid: ["direct", "wasm-im2col", "wasm-winograd", "wasm-winograd4", null],
  gridToImage: ["direct", "wasm-phase", "wasm-col2im", "wasm-wtx", "wasm-winograd", "wasm-winograd4", "wasm-dense", null],
  weightGrad: ["direct", "wasm-gemm", null],
};

function withForce<T>(entry: keyof typeof hooks.force, alg: Algorithm | null, f: () => T): T {
  hooks.force[entry] = alg;
  try {
    return f();
  } finally {
    hooks.force[entry] = null;
  }
}

/** Runs one geometry through every algorithm of the three entry points and compares with the reference. */
function checkGeometry(g: ConvGeometry, seed: number, threadsList: number[]): void {
  const image = randomArray(size(imageShape(g)), seed);
  const grid = randomArray(size(gridShape(g)), seed + 1);
  const w = randomArray(size(weightShape(g)), seed + 2);
  const wBiasI = seed % 2 === 0 ? randomArray(g.imageChannels, seed + 3) : null;
  const wBiasG = seed % 3 === 0 ? randomArray(g.gridChannels, seed + 4) : null;
  const kp = prod(g.kernel);
  const refG = new Float32Array(size(gridShape(g)));
  imageToGrid(g, image, w, wBiasG, refG);
  const refI = new Float32Array(size(imageShape(g)));
  gridToImage(g, grid, w, wBiasI, refI);
  const refW = new Float32Array(size(weightShape(g)));
  weightGrad(g, image, grid, refW);
  const desc = JSON.stringify(g);
  for (const threads of threadsList) {
    setNumThreads(threads);
    for (const alg of ALGS.imageToGrid)
      assertClose(
        withForce("imageToGrid", alg, () => dispatch.imageToGrid(g, "float32", image, w, wBiasG)),
        refG,
        (g.imageChannels / g.groups) * kp,
        `imageToGrid ${alg ?? "auto"} t${threads} ${desc}`,
      );
    for (const alg of ALGS.gridToImage)
      assertClose(
        withForce("gridToImage", alg, () => dispatch.gridToImage(g, "float32", grid, w, wBiasI)),
        refI,
        (g.gridChannels / g.groups) * kp,
        `gridToImage ${alg ?? "auto"} t${threads} ${desc}`,
      );
    for (const alg of ALGS.weightGrad)
      assertClose(
        withForce("weightGrad", alg, () => dispatch.weightGrad(g, "float32", image, grid)),
        refW,
        g.batch * prod(g.gridSize),
        `weightGrad ${alg ?? "auto"} t${threads} ${desc}`,
      );
  }
}

test("property: 2500 random geometries, every algorithm (forced + auto) on 1 and 2 threads agrees with the reference", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // let tiny problems use the pool, so the 2-thread path is really exercised
  try {
    // coverage counters: the property must really have met each feature, not only passed
    const workerTasksBefore = hooks.workerTaskTotal;
    const seen = { runs: 0, nd3: 0, empty: 0, groups: 0, dilated: 0, strided: 0, channelsLast: 0, outputPadding: 0, asym: 0 };
    fc.assert(
      fc.property(geometryArb, fc.integer({ min: 1, max: 1 << 30 }), (g, seed) => {
        seen.runs++;
        if (g.nd === 3) seen.nd3++;
        if (g.batch === 0 || g.gridSize.includes(0) || g.imageSize.includes(0)) seen.empty++;
        if (g.groups > 1) seen.groups++;
        if (g.dilation.some((d) => d > 1)) seen.dilated++;
        if (g.strides.some((v, i) => v > g.kernel[i]!)) seen.strided++;
        if (g.channelsLast) seen.channelsLast++;
        if (g.outputPadding.some((v) => v > 0)) seen.outputPadding++;
        if (g.padBegin.some((v, i) => v !== g.padEnd[i])) seen.asym++;
        checkGeometry(g, seed, [1, 2]);
      }),
      { numRuns: 2500 },
    );
    assert.ok(seen.runs >= 2500, `runs ${seen.runs}`);
    assert.ok(hooks.workerTaskTotal - workerTasksBefore >= 1000, `the worker ran only ${hooks.workerTaskTotal - workerTasksBefore} tasks`);
    for (const [k, v] of Object.entries(seen)) assert.ok(v >= 30, `only ${v} geometries with ${k}`);
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("larger geometries (multi-block K, M, N; phases; groups; channels-last) on 1 and 2 threads", async () => {
  const saved = getNumThreads();
  await whenWorkersReady(1);
  const cases: ConvGeometry[] = [
    // DCGAN-like k4 s2 p1, K = 80·4 > 256 (several K blocks), M = 130 > 128 (two M blocks)
    {
      nd: 2,
      batch: 2,
      groups: 1,
      imageChannels: 130,
      gridChannels: 80,
      gridSize: [5, 4],
      imageSize: [10, 8],
      kernel: [4, 4],
      strides: [2, 2],
      dilation: [1, 1],
      padBegin: [1, 1],
      padEnd: [1, 1],
      outputPadding: [0, 0],
      channelsLast: false,
    },
    {
      nd: 2,
      batch: 1,
      groups: 2,
      imageChannels: 34,
      gridChannels: 36,
      gridSize: [9, 7],
      imageSize: [9, 7],
      kernel: [3, 3],
      strides: [1, 1],
      dilation: [1, 1],
      padBegin: [1, 1],
      padEnd: [1, 1],
      outputPadding: [0, 0],
      channelsLast: true,
    },
    {
      nd: 3,
      batch: 2,
      groups: 1,
      imageChannels: 5,
      gridChannels: 7,
      gridSize: [3, 4, 5],
      imageSize: [6, 8, 10],
      kernel: [2, 2, 2],
      strides: [2, 2, 2],
      dilation: [1, 1, 1],
      padBegin: [0, 0, 0],
      padEnd: [0, 0, 0],
      outputPadding: [0, 0, 0],
      channelsLast: false,
    },
  ];
  // wasm-wtx's zipped stride-2 scatter (runs of ≥ 4 grid positions, edges clipped by the padding) and its store mode
  // (k = s: every image element written once, bias added in the scatter), with and without bias (even seeds)
  const base = cases[0]!;
  cases.push(
    { ...base, batch: 3, imageChannels: 3, gridChannels: 20, gridSize: [9, 13], imageSize: [18, 26] },
    { ...base, batch: 2, imageChannels: 5, gridChannels: 9, gridSize: [7, 11], imageSize: [14, 22], kernel: [2, 2], padBegin: [0, 0], padEnd: [0, 0] },
    {
      ...base,
      batch: 2,
      imageChannels: 5,
      gridChannels: 9,
      gridSize: [7, 11],
      imageSize: [14, 22],
      kernel: [2, 2],
      padBegin: [0, 0],
      padEnd: [0, 0],
      channelsLast: true,
    },
    { ...base, batch: 2, imageChannels: 70, gridChannels: 9, gridSize: [5, 6], imageSize: [10, 12], kernel: [2, 2], padBegin: [0, 0], padEnd: [0, 0] },
    // wasm-col2im tasks over several images (33 positions, odd: padded A row per image; 5 images = tasks of 3 + 2)
    { ...base, batch: 5, imageChannels: 20, gridChannels: 12, gridSize: [3, 11], imageSize: [6, 22] },
    { ...base, batch: 5, imageChannels: 20, gridChannels: 12, gridSize: [3, 11], imageSize: [6, 22], channelsLast: true },
  );
  try {
    for (const g of cases) for (const seed of [7, 8]) checkGeometry(g, seed, [1, 2]);
  } finally {
    setNumThreads(saved);
  }
});

test("a 1-pixel grid spread into a kernel-sized image (DCGAN's first layer) is one dense GEMM, in 1-D to 3-D and both layouts", async () => {
  const saved = getNumThreads();
  await whenWorkersReady(1);
  try {
    const cases: ConvGeometry[] = [
      {
        nd: 2,
        batch: 5,
        groups: 1,
        imageChannels: 33,
        gridChannels: 20,
        gridSize: [1, 1],
        imageSize: [4, 4],
        kernel: [4, 4],
        strides: [1, 1],
        dilation: [1, 1],
        padBegin: [0, 0],
        padEnd: [0, 0],
        outputPadding: [0, 0],
        channelsLast: false,
      },
      {
        nd: 2,
        batch: 3,
        groups: 1,
        imageChannels: 7,
        gridChannels: 300,
        gridSize: [1, 1],
        imageSize: [3, 5],
        kernel: [3, 5],
        strides: [2, 2],
        dilation: [1, 1],
        padBegin: [0, 0],
        padEnd: [1, 0],
        outputPadding: [1, 0],
        channelsLast: true,
      },
      {
        nd: 1,
        batch: 2,
        groups: 1,
        imageChannels: 9,
        gridChannels: 4,
        gridSize: [1],
        imageSize: [6],
        kernel: [6],
        strides: [1],
        dilation: [1],
        padBegin: [0],
        padEnd: [0],
        outputPadding: [0],
        channelsLast: false,
      },
      {
        nd: 3,
        batch: 2,
        groups: 1,
        imageChannels: 3,
        gridChannels: 17,
        gridSize: [1, 1, 1],
        imageSize: [2, 3, 2],
        kernel: [2, 3, 2],
        strides: [1, 1, 1],
        dilation: [1, 1, 1],
        padBegin: [0, 0, 0],
        padEnd: [0, 0, 0],
        outputPadding: [0, 0, 0],
        channelsLast: true,
      },
    ];
    for (const g of cases) {
      assert.equal(dispatch.gridToImageWasm(g), "wasm-dense", JSON.stringify(g));
      for (const seed of [3, 4]) checkGeometry(g, seed, [1, 2]);
      withForce("gridToImage", "wasm-dense", () =>
        dispatch.gridToImage(g, "float32", randomArray(size(gridShape(g)), 1), randomArray(size(weightShape(g)), 2), null),
      );
      assert.equal(hooks.lastAlgorithm, "wasm-dense");
    }
    // not dense: padding crops the taps, two groups, a 2-pixel grid
    const base = cases[0]!;
    assert.notEqual(dispatch.gridToImageWasm({ ...base, padBegin: [1, 1], padEnd: [1, 1], imageSize: [2, 2] }), "wasm-dense");
    assert.notEqual(dispatch.gridToImageWasm({ ...base, groups: 2, gridChannels: 20, imageChannels: 32 }), "wasm-dense");
    assert.notEqual(dispatch.gridToImageWasm({ ...base, gridSize: [2, 1], imageSize: [5, 4] }), "wasm-dense");
  } finally {
    setNumThreads(saved);
  }
});

test("float64 always takes the reference kernels, even when a wasm algorithm is forced", () => {
  const g: ConvGeometry = {
    nd: 1,
    batch: 1,
    groups: 1,
    imageChannels: 2,
    gridChannels: 3,
    gridSize: [4],
    imageSize: [9],
    kernel: [3],
    strides: [2],
    dilation: [1],
    padBegin: [0],
    padEnd: [0],
    outputPadding: [0],
    channelsLast: false,
  };
  const grid = Float64Array.from(randomArray(12, 5)),
    w = Float64Array.from(randomArray(18, 6));
  const ref = new Float64Array(18);
  gridToImage(g, grid, w, null, ref);
  const got = withForce("gridToImage", "wasm-phase", () => dispatch.gridToImage(g, "float64", grid, w, null));
  assert.ok(got instanceof Float64Array);
  assert.equal(hooks.lastAlgorithm, "reference");
  assert.deepEqual(Array.from(got), Array.from(ref));
});

/** The book's 2×2 transposed convolution: a 2×2 grid and a 2×2 kernel, stride 1, into a 3×3 image. */
const BOOK_2X2: ConvGeometry = {
  nd: 2,
  batch: 1,
  groups: 1,
  imageChannels: 1,
  gridChannels: 1,
  gridSize: [2, 2],
  imageSize: [3, 3],
  kernel: [2, 2],
  strides: [1, 1],
  dilation: [1, 1],
  padBegin: [0, 0],
  padEnd: [0, 0],
  outputPadding: [0, 0],
  channelsLast: false,
};

test("automatic dispatch: tiny float32 calls stay in JS, large ones go to wasm", () => {
  const small = BOOK_2X2;
  dispatch.gridToImage(small, "float32", new Float32Array([0, 1, 2, 3]), new Float32Array([0, 1, 2, 3]), null);
  assert.equal(hooks.lastAlgorithm, "direct");
  const big: ConvGeometry = { ...small, imageChannels: 64, gridChannels: 64, gridSize: [8, 8], imageSize: [16, 16], kernel: [2, 2], strides: [2, 2] };
  dispatch.gridToImage(big, "float32", new Float32Array(64 * 64), new Float32Array(64 * 64 * 4), null);
  assert.equal(hooks.lastAlgorithm, "wasm-phase");
  // a grid much smaller than its image (2×2 → 5×5, k4 s1 p0): the phase GEMM would multiply mostly padding zeros, so
  // col2im runs it; DCGAN's first layer (1×1 → 4×4) is one dense GEMM. Results are the reference's (the property test
  // above checks every algorithm)
  for (const [gs, is, alg] of [
    [2, 5, "wasm-col2im"],
    [1, 4, "wasm-dense"],
  ] as const) {
    const g: ConvGeometry = { ...small, batch: 2, imageChannels: 64, gridChannels: 100, gridSize: [gs, gs], imageSize: [is, is], kernel: [4, 4] };
    const grid = randomArray(size(gridShape(g)), 3),
      w = randomArray(100 * 64 * 16, 4);
    const y = dispatch.gridToImage(g, "float32", grid, w, null);
    assert.equal(hooks.lastAlgorithm, alg);
    const ref = new Float32Array(size(imageShape(g)));
    gridToImage(g, grid, w, null, ref);
    assertClose(y as Float32Array, ref, 100 * 4, `${gs}×${gs} grid`);
  }
});

test("the book's 2×2 transposed convolution gives the book's values through dispatch", () => {
  const g = BOOK_2X2;
  const X = new Float32Array([0, 1, 2, 3]),
    K = new Float32Array([0, 1, 2, 3]);
  assert.deepEqual(Array.from(dispatch.gridToImage(g, "float32", X, K, null)), [0, 0, 1, 0, 4, 6, 4, 12, 9]);
});

test("a 1×1 convolution of one position (a matrix-vector product) runs on the direct loops at any size; two or more positions take the GEMM", () => {
  setNumThreads(1);
  for (const [x, w, want] of [
    [[1, 336, 1, 1], [88, 336, 1, 1], "direct"],
    [[1, 960, 1], [1280, 960, 1], "direct"],
    [[1, 240, 2, 2], [64, 240, 1, 1], "wasm-im2col"],
    [[2, 240, 1, 1], [64, 240, 1, 1], "wasm-im2col"],
  ] as const) {
    const g = resolveConv("convolution", x, w, {}).geometry;
    const image = randomArray(size(imageShape(g)), 5),
      wt = randomArray(size(weightShape(g)), 6);
    const got = dispatch.imageToGrid(g, "float32", image, wt, null);
    assert.equal(hooks.lastAlgorithm, want, JSON.stringify({ x, w }));
    const ref = new Float32Array(size(gridShape(g)));
    imageToGrid(g, image, wt, null, ref);
    assertClose(got, ref, g.imageChannels, `${JSON.stringify({ x, w })}`);
  }
});

test("wasm col2im with an empty grid fills the image with the bias (zeros without one), over an arena a larger call left dirty", () => {
  const saved = getNumThreads();
  setNumThreads(1);
  try {
    // an empty grid (no positions along axis 0): the col2im program has no tasks, so the image is only its fill
    const g: ConvGeometry = {
      nd: 2,
      batch: 2,
      groups: 2,
      imageChannels: 4,
      gridChannels: 2,
      imageSize: [1, 3],
      gridSize: [0, 3],
      kernel: [2, 1],
      strides: [1, 1],
      dilation: [1, 1],
      padBegin: [0, 0],
      padEnd: [0, 0],
      outputPadding: [0, 0],
      channelsLast: false,
    };
    const dirty: ConvGeometry = { ...g, groups: 1, gridChannels: 8, imageChannels: 8, imageSize: [9, 9], gridSize: [8, 9] };
    const w = randomArray(size(weightShape(g)), 3),
      bias = randomArray(g.imageChannels, 5);
    for (const b of [bias, null]) {
      withForce("gridToImage", "wasm-col2im", () =>
        dispatch.gridToImage(dirty, "float32", randomArray(size(gridShape(dirty)), 1), randomArray(size(weightShape(dirty)), 2), null),
      );
      const got = withForce("gridToImage", "wasm-col2im", () => dispatch.gridToImage(g, "float32", new Float32Array(0), w, b));
      assert.equal(hooks.lastAlgorithm, "wasm-col2im");
      const want = Array.from({ length: size(imageShape(g)) }, (_, i) => (b ? b[Math.floor(i / 3) % 4]! : 0));
      assert.deepEqual(Array.from(got), want);
    }
  } finally {
    setNumThreads(saved);
  }
});

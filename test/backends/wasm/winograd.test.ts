// The Winograd paths — F(2×2, 2×2) on k = 2s phases, F(2×2, 3×3) on k3 s1 layers (2-D) — against the reference loops,
// and when dispatch picks them.
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
import { assertClose, gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";

/** Forced Winograd for `op` on 1 and 2 threads, with and without bias, against the reference (reduction Cin/g·∏k). */
function check(g: ConvGeometry, seed: number, op: "gridToImage" | "imageToGrid" = "gridToImage"): void {
  const toImage = op === "gridToImage";
  const src = randomArray(size(toImage ? gridShape(g) : imageShape(g)), seed),
    w = randomArray(size(weightShape(g)), seed + 1);
  for (const bias of [null, randomArray(toImage ? g.imageChannels : g.gridChannels, seed + 2)]) {
    const ref = new Float32Array(size(toImage ? imageShape(g) : gridShape(g)));
    (toImage ? gridToImage : imageToGrid)(g, src, w, bias, ref);
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      hooks.force[op] = "wasm-winograd";
      let got: ArrayLike<number>;
      try {
        // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test picks the dispatched kernel by name
        got = dispatch[op](g, "float32", src, w, bias);
      } finally {
        hooks.force[op] = null;
      }
      assert.equal(hooks.lastAlgorithm, "wasm-winograd", JSON.stringify(g));
      if (g.batch > 0 && size(g.gridSize) > 0 && g.gridChannels > 0 && g.imageChannels > 0)
        assert.deepEqual([...new Set(hooks.lastTasks.map((t) => t[3]))], [TASK.WINO], "the Winograd tasks ran");
      const reduction = ((toImage ? g.gridChannels : g.imageChannels) / g.groups) * g.kernel[0]! * g.kernel[1]!;
      assertClose(got, ref, reduction, `${op} winograd t${threads} bias=${!!bias} ${JSON.stringify(g)}`);
    }
  }
}

/** 2-D geometry with k = 2s per axis: image = (grid − 1)·s − pb − pe + 2s + op. */
function geo(o: {
  batch: number;
  groups?: number;
  ic: number;
  gc: number;
  grid: [number, number];
  s: [number, number];
  pb: [number, number];
  pe: [number, number];
  op?: [number, number];
  last?: boolean;
}): ConvGeometry {
  const op = o.op ?? [0, 0];
  return {
    nd: 2,
    batch: o.batch,
    groups: o.groups ?? 1,
    imageChannels: o.ic,
    gridChannels: o.gc,
    gridSize: o.grid,
    imageSize: [0, 1].map((e) => (o.grid[e]! - 1) * o.s[e]! - o.pb[e]! - o.pe[e]! + 2 * o.s[e]! + op[e]!),
    kernel: o.s.map((s) => 2 * s),
    strides: o.s,
    dilation: [1, 1],
    padBegin: o.pb,
    padEnd: o.pe,
    outputPadding: op,
    channelsLast: o.last ?? false,
  };
}

test("winograd F(2×2, 2×2): every phase's 2×2 sub-kernel, any padding, groups and layout, equals the direct sum", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // small problems use the pool too
  try {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 2 }),
          icpg: fc.integer({ min: 1, max: 5 }),
          gcpg: fc.integer({ min: 1, max: 6 }),
          g0: fc.integer({ min: 1, max: 9 }),
          g1: fc.integer({ min: 1, max: 13 }),
          s0: fc.integer({ min: 1, max: 3 }),
          s1: fc.integer({ min: 1, max: 3 }),
          pb0: fc.integer({ min: 0, max: 3 }),
          pb1: fc.integer({ min: 0, max: 3 }),
          pe0: fc.integer({ min: 0, max: 3 }),
          pe1: fc.integer({ min: 0, max: 3 }),
          op0: fc.integer({ min: 0, max: 2 }),
          op1: fc.integer({ min: 0, max: 2 }),
          last: fc.boolean(),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        (r) => {
          const g = geo({
            batch: r.batch,
            groups: r.groups,
            ic: r.groups * r.icpg,
            gc: r.groups * r.gcpg,
            grid: [r.g0, r.g1],
            s: [r.s0, r.s1],
            pb: [r.pb0, r.pb1],
            pe: [r.pe0, r.pe1],
            op: [r.op0 % r.s0, r.op1 % r.s1],
            last: r.last,
          });
          fc.pre(g.imageSize.every((v) => v > 0));
          check(g, r.seed);
        },
      ),
      { numRuns: 300 },
    );
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
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

test("winograd F(2×2, 3×3): k3 s1 convolution and transposed convolution, any padding, groups and layout, equal the direct sums", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0;
  try {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }),
          groups: fc.integer({ min: 1, max: 2 }),
          icpg: fc.integer({ min: 1, max: 5 }),
          gcpg: fc.integer({ min: 1, max: 6 }),
          g0: fc.integer({ min: 1, max: 9 }),
          g1: fc.integer({ min: 1, max: 13 }),
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
      { numRuns: 300 },
    );
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("winograd: several K blocks (K = 300 > 256), two row blocks (M = 130 > 128), SIMD interiors and edges", async () => {
  const saved = getNumThreads();
  await whenWorkersReady(1);
  try {
    // DCGAN k4 s2 p1; grid 9×21: rows of tiles wider than 4 (SIMD patch loads) with clipped edges on both sides
    check(geo({ batch: 2, ic: 130, gc: 300, grid: [9, 21], s: [2, 2], pb: [1, 1], pe: [1, 1] }), 11);
    check(geo({ batch: 2, ic: 130, gc: 300, grid: [9, 21], s: [2, 2], pb: [1, 1], pe: [1, 1], last: true }), 12);
    check(geo({ batch: 3, ic: 17, gc: 33, grid: [16, 16], s: [2, 2], pb: [0, 2], pe: [1, 0], op: [1, 0] }), 13);
    // F(2×2, 3×3): K = 300, M = 130 (three 64-row blocks of the 16 M_ξ), both ops, both layouts
    for (const op of ["gridToImage", "imageToGrid"] as const) {
      check(geo3({ batch: 2, ic: 300, gc: 130, grid: [9, 21], pb: [1, 1], pe: [1, 1] }), 14, op);
      check(geo3({ batch: 2, ic: 130, gc: 300, grid: [10, 19], pb: [0, 2], pe: [1, 0], last: true }), 15, op);
    }
  } finally {
    setNumThreads(saved);
  }
});

test("winograd: a transform that overflows float32 sends the call to the direct loops, whose sums stay finite", () => {
  // d0 − d1 overflows float32 for d0 = 3e38, d1 = −3e38, while every product of the direct sum is finite and the
  // true sums stay finite too: the direct loops' answer is the contract
  const g = geo({ batch: 1, ic: 8, gc: 8, grid: [6, 6], s: [2, 2], pb: [1, 1], pe: [1, 1] });
  const grid = randomArray(size(gridShape(g)), 3).map((v, i) => (i % 2 ? 3e38 : -3e38) * (v > 0 ? 1 : 0.5));
  const w = randomArray(size(weightShape(g)), 4).map((v) => v * 1e-3);
  const ref = new Float32Array(size(imageShape(g)));
  gridToImage(g, grid, w, null, ref);
  hooks.force.gridToImage = "wasm-winograd";
  let got: Float32Array;
  try {
    got = dispatch.gridToImage(g, "float32", grid, w, null) as Float32Array;
  } finally {
    hooks.force.gridToImage = null;
  }
  assert.equal(hooks.lastAlgorithm, "direct");
  assert.ok(ref.every((v) => Number.isFinite(v)));
  assertClose(got, ref, 32, "winograd with huge inputs");
});

test("dispatch picks winograd for DCGAN's k4 s2 and k3 s1 layers with many tiles, not for few tiles, few channels or many phases", () => {
  const dcgan = (N: number, gc: number, ic: number, grid: number) => geo({ batch: N, ic, gc, grid: [grid, grid], s: [2, 2], pb: [1, 1], pe: [1, 1] });
  assert.equal(dispatch.gridToImageWasm(dcgan(16, 256, 128, 8)), "wasm-winograd");
  assert.equal(dispatch.gridToImageWasm(dcgan(16, 128, 64, 16)), "wasm-winograd");
  assert.equal(dispatch.gridToImageWasm(dcgan(16, 512, 256, 4)), "wasm-winograd"); // 64 tiles per phase
  assert.notEqual(dispatch.gridToImageWasm(dcgan(8, 512, 256, 4)), "wasm-winograd"); // 32 tiles per phase
  assert.notEqual(dispatch.gridToImageWasm(dcgan(16, 64, 3, 32)), "wasm-winograd"); // 3 image channels
  const fcn = geo({ batch: 8, ic: 21, gc: 21, grid: [10, 10], s: [32, 32], pb: [16, 16], pe: [16, 16] });
  assert.notEqual(dispatch.gridToImageWasm(fcn), "wasm-winograd"); // 1024 phases
  // not applicable at all: dilation, k ≠ 2s, 3-D
  assert.equal(dispatch.winogradApplies({ ...dcgan(16, 128, 64, 16), dilation: [2, 1] }), false);
  assert.equal(dispatch.winogradApplies({ ...dcgan(16, 128, 64, 16), kernel: [3, 4] }), false);
  assert.equal(dispatch.winogradApplies(dcgan(16, 128, 64, 16)), true);
  // 2048 channels each way: 36 transformed 2048² weight matrices would take 600 MB of wasm memory
  assert.notEqual(dispatch.gridToImageWasm(dcgan(16, 2048, 2048, 16)), "wasm-winograd");
  // k3 s1: the bench's 64→64 layers, both directions; not k3 s2, not k3 s1 with dilation
  // (with 1568 tiles of 4×4 they take F(4×4, 3×3): winograd4.test.ts)
  const k3 = geo3({ batch: 8, ic: 64, gc: 64, grid: [56, 56], pb: [1, 1], pe: [1, 1] });
  assert.equal(dispatch.gridToImageWasm(k3), "wasm-winograd4");
  assert.equal(dispatch.winogradApplies(k3, "imageToGrid"), true);
  assert.equal(dispatch.winogradApplies({ ...k3, strides: [2, 2] }, "imageToGrid"), false);
  assert.equal(dispatch.winogradApplies({ ...k3, dilation: [1, 2] }, "imageToGrid"), false);
  assert.equal(dispatch.winogradApplies(dcgan(16, 128, 64, 16), "imageToGrid"), false); // k4 s2 convolution: no
  dispatch.imageToGrid(k3, "float32", randomArray(size(imageShape(k3)), 1), randomArray(size(weightShape(k3)), 2), null);
  assert.equal(hooks.lastAlgorithm, "wasm-winograd4");
});

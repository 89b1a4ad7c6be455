// The Winograd F(2×2, 2×2) gridToImage path (k = 2s, 2-D) against the reference loops, and when dispatch picks it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import * as dispatch from "../../../src/backends/dispatch.js";
import { hooks } from "../../../src/backends/hooks.js";
import { getNumThreads, setNumThreads } from "../../../src/backends/threads.js";
import { whenWorkersReady } from "../../../src/backends/wasm/pool.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { assertClose, gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";

/** Forced Winograd on 1 and 2 threads, with and without bias, against the reference (reduction Cgrid/g·∏k). */
function check(g: ConvGeometry, seed: number): void {
  const grid = randomArray(size(gridShape(g)), seed), w = randomArray(size(weightShape(g)), seed + 1);
  for (const bias of [null, randomArray(g.imageChannels, seed + 2)]) {
    const ref = new Float32Array(size(imageShape(g)));
    gridToImage(g, grid, w, bias, ref);
    for (const threads of [1, 2]) {
      setNumThreads(threads);
      hooks.force.gridToImage = "wasm-winograd";
      let got: ArrayLike<number>;
      try { got = dispatch.gridToImage(g, "float32", grid, w, bias); } finally { hooks.force.gridToImage = null; }
      assert.equal(hooks.lastAlgorithm, "wasm-winograd", JSON.stringify(g));
      assertClose(got, ref, (g.gridChannels / g.groups) * 4, `winograd t${threads} bias=${!!bias} ${JSON.stringify(g)}`);
    }
  }
}

/** 2-D geometry with k = 2s per axis: image = (grid − 1)·s − pb − pe + 2s + op. */
function geo(o: { batch: number; groups?: number; ic: number; gc: number; grid: [number, number]; s: [number, number]; pb: [number, number]; pe: [number, number]; op?: [number, number]; last?: boolean }): ConvGeometry {
  const op = o.op ?? [0, 0];
  return {
    nd: 2, batch: o.batch, groups: o.groups ?? 1, imageChannels: o.ic, gridChannels: o.gc, gridSize: o.grid,
    imageSize: [0, 1].map((e) => (o.grid[e]! - 1) * o.s[e]! - o.pb[e]! - o.pe[e]! + 2 * o.s[e]! + op[e]!),
    kernel: o.s.map((s) => 2 * s), strides: o.s, dilation: [1, 1], padBegin: o.pb, padEnd: o.pe, outputPadding: op, channelsLast: o.last ?? false,
  };
}

test("winograd: every phase's 2×2 sub-kernel, any padding, groups and layout, equals the direct sum", async () => {
  const saved = getNumThreads(), savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // small problems use the pool too
  try {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 3 }), groups: fc.integer({ min: 1, max: 2 }),
          icpg: fc.integer({ min: 1, max: 5 }), gcpg: fc.integer({ min: 1, max: 6 }),
          g0: fc.integer({ min: 1, max: 9 }), g1: fc.integer({ min: 1, max: 13 }),
          s0: fc.integer({ min: 1, max: 3 }), s1: fc.integer({ min: 1, max: 3 }),
          pb0: fc.integer({ min: 0, max: 3 }), pb1: fc.integer({ min: 0, max: 3 }), pe0: fc.integer({ min: 0, max: 3 }), pe1: fc.integer({ min: 0, max: 3 }),
          op0: fc.integer({ min: 0, max: 2 }), op1: fc.integer({ min: 0, max: 2 }), last: fc.boolean(), seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        (r) => {
          const g = geo({
            batch: r.batch, groups: r.groups, ic: r.groups * r.icpg, gc: r.groups * r.gcpg, grid: [r.g0, r.g1], s: [r.s0, r.s1],
            pb: [r.pb0, r.pb1], pe: [r.pe0, r.pe1], op: [r.op0 % r.s0, r.op1 % r.s1], last: r.last,
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

test("winograd: several K blocks (K = 300 > 256), two row blocks (M = 130 > 128), SIMD interiors and edges", async () => {
  const saved = getNumThreads();
  await whenWorkersReady(1);
  try {
    // DCGAN k4 s2 p1; grid 9×21: rows of tiles wider than 4 (SIMD patch loads) with clipped edges on both sides
    check(geo({ batch: 2, ic: 130, gc: 300, grid: [9, 21], s: [2, 2], pb: [1, 1], pe: [1, 1] }), 11);
    check(geo({ batch: 2, ic: 130, gc: 300, grid: [9, 21], s: [2, 2], pb: [1, 1], pe: [1, 1], last: true }), 12);
    check(geo({ batch: 3, ic: 17, gc: 33, grid: [16, 16], s: [2, 2], pb: [0, 2], pe: [1, 0], op: [1, 0] }), 13);
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
  try { got = dispatch.gridToImage(g, "float32", grid, w, null) as Float32Array; } finally { hooks.force.gridToImage = null; }
  assert.equal(hooks.lastAlgorithm, "direct");
  assert.ok(ref.every((v) => Number.isFinite(v)));
  assertClose(got, ref, 32, "winograd with huge inputs");
});

test("dispatch picks winograd for DCGAN's k4 s2 layers with many tiles, not for few tiles, few channels or many phases", () => {
  const dcgan = (N: number, gc: number, ic: number, grid: number) => geo({ batch: N, ic, gc, grid: [grid, grid], s: [2, 2], pb: [1, 1], pe: [1, 1] });
  assert.equal(dispatch.gridToImageWasm(dcgan(16, 256, 128, 8)), "wasm-winograd");
  assert.equal(dispatch.gridToImageWasm(dcgan(16, 128, 64, 16)), "wasm-winograd");
  assert.notEqual(dispatch.gridToImageWasm(dcgan(16, 512, 256, 4)), "wasm-winograd"); // 64 tiles per phase
  assert.notEqual(dispatch.gridToImageWasm(dcgan(16, 64, 3, 32)), "wasm-winograd"); // 3 image channels
  const fcn = geo({ batch: 8, ic: 21, gc: 21, grid: [10, 10], s: [32, 32], pb: [16, 16], pe: [16, 16] });
  assert.notEqual(dispatch.gridToImageWasm(fcn), "wasm-winograd"); // 1024 phases
  // not applicable at all: dilation, k ≠ 2s, 3-D
  assert.equal(dispatch.winogradApplies({ ...dcgan(16, 128, 64, 16), dilation: [2, 1] }), false);
  assert.equal(dispatch.winogradApplies({ ...dcgan(16, 128, 64, 16), kernel: [3, 4] }), false);
  assert.equal(dispatch.winogradApplies(dcgan(16, 128, 64, 16)), true);
});

// The plain-memory wasm build (pages without cross-origin isolation) runs every fast path on one thread, matching the reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as dispatch from "../../../src/backends/cpu/conv-dispatch.js";
import type { Algorithm } from "../../../src/backends/kernel.js";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { setNumThreads, getNumThreads } from "../../../src/backends/threads.js";
import { runtime, runtimeHooks, WasmRuntime } from "../../../src/backends/wasm/runtime.js";
import { hooks } from "../../../src/backends/hooks.js";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { weightGrad } from "../../../src/backends/reference/weight-grad.js";
import { assertClose, geometryArb, gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";

test("without shared memory every wasm algorithm still agrees with the reference (one thread)", () => {
  const original = runtime();
  const plain = new WasmRuntime(false);
  assert.equal(plain.shared, false);
  assert.ok(!(plain.memory.buffer instanceof SharedArrayBuffer));
  const savedThreads = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  runtimeHooks.nextRuntime = plain;
  setNumThreads(2); // asked for, but a plain memory cannot be shared: the calling thread runs every task
  hooks.macsPerThread = 0;
  try {
    const gridAlgs: Algorithm[] = ["wasm-phase", "wasm-col2im", "wasm-wtx"];
    fc.assert(
      fc.property(geometryArb, fc.integer({ min: 1, max: 1000 }), (g, seed) => {
        const image = randomArray(size(imageShape(g)), seed);
        const grid = randomArray(size(gridShape(g)), seed + 1);
        const w = randomArray(size(weightShape(g)), seed + 2);
        const k = (g.imageChannels / g.groups) * g.kernel.reduce((p, v) => p * v, 1);
        const refGrid = new Float32Array(size(gridShape(g)));
        imageToGrid(g, image, w, null, refGrid);
        const refImage = new Float32Array(size(imageShape(g)));
        gridToImage(g, grid, w, null, refImage);
        const refW = new Float32Array(size(weightShape(g)));
        weightGrad(g, image, grid, refW);
        hooks.force.imageToGrid = "wasm-im2col";
        assertClose(dispatch.imageToGrid(g, "float32", image, w, null), refGrid, k, "im2col");
        for (const alg of gridAlgs) {
          hooks.force.gridToImage = alg;
          assertClose(dispatch.gridToImage(g, "float32", grid, w, null), refImage, g.gridChannels / g.groups, alg);
          assert.equal(hooks.lastAlgorithm, alg);
        }
        hooks.force.weightGrad = "wasm-gemm";
        assertClose(dispatch.weightGrad(g, "float32", image, grid), refW, g.batch * size(g.gridSize as number[]), "weight grad");
      }),
      { numRuns: 150 },
    );
    assert.equal(runtime(), plain, "the calls ran on the plain-memory runtime");
  } finally {
    hooks.force.imageToGrid = hooks.force.gridToImage = hooks.force.weightGrad = null;
    hooks.macsPerThread = savedMacs;
    setNumThreads(savedThreads);
    runtimeHooks.nextRuntime = original;
  }
});

test("without shared memory the Winograd and dense paths agree with the reference too", () => {
  const original = runtime();
  const plain = new WasmRuntime(false);
  const savedThreads = getNumThreads();
  runtimeHooks.nextRuntime = plain;
  setNumThreads(2);
  const base = { nd: 2, batch: 2, groups: 1, dilation: [1, 1], outputPadding: [0, 0], channelsLast: false };
  const cases: [ConvGeometry, "imageToGrid" | "gridToImage", Algorithm][] = [
    [
      {
        ...base,
        imageChannels: 12,
        gridChannels: 20,
        gridSize: [7, 9],
        imageSize: [14, 18],
        kernel: [4, 4],
        strides: [2, 2],
        padBegin: [1, 1],
        padEnd: [1, 1],
      },
      "gridToImage",
      "wasm-winograd",
    ],
    [
      {
        ...base,
        imageChannels: 12,
        gridChannels: 20,
        gridSize: [9, 11],
        imageSize: [9, 11],
        kernel: [3, 3],
        strides: [1, 1],
        padBegin: [1, 1],
        padEnd: [1, 1],
      },
      "gridToImage",
      "wasm-winograd",
    ],
    [
      {
        ...base,
        imageChannels: 12,
        gridChannels: 20,
        gridSize: [9, 11],
        imageSize: [9, 11],
        kernel: [3, 3],
        strides: [1, 1],
        padBegin: [1, 1],
        padEnd: [1, 1],
        channelsLast: true,
      },
      "imageToGrid",
      "wasm-winograd",
    ],
    [
      {
        ...base,
        imageChannels: 12,
        gridChannels: 20,
        gridSize: [9, 11],
        imageSize: [9, 11],
        kernel: [3, 3],
        strides: [1, 1],
        padBegin: [1, 1],
        padEnd: [1, 1],
      },
      "imageToGrid",
      "wasm-winograd4",
    ],
    [
      { ...base, imageChannels: 12, gridChannels: 20, gridSize: [1, 1], imageSize: [4, 4], kernel: [4, 4], strides: [1, 1], padBegin: [0, 0], padEnd: [0, 0] },
      "gridToImage",
      "wasm-dense",
    ],
  ];
  try {
    for (const [g, op, alg] of cases) {
      const toImage = op === "gridToImage";
      const src = randomArray(size(toImage ? gridShape(g) : imageShape(g)), 5),
        w = randomArray(size(weightShape(g)), 6);
      const bias = randomArray(toImage ? g.imageChannels : g.gridChannels, 7);
      const ref = new Float32Array(size(toImage ? imageShape(g) : gridShape(g)));
      (toImage ? gridToImage : imageToGrid)(g, src, w, bias, ref);
      hooks.force[op] = alg;
      // biome-ignore lint/performance/noDynamicNamespaceImportAccess: a test picks the dispatched kernel by name
      assertClose(dispatch[op](g, "float32", src, w, bias), ref, (toImage ? g.gridChannels : g.imageChannels) * 16, `${alg} ${op}`);
      assert.equal(hooks.lastAlgorithm, alg);
      hooks.force[op] = null;
    }
    assert.equal(runtime(), plain, "the calls ran on the plain-memory runtime");
  } finally {
    hooks.force.imageToGrid = hooks.force.gridToImage = null;
    setNumThreads(savedThreads);
    runtimeHooks.nextRuntime = original;
  }
});

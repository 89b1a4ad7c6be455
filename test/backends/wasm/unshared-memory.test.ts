// The plain-memory wasm build (pages without cross-origin isolation) runs every fast path on one thread, matching the reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as dispatch from "../../../src/backends/dispatch.js";
import type { Algorithm } from "../../../src/backends/kernel.js";
import { setNumThreads, getNumThreads } from "../../../src/backends/threads.js";
import { runtime, WasmRuntime } from "../../../src/backends/wasm/runtime.js";
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
  const savedThreads = getNumThreads(), savedMacs = hooks.macsPerThread;
  hooks.nextRuntime = plain;
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
    hooks.nextRuntime = original;
  }
});

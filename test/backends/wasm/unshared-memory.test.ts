// The plain-memory wasm build (pages without cross-origin isolation) runs every fast path on one thread, matching the reference.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import * as dispatch from "../../../src/kernels/dispatch.js";
import type { Algorithm } from "../../../src/kernels/dispatch.js";
import { setNumThreads, getNumThreads } from "../../../src/kernels/threads.js";
import { runtime, WasmRuntime, __setRuntime } from "../../../src/backends/wasm/runtime.js";
import { tuning } from "../../../src/backends/wasm/plan.js";
import { conv } from "../../../src/backends/reference/conv.js";
import { convTransposeData } from "../../../src/backends/reference/conv-transpose-data.js";
import { convFilterGrad } from "../../../src/backends/reference/conv-filter-grad.js";
import { assertClose, geometryArb, gridShape, imageShape, randomArray, size, weightShape } from "../../kernels/geometry-arb.js";

test("without shared memory every wasm algorithm still agrees with the reference (one thread)", () => {
  const original = runtime();
  const plain = new WasmRuntime(false);
  assert.equal(plain.shared, false);
  assert.ok(!(plain.memory.buffer instanceof SharedArrayBuffer));
  const savedThreads = getNumThreads(), savedMacs = tuning.macsPerThread;
  __setRuntime(plain);
  setNumThreads(2); // asked for, but a plain memory cannot be shared: the calling thread runs every task
  tuning.macsPerThread = 0;
  try {
    const gridAlgs: Algorithm[] = ["wasm-phase", "wasm-col2im", "wasm-wtx"];
    fc.assert(
      fc.property(geometryArb, fc.integer({ min: 1, max: 1000 }), (g, seed) => {
        const image = randomArray(size(imageShape(g)), seed);
        const grid = randomArray(size(gridShape(g)), seed + 1);
        const w = randomArray(size(weightShape(g)), seed + 2);
        const k = (g.imageChannels / g.groups) * g.kernel.reduce((p, v) => p * v, 1);
        const refGrid = new Float32Array(size(gridShape(g)));
        conv(g, image, w, null, refGrid);
        const refImage = new Float32Array(size(imageShape(g)));
        convTransposeData(g, grid, w, null, refImage);
        const refW = new Float32Array(size(weightShape(g)));
        convFilterGrad(g, image, grid, refW);
        dispatch.__force.imageToGrid = "wasm-im2col";
        assertClose(dispatch.convImageToGrid(g, "float32", image, w, null), refGrid, k, "im2col");
        for (const alg of gridAlgs) {
          dispatch.__force.gridToImage = alg;
          assertClose(dispatch.convGridToImage(g, "float32", grid, w, null), refImage, g.gridChannels / g.groups, alg);
          assert.equal(dispatch.lastAlgorithm, alg);
        }
        dispatch.__force.weightGrad = "wasm-gemm";
        assertClose(dispatch.convWeightGrad(g, "float32", image, grid), refW, g.batch * size(g.gridSize as number[]), "weight grad");
      }),
      { numRuns: 150 },
    );
    assert.equal(runtime(), plain, "the calls ran on the plain-memory runtime");
  } finally {
    dispatch.__force.imageToGrid = dispatch.__force.gridToImage = dispatch.__force.weightGrad = null;
    tuning.macsPerThread = savedMacs;
    setNumThreads(savedThreads);
    __setRuntime(original);
  }
});

// Reference filter gradient: the adjoint of conv in its weight, and a hand-computed case.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { weightGrad } from "../../../src/backends/reference/weight-grad.js";
import { arbGeometry, dotProduct, prod, randomArray } from "../../helpers/conv-direct.js";

test("weightGrad is the adjoint of imageToGrid in w: <conv(x, w), y> = <w, dW(x, y)> (random geometries, both layouts)", () => {
  fc.assert(
    fc.property(arbGeometry(), (g) => {
      const x = randomArray(g.batch * g.imageChannels * prod(g.imageSize), 13);
      const y = randomArray(g.batch * g.gridChannels * prod(g.gridSize), 14);
      const w = randomArray(g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel), 15);
      const cx = new Float64Array(y.length);
      const dw = new Float64Array(w.length);
      imageToGrid(g, x, w, null, cx);
      weightGrad(g, x, y, dw);
      assert.ok(Math.abs(dotProduct(cx, y) - dotProduct(w, dw)) < 1e-9);
    }),
    { numRuns: 300 },
  );
});

test("dW of a 1-D stride-2 conv sums image[2q + a]·grid[q] by hand", () => {
  // image [1,2,3,4,5], k 2, s 2 → grid positions q = 0, 1 read (1,2) and (3,4); grid = [10, 100]
  // dW[0] = 1·10 + 3·100 = 310, dW[1] = 2·10 + 4·100 = 420
  const g = {
    nd: 1,
    batch: 1,
    groups: 1,
    imageChannels: 1,
    gridChannels: 1,
    imageSize: [5],
    gridSize: [2],
    kernel: [2],
    strides: [2],
    dilation: [1],
    padBegin: [0],
    padEnd: [0],
    outputPadding: [0],
    channelsLast: false,
  };
  const dw = new Float64Array(2);
  weightGrad(g, Float64Array.from([1, 2, 3, 4, 5]), Float64Array.from([10, 100]), dw);
  assert.deepEqual([...dw], [310, 420]);
});

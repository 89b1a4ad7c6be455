// Reference transposed convolution against the book's scatter-then-crop definition and as conv's adjoint.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { arbGeometry, directConvTranspose, dotProduct, maxAbsDiff, prod, randomArray } from "../../helpers/conv-direct.js";

test("gridToImage equals Y[q·s + a·d] += X[q]·K[a] cropped by padBegin (random geometries)", () => {
  fc.assert(
    fc.property(arbGeometry({ channelsLast: false }), fc.boolean(), (g, withBias) => {
      const x = randomArray(g.batch * g.gridChannels * prod(g.gridSize), 7);
      const w = randomArray(g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel), 8);
      const b = withBias ? randomArray(g.imageChannels, 9) : null;
      const out = new Float64Array(g.batch * g.imageChannels * prod(g.imageSize));
      gridToImage(g, x, w, b, out);
      assert.ok(maxAbsDiff(out, directConvTranspose(g, x, w, b)) < 1e-12);
    }),
    { numRuns: 300 },
  );
});

test("gridToImage is the adjoint of imageToGrid: <conv(x), y> = <x, convT(y)> (both layouts)", () => {
  fc.assert(
    fc.property(arbGeometry(), (g) => {
      const x = randomArray(g.batch * g.imageChannels * prod(g.imageSize), 10);
      const y = randomArray(g.batch * g.gridChannels * prod(g.gridSize), 11);
      const w = randomArray(g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel), 12);
      const cx = new Float64Array(y.length);
      const ty = new Float64Array(x.length);
      imageToGrid(g, x, w, null, cx);
      gridToImage(g, y, w, null, ty);
      assert.ok(Math.abs(dotProduct(cx, y) - dotProduct(x, ty)) < 1e-9);
    }),
    { numRuns: 300 },
  );
});

test("the book's strides-2 example: X = K = [[0,1],[2,3]] gives the 4×4 output of Fig. 12.10", () => {
  const g = {
    nd: 2,
    batch: 1,
    groups: 1,
    imageChannels: 1,
    gridChannels: 1,
    imageSize: [4, 4],
    gridSize: [2, 2],
    kernel: [2, 2],
    strides: [2, 2],
    dilation: [1, 1],
    padBegin: [0, 0],
    padEnd: [0, 0],
    outputPadding: [0, 0],
    channelsLast: false,
  };
  const out = new Float64Array(16);
  gridToImage(g, Float64Array.from([0, 1, 2, 3]), Float64Array.from([0, 1, 2, 3]), null, out);
  assert.deepEqual([...out], [0, 0, 0, 1, 0, 0, 2, 3, 0, 2, 0, 3, 4, 6, 6, 9]);
});

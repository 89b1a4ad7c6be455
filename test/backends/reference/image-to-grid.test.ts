// Reference convolution against the padded-input sliding-window definition, in both layouts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { arbGeometry, directConv, maxAbsDiff, moveChannels, moveWeightChannels, prod, randomArray } from "../../helpers/conv-direct.js";

test("imageToGrid equals the zero-padded sliding-window definition on random 1-D/2-D/3-D geometries", () => {
  fc.assert(
    fc.property(arbGeometry({ channelsLast: false }), fc.boolean(), (g, withBias) => {
      const x = randomArray(g.batch * g.imageChannels * prod(g.imageSize), 1);
      const w = randomArray(g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel), 2);
      const b = withBias ? randomArray(g.gridChannels, 3) : null;
      const out = new Float64Array(g.batch * g.gridChannels * prod(g.gridSize));
      imageToGrid(g, x, w, b, out);
      assert.ok(maxAbsDiff(out, directConv(g, x, w, b)) < 1e-12);
    }),
    { numRuns: 300 },
  );
});

test("channels-last imageToGrid equals channels-first imageToGrid on moved data", () => {
  fc.assert(
    fc.property(arbGeometry({ channelsLast: true, maxNd: 2 }), (g) => {
      const S = prod(g.imageSize);
      const x = randomArray(g.batch * g.imageChannels * S, 4);
      const w = randomArray(g.gridChannels * (g.imageChannels / g.groups) * prod(g.kernel), 5);
      const out = new Float64Array(g.batch * g.gridChannels * prod(g.gridSize));
      imageToGrid(g, moveChannels(x, g.batch, g.imageChannels, S, true), moveWeightChannels(w, g, true), null, out);
      const expected = directConv({ ...g, channelsLast: false }, x, w, null);
      assert.ok(maxAbsDiff(moveChannels(out, g.batch, g.gridChannels, prod(g.gridSize), false), expected) < 1e-12);
    }),
    { numRuns: 150 },
  );
});

test("imageToGrid of the book's 3×3 arange with K = [[0,1],[2,3]] is [[19,25],[37,43]]", () => {
  const g = {
    nd: 2,
    batch: 1,
    groups: 1,
    imageChannels: 1,
    gridChannels: 1,
    imageSize: [3, 3],
    gridSize: [2, 2],
    kernel: [2, 2],
    strides: [1, 1],
    dilation: [1, 1],
    padBegin: [0, 0],
    padEnd: [0, 0],
    outputPadding: [0, 0],
    channelsLast: false,
  };
  const out = new Float64Array(4);
  imageToGrid(g, Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8]), Float64Array.from([0, 1, 2, 3]), null, out);
  assert.deepEqual([...out], [19, 25, 37, 43]);
});

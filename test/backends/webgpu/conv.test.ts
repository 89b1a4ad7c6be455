// WebGPU convolution kernels (imageToGrid, gridToImage, weightGrad) against the reference loops on the same geometry.
// Runs on whatever adapter the npm `webgpu` package finds (SwiftShader here); skipped, with the reason printed, when none.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import { gridToImage } from "../../../src/backends/reference/grid-to-image.js";
import { weightGrad } from "../../../src/backends/reference/weight-grad.js";
import { destroyGpu, gridToImageGpu, imageToGridGpu, readTensor, upload, weightGradGpu } from "../../../src/backends/webgpu/index.js";
import { assertClose, geometryArb, gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const f64 = (a: Float32Array) => Float64Array.from(a);
const taps = (g: ConvGeometry) => size(g.kernel);

/** The three kernels of one geometry on the GPU and in the reference (float64 sums of the same float32 inputs). */
async function checkGeometry(g: ConvGeometry, seed: number, withBias: boolean): Promise<void> {
  const image = randomArray(size(imageShape(g)), seed);
  const grid = randomArray(size(gridShape(g)), seed + 1);
  const w = randomArray(size(weightShape(g)), seed + 2);
  const bGrid = withBias ? randomArray(g.gridChannels, seed + 3) : null;
  const bImage = withBias ? randomArray(g.imageChannels, seed + 4) : null;
  const what = JSON.stringify(g);

  const conv = new Float64Array(size(gridShape(g)));
  imageToGrid(g, f64(image), f64(w), bGrid && f64(bGrid), conv);
  const convT = new Float64Array(size(imageShape(g)));
  gridToImage(g, f64(grid), f64(w), bImage && f64(bImage), convT);
  const dw = new Float64Array(size(weightShape(g)));
  weightGrad(g, f64(image), f64(grid), dw);

  const [ti, tg, tw] = [upload(image), upload(grid), upload(w)];
  const gConv = imageToGridGpu(g, ti, tw, bGrid && upload(bGrid));
  const gConvT = gridToImageGpu(g, tg, tw, bImage && upload(bImage));
  const gDw = weightGradGpu(g, ti, tg);
  assertClose(await readTensor(gConv), conv, (g.imageChannels / g.groups) * taps(g), `imageToGrid ${what}`);
  assertClose(await readTensor(gConvT), convT, (g.gridChannels / g.groups) * taps(g), `gridToImage ${what}`);
  assertClose(await readTensor(gDw), dw, g.batch * size(g.gridSize), `weightGrad ${what}`);
}

test("webgpu conv kernels equal the reference on random geometries: 1-3-D, groups, dilation, padding, output padding, both layouts (property)", {
  skip: SKIP,
  timeout: 300_000,
}, async () => {
  await fc.assert(fc.asyncProperty(geometryArb, fc.integer({ min: 1, max: 1e6 }), fc.boolean(), checkGeometry), {
    numRuns: Number(process.env.GPU_RUNS ?? 40),
    seed: 21,
  });
});

/** A 2-D geometry (transposed-convolution view: grid = input, image = output). */
function geometry2d(o: {
  batch: number;
  imageC: number;
  gridC: number;
  groups: number;
  grid: number[];
  k: number[];
  s: number[];
  d?: number[];
  pb: number[];
  pe: number[];
  op?: number[];
  channelsLast?: boolean;
}): ConvGeometry {
  const d = o.d ?? [1, 1],
    op = o.op ?? [0, 0];
  const imageSize = o.grid.map((q, e) => (q - 1) * o.s[e]! - o.pb[e]! - o.pe[e]! + d[e]! * (o.k[e]! - 1) + op[e]! + 1);
  return {
    nd: 2,
    batch: o.batch,
    groups: o.groups,
    imageChannels: o.imageC,
    gridChannels: o.gridC,
    imageSize,
    gridSize: o.grid,
    kernel: o.k,
    strides: o.s,
    dilation: d,
    padBegin: o.pb,
    padEnd: o.pe,
    outputPadding: op,
    channelsLast: o.channelsLast ?? false,
  };
}

test("webgpu conv kernels across several 32×32 tiles: M, N and K above one tile, vec4 and scalar weight loads", { skip: SKIP, timeout: 300_000 }, async () => {
  // DCGAN-style k4 s2 p1 (4 phases of 2×2 taps), 40 grid and 36 image channels: every GEMM spans 2 tiles per side
  await checkGeometry(geometry2d({ batch: 2, imageC: 36, gridC: 40, groups: 1, grid: [5, 6], k: [4, 4], s: [2, 2], pb: [1, 1], pe: [1, 1] }), 5, true);
  // channels-last, k3 (weight row 33·9 not a multiple of 4: scalar loads), stride 3 with dilation 2, output padding
  await checkGeometry(
    geometry2d({
      batch: 1,
      imageC: 33,
      gridC: 34,
      groups: 1,
      grid: [4, 5],
      k: [3, 3],
      s: [3, 2],
      d: [2, 1],
      pb: [2, 0],
      pe: [1, 1],
      op: [1, 1],
      channelsLast: true,
    }),
    9,
    false,
  );
  // two groups, asymmetric padding
  await checkGeometry(geometry2d({ batch: 2, imageC: 68, gridC: 66, groups: 2, grid: [3, 4], k: [2, 3], s: [1, 2], pb: [0, 2], pe: [1, 0] }), 13, true);
});

test("webgpu conv kernels reject operands whose sizes do not match the geometry, naming the op", { skip: SKIP }, () => {
  const g = geometry2d({ batch: 1, imageC: 2, gridC: 3, groups: 1, grid: [2, 2], k: [2, 2], s: [1, 1], pb: [0, 0], pe: [0, 0] });
  const image = upload(new Float32Array(size(imageShape(g))));
  assert.throws(
    () => imageToGridGpu(g, image, upload(new Float32Array(5)), null),
    /imageToGrid \(webgpu\): weight has 5 elements but the geometry needs \[3, 2, 2, 2\] = 24/,
  );
  assert.throws(
    () => gridToImageGpu(g, image, upload(new Float32Array(24)), null),
    /gridToImage \(webgpu\): grid has 18 elements but the geometry needs \[1, 3, 2, 2\] = 12/,
  );
});

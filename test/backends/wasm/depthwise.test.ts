// The wasm depthwise rows (one image channel per group, channels first) against the reference loops, and when dispatch picks them.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { ConvGeometry } from "../../../src/params/geometry.js";
import {
  gridToImage as dispatchedGridToImage,
  imageToGrid as dispatchedImageToGrid,
  weightGrad as dispatchedWeightGrad,
} from "../../../src/backends/cpu/conv-dispatch.js";
import { hooks } from "../../../src/backends/hooks.js";
import { getNumThreads, setNumThreads } from "../../../src/backends/threads.js";
import { whenWorkersReady } from "../../../src/backends/wasm/pool.js";
import { TASK } from "../../../src/backends/wasm/interface.js";
import { imageToGrid } from "../../../src/backends/reference/image-to-grid.js";
import type { ConvActivation } from "../../../src/params/kernel-records.js";

const RELU: ConvActivation = { kind: "relu" };
const LEAKY: ConvActivation = { kind: "leaky", slope: 0.25 };
const STEEP: ConvActivation = { kind: "leaky", slope: -1.5 };
import { assertClose, gridShape, imageShape, randomArray, size, weightShape } from "../../helpers/geometry-arb.js";

const axisArb = (maxGrid: number) =>
  fc.record({
    k: fc.integer({ min: 1, max: 5 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    grid: fc.integer({ min: 0, max: maxGrid }),
    pb: fc.integer({ min: 0, max: 3 }),
    extra: fc.integer({ min: -3, max: 3 }),
  });

/** Depthwise convolution geometries: image = (grid − 1)·s + d·(k − 1) + 1 − pb + extra (≥ 1), the end padding what is left. */
const depthwiseArb: fc.Arbitrary<ConvGeometry> = fc
  .integer({ min: 1, max: 3 })
  .chain((nd) =>
    fc.record({
      nd: fc.constant(nd),
      // the last axis is long enough for whole vectors (and their tails) at strides 1 and 2
      axes: fc.tuple(...Array.from({ length: nd }, (_, e) => axisArb(e === nd - 1 ? 23 : 4))),
      batch: fc.integer({ min: 0, max: 2 }),
      channels: fc.integer({ min: 2, max: 5 }),
      multiplier: fc.integer({ min: 1, max: 3 }),
    }),
  )
  .map((r) => {
    const ax = r.axes.map((a) => {
      const span = (Math.max(a.grid, 1) - 1) * a.s + a.d * (a.k - 1) + 1;
      const image = Math.max(1, span - a.pb + a.extra);
      return { ...a, image, pe: Math.max(0, span - a.pb - image) };
    });
    return {
      nd: r.nd,
      batch: r.batch,
      groups: r.channels,
      imageChannels: r.channels,
      gridChannels: r.channels * r.multiplier,
      imageSize: ax.map((a) => a.image),
      gridSize: ax.map((a) => a.grid),
      kernel: ax.map((a) => a.k),
      strides: ax.map((a) => a.s),
      dilation: ax.map((a) => a.d),
      padBegin: ax.map((a) => a.pb),
      padEnd: ax.map((a) => a.pe),
      outputPadding: ax.map(() => 0),
      channelsLast: false,
    };
  });

test("wasm depthwise: 1–3-D, strides 1–3, dilation, padding, channel multipliers, bias and ReLU or a leaky slope equal the direct sums on 1 and 2 threads", async () => {
  const saved = getNumThreads(),
    savedMacs = hooks.macsPerThread;
  await whenWorkersReady(1);
  hooks.macsPerThread = 0; // small problems use the pool too
  let strided2 = 0,
    vectors = 0;
  try {
    fc.assert(
      fc.property(depthwiseArb, fc.integer({ min: 1, max: 1 << 30 }), fc.constantFrom<ConvActivation | null>(null, RELU, LEAKY, STEEP), (g, seed, act) => {
        const image = randomArray(size(imageShape(g)), seed),
          w = randomArray(size(weightShape(g)), seed + 1);
        const kp = g.kernel.reduce((p, v) => p * v, 1);
        if (g.strides[g.nd - 1] === 2) strided2++;
        if (g.gridSize[g.nd - 1]! >= 8) vectors++;
        for (const bias of [null, randomArray(g.gridChannels, seed + 2)]) {
          const ref = new Float32Array(size(gridShape(g)));
          imageToGrid(g, image, w, bias, ref);
          if (act?.kind === "relu") for (let i = 0; i < ref.length; i++) ref[i] = Math.max(ref[i]!, 0);
          if (act?.kind === "leaky") for (let i = 0; i < ref.length; i++) ref[i] = ref[i]! > 0 ? ref[i]! : act.slope * ref[i]!;
          for (const threads of [1, 2]) {
            setNumThreads(threads);
            hooks.force.imageToGrid = "wasm-depthwise";
            let got: ArrayLike<number>;
            try {
              got = dispatchedImageToGrid(g, "float32", image, w, bias, act);
            } finally {
              hooks.force.imageToGrid = null;
            }
            assert.equal(hooks.lastAlgorithm, "wasm-depthwise", JSON.stringify(g));
            if (ref.length > 0) assert.deepEqual([...new Set(hooks.lastTasks.map((t) => t[3]))], [TASK.DW], "the depthwise tasks ran");
            assertClose(got, ref, kp, `depthwise t${threads} bias=${!!bias} act=${JSON.stringify(act)} ${JSON.stringify(g)}`);
          }
        }
      }),
      { numRuns: 250, seed: 2612 },
    );
    // the property met the vector loops and the stride-2 shuffle, not only the scalar tails
    assert.ok(strided2 >= 20 && vectors >= 40, `stride-2 cases ${strided2}, long rows ${vectors}`);
  } finally {
    setNumThreads(saved);
    hooks.macsPerThread = savedMacs;
  }
});

test("dispatch: depthwise layers (MobileNetV3's 5×5 and Conv-TasNet's k3 1-D) take the depthwise rows, channels-last and grouped layers do not; small planes' gradients take the direct loops", () => {
  const saved = getNumThreads();
  setNumThreads(1);
  try {
    const layer = (o: Partial<ConvGeometry> & { nd: number; imageSize: number[]; kernel: number[] }): ConvGeometry => ({
      batch: 1,
      groups: 64,
      imageChannels: 64,
      gridChannels: 64,
      gridSize: o.imageSize,
      strides: o.kernel.map(() => 1),
      dilation: o.kernel.map(() => 1),
      padBegin: o.kernel.map((k) => (k - 1) / 2),
      padEnd: o.kernel.map((k) => (k - 1) / 2),
      outputPadding: o.kernel.map(() => 0),
      channelsLast: false,
      ...o,
    });
    const run = (g: ConvGeometry) => {
      dispatchedImageToGrid(g, "float32", randomArray(size(imageShape(g)), 3), randomArray(size(weightShape(g)), 4), null);
      return hooks.lastAlgorithm;
    };
    assert.equal(run(layer({ nd: 2, imageSize: [16, 16], kernel: [5, 5] })), "wasm-depthwise");
    assert.equal(run(layer({ nd: 1, imageSize: [1001], kernel: [3] })), "wasm-depthwise");
    assert.notEqual(run(layer({ nd: 2, imageSize: [16, 16], kernel: [5, 5], channelsLast: true })), "wasm-depthwise");
    assert.notEqual(run(layer({ nd: 2, imageSize: [16, 16], kernel: [3, 3], groups: 16 })), "wasm-depthwise");
    // their gradients: the direct loops while a channel's plane is small, the GEMMs for large planes
    const grads = (g: ConvGeometry) => {
      dispatchedGridToImage(g, "float32", randomArray(size(gridShape(g)), 5), randomArray(size(weightShape(g)), 6), null);
      const input = hooks.lastAlgorithm;
      dispatchedWeightGrad(g, "float32", randomArray(size(imageShape(g)), 7), randomArray(size(gridShape(g)), 8));
      return [input, hooks.lastAlgorithm];
    };
    assert.deepEqual(grads(layer({ nd: 1, imageSize: [1001], kernel: [3] })), ["direct", "direct"]);
    assert.deepEqual(grads(layer({ nd: 2, imageSize: [8, 8], kernel: [5, 5] })), ["direct", "direct"]);
    assert.ok(!grads(layer({ nd: 2, imageSize: [64, 64], kernel: [3, 3] })).includes("direct"));
  } finally {
    setNumThreads(saved);
  }
});

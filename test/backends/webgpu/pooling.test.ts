// npx.pooling on gpu(0) against the same calls on the CPU backend: max / avg / sum, 1–3-D, strides, padding, ceil mode,
// countIncludePad, both layouts, global pooling; values, gradients and the second-order path (argmax kept on the GPU).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../../src/index.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import type { PoolingOptions } from "../../../src/ops/pooling.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const assertClose = assertCloseToCpu;

const LAYOUTS = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] } as const;

/**
 * y = pooling(x); s = Σ y² weights every output differently, so dx checks where each dy goes. Second order: g =
 * ∂⟨y, v⟩/∂x with createGraph, then ∂Σ g²/∂v runs pooling_backward's rule (max: the argmax gather; avg/sum: pooling).
 */
function run(x: NDArray, v: NDArray, options: PoolingOptions): { y: NDArray; dx: NDArray; dv: NDArray } {
  x.attachGrad();
  const s = autograd.record(() => {
    const y = npx.pooling(x, options);
    return y.mul(y).sum();
  });
  s.backward();
  const dx = x.grad!;
  v.attachGrad();
  const y = autograd.record(() => {
    const g = autograd.grad([npx.pooling(x, options)], [x], { headGrads: [v], createGraph: true })[0]!;
    return g.mul(g).sum();
  });
  y.backward();
  return { y: autograd.pause(() => npx.pooling(x, options)), dx, dv: v.grad! };
}

test("pooling (max, avg with and without countIncludePad, sum; 1–3-D, strides, padding, ceil mode, both layouts, global) with its gradient and second-order gradient equals the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        nd: fc.constantFrom(1, 2, 3),
        poolType: fc.constantFrom("max", "avg", "sum" as const),
        k: fc.integer({ min: 1, max: 3 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 2 }),
        full: fc.boolean(),
        countIncludePad: fc.boolean(),
        channelsLast: fc.boolean(),
        globalPool: fc.boolean(),
      }),
      fc.integer({ min: 0, max: 1000 }),
      async (o, seed) => {
        np.random.seed(seed);
        const nd = o.nd as 1 | 2 | 3;
        const spatial = [5, 4, 3].slice(3 - nd);
        const C = 3;
        const shape = o.channelsLast ? [2, ...spatial, C] : [2, C, ...spatial];
        const options: PoolingOptions = {
          kernel: o.k,
          stride: o.s,
          pad: Math.min(o.p, o.k - 1), // padding must be smaller than the window
          poolType: o.poolType,
          countIncludePad: o.countIncludePad,
          poolingConvention: o.full ? "full" : "valid",
          layout: LAYOUTS[nd][o.channelsLast ? 1 : 0],
          globalPool: o.globalPool,
        };
        const x = np.random.uniform({ low: -2, high: 2, size: shape });
        const yShape = npx.pooling(x, options).shape;
        const v = np.random.uniform({ low: -1, high: 1, size: yShape });
        const gx = x.asInCtx(ctx),
          gv = v.asInCtx(ctx);
        const c = run(x, v, options),
          g = run(gx, gv, options);
        const what = JSON.stringify(o);
        await assertClose(g.y, c.y, `${what}: value`, 1e-5, 1e-5);
        await assertClose(g.dx, c.dx, `${what}: input gradient`, 1e-4, 1e-5);
        await assertClose(g.dv, c.dv, `${what}: second-order gradient (head)`, 1e-4, 1e-5);
      },
    ),
    { numRuns: 10, seed: 2110 },
  );
});

test("max pooling on the GPU sends a tied window's gradient to its first element in row-major order (MXNet's rule), as the CPU", {
  skip: SKIP,
}, async () => {
  // overlapping windows (stride 1 < kernel 2) over a constant input: each window's winner is its first element
  const x = np.ones([1, 1, 3, 4]);
  const gx = x.asInCtx(npx.gpu());
  for (const t of [x, gx]) {
    t.attachGrad();
    autograd.record(() => npx.pooling(t, { kernel: 2, stride: 1, pad: 1 }).sum()).backward();
  }
  await assertClose(gx.grad!, x.grad!, "tied gradient");
  // known values: with pad 1 the window of output (i, j) starts at (i − 1, j − 1) and its first real element is
  // (max(i − 1, 0), max(j − 1, 0)): rows i = 0, 1 pick row 0 and columns j = 0, 1 pick column 0
  assert.deepEqual(gx.grad!.tolist(), [
    [
      [
        [4, 2, 2, 2],
        [2, 1, 1, 1],
        [2, 1, 1, 1],
      ],
    ],
  ]);
});

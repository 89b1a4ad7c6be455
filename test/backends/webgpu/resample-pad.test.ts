// Upsampling (nearest, bilinear with and without alignCorners, 1–3-D), np.pad (constant, reflect, edge, wrap),
// convolution and transposed convolution with padding modes, and np.take on gpu(0), with gradients, against the CPU.
import { after, test } from "node:test";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../../src/index.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const assertClose = assertCloseToCpu;

/** f(x) and d Σ f(x)·w / dx on the CPU and on the GPU (w random, so every output's gradient path is weighted). */
async function compare(x: NDArray, f: (t: NDArray) => NDArray, what: string, tol = 1e-5): Promise<void> {
  const w = np.random.uniform({ low: -1, high: 1, size: autograd.pause(() => f(x)).shape });
  const run = (xx: NDArray, ww: NDArray) => {
    xx.attachGrad();
    const y = autograd.record(() => f(xx));
    autograd.record(() => y.mul(ww).sum()).backward();
    return y;
  };
  const gx = x.asInCtx(npx.gpu());
  const yc = run(x, w),
    yg = run(gx, w.asInCtx(npx.gpu()));
  await assertClose(yg, yc, `${what}: value`, tol, tol);
  await assertClose(gx.grad!, x.grad!, `${what}: gradient`, tol, tol);
}

const LAYOUTS = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] } as const;

test("upsampling (nearest, bilinear, alignCorners; 1–3-D, both layouts, per-axis scales) and its gradient equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(1, 2, 3),
      fc.constantFrom("nearest", "bilinear" as const),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
      async (nd, sampleType, alignCorners, channelsLast, seed) => {
        np.random.seed(seed);
        const spatial = [3, 4, 2].slice(3 - nd);
        const x = np.random.uniform({ low: -2, high: 2, size: channelsLast ? [2, ...spatial, 3] : [2, 3, ...spatial] });
        const scale = [2, 3, 2].slice(3 - nd);
        const layout = LAYOUTS[nd as 1 | 2 | 3][channelsLast ? 1 : 0];
        const options = { scale, sampleType, layout, ...(sampleType === "bilinear" ? { alignCorners } : {}) };
        await compare(x, (t) => npx.upsampling(t, options), JSON.stringify(options));
      },
    ),
    { numRuns: 6, seed: 2112 },
  );
});

test("np.pad (constant with a fill value, reflect, edge, wrap; asymmetric widths) and its gradient equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("constant", "reflect", "edge", "wrap" as const),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })), { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 0, max: 1000 }),
      async (mode, widths, seed) => {
        np.random.seed(seed);
        // every axis longer than the widest pad (reflect needs pads < the axis length)
        const x = np.random.uniform({ low: -2, high: 2, size: [3, 4, 5] });
        const options = mode === "constant" ? { mode, constantValues: 1.5 } : { mode };
        await compare(x, (t) => np.pad(t, widths, options), `${mode} ${JSON.stringify(widths)}`);
      },
    ),
    { numRuns: 6, seed: 2113 },
  );
});

test("convolution and transposed convolution with paddingMode reflect / replicate / circular and bias, with their gradients, equal the CPU backend", {
  skip: SKIP,
}, async () => {
  np.random.seed(5);
  for (const paddingMode of ["reflect", "replicate", "circular"] as const) {
    const x = np.random.uniform({ low: -1, high: 1, size: [1, 2, 5, 5] });
    const w = np.random.uniform({ low: -1, high: 1, size: [2, 2, 3, 3] });
    const b = np.random.uniform({ low: -1, high: 1, size: [2] });
    const gw = w.asInCtx(npx.gpu()),
      gb = b.asInCtx(npx.gpu());
    await compare(
      x,
      (t) => npx.convolution(t, t.ctx.deviceType === "gpu" ? gw : w, { padding: 1, paddingMode, bias: t.ctx.deviceType === "gpu" ? gb : b }),
      `convolution ${paddingMode}`,
      1e-4,
    );
    await compare(
      x,
      (t) => npx.deconvolution(t, t.ctx.deviceType === "gpu" ? gw : w, { padding: 1, paddingMode, bias: t.ctx.deviceType === "gpu" ? gb : b }),
      `deconvolution ${paddingMode}`,
      1e-4,
    );
  }
});

test("np.take along an axis (repeated indices, so the gradient adds several elements onto one) equals the CPU backend", { skip: SKIP }, async () => {
  np.random.seed(6);
  const x = np.random.uniform({ low: -2, high: 2, size: [3, 4, 2] });
  await compare(x, (t) => np.take(t, [3, 0, 3, 1, 3], { axis: 1 }), "take axis 1");
  await compare(x, (t) => np.take(t, [2, 2, 0], { axis: 0 }), "take axis 0");
});

// npx.batchNorm on gpu(0) through the fused GPU kernels (statistics, normalise; both backwards; running update; predict
// mode's affine map with relu / leaky) against the same calls on the CPU backend, statistics kept on the GPU.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx } from "../../../src/index.js";
import { batchNormActivation } from "../../../src/ops/batch-norm.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

/** The GPU result against the CPU's: rtol 1e-4 by default here (batch statistics are float32 on the GPU). */
const assertClose = (g: NDArray, c: NDArray, what: string, atol = 1e-5, rtol = 1e-4) => assertCloseToCpu(g, c, what, atol, rtol);

test("batchNorm in training and predict mode (any channel axis, more elements per channel than a workgroup has threads), its input, γ, β and running-statistics gradients and the running update equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  await fc.assert(
    fc.asyncProperty(
      fc.boolean(),
      fc.constantFrom(1, -1, 0),
      fc.constantFrom([2, 3, 5, 4], [4, 3, 10, 10]),
      fc.integer({ min: 0, max: 1000 }),
      async (training, axis, shape, seed) => {
        np.random.seed(seed);
        const C = shape.at(axis)!;
        // an offset mean so the two-pass variance matters
        const x = np.random.normal({ loc: 3, scale: 2, size: shape });
        const dy = np.random.uniform({ low: -1, high: 1, size: shape });
        const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [C] }),
          beta = np.random.uniform({ low: -1, high: 1, size: [C] }),
          rm = np.random.uniform({ low: -1, high: 1, size: [C] }),
          rv = np.random.uniform({ low: 0.5, high: 2, size: [C] });
        const run = (arrs: NDArray[]) => {
          const [xx, g, b, m, v, d] = arrs as [NDArray, NDArray, NDArray, NDArray, NDArray, NDArray];
          for (const t of [xx, g, b]) t.attachGrad();
          if (!training) for (const t of [m, v]) t.attachGrad();
          const y = autograd.record(() => npx.batchNorm(xx, g, b, m, v, { axis, training, momentum: 0.8 }));
          y.backward(d);
          return y;
        };
        const cpu = [x, dy, gamma, beta, rm, rv].map((t) => t.copyto(npx.cpu()));
        const gpu = [x, dy, gamma, beta, rm, rv].map((t) => t.asInCtx(ctx));
        const order = (a: NDArray[]) => [a[0]!, a[2]!, a[3]!, a[4]!, a[5]!, a[1]!];
        const yc = run(order(cpu)),
          yg = run(order(gpu));
        const what = `${training ? "training" : "predict"} axis ${axis} shape [${shape}]`;
        await assertClose(yg, yc, `${what}: y`);
        const names = ["x", "dy", "gamma", "beta", "running mean", "running var"];
        for (const k of [0, 2, 3]) await assertClose(gpu[k]!.grad!, cpu[k]!.grad!, `${what}: gradient of ${names[k]}`, 1e-4);
        if (training) for (const k of [4, 5]) await assertClose(gpu[k]!, cpu[k]!, `${what}: updated ${names[k]}`);
        else for (const k of [4, 5]) await assertClose(gpu[k]!.grad!, cpu[k]!.grad!, `${what}: gradient of ${names[k]}`, 1e-4);
      },
    ),
    { numRuns: 6, seed: 2111 },
  );
});

test("predict-mode batchNorm fused with relu / leaky relu (one GPU pass) equals the CPU backend, NaN kept by relu", { skip: SKIP }, async () => {
  np.random.seed(7);
  const x = np.random.normal({ size: [2, 3, 4, 4] });
  x.hostData[0] = Number.NaN;
  const p = [
    np.random.uniform({ low: 0.5, high: 1.5, size: [3] }),
    np.random.uniform({ size: [3] }),
    np.random.uniform({ size: [3] }),
    np.random.uniform({ low: 0.5, high: 2, size: [3] }),
  ];
  for (const act of [
    { actType: "relu", slope: 0 },
    { actType: "leaky", slope: 0.2 },
  ] as const) {
    const yc = autograd.pause(() => batchNormActivation(x, p[0]!, p[1]!, p[2]!, p[3]!, { training: false }, act));
    const g = [x, ...p].map((t) => t.asInCtx(npx.gpu()));
    const yg = autograd.pause(() => batchNormActivation(g[0]!, g[1]!, g[2]!, g[3]!, g[4]!, { training: false }, act));
    await assertClose(yg, yc, act.actType);
    assert.ok(Number.isNaN(yg.asTypedArray()[0]!), `${act.actType}: NaN stays NaN`);
  }
});

test("groupNorm and instanceNorm unobserved (the fused group-norm kernel: statistics per sample and group, one affine pass) equal the CPU backend", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  for (const [shape, groups] of [
    [[2, 6, 5, 7], 3],
    [[3, 4, 300], 1],
    [[1, 8, 2, 3, 2], 8],
  ] as const) {
    np.random.seed(groups * 7 + shape.length);
    const x = np.add(np.random.normal({ size: [...shape] }), 3);
    const C = shape[1];
    const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [C] });
    const beta = np.random.normal({ size: [C] });
    const onGpu = [x, gamma, beta].map((a) => a.copyto(ctx)) as [NDArray, NDArray, NDArray];
    await assertClose(npx.groupNorm(...onGpu, { numGroups: groups }), npx.groupNorm(x, gamma, beta, { numGroups: groups }), `groupNorm ${shape} G=${groups}`);
    await assertClose(npx.instanceNorm(...onGpu, { eps: 1e-5 }), npx.instanceNorm(x, gamma, beta, { eps: 1e-5 }), `instanceNorm ${shape}`);
  }
});

test("layerNorm unobserved over the last axis (rows through the group-norm kernel) equals the CPU backend", { skip: SKIP }, async () => {
  const ctx = npx.gpu();
  for (const shape of [
    [4, 37],
    [2, 3, 64, 1],
  ]) {
    np.random.seed(shape.length * 11);
    const x = np.add(np.random.normal({ size: shape }), 3);
    const axis = shape.length === 4 ? 2 : -1;
    const D = shape.at(axis)!;
    const gamma = np.random.uniform({ low: 0.5, high: 1.5, size: [D] });
    const beta = np.random.normal({ size: [D] });
    const onGpu = [x, gamma, beta].map((a) => a.copyto(ctx)) as [NDArray, NDArray, NDArray];
    await assertClose(npx.layerNorm(...onGpu, { axis }), npx.layerNorm(x, gamma, beta, { axis }), `layerNorm ${shape} axis ${axis}`);
  }
});

// npx.pick (clip and wrap, so sparse SoftmaxCrossEntropyLoss) and batched np.matmul (3-D and 4-D) on gpu(0), with
// gradients, against the CPU backend.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { autograd, gluon, type NDArray, np, npx } from "../../../src/index.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const assertClose = assertCloseToCpu;

test("npx.pick (clip and wrap, ids out of range and halfway, any axis, keepdims) and its gradient equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("clip", "wrap" as const),
      fc.integer({ min: 0, max: 2 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 1000 }),
      async (mode, axis, keepdims, seed) => {
        np.random.seed(seed);
        const shape = [3, 4, 5];
        const x = np.random.uniform({ low: -2, high: 2, size: shape });
        const idShape = shape.map((d, i) => (i === axis ? 1 : d));
        // ids from −7.5 to 7.5 in halves: negative, past the end, and .5 (Math.round rounds half up)
        const ids = np.random.uniform({ low: -15, high: 15, size: idShape }).astype("float32");
        const idv = Float32Array.from(ids.asTypedArray(), (v) => Math.round(v) / 2);
        const index = np.array(idv).reshape(idShape);
        const w = np.random.uniform({ low: -1, high: 1, size: keepdims ? idShape : idShape.filter((_, i) => i !== axis) });
        const run = (xx: NDArray, ii: NDArray, ww: NDArray) => {
          xx.attachGrad();
          const y = autograd.record(() => npx.pick(xx, ii, { axis, mode, keepdims }));
          autograd.record(() => y.mul(ww).sum()).backward();
          return y;
        };
        const g = [x, index, w].map((t) => t.asInCtx(npx.gpu()));
        const what = `${mode} axis ${axis} keepdims ${keepdims}`;
        await assertClose(run(g[0]!, g[1]!, g[2]!), run(x, index, w), `${what}: value`, 0, 0);
        await assertClose(g[0]!.grad!, x.grad!, `${what}: gradient`, 0, 0);
      },
    ),
    { numRuns: 6, seed: 2118 },
  );
});

test("SoftmaxCrossEntropyLoss with sparse labels runs on the GPU and equals the CPU, with the prediction's gradient", { skip: SKIP }, async () => {
  np.random.seed(3);
  const pred = np.random.normal({ size: [4, 5] });
  const label = np.array([0, 4, 2, 2]);
  const loss = new gluon.loss.SoftmaxCrossEntropyLoss();
  const run = (p: NDArray, l: NDArray) => {
    p.attachGrad();
    const y = autograd.record(() => loss.forward(p, l));
    y.backward();
    return y;
  };
  const gp = pred.asInCtx(npx.gpu());
  await assertClose(run(gp, label.asInCtx(npx.gpu())), run(pred, label), "loss", 1e-6, 1e-5);
  await assertClose(gp.grad!, pred.grad!, "gradient", 1e-6, 1e-5);
});

test("batched np.matmul (3-D and 4-D stacks, several 32×32 tiles, vec4 and scalar loads) and its gradients equal the CPU backend", { skip: SKIP }, async () => {
  np.random.seed(4);
  for (const [batch, m, k, n] of [
    [[3], 5, 7, 6],
    [[2, 2], 33, 8, 36],
  ] as const) {
    const a = np.random.uniform({ low: -1, high: 1, size: [...batch, m, k] });
    const b = np.random.uniform({ low: -1, high: 1, size: [...batch, k, n] });
    const w = np.random.uniform({ low: -1, high: 1, size: [...batch, m, n] });
    const run = (aa: NDArray, bb: NDArray, ww: NDArray) => {
      aa.attachGrad();
      bb.attachGrad();
      const y = autograd.record(() => np.matmul(aa, bb));
      autograd.record(() => y.mul(ww).sum()).backward();
      return y;
    };
    const g = [a, b, w].map((t) => t.asInCtx(npx.gpu()));
    const what = `[${batch}] ${m}×${k} · ${k}×${n}`;
    await assertClose(run(g[0]!, g[1]!, g[2]!), run(a, b, w), `${what}: value`, 1e-5, 1e-5);
    await assertClose(g[0]!.grad!, a.grad!, `${what}: gradient of a`, 1e-5, 1e-5);
    await assertClose(g[1]!.grad!, b.grad!, `${what}: gradient of b`, 1e-5, 1e-5);
  }
});

test("npx.pick on gpu(0) with a NaN or ±∞ class id: an Error naming npx.pick and the values at wait(), data() and waitAll(), never silent NaN", {
  skip: SKIP,
}, async () => {
  const x = np.arange(12).reshape([3, 4]).astype("float32").asInCtx(npx.gpu());
  // ids uploaded from the CPU: the GPU holds no host copy, so the kernel finds them and the next sync reports them
  const bad = np.array(Float32Array.of(1, Number.NaN, 2)).asInCtx(npx.gpu());
  const y = npx.pick(x, bad);
  await assert.rejects(y.wait(), /^Error: npx\.pick: index holds NaN, not a class id \(1 non-finite id\(s\), the first at flat position 1/);
  // reported once: the device works on, a later op's values read normally
  assert.deepEqual(Array.from(await npx.pick(x, np.array([3, 0, 1]).asInCtx(npx.gpu())).data()), [3, 4, 9]);
  const infs = np.array(Float32Array.of(Number.POSITIVE_INFINITY, 0, Number.NEGATIVE_INFINITY)).asInCtx(npx.gpu());
  const z = npx.pick(x, infs, { mode: "wrap" });
  await assert.rejects(z.data(), /npx\.pick: index holds Infinity and -Infinity, not a class id \(2 non-finite id\(s\), the first at flat position 0/);
  npx.pick(x, bad);
  await assert.rejects(npx.waitAll(), /npx\.pick: index holds NaN/);
  // ids whose values the host already holds (after wait): thrown at once, with the CPU backend's message
  await bad.wait();
  await x.wait();
  const cpuError = (() => {
    try {
      npx.pick(x.asInCtx(npx.cpu()), bad.asInCtx(npx.cpu()));
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  })();
  assert.equal(cpuError, "npx.pick: index holds NaN, not a class id");
  assert.throws(() => npx.pick(x, bad), { message: cpuError });
  await npx.waitAll();
});

test("npx.pick on gpu(0) with finite ids far out of range (±1e9, ±1e30) clips and wraps as the CPU backend", { skip: SKIP }, async () => {
  const x = np.arange(15).reshape([3, 5]).astype("float32");
  const ids = np.array(Float32Array.of(1e9, -1e30, 1e30));
  for (const mode of ["clip", "wrap"] as const)
    await assertClose(npx.pick(x.asInCtx(npx.gpu()), ids.asInCtx(npx.gpu()), { mode }), npx.pick(x, ids, { mode }), mode, 0, 0);
});

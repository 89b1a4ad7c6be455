// gluon.contrib.estimator on gpu(0): CPU batches move to the parameters' device; the fit and its metrics match the CPU's.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { gluon, init, type NDArray, nn, np, npx } from "../../../src/index.js";
import type { Context } from "../../../src/context.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

test("fit on gpu(0) (context from the parameters) equals the same fit on the CPU", { skip: SKIP }, async () => {
  np.random.seed(8);
  const batches: [NDArray, NDArray][] = Array.from({ length: 2 }, () => [np.random.normal({ size: [2, 1, 5, 5] }), np.random.normal({ size: [2, 2, 3, 3] })]);
  const run = async (ctx: Context) => {
    np.random.seed(4);
    const net = new nn.Conv2D(2, { kernelSize: 3, inChannels: 1 });
    net.initialize(new init.Xavier(), { ctx });
    const est = new gluon.contrib.estimator.Estimator(net, {
      loss: new gluon.loss.L2Loss(),
      trainer: new gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.05 }),
    });
    est.logger = () => {};
    await est.fit(batches, { epochs: 3 });
    const params: number[][] = [];
    for (const [, p] of net.collectParams().entries()) {
      const v = p.data();
      assert.equal(String(v.ctx), String(ctx), "the parameters stay on their device");
      await v.wait();
      params.push([...v.asTypedArray()]);
    }
    return { est, params };
  };
  const gpu = await run(npx.gpu());
  const cpu = await run(npx.cpu());
  assert.equal(String(gpu.est.context), "gpu(0)");
  gpu.params.forEach((g, i) => g.forEach((v, j) => assert.ok(Math.abs(v - cpu.params[i]![j]!) <= 1e-4, `parameter ${i}[${j}]: ${v} vs ${cpu.params[i]![j]}`)));
  gpu.est.trainMetrics.forEach((m, i) => {
    const [name, value] = m.get();
    const [, want] = cpu.est.trainMetrics[i]!.get();
    assert.ok(Math.abs(value - want) <= 1e-4 * Math.max(1, want), `${name}: ${value} on the GPU, ${want} on the CPU`);
  });
});

test("context: uninitialized parameters are initialized there; initialized ones elsewhere are an error naming both devices", { skip: SKIP }, () => {
  const fresh = new nn.Dense(1, { inUnits: 2 });
  const est = new gluon.contrib.estimator.Estimator(fresh, { loss: new gluon.loss.L2Loss(), context: npx.gpu() });
  assert.equal(String(est.context), "gpu(0)");
  assert.equal(String(fresh.collectParams().entries()[0]![1].data().ctx), "gpu(0)");
  const onCpu = new nn.Dense(1, { inUnits: 2 }).initialize();
  assert.throws(
    () => new gluon.contrib.estimator.Estimator(onCpu, { loss: new gluon.loss.L2Loss(), context: npx.gpu() }),
    /Estimator: context is gpu\(0\) but parameter 'weight' is on cpu\(0\); move the net first/,
  );
});

// GPU memory over a training loop on gpu(0): buffers of collected arrays return to the pool (FinalizationRegistry), so
// the number of live GPU buffers stays flat from step to step; releaseMemory() empties the pool.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import { autograd, gluon, init, nn, np, npx, releaseMemory } from "../../../src/index.js";
import { destroyGpu, poolStats } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

test("a 300-step Conv2D → Conv2DTranspose training loop with SGD + momentum keeps the live GPU buffers flat", { skip: SKIP, timeout: 300_000 }, async () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const ctx = npx.gpu();
  const net = new nn.Sequential().add(
    new nn.Conv2D(4, { kernelSize: 3, strides: 2, padding: 1, inChannels: 3 }),
    new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, inChannels: 4 }),
  );
  net.initialize(init.Normal(0.1), { ctx });
  const trainer = new gluon.Trainer(net.collectParams(), "sgd", { learningRate: 0.01, momentum: 0.9 });
  np.random.seed(4);
  const X = np.random.uniform({ size: [2, 3, 8, 8], ctx });
  const live = () => {
    const s = poolStats();
    return s.created - s.destroyed;
  };
  const settle = async () => {
    await npx.waitAll();
    // FinalizationRegistry callbacks run as tasks some time after a collection: collect until no more buffers return
    let returned = -1;
    for (let k = 0; k < 20 && poolStats().returned !== returned; k++) {
      returned = poolStats().returned;
      gc();
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const counts: number[] = [];
  let loss = 0;
  for (let step = 1; step <= 300; step++) {
    const l = autograd.record(() => net.forward(X).sub(X).abs().mean());
    l.backward();
    trainer.step(2);
    if (step % 50 === 0) {
      loss = (await l.wait()).item();
      await settle();
      counts.push(live());
    }
  }
  console.log(`# live GPU buffers every 50 steps: ${counts.join(", ")}`);
  // Buffers come back only when the collector finds their arrays dead. Under load a collection can come late, and then
  // the pool grows once to two intervals' worth of buffers (1567 → 3118 here). A leak instead grows at every sample
  // (one buffer a step adds 50). So: at most one jump between samples, and never more than twice the first sample.
  const jumps = counts.slice(1).filter((c, i) => c > counts[i]! + 16).length;
  assert.ok(jumps <= 1 && Math.max(...counts) <= 2 * counts[0]! + 16, `live GPU buffers every 50 steps: ${counts.join(", ")}`);
  assert.ok(Number.isFinite(loss), "the loop computed finite losses");
  releaseMemory();
  assert.equal(poolStats().pooledBytes, 0, "releaseMemory emptied the pool");
});

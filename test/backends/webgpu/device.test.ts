// Devices with MXNet's names (npx.initGpu, numGpus, gpu, cpu, d2l.tryGpu), WebGPU errors naming the op, device loss,
// the buffer pool (FinalizationRegistry, releaseMemory) and the pipeline cache.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import v8 from "node:v8";
import vm from "node:vm";
import fc from "fast-check";
import { Context, d2l, npx, releaseMemory } from "../../../src/index.js";
import {
  binaryGpu,
  denseView,
  destroyGpu,
  emptyPools,
  gpuOp,
  matmulGpu,
  pipelineCount,
  poolStats,
  readTensor,
  sizeClass,
  upload,
} from "../../../src/backends/webgpu/index.js";
import { gpuState } from "../../../src/backends/webgpu/device.js";
import { openTestGpu } from "../../helpers/webgpu.js";

// The two tests before the device opens are awaited: the runner starts a test as soon as it is declared, so without the
// awaits the top-level openTestGpu() below could open the device while they run (a race that failed them under load).
await test("before initGpu: numGpus() is 0, gpu() throws saying to call initGpu, cpu() is cpu(0), tryGpu() falls back to cpu", () => {
  assert.equal(npx.numGpus(), 0);
  assert.throws(() => npx.gpu(), /npx\.gpu\(0\): no GPU available: npx\.initGpu\(\) has not been called/);
  assert.equal(String(npx.cpu()), "cpu(0)");
  assert.ok(npx.cpu() instanceof Context);
  assert.equal(String(d2l.tryGpu()), "cpu(0)");
  assert.throws(() => npx.gpu(-1), /npx\.gpu: device id -1 is not a non-negative integer/);
});

await test("initGpu resolves to 0 (never rejects) without WebGPU, without an adapter, or when requestAdapter throws; gpu() says why", async () => {
  assert.equal((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu, undefined, "Node has no navigator.gpu");
  assert.equal(await npx.initGpu(), 0);
  assert.throws(() => npx.gpu(), /navigator\.gpu is undefined/);
  assert.equal(await npx.initGpu({ gpu: { requestAdapter: async () => null } }), 0);
  assert.throws(() => npx.gpu(), /requestAdapter\(\) returned no adapter/);
  assert.equal(
    await npx.initGpu({
      gpu: {
        requestAdapter: async () => {
          throw new Error("boom");
        },
      },
    }),
    0,
  );
  assert.throws(() => npx.gpu(), /requestAdapter\(\) failed: boom/);
  assert.equal(npx.numGpus(), 0);
  await npx.waitAll(); // nothing to wait for without a GPU
});

const SKIP = await openTestGpu();
after(() => destroyGpu());

test("with an adapter: initGpu resolves to 1, gpu(0) prints gpu(0), gpu(1) throws, tryGpu() is gpu(0)", { skip: SKIP }, async () => {
  assert.equal(npx.numGpus(), 1);
  assert.equal(await npx.initGpu(), 1, "a second call keeps the device");
  assert.equal(String(npx.gpu()), "gpu(0)");
  assert.ok(npx.gpu(0).equals(d2l.tryGpu()));
  assert.throws(() => npx.gpu(1), /npx\.gpu\(1\): only 1 GPU\(s\) available/);
});

test("a WebGPU validation error inside an op is thrown by the next waitAll / read, naming the op, then cleared", { skip: SKIP }, async () => {
  gpuOp("myBrokenOp", (d) => d.createBuffer({ size: 4, usage: 0 })); // usage 0 is invalid
  await assert.rejects(npx.waitAll(), /myBrokenOp: WebGPU validation error/);
  await npx.waitAll();
  gpuOp("otherBrokenOp", (d) => d.createBuffer({ size: 4, usage: 0 }));
  await assert.rejects(readTensor(upload(Float32Array.of(1))), /otherBrokenOp: WebGPU validation error/);
  assert.deepEqual([...(await readTensor(upload(Float32Array.of(1, 2))))], [1, 2]);
});

test("sizeClass: at least the request, a multiple of 16, at most 25 % (+16 bytes) above it (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (n) => {
      const c = sizeClass(n);
      assert.ok(c >= n && c % 16 === 0 && c <= Math.max(16, n * 1.25 + 16), `${n} → ${c}`);
    }),
    { numRuns: 500, seed: 21 },
  );
});

test("buffers of collected tensors return to the pool: 300 chained adds create a bounded number of buffers; releaseMemory empties the pool", {
  skip: SKIP,
  timeout: 120_000,
}, async () => {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as () => void;
  const y = upload(Float32Array.from({ length: 1000 }, () => 1));
  let x = upload(new Float32Array(1000));
  const before = poolStats();
  for (let i = 0; i < 300; i++) {
    x = binaryGpu("add", [1000], denseView(x, [1000]), denseView(y, [1000]));
    if (i % 25 === 24) {
      await npx.waitAll();
      gc();
      await new Promise((r) => setTimeout(r, 10)); // FinalizationRegistry callbacks run after the collection
    }
  }
  const got = await readTensor(x);
  assert.ok(
    got.every((v) => v === 300),
    "the chain computed 300",
  );
  const after = poolStats();
  const created = after.created - before.created;
  assert.ok(after.reused > before.reused, "buffers were reused");
  assert.ok(created < 100, `created ${created} buffers for 300 results`);
  releaseMemory();
  assert.equal(poolStats().pooledBytes, 0);
  emptyPools();
});

test("the pipeline cache compiles a kernel variant once for every shape", { skip: SKIP }, async () => {
  const dev = gpuState("test").device;
  await readTensor(matmulGpu(3, 4, 8, upload(new Float32Array(24)), upload(new Float32Array(32))));
  const n = pipelineCount(dev);
  await readTensor(matmulGpu(5, 8, 4, upload(new Float32Array(20)), upload(new Float32Array(32))));
  await readTensor(matmulGpu(40, 12, 16, upload(new Float32Array(640)), upload(new Float32Array(192))));
  assert.equal(pipelineCount(dev), n, "same vec4 variant, other sizes: no new pipeline");
});

test("a lost device: ops throw naming themselves and the loss, gpu() says so, initGpu opens a new device", { skip: SKIP }, async () => {
  gpuState("test").device.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.throws(() => matmulGpu(1, 1, 1, upload(Float32Array.of(1)), upload(Float32Array.of(1))), /upload: the WebGPU device was lost \(destroyed\)/);
  assert.throws(() => npx.gpu(), /the WebGPU device was lost/);
  assert.equal(npx.numGpus(), 0);
  const { create } = (await import("webgpu")) as unknown as { create: (f: string[]) => { requestAdapter(): Promise<GPUAdapter | null> } };
  assert.equal(await npx.initGpu({ gpu: create([]) }), 1);
  assert.deepEqual([...(await readTensor(matmulGpu(1, 1, 1, upload(Float32Array.of(2)), upload(Float32Array.of(3)))))], [6]);
});

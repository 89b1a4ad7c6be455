// WebGPU matmul against the reference product: sizes across tile edges, with and without vec4 operand loads.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { matmul } from "../../../src/backends/reference/matmul.js";
import { destroyGpu, matmulGpu, readTensor, upload } from "../../../src/backends/webgpu/index.js";
import { assertClose, randomArray } from "../../helpers/geometry-arb.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

test("webgpu matmul equals the reference for M, N, K in 0..70 (vec4 loads when K or N is a multiple of 4) (property)", {
  skip: SKIP,
  timeout: 300_000,
}, async () => {
  const dim = fc.integer({ min: 0, max: 70 });
  await fc.assert(
    fc.asyncProperty(dim, dim, dim, fc.integer({ min: 1, max: 1e6 }), async (M, N, K, seed) => {
      const a = randomArray(M * K, seed),
        b = randomArray(K * N, seed + 1);
      const want = new Float64Array(M * N);
      matmul(M, N, K, Float64Array.from(a), Float64Array.from(b), want);
      assertClose(await readTensor(matmulGpu(M, N, K, upload(a), upload(b))), want, K, `matmul M=${M} N=${N} K=${K}`);
    }),
    { numRuns: Number(process.env.GPU_RUNS ?? 30), seed: 21 },
  );
});

test("webgpu matmul: K = 0 gives zeros; mismatched operands and float64 throw naming the op", { skip: SKIP }, async () => {
  assert.deepEqual([...(await readTensor(matmulGpu(2, 3, 0, upload(new Float32Array(0)), upload(new Float32Array(0)))))], [0, 0, 0, 0, 0, 0]);
  assert.throws(
    () => matmulGpu(2, 3, 4, upload(new Float32Array(8)), upload(new Float32Array(5))),
    /matmul \(webgpu\): B has 5 elements, expected 12 for M=2, N=3, K=4/,
  );
  assert.throws(() => upload(new Float64Array(4)), /WebGPU has no float64/);
});

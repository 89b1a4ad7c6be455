// Number operands on gpu(0) (x.mul(2), np.subtract(1, x)): one cached read-only tensor per value, equal to the CPU
// backend with broadcasting and gradients.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, type NDArray, np, npx, releaseMemory } from "../../../src/index.js";
import { destroyGpu, MAX_CACHED_SCALARS, poolStats, scalarStats } from "../../../src/backends/webgpu/index.js";
import { assertCloseToCpu, openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

const allocations = () => {
  const s = poolStats();
  return s.created + s.reused;
};

test("a number operand costs no new GPU buffer per call: x.mul(2) allocates what x.mul(y) does for an array y, and uploads 2 once", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  const x = np.ones([4, 3], { ctx });
  const y = np.full([], 2.5, { ctx });
  void x.mul(y);
  void x.mul(2.5);
  await npx.waitAll();
  let a = allocations();
  for (let k = 0; k < 10; k++) void x.mul(y);
  const perArrayCall = (allocations() - a) / 10;
  const before = scalarStats();
  a = allocations();
  for (let k = 0; k < 10; k++) void x.mul(2.5);
  assert.equal((allocations() - a) / 10, perArrayCall, "buffers per x.mul(2.5) = buffers per x.mul(array)");
  assert.deepEqual([scalarStats().uploads - before.uploads, scalarStats().hits - before.hits], [0, 10], "2.5 was uploaded once, before");
  // −0 and 0 are different values (1 / −0 = −∞): they are cached apart
  assert.deepEqual(
    Array.from(await x.mul(0).data()).every((v) => Object.is(v, 0)),
    true,
  );
  assert.deepEqual(Array.from(await np.divide(1, x.mul(-0)).data()), new Array<number>(12).fill(Number.NEGATIVE_INFINITY));
});

test("the scalar cache stays bounded (least recently used dropped), survives releaseMemory(), and its values are never overwritten", {
  skip: SKIP,
}, async () => {
  const ctx = npx.gpu();
  const x = np.arange(6).reshape([2, 3]).asInCtx(ctx);
  for (let k = 0; k < MAX_CACHED_SCALARS + 20; k++) void x.add(1000 + k);
  assert.equal(scalarStats().cached, MAX_CACHED_SCALARS);
  // dropped values went back to the pool and were reused for results: the values still cached read back unchanged
  const z = np.arange(4).asInCtx(ctx); // 16-byte results: the size class of the dropped scalars' buffers
  const reusedBefore = poolStats().reused;
  for (let k = 0; k < 40; k++) void z.mul(z).sub(1 + k / 7);
  assert.ok(poolStats().reused > reusedBefore);
  assert.deepEqual(
    Array.from(await x.add(1000 + MAX_CACHED_SCALARS + 19).data()),
    [0, 1, 2, 3, 4, 5].map((v) => v + 1000 + MAX_CACHED_SCALARS + 19),
  );
  assert.deepEqual(Array.from(await x.add(1000).data()), [1000, 1001, 1002, 1003, 1004, 1005], "an evicted value is uploaded again");
  releaseMemory();
  assert.equal(scalarStats().cached, 0);
  assert.deepEqual(Array.from(await x.mul(3).data()), [0, 3, 6, 9, 12, 15]);
});

const OPS = ["add", "subtract", "multiply", "divide", "power", "maximum", "minimum"] as const;

test("binary ops with a number on either side, broadcast over arrays of any shape, and their gradients equal the CPU backend (property)", {
  skip: SKIP,
}, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...OPS),
      fc.boolean(),
      fc.constantFrom(-2, -0.5, 0, 0.25, 1, 3),
      fc.constantFrom(
        [[3], [3]],
        [
          [2, 1],
          [1, 3],
        ],
        [[2, 3, 1], [4]],
      ),
      fc.integer({ min: 0, max: 1000 }),
      async (op, numberFirst, s, [sa, sb], seed) => {
        np.random.seed(seed);
        // positive bases keep power's gradient finite; the rest of the ops see signs too
        const low = op === "power" ? 0.5 : -2;
        const a = np.random.uniform({ low, high: 2, size: sa! });
        const b = np.random.uniform({ low, high: 2, size: sb! });
        const f = np[op] as (p: NDArray | number, q: NDArray | number) => NDArray;
        const run = (aa: NDArray, bb: NDArray) => {
          aa.attachGrad();
          bb.attachGrad();
          // the number meets a broadcast sum of two arrays, then a second number scales the result
          const y = autograd.record(() => {
            const ab = aa.add(bb);
            return (numberFirst ? f(s, ab) : f(ab, s)).mul(0.5);
          });
          autograd.record(() => y.sum()).backward();
          return y;
        };
        const ga = a.asInCtx(npx.gpu()),
          gb = b.asInCtx(npx.gpu());
        const what = `${numberFirst ? `${op}(${s}, a + b)` : `${op}(a + b, ${s})`} for [${sa}] + [${sb}]`;
        await assertCloseToCpu(run(ga, gb), run(a, b), `${what}: value`, 1e-5, 1e-5);
        await assertCloseToCpu(ga.grad!, a.grad!, `${what}: gradient of a`, 1e-5, 1e-5);
        await assertCloseToCpu(gb.grad!, b.grad!, `${what}: gradient of b`, 1e-5, 1e-5);
      },
    ),
    { numRuns: 14, seed: 2103 },
  );
});

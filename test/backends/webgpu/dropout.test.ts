// npx.dropout on gpu(0): the mask is hashed on the GPU, so it is checked by its statistics (keep rate, independence of
// neighbours), its scaling, repeatability under np.random.seed, and by the backward using the very same mask.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { autograd, np, npx } from "../../../src/index.js";
import { destroyGpu } from "../../../src/backends/webgpu/index.js";
import { openTestGpu } from "../../helpers/webgpu.js";

const SKIP = await openTestGpu();
after(() => destroyGpu());

test("GPU dropout keeps each element with probability 1 − p (within 5σ over 2¹⁷ elements, neighbours independent), scales kept ones by 1/(1 − p), and its gradient uses the same mask", {
  skip: SKIP,
}, async () => {
  const n = 2 ** 17;
  for (const p of [0.1, 0.5, 0.8]) {
    np.random.seed(42);
    const x = np.random.uniform({ low: 1, high: 2, size: [n] }).asInCtx(npx.gpu()); // no zeros: y = 0 only where dropped
    const w = np.random.uniform({ low: 1, high: 2, size: [n] }).asInCtx(npx.gpu());
    x.attachGrad();
    const y = autograd.record(() => npx.dropout(x, { p }));
    autograd.record(() => y.mul(w).sum()).backward();
    await y.wait();
    await x.grad!.wait();
    await x.wait();
    await w.wait();
    const xs = x.asTypedArray(),
      ys = y.asTypedArray(),
      gs = x.grad!.asTypedArray(),
      ws = w.asTypedArray();
    const keep = Math.fround(1 / (1 - p));
    let kept = 0,
      pairs = 0;
    for (let i = 0; i < n; i++) {
      const k = ys[i] !== 0;
      if (k) {
        kept++;
        assert.equal(ys[i], Math.fround(xs[i]! * keep), `p ${p}: kept element ${i} scaled by 1/(1 − p)`);
        assert.equal(gs[i], Math.fround(ws[i]! * keep), `p ${p}: gradient of kept element ${i}`);
      } else assert.equal(gs[i], 0, `p ${p}: dropped element ${i} gets no gradient`);
      if (k && i % 2 === 1 && ys[i - 1] !== 0) pairs++;
    }
    const q = 1 - p;
    const rate = kept / n;
    assert.ok(Math.abs(rate - q) <= 5 * Math.sqrt((p * q) / n), `p ${p}: keep rate ${rate}, expected ${q}`);
    // both elements of a pair (2i, 2i + 1) kept: probability q² over n/2 pairs
    const both = pairs / (n / 2);
    assert.ok(Math.abs(both - q * q) <= 5 * Math.sqrt((q * q * (1 - q * q)) / (n / 2)), `p ${p}: neighbours both kept at rate ${both}, expected ${q * q}`);
  }
});

test("GPU dropout masks repeat under np.random.seed, differ between draws, and are shared along axes", { skip: SKIP }, async () => {
  const x = np.ones([4, 64, 8], { ctx: npx.gpu() });
  const draw = (options = {}) => autograd.record(() => npx.dropout(x, { p: 0.5, ...options }));
  np.random.seed(7);
  const a = draw();
  const b = draw();
  np.random.seed(7);
  const c = draw();
  for (const t of [a, b, c]) await t.wait();
  assert.deepEqual(c.tolist(), a.tolist(), "the same seed gives the same mask");
  assert.notDeepEqual(b.tolist(), a.tolist(), "the next draw gives another mask");
  const s = draw({ axes: [1] });
  await s.wait();
  const v = s.tolist() as number[][][];
  for (let i = 0; i < 4; i++) for (let j = 1; j < 64; j++) assert.deepEqual(v[i]![j], v[i]![0], `row ${i}: one mask value along axis 1`);
});

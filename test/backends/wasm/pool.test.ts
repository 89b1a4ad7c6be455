// The wasm 2×2 max-pooling kernel against the window rule written out, NaN and ±0 included, and when dispatch picks it.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { maxPool2x2 } from "../../../src/backends/wasm/plan-pool.js";
import { hooks } from "../../../src/backends/hooks.js";
import { autograd, np, npx } from "../../../src/index.js";
import { NDArray } from "../../../src/ndarray/ndarray.js";

/** The rule by its words: a window's first element (row-major) unless a later one is strictly greater. */
function firstMax(x: Float32Array, planes: number, H: number, W: number, OH: number, OW: number): Float32Array {
  const y = new Float32Array(planes * OH * OW);
  for (let p = 0; p < planes; p++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let best = Number.NaN;
        let seen = false;
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 2; j++) {
            const v = x[p * H * W + (2 * oh + i) * W + 2 * ow + j]!;
            if (!seen || v > best) best = v;
            seen = true;
          }
        y[(p * OH + oh) * OW + ow] = best;
      }
  return y;
}

/** Equal element by element as Object.is sees them (NaN equals NaN, −0 differs from +0). */
function assertSame(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]}`);
}

/** Values with ties, NaN and both zeros, so every branch of the rule is met. */
const SPECIAL = [Number.NaN, -0, 0, 1, 1, -1, 2, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, 0.5];
function sample(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => SPECIAL[(s = (s * 16807) % 2147483647) % SPECIAL.length]!);
}

test("wasm 2×2 max pooling keeps the first maximum of each window (NaN only in first place, −0 before +0)", () => {
  // 37 planes (three tasks of 16), odd sizes with a dropped last row and column, and widths off the 4-output step
  for (const [planes, H, W] of [
    [37, 7, 11],
    [3, 8, 16],
    [5, 2, 2],
    [2, 9, 3],
  ] as const) {
    const OH = Math.floor(H / 2),
      OW = Math.floor(W / 2);
    const x = sample(planes * H * W, planes * 1000 + W);
    const y = new Float32Array(planes * OH * OW).fill(7);
    maxPool2x2(planes, H, W, OH, OW, x, y);
    assertSame(y, firstMax(x, planes, H, W, OH, OW), `${planes}×${H}×${W}`);
  }
  // the rule's corners, one window each: [NaN, 1, 2, 3] stays NaN; [1, NaN, 0, 2] → 2; [−0, 0, −0, 0] → −0
  const x = Float32Array.of(Number.NaN, 1, 1, Number.NaN, -0, 0, 2, 3, 0, 2, -0, 0);
  const y = new Float32Array(3);
  maxPool2x2(1, 2, 6, 1, 3, x, y);
  assertSame(y, Float32Array.of(Number.NaN, 2, -0), "corners");
});

test("property: wasm 2×2 max pooling equals the rule on any plane size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 1, max: 13 }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 0, max: 1 }),
      fc.integer({ min: 1, max: 1e6 }),
      (planes, OH, OW, extraH, extraW, seed) => {
        const H = 2 * OH + extraH,
          W = 2 * OW + extraW;
        const x = sample(planes * H * W, seed);
        const y = new Float32Array(planes * OH * OW);
        maxPool2x2(planes, H, W, OH, OW, x, y);
        assertSame(y, firstMax(x, planes, H, W, OH, OW), `${planes}×${H}×${W}`);
      },
    ),
    { numRuns: 60 },
  );
});

test("npx.pooling runs large float32 2×2 max pools in wasm, and the JS loops where the kernel does not apply", () => {
  const planes = 2 * 8,
    H = 64,
    W = 66;
  const xs = sample(planes * H * W, 11);
  const want = firstMax(xs, planes, H, W, 32, 33);
  const x = new NDArray(xs, [2, 8, H, W]);
  const y = npx.pooling(x, { kernel: 2, stride: 2, poolType: "max" });
  assert.equal(hooks.lastPoolKernel, "wasm");
  assert.deepEqual(y.shape, [2, 8, 32, 33]);
  assertSame(y.asTypedArray() as Float32Array, want, "dispatched");
  // a recorded pool keeps its argmax for the gradient: the JS loops, the same values
  const xg = x.copy();
  xg.attachGrad();
  const yg = autograd.record(() => npx.pooling(xg, { kernel: 2, stride: 2, poolType: "max" }));
  assert.equal(hooks.lastPoolKernel, "js");
  assertSame(yg.asTypedArray() as Float32Array, want, "recorded");
  // small calls, float64 and other windows stay in JS
  npx.pooling(np.ones([1, 1, 8, 8], { dtype: "float32" }), { kernel: 2, stride: 2, poolType: "max" });
  assert.equal(hooks.lastPoolKernel, "js");
  npx.pooling(x.astype("float64"), { kernel: 2, stride: 2, poolType: "max" });
  assert.equal(hooks.lastPoolKernel, "js");
  npx.pooling(x, { kernel: 3, stride: 2, poolType: "max" });
  assert.equal(hooks.lastPoolKernel, "js");
  npx.pooling(x, { kernel: 2, stride: 2, poolType: "avg" });
  assert.equal(hooks.lastPoolKernel, "js");
});

// np.take (ops/gather.ts): numpy's values, gradient (the scatter-add) by gradcheck and second order, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";
import { gradgradcheck } from "../helpers/gradgradcheck.js";

test("np.take equals numpy's; its gradient scatters back (gradcheck, second order)", () => {
  const x = np.arange(12).reshape(3, 4);
  assert.deepEqual(np.take(x, [2, 0, -1], { axis: 1 }).tolist(), [
    [2, 0, 3],
    [6, 4, 7],
    [10, 8, 11],
  ]);
  assert.deepEqual(
    np.take(
      x,
      [
        [1, 1],
        [0, 2],
      ],
      { axis: 0 },
    ).shape,
    [2, 2, 4],
  );
  assert.deepEqual(np.take(x, [5, 11]).tolist(), [5, 11], "axis omitted: the flattened array");
  assert.equal(np.take(x, 7).item(), 7);
  gradcheck((a) => np.take(a, [1, 1, 0, 2], { axis: 1 }), [randn([2, 3])]);
  gradgradcheck((a) => np.take(a, [2, 0, 2], { axis: 0 }).mul(a.sum()), [randn([3, 2])]);
  assert.throws(() => np.take(x, [4], { axis: 1 }), /np\.take: index 4 is out of range for axis 1 of length 4/);
  assert.throws(() => np.take(x, [0], { axis: 2 }), /np\.take: axis=2 is out of range for shape \[3, ?4\]/);
});

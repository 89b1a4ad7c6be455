// np.broadcastTo and np.tile against numpy's values, their gradients by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

test("np.tile equals numpy's (numpy 2.4: np.tile(np.arange(6).reshape(2, 3), reps))", () => {
  const x = np.arange(6).reshape(2, 3);
  assert.deepEqual(np.tile(x, 2).tolist(), [
    [0, 1, 2, 0, 1, 2],
    [3, 4, 5, 3, 4, 5],
  ]);
  assert.deepEqual(np.tile(x, [2, 1, 2]).tolist(), [
    [
      [0, 1, 2, 0, 1, 2],
      [3, 4, 5, 3, 4, 5],
    ],
    [
      [0, 1, 2, 0, 1, 2],
      [3, 4, 5, 3, 4, 5],
    ],
  ]);
  assert.deepEqual(np.tile(x, [3, 1]).shape, [6, 3]);
  assert.deepEqual(np.tile(x, [0, 1]).shape, [0, 3]);
  assert.deepEqual(
    np.tile(x.T, [1, 2]).tolist(),
    [
      [0, 3, 0, 3],
      [1, 4, 1, 4],
      [2, 5, 2, 5],
    ],
    "a transposed view",
  );
});

test("np.broadcastTo equals numpy's broadcast_to; -0 and NaN pass unchanged", () => {
  assert.deepEqual(np.broadcastTo(np.array([[1], [2]]), [3, 2, 4]).tolist(), [
    [
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ],
    [
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ],
    [
      [1, 1, 1, 1],
      [2, 2, 2, 2],
    ],
  ]);
  const y = np.broadcastTo(np.array([-0, Number.NaN, Number.POSITIVE_INFINITY]), [2, 3]).asTypedArray();
  assert.ok(Object.is(y[3], -0) && Number.isNaN(y[4]) && y[5] === Number.POSITIVE_INFINITY);
});

test("np.tile and np.broadcastTo gradients: gradcheck (each input element gets the sum over its copies)", () => {
  np.random.seed(4);
  gradcheck((x) => np.tile(x, [2, 1, 3]), [np.random.uniform({ size: [2, 3], dtype: "float64" })]);
  gradcheck((x) => np.broadcastTo(x, [2, 3, 4]), [np.random.uniform({ size: [3, 1], dtype: "float64" })]);
});

test("np.tile and np.broadcastTo errors name the argument and the values", () => {
  assert.throws(() => np.broadcastTo(np.ones([2, 3]), [3, 3]), /np\.broadcastTo: an array of shape \[2, ?3\] cannot be broadcast to \[3, ?3\]/);
  assert.throws(() => np.broadcastTo(np.ones([2, 3]), [3]), /np\.broadcastTo: an array of shape \[2, ?3\] cannot be broadcast to \[3\]/);
  assert.throws(() => np.broadcastTo(np.ones([2]), [2.5] as never), /np\.broadcastTo: shape must be a list of integers >= 0, got/);
  assert.throws(() => np.tile(np.ones([2]), [-1]), /np\.tile: reps must be an integer >= 0 or a list of them, got/);
  assert.throws(() => np.tile([1, 2] as never, 2), /np\.tile: x must be an NDArray/);
});

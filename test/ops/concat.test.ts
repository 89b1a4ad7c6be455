// np.concatenate: values against numpy's definition, gradient by gradcheck, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";
import { gradcheck } from "../helpers/gradcheck.js";

test("np.concatenate along the middle axis puts each input's block in order", () => {
  const a = np.arange(6).reshape(1, 2, 3);
  const b = np.arange(6, 9).reshape(1, 1, 3);
  const y = np.concatenate([a, b, a], { axis: 1 });
  assert.deepEqual(y.shape, [1, 5, 3]);
  assert.deepEqual(y.tolist(), [[[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 1, 2], [3, 4, 5]]]);
  assert.deepEqual(np.concatenate([a, a], { axis: -1 }).tolist(), [[[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]]);
});

test("np.concatenate gradient: gradcheck for every input, one of them a transposed view", () => {
  gradcheck((a, b) => np.concatenate([a, b.T, a.mul(b.sum())], { axis: 1 }), [np.random.uniform({ size: [3, 2] }), np.random.uniform({ size: [4, 3] })]);
});

test("np.concatenate errors name the shapes and the axis", () => {
  assert.throws(() => np.concatenate([np.ones([2, 3]), np.ones([3, 3])], { axis: 1 }), /np\.concatenate: shapes \[2,3\], \[3,3\] must match except on axis 1/);
  assert.throws(() => np.concatenate([]), /expects a non-empty list/);
  assert.throws(() => np.concatenate([np.ones([2])], { axis: 1 }), /axis 1 is out of range for arrays of rank 1/);
});

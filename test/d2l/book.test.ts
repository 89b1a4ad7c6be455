// The book's helpers reproduce its printed results.
import { test } from "node:test";
import assert from "node:assert/strict";
import { d2l, np } from "../../src/index.js";

const K = np.array([
  [0, 1],
  [2, 3],
]);

test("transConv gives Fig. 12.10.1's output", () => {
  assert.deepEqual(
    d2l
      .transConv(
        np.array([
          [0, 1],
          [2, 3],
        ]),
        K,
      )
      .tolist(),
    [
      [0, 0, 1],
      [0, 4, 6],
      [4, 12, 9],
    ],
  );
});

test("corr2d of arange(9) gives [[19, 25], [37, 43]]", () => {
  assert.deepEqual(d2l.corr2d(np.arange(9).reshape(3, 3), K).tolist(), [
    [19, 25],
    [37, 43],
  ]);
});

test("kernel2matrix gives the book's 4×9 W", () => {
  assert.deepEqual(d2l.kernel2matrix(K).tolist(), [
    [0, 1, 0, 2, 3, 0, 0, 0, 0],
    [0, 0, 1, 0, 2, 3, 0, 0, 0],
    [0, 0, 0, 0, 1, 0, 2, 3, 0],
    [0, 0, 0, 0, 0, 1, 0, 2, 3],
  ]);
});

test("the book's helpers reject inputs they were not written for", () => {
  assert.throws(() => d2l.corr2d(np.ones([2, 2]), np.ones([3, 3])), { message: "d2l.corr2d: kernel [3,3] is larger than input [2,2]" });
  assert.throws(() => d2l.kernel2matrix(np.ones([3, 3])), { message: /^d2l.kernel2matrix: the book's version is for a 2×2 kernel/ });
  assert.throws(() => d2l.transConv(np.ones([2]), K), { message: "d2l.transConv: expects 2-D arrays, got shape [2]" });
});

// np.concatenate, np.stack, np.split and np.array_split: values, shapes, dtypes and errors (numpy's semantics).
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/index.js";

const f64 = { dtype: "float64" } as const;

test("concatenate joins along an existing axis (default 0)", () => {
  const a = np.array([
      [1, 2],
      [3, 4],
    ]),
    b = np.array([[5, 6]]);
  assert.deepEqual(np.concatenate([a, b]).tolist(), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  assert.deepEqual(np.concatenate([a, b.T], { axis: 1 }).tolist(), [
    [1, 2, 5],
    [3, 4, 6],
  ]);
  assert.deepEqual(np.concatenate([a, a], { axis: -1 }).shape, [2, 4]);
  // U-Net skip: channel axis of NCHW
  const x = np.ones([2, 3, 4, 4]),
    skip = np.zeros([2, 5, 4, 4]);
  const y = np.concatenate([x, skip], { axis: 1 });
  assert.deepEqual(y.shape, [2, 8, 4, 4]);
  assert.equal(y.at(1, 2, 3, 3).item(), 1);
  assert.equal(y.at(1, 3, 0, 0).item(), 0);
});

test("concatenate reads views and promotes to float64 when any input is float64", () => {
  const a = np.arange(6).reshape(2, 3).T; // a transposed (non-contiguous) view
  const y = np.concatenate([a, np.ones([3, 1], f64)], { axis: 1 });
  assert.equal(y.dtype, "float64");
  assert.deepEqual(y.tolist(), [
    [0, 3, 1],
    [1, 4, 1],
    [2, 5, 1],
  ]);
});

test("stack joins along a new axis", () => {
  const a = np.array([1, 2]),
    b = np.array([3, 4]);
  assert.deepEqual(np.stack([a, b]).tolist(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(np.stack([a, b], { axis: 1 }).tolist(), [
    [1, 3],
    [2, 4],
  ]);
  assert.deepEqual(np.stack([a, b], { axis: -1 }).tolist(), [
    [1, 3],
    [2, 4],
  ]);
});

test("split into equal sections or at indices; array_split allows uneven sections", () => {
  const x = np.arange(6);
  assert.deepEqual(
    np.split(x, 3).map((v) => v.tolist()),
    [
      [0, 1],
      [2, 3],
      [4, 5],
    ],
  );
  assert.deepEqual(
    np.split(x, [2, 5]).map((v) => v.tolist()),
    [[0, 1], [2, 3, 4], [5]],
  );
  assert.deepEqual(
    np.split(x, [-1, 10]).map((v) => v.tolist()),
    [[0, 1, 2, 3, 4], [5], []],
  );
  assert.deepEqual(
    np.array_split(np.arange(7), 3).map((v) => v.tolist()),
    [
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ],
  );
  const m = np.arange(8).reshape(2, 4);
  assert.deepEqual(
    np.split(m, 2, { axis: 1 }).map((v) => v.tolist()),
    [
      [
        [0, 1],
        [4, 5],
      ],
      [
        [2, 3],
        [6, 7],
      ],
    ],
  );
});

test("join errors name the op, the arrays and the shapes", () => {
  assert.throws(
    () => np.concatenate([np.ones([2, 3]), np.ones([2, 4])]),
    /concatenate: array 1 has shape \[2,4\] but array 0 has \[2,3\]; all axes but axis 0 must match/,
  );
  assert.throws(() => np.concatenate([np.ones([2, 3]), np.ones([3])]), /concatenate: array 1 has 1 axes \(shape \[3\]\) but array 0 has 2/);
  assert.throws(() => np.concatenate([]), /concatenate: expects a non-empty list of arrays/);
  assert.throws(() => np.concatenate([np.ones([2]), [1] as never]), /concatenate: element 1 of the list is \[1\], not an NDArray/);
  assert.throws(() => np.concatenate([np.ones([2])], { axis: 1 }), /concatenate: axis=1 must be an integer in \[-1, 0\]/);
  assert.throws(() => np.concatenate([np.ones([2])], { axes: 0 } as never), /concatenate: unknown option 'axes' \(did you mean 'axis'\?\)/);
  assert.throws(() => np.stack([np.ones([2]), np.ones([3])]), /stack: array 1 has shape \[3\] but array 0 has \[2\]; stacked arrays must have one shape/);
  assert.throws(() => np.split(np.ones([5]), 2), /split: axis 0 of length 5 does not split into 2 equal sections \(use np.array_split\)/);
  assert.throws(() => np.split(np.ones([5]), 0), /split: sections=0 must be an integer >= 1/);
});

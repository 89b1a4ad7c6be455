// np.dot and np.matmul: hand-computed cases, the book's kernel2matrix example, a triple-loop property, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np } from "../../src/np.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;

test("np.dot of matrix and matrix", () => {
  // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]
  assert.deepEqual(
    np
      .dot(
        np.array([
          [1, 2],
          [3, 4],
        ]),
        np.array([
          [5, 6],
          [7, 8],
        ]),
      )
      .tolist(),
    [
      [19, 22],
      [43, 50],
    ],
  );
});

test("np.dot of matrix and vector", () => {
  const r = np.dot(
    np.array([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    np.array([1, 0, -1]),
  );
  assert.deepEqual(r.shape, [2]);
  assert.deepEqual(r.tolist(), [-2, -2]);
});

test("np.dot of vector and matrix", () => {
  const r = np.dot(
    np.array([1, -1]),
    np.array([
      [1, 2, 3],
      [4, 5, 6],
    ]),
  );
  assert.deepEqual(r.shape, [3]);
  assert.deepEqual(r.tolist(), [-3, -3, -3]);
});

test("np.dot of two vectors is a 0-d inner product", () => {
  const r = np.dot(np.array([1, 2, 3]), np.array([4, 5, 6]));
  assert.deepEqual(r.shape, []);
  assert.equal(r.item(), 32);
});

test("np.dot reads transposed and offset views", () => {
  const a = np.arange(6, undefined, 1, f64).reshape(2, 3);
  // a.T·a: a.T = [[0,3],[1,4],[2,5]]
  assert.deepEqual(np.dot(a.T, a).tolist(), [
    [9, 12, 15],
    [12, 17, 22],
    [15, 22, 29],
  ]);
  assert.deepEqual(np.dot(a.at(1), a.T).tolist(), [14, 50]);
  assert.deepEqual(
    a
      .at(":", "::-1")
      .dot(np.array([1, 0, 0], f64))
      .tolist(),
    [2, 5],
  );
});

test("np.dot keeps the dtype", () => {
  assert.equal(np.dot(np.ones([2, 2]), np.ones([2])).dtype, "float32");
  assert.equal(np.dot(np.ones([2, 2], f64), np.ones([2], f64)).dtype, "float64");
});

test("the book's kernel2matrix: convolution and transposed convolution as matrix products (§12.10.3)", () => {
  const K = np.array([
    [0, 1],
    [2, 3],
  ]);
  const kernel2matrix = (K: NDArray) => {
    const k = np.zeros(5);
    const W = np.zeros([4, 9]);
    k.at(":2").set(K.at(0, ":"));
    k.at("3:5").set(K.at(1, ":"));
    W.at(0, ":5").set(k);
    W.at(1, "1:6").set(k);
    W.at(2, "3:8").set(k);
    W.at(3, "4:").set(k);
    return W;
  };
  const W = kernel2matrix(K);
  assert.deepEqual(W.tolist(), [
    [0, 1, 0, 2, 3, 0, 0, 0, 0],
    [0, 0, 1, 0, 2, 3, 0, 0, 0],
    [0, 0, 0, 0, 1, 0, 2, 3, 0],
    [0, 0, 0, 0, 0, 1, 0, 2, 3],
  ]);
  // corr2d(arange(9).reshape(3,3), K) = [[19,25],[37,43]] (printed in the book)
  const X = np.arange(9).reshape(3, 3);
  assert.deepEqual(np.dot(W, X.reshape(-1)).reshape(2, 2).tolist(), [
    [19, 25],
    [37, 43],
  ]);
  // trans_conv([[0,1],[2,3]], K) = [[0,0,1],[0,4,6],[4,12,9]] (printed in the book)
  const X2 = np.array([
    [0, 1],
    [2, 3],
  ]);
  const Y = np.dot(W.T, X2.reshape(-1)).reshape(3, 3);
  assert.deepEqual(Y.tolist(), [
    [0, 0, 1],
    [0, 4, 6],
    [4, 12, 9],
  ]);
  assert.deepEqual(
    np
      .equal(
        Y,
        np.array([
          [0, 0, 1],
          [0, 4, 6],
          [4, 12, 9],
        ]),
      )
      .tolist(),
    [
      [1, 1, 1],
      [1, 1, 1],
      [1, 1, 1],
    ],
  );
});

test("np.dot with unaligned shapes throws naming both shapes and axes", () => {
  assert.throws(() => np.dot(np.zeros([2, 3]), np.zeros([4])), /np.dot: shapes \[2,3\] and \[4\] are not aligned: 3 \(dim 1\) != 4 \(dim 0\)/);
  assert.throws(() => np.dot(np.zeros([3]), np.zeros([2, 3])), /np.dot: shapes \[3\] and \[2,3\] are not aligned: 3 \(dim 0\) != 2 \(dim 0\)/);
  assert.throws(() => np.dot(np.zeros([2, 3]), np.zeros([2, 3])), /np.dot: shapes \[2,3\] and \[2,3\] are not aligned/);
});

test("np.dot rejects 0-d and >2-d operands, mixed dtypes and non-arrays", () => {
  assert.throws(() => np.dot(np.array(2), np.zeros([2])), /np.dot: supports 1-D and 2-D operands, got shapes \[\] and \[2\]/);
  assert.throws(() => np.dot(np.zeros([2, 2, 2]), np.zeros([2])), /np.dot: supports 1-D and 2-D operands, got shapes \[2,2,2\] and \[2\]/);
  assert.throws(() => np.dot(np.zeros([2]), np.zeros([2], f64)), /np.dot: operands have different dtypes float32 and float64; convert one with astype/);
  assert.throws(() => np.dot(np.zeros([2]), [1, 2] as never), /np.dot: both operands must be NDArrays/);
});

test("np.matmul of 2-D operands equals np.dot; batched over a leading axis", () => {
  const a = np.arange(12, undefined, 1, f64).reshape(2, 2, 3);
  const b = np.arange(12, undefined, 1, f64).reshape(2, 3, 2);
  const c = np.matmul(a, b);
  assert.deepEqual(c.shape, [2, 2, 2]);
  for (let i = 0; i < 2; i++) assert.deepEqual(c.at(i).tolist(), np.dot(a.at(i), b.at(i)).tolist());
  assert.deepEqual(c.at(0).tolist(), [
    [10, 13],
    [28, 40],
  ]);
  assert.deepEqual(np.matmul(np.eye(2), np.array([3, 4])).tolist(), [3, 4]);
});

test("np.matmul errors name the function and shapes", () => {
  assert.throws(() => np.matmul(np.zeros([2, 2, 3]), np.zeros([3, 2, 2])), /np.matmul: batch axes of shapes \[2,2,3\] and \[3,2,2\] must match/);
  assert.throws(() => np.matmul(np.zeros([2, 2, 3]), np.zeros([2, 2, 2])), /np.matmul: shapes \[2,2,3\] and \[2,2,2\] are not aligned: 3 != 2/);
  assert.throws(() => np.matmul(np.array(1), np.zeros([1])), /np.matmul: operands must have at least one dimension/);
});

// ---- property: dot and matmul equal a triple loop ------------------------------------------------

function tripleLoop(a: number[][], b: number[][]): number[][] {
  const m = a.length;
  const k = b.length;
  const n = b[0]?.length ?? 0;
  const c: number[][] = [];
  for (let i = 0; i < m; i++) {
    c.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i]![p]! * b[p]![j]!;
      c[i]!.push(s);
    }
  }
  return c;
}

const intMatrix = (m: number, n: number) => fc.array(fc.array(fc.integer({ min: -9, max: 9 }), { minLength: n, maxLength: n }), { minLength: m, maxLength: m });

test("property: np.dot of matrices equals a triple loop (float32 and float64, views included)", () => {
  const dims = fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }));
  fc.assert(
    fc.property(
      dims.chain(([m, k, n]) => fc.tuple(intMatrix(m, k), intMatrix(k, n))),
      fc.constantFrom("float32", "float64" as const),
      fc.boolean(),
      ([a, b], dtype, viaTranspose) => {
        // small integers: every partial sum is exact in float32, so any summation order gives the same result
        const A = viaTranspose
          ? np.array(
              a[0]!.map((_, j) => a.map((r) => r[j]!)),
              { dtype },
            ).T
          : np.array(a, { dtype });
        const B = np.array(b, { dtype });
        assert.deepEqual(np.dot(A, B).tolist(), tripleLoop(a, b));
      },
    ),
    { numRuns: 200 },
  );
});

test("property: np.matmul of a batch equals a triple loop per batch entry", () => {
  const dims = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }));
  fc.assert(
    fc.property(
      dims.chain(([batch, m, k, n]) =>
        fc.tuple(fc.array(intMatrix(m, k), { minLength: batch, maxLength: batch }), fc.array(intMatrix(k, n), { minLength: batch, maxLength: batch })),
      ),
      ([as, bs]) => {
        const C = np.matmul(np.array(as), np.array(bs));
        assert.deepEqual(
          C.tolist(),
          as.map((a, i) => tripleLoop(a, bs[i]!)),
        );
      },
    ),
    { numRuns: 100 },
  );
});

test("property: np.dot of matrix and vector equals the loop Σ_j a[i][j]·v[j]", () => {
  fc.assert(
    fc.property(
      fc
        .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
        .chain(([m, k]) => fc.tuple(intMatrix(m, k), fc.array(fc.integer({ min: -9, max: 9 }), { minLength: k, maxLength: k }))),
      ([a, v]) => {
        const want = a.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
        assert.deepEqual(np.dot(np.array(a), np.array(v)).tolist(), want);
        const wantT = v.length === a.length ? a[0]!.map((_, j) => a.reduce((s, row, i) => s + v[i]! * row[j]!, 0)) : null;
        if (wantT) assert.deepEqual(np.dot(np.array(v), np.array(a)).tolist(), wantT);
      },
    ),
    { numRuns: 150 },
  );
});

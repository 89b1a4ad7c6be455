// src/ops/shape.ts directly: reshape resolution, reshape/transpose views, dense copies, casts, contiguous().
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np } from "../../src/np.js";
import { NDArray } from "../../src/ndarray/ndarray.js";
import { astype, contiguous, copy, reshape, resolveReshape, transpose, view } from "../../src/ops/shape.js";
import { record } from "../../src/autograd/record.js";

const f64 = { dtype: "float64" } as const;

test("resolveReshape fills the one -1 and checks the element count", () => {
  assert.deepEqual(resolveReshape([2, 6], [3, -1]), [3, 4]);
  assert.deepEqual(resolveReshape([2, 6], [-1]), [12]);
  assert.deepEqual(resolveReshape([1], []), []);
  assert.deepEqual(resolveReshape([0, 3], [-1, 3]), [0, 3]);
  assert.deepEqual(resolveReshape([0, 3], [5, 0]), [5, 0]);
  assert.throws(() => resolveReshape([2, 6], [5, -1]), /reshape: cannot reshape array of size 12 \(shape \[2,6\]\) into shape \[5,-1\]/);
  assert.throws(() => resolveReshape([2, 6], [3, 5]), /cannot reshape array of size 12 \(shape \[2,6\]\) into shape \[3,5\]/);
});

test("reshape keeps memory for contiguous input, including a view with an offset", () => {
  const x = np.arange(12, undefined, 1, f64).reshape(3, 4);
  const r = reshape(x.at("1:"), [2, 2, 2]);
  assert.equal(r.hostData, x.hostData);
  assert.equal(r.offset, 4);
  assert.deepEqual(r.tolist(), [
    [
      [4, 5],
      [6, 7],
    ],
    [
      [8, 9],
      [10, 11],
    ],
  ]);
});

test("reshape of a non-contiguous view copies in row-major order", () => {
  const x = np.arange(6, undefined, 1, f64).reshape(2, 3);
  const r = reshape(x.at(":", "::2"), [4]);
  assert.notEqual(r.hostData, x.hostData);
  assert.deepEqual(r.tolist(), [0, 2, 3, 5]);
});

test("transpose permutes shape and strides without copying", () => {
  const x = np.arange(24).reshape(2, 3, 4);
  const t = transpose(x, [1, 2, 0]);
  assert.deepEqual(t.shape, [3, 4, 2]);
  assert.deepEqual(t.strides, [4, 1, 12]);
  assert.equal(t.hostData, x.hostData);
  assert.deepEqual(transpose(x).shape, [4, 3, 2]);
  assert.throws(() => transpose(x, [0, 1]), /transpose: axes \[0,1\] are not a permutation of the 3 axes of shape \[2,3,4\]/);
});

test("copy gives a dense array with fresh memory", () => {
  const x = np.arange(6).reshape(2, 3).T;
  const c = copy(x);
  assert.deepEqual(c.strides, [2, 1]);
  assert.deepEqual(c.tolist(), [
    [0, 3],
    [1, 4],
    [2, 5],
  ]);
  assert.notEqual(c.hostData, x.hostData);
});

test("astype converts a strided view and rejects unknown dtypes", () => {
  const x = np.array(
    [
      [1.1, 2.2],
      [3.3, 4.4],
    ],
    f64,
  );
  const a = astype(x.T, "float32");
  assert.equal(a.dtype, "float32");
  assert.deepEqual(a.tolist(), [
    [Math.fround(1.1), Math.fround(3.3)],
    [Math.fround(2.2), Math.fround(4.4)],
  ]);
  assert.throws(() => astype(x, "int8" as never), /astype: dtype "int8" is not supported/);
});

test("contiguous returns the array itself only when it is dense from offset 0 over the whole buffer", () => {
  const x = np.arange(6).reshape(2, 3);
  assert.equal(contiguous(x), x);
  const row = x.at(1);
  const c = contiguous(row);
  assert.notEqual(c, row);
  assert.equal(c.offset, 0);
  assert.deepEqual(c.tolist(), [3, 4, 5]);
  assert.equal(c.hostData.length, 3);
  assert.deepEqual(contiguous(x.T).tolist(), x.T.tolist());
});

test("view wraps the same buffer with the given shape, strides and offset", () => {
  const x = np.arange(6, undefined, 1, f64);
  const v = view(x, [2], [2], 1, []);
  assert.deepEqual(v.tolist(), [1, 3]);
  assert.equal(v.hostData, x.hostData);
});

test("shape ops are linked on the tape while recording when the input needs a gradient", () => {
  const x = np.ones([2, 3]).attachGrad();
  const y = record(() => reshape(x, [3, 2]));
  assert.equal(y.tapeNode?.op, "reshape");
  const z = record(() => transpose(x));
  assert.equal(z.tapeNode?.op, "transpose");
  assert.equal(reshape(x, [6]).tapeNode, null, "not recorded outside record()");
  assert.equal(record(() => reshape(np.ones([2]), [2])).tapeNode, null, "no gradient needed");
});

test("property: reshape then tolist keeps the row-major element order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 }),
      fc.boolean(),
      (s1, s2, transposed) => {
        const n = s1.reduce((p, d) => p * d, 1);
        const x = transposed
          ? new NDArray(
              Float64Array.from({ length: n }, (_, i) => i),
              [...s1].reverse(),
            ).T
          : new NDArray(
              Float64Array.from({ length: n }, (_, i) => i),
              s1,
            );
        const flat = [x.tolist()].flat(Infinity as 1);
        // a target shape of the same size: s2 with its last entry replaced by -1 when it divides
        const prefix = s2.slice(0, -1).reduce((p, d) => p * d, 1);
        if (n % prefix !== 0) return;
        const r = x.reshape([...s2.slice(0, -1), -1]);
        assert.deepEqual([r.tolist()].flat(Infinity as 1), flat);
      },
    ),
    { numRuns: 200 },
  );
});

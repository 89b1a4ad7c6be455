// The NDArray class: metadata, views (reshape, transpose, T), copies, buffer access, in-place writes, autograd marks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { NDArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;

test("a new array is dense row-major with dtype, ndim and size", () => {
  const x = new NDArray(new Float32Array(24), [2, 3, 4]);
  assert.deepEqual(x.strides, [12, 4, 1]);
  assert.equal(x.offset, 0);
  assert.equal(x.dtype, "float32");
  assert.equal(x.ndim, 3);
  assert.equal(x.size, 24);
  assert.equal(x.isContiguous, true);
  assert.equal(new NDArray(new Float64Array(1), []).dtype, "float64");
  assert.equal(new NDArray(new Float64Array(1), []).size, 1, "a 0-d array holds one element");
  assert.ok(Object.isFrozen(x.shape) && Object.isFrozen(x.strides));
});

test("await x.data() resolves to a copy of the values in row-major order; hostData is the backing array a view indexes", async () => {
  const x = np.array([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const t = x.T;
  assert.equal(t.hostData, x.hostData, "a transposed view shares the backing array");
  assert.deepEqual(Array.from(await t.data()), [1, 4, 2, 5, 3, 6]);
  const copy = await x.data();
  copy[0] = 100;
  assert.equal(x.hostData[0], 1, "data() returns a copy, not the storage");
});

test("reshape accepts -1 and varargs or a list", () => {
  const x = np.arange(12);
  assert.deepEqual(x.reshape(3, 4).shape, [3, 4]);
  assert.deepEqual(x.reshape([3, 4]).shape, [3, 4]);
  assert.deepEqual(x.reshape(2, -1, 3).shape, [2, 2, 3]);
  assert.deepEqual(x.reshape([-1]).shape, [12]);
  assert.deepEqual(x.reshape(1, 1, 3, 4).tolist(), [
    [
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9, 10, 11],
      ],
    ],
  ]);
  assert.deepEqual(np.array(7).reshape().shape, [], "size-1 to 0-d");
  assert.deepEqual(np.reshape(x, [4, 3]).shape, [4, 3]);
});

test("reshape of a contiguous array is a view; of a strided view, a copy", () => {
  const x = np.arange(12, undefined, 1, f64).reshape(3, 4);
  const row = x.at(1).reshape(2, 2); // contiguous with an offset
  row.set(0);
  assert.deepEqual(x.at(1).tolist(), [0, 0, 0, 0]);
  const t = x.T.reshape(-1); // numpy: x.T.reshape(-1) copies
  assert.deepEqual(t.tolist(), [0, 0, 8, 1, 0, 9, 2, 0, 10, 3, 0, 11]);
  t.set(99);
  assert.equal(x.at(0, 0).item(), 0);
});

test("reshape to a different size throws naming sizes and shapes", () => {
  const x = np.arange(6);
  assert.throws(() => x.reshape(4, 2), /reshape: cannot reshape array of size 6 \(shape \[6\]\) into shape \[4,2\]/);
  assert.throws(() => x.reshape(4, -1), /reshape: cannot reshape array of size 6 \(shape \[6\]\) into shape \[4,-1\]/);
  assert.throws(() => x.reshape(-1, -1), /reshape: can only specify one unknown dimension \(-1\), got \[-1,-1\]/);
  assert.throws(() => x.reshape(-2, -3), /reshape: new shape \[-2,-3\] must contain non-negative integers or one -1/);
  assert.throws(() => x.reshape(1.5, 4), /reshape: new shape \[1.5,4\]/);
});

test("T reverses the axes as a view", () => {
  const x = np.arange(24, undefined, 1, f64).reshape(2, 3, 4);
  const t = x.T;
  assert.deepEqual(t.shape, [4, 3, 2]);
  assert.deepEqual(t.strides, [1, 4, 12]);
  assert.equal(t.hostData, x.hostData);
  assert.equal(t.isContiguous, false);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) assert.equal(t.at(k, j, i).item(), x.at(i, j, k).item());
  t.at(3, 2, 1).set(-5);
  assert.equal(x.at(1, 2, 3).item(), -5);
  assert.deepEqual(np.arange(3).T.tolist(), [0, 1, 2], "T of a vector is itself");
});

test("transpose takes axes as varargs or a list, with negative axes", () => {
  const x = np.arange(24).reshape(2, 3, 4);
  assert.deepEqual(x.transpose(1, 0, 2).shape, [3, 2, 4]);
  assert.deepEqual(x.transpose([2, 0, 1]).shape, [4, 2, 3]);
  assert.deepEqual(x.transpose(-1, 0, 1).tolist(), x.transpose(2, 0, 1).tolist());
  assert.deepEqual(np.transpose(x).shape, [4, 3, 2]);
  assert.deepEqual(np.transpose(x, [0, 2, 1]).at(1, 3, 2).item(), x.at(1, 2, 3).item());
});

test("transpose with axes that are not a permutation throws", () => {
  const x = np.zeros([2, 3]);
  assert.throws(() => x.transpose(0, 0), /transpose: axes \[0,0\] are not a permutation of the 2 axes of shape \[2,3\]/);
  assert.throws(() => x.transpose(0), /transpose: axes \[0\] are not a permutation/);
  assert.throws(() => x.transpose(0, 2), /transpose: axes \[0,2\]/);
});

test("asTypedArray returns the buffer itself when dense", () => {
  const x = np.arange(6).reshape(2, 3);
  const buf = x.asTypedArray();
  assert.equal(buf, x.hostData);
  buf[0] = 42;
  assert.equal(x.at(0, 0).item(), 42, "writes to the buffer show through");
});

test("asTypedArray copies a view in row-major order", () => {
  const x = np.arange(6, undefined, 1, f64).reshape(2, 3);
  const row = x.at(1).asTypedArray();
  assert.notEqual(row.buffer, x.hostData.buffer);
  assert.deepEqual(Array.from(row), [3, 4, 5]);
  assert.ok(row instanceof Float64Array);
  assert.deepEqual(Array.from(x.T.asTypedArray()), [0, 3, 1, 4, 2, 5]);
  assert.deepEqual(Array.from(x.at(":", "::-1").asTypedArray()), [2, 1, 0, 5, 4, 3]);
});

test("copy is dense and never shares memory", () => {
  const x = np.arange(6).reshape(2, 3);
  for (const v of [x, x.T, x.at(1)]) {
    const c = v.copy();
    assert.notEqual(c.hostData, x.hostData);
    assert.deepEqual(c.tolist(), v.tolist());
    assert.equal(c.isContiguous, true);
    assert.equal(c.offset, 0);
    c.set(-1);
    assert.notEqual(x.at(0, 0).item(), -1);
  }
});

test("astype converts dtype and copies", () => {
  const x = np.array([0.1, 2.5, -3]);
  const d = x.astype("float64");
  assert.equal(d.dtype, "float64");
  assert.deepEqual(d.tolist(), [Math.fround(0.1), 2.5, -3]);
  const back = np.array([0.1], f64).astype("float32");
  assert.equal(back.item(), Math.fround(0.1));
  const same = x.astype("float32");
  assert.notEqual(same.hostData, x.hostData);
  assert.throws(() => x.astype("int32" as never), /astype: dtype "int32" is not supported; use "float32" or "float64"/);
});

test("item returns the only element and throws for other sizes", () => {
  assert.equal(np.array(3.5).item(), 3.5);
  assert.equal(np.array([[7]]).item(), 7);
  assert.equal(np.arange(6).reshape(2, 3).at(1, 2).item(), 5);
  assert.throws(() => np.zeros([2, 2]).item(), /item: can only convert an array of size 1 to a number, got shape \[2,2\]/);
});

test("tolist nests by shape and returns a number for 0-d", () => {
  assert.deepEqual(np.arange(6).reshape(3, 2).tolist(), [
    [0, 1],
    [2, 3],
    [4, 5],
  ]);
  assert.equal(np.array(2).tolist(), 2);
  assert.deepEqual(np.zeros([2, 0]).tolist(), [[], []]);
});

test("set broadcasts a number, an array or a nested list into the view", () => {
  const x = np.zeros([2, 3], f64);
  x.at(0).set(np.array([1, 2, 3]));
  x.at(1).set(7);
  assert.deepEqual(x.tolist(), [
    [1, 2, 3],
    [7, 7, 7],
  ]);
  x.set([[9], [8]]);
  assert.deepEqual(x.tolist(), [
    [9, 9, 9],
    [8, 8, 8],
  ]);
  x.at(":", 1).set([5, 6]);
  assert.deepEqual(x.tolist(), [
    [9, 5, 9],
    [8, 6, 8],
  ]);
});

test("set with an overlapping source reads before writing (x[1:] = x[:-1])", () => {
  const x = np.arange(5, undefined, 1, f64);
  x.at("1:").set(x.at(":-1"));
  assert.deepEqual(x.tolist(), [0, 0, 1, 2, 3]); // numpy gives the same
  const y = np.arange(5, undefined, 1, f64);
  y.set(y.at("::-1"));
  assert.deepEqual(y.tolist(), [4, 3, 2, 1, 0]);
});

test("set with a value that does not broadcast to the target throws naming both shapes", () => {
  const x = np.zeros([2, 3]);
  assert.throws(() => x.set(np.zeros([3, 3])), /set: operands could not be broadcast together with shapes \[2,3\] and \[3,3\]/);
  assert.throws(() => x.at(0).set(np.zeros([2, 3])), /set: could not broadcast value of shape \[2,3\] into target of shape \[3\]/);
  assert.throws(() => x.set([[1, 2], [3]]), /set: data is ragged/);
});

test("iadd / isub / imul / idiv update in place through views with broadcasting", () => {
  const x = np.ones([2, 3], f64);
  x.iadd(np.array([1, 2, 3], f64));
  assert.deepEqual(x.tolist(), [
    [2, 3, 4],
    [2, 3, 4],
  ]);
  x.at(1).isub(1);
  x.at(":", 0).imul(10);
  x.T.at(2).idiv(np.array([2, 4], f64));
  assert.deepEqual(x.tolist(), [
    [20, 3, 2],
    [10, 2, 0.75],
  ]);
  assert.throws(() => x.iadd(np.zeros([3, 3])), /iadd: operands could not be broadcast together with shapes \[2,3\] and \[3,3\]/);
  assert.throws(() => x.at(0).imul(np.zeros([2, 3])), /imul: could not broadcast operand of shape \[2,3\] into target of shape \[3\]/);
  assert.throws(() => x.iadd("1" as never), /iadd: operand must be an NDArray or a number, got string/);
});

test("a float32 array rounds what is written into it", () => {
  const x = np.zeros([1]);
  x.set(0.1);
  assert.equal(x.item(), Math.fround(0.1));
  x.iadd(0.2);
  assert.equal(x.item(), Math.fround(Math.fround(0.1) + 0.2));
});

test("attachGrad gives zero gradients of the same shape and dtype and checks gradReq", () => {
  const x = np.ones([2, 2], f64);
  assert.equal(x.attachGrad(), x);
  assert.equal(x.gradReq, "write");
  assert.deepEqual(x.grad!.shape, [2, 2]);
  assert.equal(x.grad!.dtype, "float64");
  assert.deepEqual(x.grad!.tolist(), [
    [0, 0],
    [0, 0],
  ]);
  assert.equal(np.ones([1]).attachGrad("add").gradReq, "add");
  assert.throws(() => x.attachGrad("null" as never), /attachGrad: gradReq "null" must be "write" or "add"/);
});

test("elementwise, reduction and dot methods match the np functions", () => {
  const a = np.array([
    [1, -2],
    [3, 4],
  ]);
  const b = np.array([2, 5]);
  assert.deepEqual(a.add(b).tolist(), np.add(a, b).tolist());
  assert.deepEqual(a.sub(1).tolist(), [
    [0, -3],
    [2, 3],
  ]);
  assert.deepEqual(a.mul(b).tolist(), [
    [2, -10],
    [6, 20],
  ]);
  assert.deepEqual(a.div(2).tolist(), [
    [0.5, -1],
    [1.5, 2],
  ]);
  assert.deepEqual(a.maximum(0).tolist(), [
    [1, 0],
    [3, 4],
  ]);
  assert.deepEqual(a.minimum(0).tolist(), [
    [0, -2],
    [0, 0],
  ]);
  assert.deepEqual(a.pow(2).tolist(), [
    [1, 4],
    [9, 16],
  ]);
  assert.deepEqual(a.neg().tolist(), [
    [-1, 2],
    [-3, -4],
  ]);
  assert.deepEqual(a.abs().tolist(), [
    [1, 2],
    [3, 4],
  ]);
  assert.deepEqual(np.array([4, 9]).sqrt().tolist(), [2, 3]);
  assert.deepEqual(np.array([0]).exp().tolist(), [1]);
  assert.deepEqual(np.array([1]).log().tolist(), [0]);
  assert.equal(a.sum().item(), 6);
  assert.equal(a.mean().item(), 1.5);
  assert.equal(a.max().item(), 4);
  assert.equal(a.min().item(), -2);
  assert.deepEqual(a.dot(b).tolist(), [-8, 26]);
});

test("toString prints like MXNet's np (the book's trans_conv output)", () => {
  assert.equal(
    String(
      np.array([
        [0, 0, 1],
        [0, 4, 6],
        [4, 12, 9],
      ]),
    ),
    "array([[ 0.,  0.,  1.],\n       [ 0.,  4.,  6.],\n       [ 4., 12.,  9.]])",
  );
});

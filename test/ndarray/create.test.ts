// Array creation: np.array, zeros, ones, full, arange, eye; dtype handling and input validation.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { NDArray } from "../../src/ndarray/ndarray.js";

test("np.array reads nested lists into a float32 array of their shape", () => {
  const x = np.array([
    [0, 1],
    [2, 3],
  ]);
  assert.equal(x.dtype, "float32", "MXNet's default dtype");
  assert.deepEqual(x.shape, [2, 2]);
  assert.deepEqual(x.tolist(), [
    [0, 1],
    [2, 3],
  ]);
  assert.deepEqual(
    np.array([
      [[1], [2]],
      [[3], [4]],
    ]).shape,
    [2, 2, 1],
  );
  assert.equal(np.array([0.1]).item(), Math.fround(0.1));
  assert.equal(np.array([0.1], { dtype: "float64" }).item(), 0.1);
});

test("np.array of a number is 0-d; of [] has shape [0]; of [[]] has shape [1,0]", () => {
  assert.deepEqual(np.array(5).shape, []);
  assert.equal(np.array(5).item(), 5);
  assert.deepEqual(np.array([]).shape, [0]);
  assert.deepEqual(np.array([[]]).shape, [1, 0]);
});

test("np.array of a typed array is 1-D; a Float64Array keeps float64", () => {
  const a = np.array(new Float64Array([1.5, 2.5]));
  assert.equal(a.dtype, "float64");
  assert.deepEqual(a.tolist(), [1.5, 2.5]);
  assert.equal(np.array(new Float32Array([1])).dtype, "float32");
  assert.equal(np.array(new Int32Array([1, -2])).dtype, "float32");
  assert.deepEqual(np.array(new Int32Array([1, -2])).tolist(), [1, -2]);
  assert.equal(np.array(new Float64Array([1]), { dtype: "float32" }).dtype, "float32");
  const src = new Float32Array([1, 2]);
  const c = np.array(src);
  src[0] = 9;
  assert.equal(c.at(0).item(), 1, "np.array copies the typed array");
});

test("np.array of an NDArray copies it, keeping or changing the dtype", () => {
  const x = np.arange(4).reshape(2, 2);
  const c = np.array(x.T);
  assert.deepEqual(c.tolist(), [
    [0, 2],
    [1, 3],
  ]);
  assert.notEqual(c.hostData, x.hostData);
  assert.equal(c.dtype, "float32");
  assert.equal(np.array(x, { dtype: "float64" }).dtype, "float64");
  assert.ok(c instanceof np.ndarray);
});

test("ragged data in np.array throws naming the path and both shapes", () => {
  assert.throws(() => np.array([[1, 2], [3]]), /np.array: data is ragged: element 0 has shape \[2\] but element 1 has shape \[1\]/);
  assert.throws(() => np.array([1, [2]] as never), /np.array: data is ragged: element 0 has shape \[\] but element 1 has shape \[1\]/);
  assert.throws(
    () =>
      np.array([
        [[1], [2]],
        [[3], [4, 5]],
      ]),
    /np.array: data\[1\] is ragged: element 0 has shape \[1\] but element 1 has shape \[2\]/,
  );
});

test("non-numeric data in np.array throws naming where", () => {
  assert.throws(() => np.array([1, "2"] as never), /np.array: data\[1\] is string, expected a number or a nested array of numbers/);
  assert.throws(() => np.array([[1], [null]] as never), /np.array: data\[1\]\[0\] is null/);
  assert.throws(() => np.array(undefined as never), /np.array: data is undefined/);
  assert.throws(() => np.array({ a: 1 } as never), /np.array: data is object/);
});

test("a bad dtype throws naming the function and the dtype", () => {
  const bad = { dtype: "int32" } as never;
  const cases: [string, () => unknown][] = [
    ["np.array", () => np.array([1], bad)],
    ["np.array", () => np.array(new Float32Array(1), bad)],
    ["np.array", () => np.array(np.zeros([1]), bad)],
    ["np.zeros", () => np.zeros([1], bad)],
    ["np.ones", () => np.ones([1], bad)],
    ["np.full", () => np.full([1], 2, bad)],
    ["np.arange", () => np.arange(0, 3, 1, bad)],
    ["np.eye", () => np.eye(2, 2, bad)],
  ];
  for (const [name, f] of cases)
    assert.throws(
      f,
      (e: Error) => e.message.startsWith(`${name}: dtype "int32" is not supported; use "float32" or "float64"`),
      `${name}: ${(() => {
        try {
          f();
        } catch (e) {
          return (e as Error).message;
        }
      })()}`,
    );
});

test("zeros, ones and full fill a shape given as a number or a list", () => {
  assert.deepEqual(np.zeros([2, 3]).tolist(), [
    [0, 0, 0],
    [0, 0, 0],
  ]);
  assert.deepEqual(np.zeros(3).shape, [3]);
  assert.deepEqual(np.zeros([]).shape, []);
  assert.deepEqual(np.ones([2]).tolist(), [1, 1]);
  assert.equal(np.ones([2], { dtype: "float64" }).dtype, "float64");
  assert.deepEqual(np.full([2, 2], 7.5).tolist(), [
    [7.5, 7.5],
    [7.5, 7.5],
  ]);
  assert.deepEqual(np.zeros([2, 0, 3]).shape, [2, 0, 3]);
});

test("np.full keeps the sign of a −0 fill value, as numpy's np.full(2, -0.0)", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const a = np.full([2], -0, { dtype }).asTypedArray();
    assert.ok(Object.is(a[0], -0) && Object.is(a[1], -0), `${dtype}: ${Array.from(a).map((v) => (Object.is(v, -0) ? "-0" : String(v)))}`);
  }
});

test("a bad shape or fill value throws naming the function", () => {
  assert.throws(() => np.zeros([2, -1]), /np.zeros: shape=\[2,-1\] must hold integers >= 0 \(index 1 is -1\)/);
  assert.throws(() => np.ones([1.5]), /np.ones: shape=\[1.5\] must hold integers >= 0 \(index 0 is 1.5\)/);
  assert.throws(() => np.full(2, "x" as never), /np.full: fill value must be a number, got "x"/);
  assert.throws(() => np.eye(-1), /np.eye: \[n, m\]=\[-1,-1\] must hold integers >= 0/);
});

test("arange(stop) and arange(start, stop, step) follow numpy, including negative and fractional steps", () => {
  assert.deepEqual(np.arange(5).tolist(), [0, 1, 2, 3, 4]);
  assert.deepEqual(np.arange(2, 5).tolist(), [2, 3, 4]);
  assert.deepEqual(np.arange(5, 0, -2).tolist(), [5, 3, 1]);
  assert.deepEqual(np.arange(0, 1, 0.25).tolist(), [0, 0.25, 0.5, 0.75]);
  assert.deepEqual(np.arange(0, 1, 0.3, { dtype: "float64" }).tolist(), [0, 0.3, 0.6, 0.8999999999999999]); // numpy: 0 + i*0.3
  assert.deepEqual(np.arange(3, 1).shape, [0]);
  assert.deepEqual(np.arange(0).shape, [0]);
  assert.equal(np.arange(9).dtype, "float32");
});

test("arange with a zero step or a non-finite bound throws", () => {
  assert.throws(() => np.arange(0, 5, 0), /np.arange: step must not be zero/);
  assert.throws(() => np.arange(Infinity), /np.arange: stop=Infinity must be a finite number/);
  assert.throws(() => np.arange(NaN, 3), /np.arange: start=NaN must be a finite number/);
});

test("eye puts ones on the main diagonal of an n×m matrix", () => {
  assert.deepEqual(np.eye(3).tolist(), [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ]);
  assert.deepEqual(np.eye(2, 3).tolist(), [
    [1, 0, 0],
    [0, 1, 0],
  ]);
  assert.deepEqual(np.eye(3, 2).tolist(), [
    [1, 0],
    [0, 1],
    [0, 0],
  ]);
});

test("created arrays are dense NDArrays owning a fresh buffer", () => {
  const a = np.zeros([2, 2]);
  const b = np.zeros([2, 2]);
  assert.ok(a instanceof NDArray);
  assert.notEqual(a.hostData, b.hostData);
  assert.equal(a.isContiguous, true);
});

test("np.array of an array-like object reads it as 1-D; a DataView or a non-numeric element throws", () => {
  assert.deepEqual(np.array({ length: 3, 0: 1, 1: 2, 2: 3 }).tolist(), [1, 2, 3]);
  assert.throws(() => np.array({ length: 2, 0: 1, 1: "x" } as never), /np.array: element 1 is not a number/);
  assert.throws(() => np.array(new DataView(new ArrayBuffer(8)) as never), /np.array: a DataView has no element type/);
  assert.throws(() => np.array(new BigInt64Array(1) as never), /np.array: element 0 is not a number/);
});

// ---- positional forms and shape checks (issue 9) -----------------------------------------------------------

test("numpy's positional slips are errors that show the intended call", () => {
  assert.throws(() => np.zeros(2, 3 as never), /np.zeros: got 3 where the options \{ dtype \} go; pass the shape as one list: np.zeros\(\[2, …\]\)/);
  assert.throws(() => np.ones(2, 3 as never), /np.ones: got 3 where the options/);
  assert.throws(() => (np.zeros as (...a: unknown[]) => unknown)(2, 3, 4), /np.zeros: (got 3 where|takes \(shape, \{ dtype \}\?\))/);
  assert.throws(() => (np.zeros as (...a: unknown[]) => unknown)([2], {}, 4), /np.zeros: takes \(shape, \{ dtype \}\?\); got 1 more argument\(s\): 4/);
  assert.throws(() => np.zeros([2], { dtyp: "float64" } as never), /np.zeros: unknown option 'dtyp' \(did you mean 'dtype'\?\)/);
});

test("numpy's positional dtype and eye's diagonal offset are supported", () => {
  assert.equal(np.zeros([2, 3], "float64").dtype, "float64");
  assert.equal(np.ones(2, "float64").dtype, "float64");
  assert.equal(np.full([2], 7, "float64").dtype, "float64");
  assert.equal(np.array([1, 2], "float64").dtype, "float64");
  assert.equal(np.arange(0, 3, 1, "float64").dtype, "float64");
  assert.deepEqual(np.eye(3, 4, 1).tolist(), [
    [0, 1, 0, 0],
    [0, 0, 1, 0],
    [0, 0, 0, 1],
  ]);
  assert.deepEqual(np.eye(3, null, -1).tolist(), [
    [0, 0, 0],
    [1, 0, 0],
    [0, 1, 0],
  ]);
  assert.equal(np.eye(2, 2, { dtype: "float64" }).dtype, "float64");
});

test("null, BigInt, strings, holes and non-integers in shapes are errors naming the entry", () => {
  assert.throws(() => np.zeros(null as never), /np.zeros: shape must be a number or a list of integers like \[2, 3\], got null/);
  assert.throws(() => np.zeros(3n as never), /np.zeros: shape=3n is a BigInt; use a plain number/);
  assert.throws(() => np.zeros([2, 3n] as never), /np.zeros: shape=\[2,3n\] holds a BigInt at index 1/);
  assert.throws(() => np.ones(["2"] as never), /np.ones: shape=\["2"\] must hold integers >= 0 \(index 0 is "2"\)/);
  // biome-ignore lint/suspicious/noSparseArray: the test is about a sparse array
  assert.throws(() => np.zeros([2, , 3] as never), /np.zeros: shape=\[2,<empty>,3\] has an empty slot at index 1/);
  assert.throws(() => np.full([NaN], 1), /np.full: shape=\[NaN\] must hold integers >= 0/);
});

test("sizes beyond the largest typed array (2^32 elements) are refused before allocating, with the size and the limit", () => {
  assert.throws(() => np.zeros([1e5, 1e5]), {
    message: "np.zeros: shape [100000,100000] has 10000000000 elements (37.3 GiB), more than the 2^32 elements a JavaScript typed array holds",
  });
  // the limit is in elements, not bytes: V8 allocates a Float64Array of more than 4 GiB, but no array of 2^32 + 1 elements
  assert.throws(() => np.ones([2 ** 32 + 1], "float64"), /np.ones: shape \[4294967297\] has 4294967297 elements \(32.1 GiB\), more than the 2\^32 elements/);
  assert.throws(() => np.arange(0, 1e10), /np.arange: shape \[10000000000\] has 10000000000 elements/);
  assert.throws(() => np.eye(1e5), /np.eye: shape \[100000,100000\] has 10000000000 elements/);
  assert.throws(() => np.random.normal({ size: [1e6, 1e6] }), /np.random.normal: shape \[1000000,1000000\] has 1000000000000 elements/);
});

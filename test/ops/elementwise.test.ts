// Elementwise binary and unary ops with numpy broadcasting, np.* wrappers, npx activations.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np } from "../../src/np.js";
import { npx } from "../../src/npx.js";
import { NDArray, type NestedArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;

test("add broadcasts [3,1] with [4]", () => {
  const a = np.array([[0], [10], [20]]);
  const b = np.array([1, 2, 3, 4]);
  const c = np.add(a, b);
  assert.deepEqual(c.shape, [3, 4]);
  assert.deepEqual(c.tolist(), [
    [1, 2, 3, 4],
    [11, 12, 13, 14],
    [21, 22, 23, 24],
  ]);
  assert.deepEqual(np.add(b, a).tolist(), c.tolist());
});

test("a number broadcasts like a 0-d array on either side", () => {
  const a = np.array([1, 2, 4]);
  assert.deepEqual(np.subtract(10, a).tolist(), [9, 8, 6]);
  assert.deepEqual(np.divide(a, 2).tolist(), [0.5, 1, 2]);
  assert.deepEqual(np.multiply(3, np.array(2)).tolist(), 6);
  assert.deepEqual(np.add(1, 2).shape, [], "two numbers give a 0-d array");
  assert.deepEqual(np.power(a, 2).tolist(), [1, 4, 16]);
  assert.deepEqual(np.power(2, a).tolist(), [2, 4, 16]);
});

test("broadcasting 0-d, size-1 and zero-size axes follows numpy", () => {
  assert.deepEqual(np.add(np.zeros([2, 1, 3]), np.zeros([4, 1])).shape, [2, 4, 3]);
  assert.deepEqual(np.add(np.zeros([0, 3]), np.zeros([1, 3])).shape, [0, 3]);
  assert.deepEqual(np.add(np.zeros([1]), np.zeros([0])).shape, [0]);
  assert.deepEqual(np.add(np.array(5), np.zeros([2, 2])).tolist(), [
    [5, 5],
    [5, 5],
  ]);
});

test("non-broadcastable operands throw naming the op and both shapes", () => {
  assert.throws(() => np.add(np.zeros([3, 2]), np.zeros([4])), /add: operands could not be broadcast together with shapes \[3,2\] and \[4\]/);
  assert.throws(() => np.zeros([2, 3]).mul(np.zeros([3, 2])), /mul: operands could not be broadcast together with shapes \[2,3\] and \[3,2\]/);
  assert.throws(() => np.add(np.zeros([0]), np.zeros([2])), /shapes \[0\] and \[2\]/);
});

test("an operand that is neither an NDArray nor a number throws", () => {
  assert.throws(() => np.add(np.zeros([1]), "1" as never), /add: operand must be an NDArray or a number, got string/);
  assert.throws(() => np.maximum([1, 2] as never, 1), /maximum: operand must be an NDArray or a number, got object/);
  assert.throws(() => np.exp("x" as never), /np.exp: operand must be an NDArray or a number/);
});

test("eq returns 1./0. floats", () => {
  const e = np.equal(
    np.array([
      [1, 2],
      [3, 4],
    ]),
    np.array([1, 0]),
  );
  assert.equal(e.dtype, "float32");
  assert.deepEqual(e.tolist(), [
    [1, 0],
    [0, 0],
  ]);
  assert.deepEqual(np.arange(4).eq(2).tolist(), [0, 0, 1, 0]);
  assert.deepEqual(
    np
      .array([NaN])
      .eq(np.array([NaN]))
      .tolist(),
    [0],
    "NaN != NaN",
  );
});

test("the result is float64 when an array operand is, else float32", () => {
  assert.equal(np.add(np.zeros([1]), np.zeros([1], f64)).dtype, "float64");
  assert.equal(np.add(np.zeros([1], f64), 1).dtype, "float64");
  assert.equal(np.add(np.zeros([1]), 1).dtype, "float32");
  assert.equal(np.add(np.zeros([1]), 0.1).item(), Math.fround(0.1));
  assert.equal(np.exp(np.zeros([1], f64)).dtype, "float64");
});

test("maximum and minimum propagate NaN like numpy", () => {
  const a = np.array([NaN, 1, 5]);
  const b = np.array([0, NaN, 3]);
  assert.deepEqual(np.maximum(a, b).tolist(), [NaN, NaN, 5]);
  assert.deepEqual(np.minimum(a, b).tolist(), [NaN, NaN, 3]);
  assert.deepEqual(np.maximum(np.array([-1, 2]), 0).tolist(), [0, 2]);
});

test("unary ops compute exp, log, sqrt, abs, negative, tanh", () => {
  const x = np.array([0.5, 1, 4], f64);
  assert.deepEqual(np.exp(x).tolist(), [Math.exp(0.5), Math.E, Math.exp(4)]);
  assert.deepEqual(np.log(x).tolist(), [Math.log(0.5), 0, Math.log(4)]);
  assert.deepEqual(np.sqrt(x).tolist(), [Math.sqrt(0.5), 1, 2]);
  assert.deepEqual(np.abs(np.array([-2, 0, 3])).tolist(), [2, 0, 3]);
  assert.deepEqual(np.negative(np.array([-2, 3])).tolist(), [2, -3]);
  assert.deepEqual(np.tanh(x).tolist(), [Math.tanh(0.5), Math.tanh(1), Math.tanh(4)]);
  assert.deepEqual(np.log(np.array([0, -1])).tolist(), [-Infinity, NaN]);
  assert.deepEqual(np.negative(2).tolist(), -2);
});

test("unary ops read strided views and return dense arrays", () => {
  const x = np.arange(6, undefined, 1, f64).reshape(2, 3);
  const y = np.negative(x.T.at("::-1"));
  assert.deepEqual(y.tolist(), [
    [-2, -5],
    [-1, -4],
    [-0, -3],
  ]);
  assert.equal(y.isContiguous, true);
});

test("npx activations: relu, sigmoid, tanh, softrelu", () => {
  const x = np.array([-2, 0, 3], f64);
  assert.deepEqual(npx.relu(x).tolist(), [0, 0, 3]);
  assert.deepEqual(npx.activation(x, "relu").tolist(), [0, 0, 3]);
  assert.deepEqual(npx.sigmoid(x).tolist(), [1 / (1 + Math.exp(2)), 0.5, 1 / (1 + Math.exp(-3))]);
  assert.deepEqual(npx.activation(x, "sigmoid").tolist(), npx.sigmoid(x).tolist());
  assert.deepEqual(npx.activation(x, "tanh").tolist(), [Math.tanh(-2), 0, Math.tanh(3)]);
  const sr = npx.activation(x, "softrelu").tolist() as number[];
  [-2, 0, 3].forEach((v, i) => assert.ok(Math.abs(sr[i]! - Math.log(1 + Math.exp(v))) < 1e-15));
  // softrelu stays finite for large inputs: log(1 + e^800) = 800 + log(1 + e^-800)
  assert.deepEqual(npx.activation(np.array([800, -800], f64), "softrelu").tolist(), [800, Math.log1p(Math.exp(-800))]);
  assert.throws(() => npx.activation(x, "gelu" as never), /npx.activation: actType "gelu" is not one of relu, sigmoid, tanh, softrelu/);
});

// ---- property: broadcasting equals an explicit loop with numpy's rule ------------------------------

/** numpy's rule: align trailing axes; each operand axis is its size or 1; missing leading axes count as 1. */
function broadcastLoop(a: NestedArray, shapeA: number[], b: NestedArray, shapeB: number[], f: (x: number, y: number) => number): NestedArray {
  const nd = Math.max(shapeA.length, shapeB.length);
  const pad = (s: number[]) => [...new Array<number>(nd - s.length).fill(1), ...s];
  const [pa, pb] = [pad(shapeA), pad(shapeB)];
  const out = pa.map((d, i) => (d === 1 ? pb[i]! : d));
  const at = (v: NestedArray, shape: number[], idx: number[]): number => {
    const own = idx.slice(nd - shape.length); // drop the leading (broadcast) axes
    let cur = v;
    own.forEach((i, ax) => {
      cur = (cur as NestedArray[])[shape[ax] === 1 ? 0 : i]!;
    });
    return cur as number;
  };
  const build = (idx: number[]): NestedArray =>
    idx.length === nd ? f(at(a, shapeA, idx), at(b, shapeB, idx)) : Array.from({ length: out[idx.length]! }, (_, i) => build([...idx, i]));
  return build([]);
}

const OPS: [string, (a: NDArray, b: NDArray) => NDArray, (x: number, y: number) => number][] = [
  ["add", np.add, (x, y) => x + y],
  ["subtract", np.subtract, (x, y) => x - y],
  ["multiply", np.multiply, (x, y) => x * y],
  ["divide", np.divide, (x, y) => x / y],
  ["maximum", np.maximum, (x, y) => Math.max(x, y)],
  ["minimum", np.minimum, (x, y) => Math.min(x, y)],
  ["equal", np.equal, (x, y) => (x === y ? 1 : 0)],
  ["power", np.power, (x, y) => x ** y],
];

/** A pair of broadcast-compatible shapes: each takes a suffix of a common shape and sets some axes to 1. */
const shapePair = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 }).chain((out) => {
  const one = fc
    .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
    .map(([k, ones]) => out.slice(out.length - k).map((d, i) => (ones[out.length - k + i] ? 1 : d)));
  return fc.tuple(one, one);
});

function randomArray(shape: number[], seed: number): NDArray {
  const n = shape.reduce((p, d) => p * d, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = ((seed * 7919 + i * 104729) % 13) - 6; // small integers, exact in any op but divide
  return new NDArray(data, shape);
}

test("property: broadcasting binary ops equal an explicit loop with numpy's broadcasting rule", () => {
  fc.assert(
    fc.property(shapePair, fc.integer({ min: 0, max: 1000 }), fc.constantFrom(...OPS), fc.boolean(), ([sa, sb], seed, [name, op, f], viewA) => {
      // operand a is sometimes a non-contiguous view (a transpose of a dense array)
      const a = viewA ? randomArray([...sa].reverse(), seed).T : randomArray(sa, seed);
      const b = randomArray(sb, seed + 1);
      const got = op(a, b);
      assert.deepEqual(got.tolist(), broadcastLoop(a.tolist(), sa, b.tolist(), sb, f), `${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`);
    }),
    { numRuns: 300 },
  );
});

test("property: in-place updates equal the out-of-place op written back", () => {
  fc.assert(
    fc.property(shapePair, fc.integer({ min: 0, max: 1000 }), ([sa, sb], seed) => {
      const target = randomArray(sa, seed);
      const other = randomArray(sb, seed + 3);
      let expect: NDArray;
      try {
        expect = np.add(target, other);
      } catch {
        return;
      }
      if (expect.shape.length !== sa.length || expect.shape.some((d, i) => d !== sa[i])) {
        assert.throws(() => target.iadd(other), /iadd: /);
        return;
      }
      target.iadd(other);
      assert.deepEqual(target.tolist(), expect.tolist());
    }),
    { numRuns: 200 },
  );
});

test("in-place writes are refused while autograd records an array that needs a gradient", async () => {
  const { record } = await import("../../src/tape/tape.js");
  const w = np.ones([2]).attachGrad();
  assert.throws(() => record(() => w.iadd(1)), /iadd: in-place writes are not recorded by autograd/);
  assert.throws(() => record(() => np.zeros([2]).set(w)), /set: in-place writes are not recorded by autograd/);
  record(() => np.zeros([2]).iadd(1)); // nothing needs a gradient: allowed
  w.iadd(1); // outside record: allowed
  assert.deepEqual(w.tolist(), [2, 2]);
  const y = record(() => np.add(w, 1));
  assert.equal(y.tapeNode?.op, "add");
  assert.deepEqual(y.tapeNode?.inputs, [w]);
});

test("np.erf equals Python's math.erf (float64, both branches of the series/continued fraction, the saturated tails)", () => {
  const x = [-3, -1.5, -0.5, 0, 1e-8, 0.5, 1, 2, 2.5, 3, 5, 7];
  const want = [
    -0.9999779095030014, -0.9661051464753108, -0.5204998778130465, 0, 1.1283791670955126e-8, 0.5204998778130465, 0.8427007929497149, 0.9953222650189527,
    0.999593047982555, 0.9999779095030014, 0.9999999999984626, 1,
  ];
  const got = np.erf(np.array(x, { dtype: "float64" })).asTypedArray();
  want.forEach((w, i) => assert.ok(Math.abs(got[i]! - w) <= 2e-15 * Math.max(1, Math.abs(w)), `erf(${x[i]}): ${got[i]} vs ${w}`));
  assert.ok(Number.isNaN(np.erf(np.array([Number.NaN])).item()));
});

test("np.sin and np.cos: exact values at multiples of π/6 (to 1 ulp-ish), sin² + cos² = 1, NaN and ±∞ give NaN", () => {
  const x = np.array([0, Math.PI / 6, Math.PI / 2, Math.PI, -Math.PI / 3, 100], { dtype: "float64" });
  const s = np.sin(x).asTypedArray();
  const c = np.cos(x).asTypedArray();
  [0, 0.5, 1, 0, -Math.sqrt(3) / 2].forEach((w, i) => assert.ok(Math.abs(s[i]! - w) < 1e-15, `sin[${i}] ${s[i]} vs ${w}`));
  [1, Math.sqrt(3) / 2, 0, -1, 0.5].forEach((w, i) => assert.ok(Math.abs(c[i]! - w) < 1e-15, `cos[${i}] ${c[i]} vs ${w}`));
  s.forEach((v, i) => assert.ok(Math.abs(v * v + c[i]! * c[i]! - 1) < 1e-15));
  assert.ok(
    np
      .sin(np.array([Number.NaN, Number.POSITIVE_INFINITY]))
      .asTypedArray()
      .every(Number.isNaN),
  );
});

test("np.mod and np.fmod equal numpy's (numpy 2.4), signs of zero and infinite divisors included", () => {
  const a = np.array([5.5, -5.5, 5.5, -5.5, 7, -7, 0, 3, -3, 1e20], { dtype: "float64" });
  const b = np.array([2, 2, -2, -2, 2.5, 2.5, 3, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 3], { dtype: "float64" });
  assert.deepEqual(np.mod(a, b).tolist(), [1.5, 0.5, -0.5, -1.5, 2, 0.5, 0, 3, Number.POSITIVE_INFINITY, 1]);
  assert.deepEqual(np.fmod(a, b).tolist(), [1.5, -1.5, 1.5, -1.5, 2, -2, 0, 3, -3, 1]);
  assert.ok(Object.is(np.mod(np.array([-0, 4, -4]), np.array([3, -2, 2])).asTypedArray()[0], 0), "mod(−0, 3) = +0 (the divisor's sign)");
  assert.ok(Object.is(np.mod(np.array([4]), np.array([-2])).item(), -0), "mod(4, −2) = −0");
  assert.ok(Number.isNaN(np.mod(np.array([1]), 0).item()) && Number.isNaN(np.fmod(np.array([1]), 0).item()), "division by zero gives NaN");
});

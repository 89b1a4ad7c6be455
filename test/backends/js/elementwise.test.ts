// The fast elementwise, where, reduction and copy kernels against the reference loops: random shapes, strided and
// reversed views, broadcasting, float32/float64, special values; plus out= and aliasing through the ops.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { NDArray } from "../../../src/ndarray/ndarray.js";
import { np } from "../../../src/np.js";
import { npx } from "../../../src/npx.js";
import { autograd } from "../../../src/autograd/index.js";
import { broadcastShapes, broadcastStrides } from "../../../src/ndarray/broadcast.js";
import { allocate, type Dtype, shapeSize } from "../../../src/ndarray/strided.js";
import * as fast from "../../../src/backends/js/elementwise.js";
import * as ref from "../../../src/backends/reference/elementwise.js";

const BIN = Object.keys(ref.BINARY) as fast.BinaryKernelOp[];
const UN = Object.keys(ref.UNARY) as fast.UnaryKernelOp[];
const special = [0, -0, 1, -1, 2, 0.5, NaN, Infinity, -Infinity, 3];
const valueArb = fc.oneof(fc.constantFrom(...special), fc.double({ min: -8, max: 8, noNaN: true }));

interface ViewDraw {
  shape: number[];
  perm: number[];
  steps: number[];
  values: number[];
  dtype: Dtype;
  pad: number;
}

/** A view of exactly `shape`: a larger base array, sliced with steps (negative = reversed) and transposed. */
function viewArb(shape: number[], dtype?: Dtype): fc.Arbitrary<NDArray> {
  const k = shape.length;
  return fc
    .record({
      perm: fc.shuffledSubarray([...Array(k).keys()], { minLength: k, maxLength: k }),
      steps: fc.array(fc.constantFrom(1, 1, 2, -1, -2), { minLength: k, maxLength: k }),
      dtype: dtype ? fc.constant(dtype) : fc.constantFrom<Dtype>("float32", "float64"),
      pad: fc.integer({ min: 0, max: 3 }),
      values: fc.array(valueArb, { minLength: 1, maxLength: 8 }),
    })
    .map((r) => build({ ...r, shape }));
}

function build(d: ViewDraw): NDArray {
  const baseShape = d.perm.map((a, j) => d.shape[a]! * Math.abs(d.steps[j]!));
  const n = shapeSize(baseShape) + d.pad;
  const data = allocate(d.dtype, n);
  for (let i = 0; i < n; i++) data[i] = d.values[(i * 7 + 3) % d.values.length]! + (i % 5) * 0.25;
  const base = new NDArray(data.subarray(d.pad) as Float32Array | Float64Array, baseShape);
  const sliced = base.at(...d.steps.map((s) => `::${s}`));
  const inv = d.perm.map((_, i) => d.perm.indexOf(i));
  return d.shape.length ? sliced.transpose(inv) : sliced;
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });
/** An operand shape that broadcasts to `shape`: some leading axes dropped, some axes set to 1. */
const broadcastArb = (shape: number[]) =>
  fc
    .record({ drop: fc.integer({ min: 0, max: shape.length }), ones: fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }) })
    .map(({ drop, ones }) => shape.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));

const view = (x: NDArray, shape: readonly number[]): fast.StridedView => ({
  data: x.hostData,
  strides: broadcastStrides(x.shape, x.strides, shape),
  offset: x.offset,
});
const dense = (dtype: Dtype, shape: readonly number[]) => new NDArray(allocate(dtype, shapeSize(shape)), shape);
const w = (x: NDArray): fast.StridedView => ({ data: x.hostData, strides: x.strides, offset: x.offset });

function sameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    if (!Object.is(actual[i], expected[i])) assert.fail(`${what}: element ${i} is ${actual[i]}, reference ${expected[i]}`);
}

const operandsArb = shapeArb.chain((shape) =>
  fc
    .tuple(fc.constant(shape), broadcastArb(shape), broadcastArb(shape))
    .chain(([s, sa, sb]) =>
      fc
        .record({ shape: fc.constant(broadcastShapes(sa, sb, "t")), a: viewArb(sa), b: viewArb(sb), scalar: fc.option(valueArb), op: fc.constantFrom(...BIN) })
        .map((r) => ({ ...r, s })),
    ),
);

test("binary kernels equal the reference loops on strided, reversed and broadcast float32/float64 views", () => {
  fc.assert(
    fc.property(operandsArb, ({ shape, a, b, scalar, op }) => {
      const dtype: Dtype = a.dtype === "float64" || b.dtype === "float64" ? "float64" : "float32";
      const bv = scalar === null ? view(b, shape) : fast.scalarView(scalar, shape.length);
      const got = dense(dtype, shape),
        want = dense(dtype, shape);
      fast.binaryInto(op, shape, w(got), view(a, shape), bv);
      ref.binaryReference(op, shape, w(want), view(a, shape), bv);
      sameBits(got.hostData, want.hostData, `${op} ${JSON.stringify(shape)}`);
      // the scalar on the left too
      fast.binaryInto(op, shape, w(got), bv, view(a, shape));
      ref.binaryReference(op, shape, w(want), bv, view(a, shape));
      sameBits(got.hostData, want.hostData, `${op} swapped`);
    }),
    { numRuns: 400 },
  );
});

test("binary kernels write through a strided output view and leave the rest untouched", () => {
  fc.assert(
    fc.property(
      shapeArb.chain((s) => fc.tuple(viewArb(s), viewArb(s), viewArb(s, "float32"), fc.constantFrom(...BIN))),
      ([a, b, o, op]) => {
        const oRef = new NDArray(o.hostData.slice(), o.shape, o.strides, o.offset);
        fast.binaryInto(op, o.shape, w(o), view(a, o.shape), view(b, o.shape));
        ref.binaryReference(op, o.shape, w(oRef), view(a, o.shape), view(b, o.shape));
        sameBits(o.hostData, oRef.hostData, op);
      },
    ),
    { numRuns: 200 },
  );
});

test("unary kernels (and identity = strided copy and cast) equal the reference loops", () => {
  fc.assert(
    fc.property(
      shapeArb.chain((s) => fc.tuple(viewArb(s), fc.constantFrom(...UN), fc.constantFrom<Dtype>("float32", "float64"))),
      ([x, op, dtype]) => {
        const got = dense(dtype, x.shape),
          want = dense(dtype, x.shape);
        fast.unaryInto(op, x.shape, w(got), w(x));
        ref.unaryReference(op, x.shape, w(want), w(x));
        sameBits(got.hostData, want.hostData, `${op} ${JSON.stringify(x.shape)}`);
      },
    ),
    { numRuns: 300 },
  );
});

test("every dtype combination of out, a and b runs a loop equal to the reference (whole arrays, offsets, remainders)", () => {
  const dts: Dtype[] = ["float32", "float64"];
  const fill = (dtype: Dtype, n: number, seed: number) => {
    const x = allocate(dtype, n);
    for (let i = 0; i < n; i++) x[i] = special[(i * 3 + seed) % special.length]! * (1 + ((i * seed) % 7) / 8) - (i % 3) * 0.75;
    return x;
  };
  for (const n of [1, 7, 8, 13])
    for (const od of dts)
      for (const ad of dts)
        for (const bd of dts)
          for (const off of [0, 2]) {
            const a = fill(ad, n + off, 1),
              b = fill(bd, n + off, 2);
            const av = { data: a, strides: [1], offset: off },
              bv = { data: b, strides: [1], offset: off };
            for (const op of BIN) {
              const got = allocate(od, n),
                want = allocate(od, n);
              fast.binaryInto(op, [n], { data: got, strides: [1], offset: 0 }, av, bv);
              ref.binaryReference(op, [n], { data: want, strides: [1], offset: 0 }, av, bv);
              sameBits(got, want, `${op} n=${n} out ${od} a ${ad} b ${bd} offset ${off}`);
            }
            if (bd === "float32")
              for (const op of UN) {
                const got = allocate(od, n),
                  want = allocate(od, n);
                fast.unaryInto(op, [n], { data: got, strides: [1], offset: 0 }, av);
                ref.unaryReference(op, [n], { data: want, strides: [1], offset: 0 }, av);
                sameBits(got, want, `${op} n=${n} out ${od} a ${ad} offset ${off}`);
              }
          }
});

test("relu propagates NaN, maps −0 and −Inf to +0 and keeps float64 values above 2^1023 (fast loop = reference)", () => {
  const big = 2 ** 1023 * 1.5;
  const cases: [number, number][] = [
    [NaN, NaN],
    [-NaN, NaN],
    [0, 0],
    [-0, 0],
    [Infinity, Infinity],
    [-Infinity, 0],
    [2.5, 2.5],
    [-2.5, 0],
    [Number.MAX_VALUE, Number.MAX_VALUE],
    [-Number.MAX_VALUE, 0],
    [big, big],
    [2 ** 1023, 2 ** 1023],
    [Number.MIN_VALUE, Number.MIN_VALUE],
    [-Number.MIN_VALUE, 0],
    [3.4028234663852886e38, 3.4028234663852886e38],
  ];
  for (const dtype of ["float32", "float64"] as Dtype[]) {
    const x = allocate(dtype, cases.length);
    cases.forEach(([v], i) => (x[i] = v));
    for (const [label, off, step] of [
      ["dense", 0, 1],
      ["strided", cases.length - 1, -1],
    ] as const) {
      const got = allocate(dtype, cases.length),
        want = allocate(dtype, cases.length);
      const a = { data: x, strides: [step], offset: off };
      fast.unaryInto("relu", [cases.length], w(new NDArray(got, [cases.length])), a);
      ref.unaryReference("relu", [cases.length], w(new NDArray(want, [cases.length])), a);
      sameBits(got, want, `relu ${dtype} ${label}`);
      // the table's max(x, 0) (NaN propagated, +0 for −0), rounded to the dtype
      const expect = Array.from({ length: cases.length }, (_, i) => cases[off + step * i]![1]);
      sameBits(got, dtype === "float32" ? expect.map(Math.fround) : expect, `relu ${dtype} ${label} values`);
    }
  }
  // random signs, the case the branch-free loop is for: equal to max(x, 0) element for element
  fc.assert(
    fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 300 }), fc.constantFrom<Dtype>("float32", "float64"), (vals, dtype) => {
      const x = allocate(dtype, vals.length);
      vals.forEach((v, i) => (x[i] = v));
      const got = allocate(dtype, vals.length);
      fast.unaryInto("relu", [vals.length], { data: got, strides: [1], offset: 0 }, { data: x, strides: [1], offset: 0 });
      sameBits(
        got,
        Array.from(x, (v) => (Number.isNaN(v) ? NaN : v > 0 ? v : 0)),
        `relu ${dtype}`,
      );
    }),
  );
});

test("where kernel equals the reference loop with all three operands broadcast", () => {
  const arb = shapeArb.chain((shape) =>
    fc.tuple(broadcastArb(shape), broadcastArb(shape), broadcastArb(shape)).chain(([sc, sa, sb]) => fc.tuple(viewArb(sc), viewArb(sa), viewArb(sb))),
  );
  fc.assert(
    fc.property(arb, ([c, a, b]) => {
      const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, "t"), b.shape, "t");
      const got = dense("float64", shape),
        want = dense("float64", shape);
      fast.whereInto(shape, w(got), view(c, shape), view(a, shape), view(b, shape));
      ref.whereReference(shape, w(want), view(c, shape), view(a, shape), view(b, shape));
      sameBits(got.hostData, want.hostData, "where");
    }),
    { numRuns: 200 },
  );
});

test("reductions over any axis subset equal the reference loops bit for bit", () => {
  const arb = shapeArb.chain((s) =>
    fc.tuple(viewArb(s), fc.subarray([...s.keys()]), fc.constantFrom<fast.ReduceKernelOp>("sum", "mean", "max", "min", "prod")),
  );
  fc.assert(
    fc.property(arb, ([x, axes, op]) => {
      const count = shapeSize(axes.map((a) => x.shape[a]!));
      fc.pre(count > 0 || op === "sum" || op === "mean" || op === "prod");
      const nOut = shapeSize(x.shape.filter((_, i) => !axes.includes(i)));
      const got = allocate(x.dtype, nOut),
        want = allocate(x.dtype, nOut);
      fast.reduceInto(op, x.shape, w(x), axes, got);
      ref.reduceReference(op, x.shape, w(x), axes, want);
      sameBits(got, want, `${op} axes ${axes} of ${JSON.stringify(x.shape)}`);
    }),
    { numRuns: 300 },
  );
});

test("NCHW channel broadcasting adds one value per channel", () => {
  const x = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2);
  const bias = np.array([100, 200, 300]).reshape(1, 3, 1, 1);
  const y = x.add(bias).asTypedArray();
  for (let i = 0; i < 24; i++) assert.equal(y[i], i + 100 * (1 + (Math.floor(i / 4) % 3)));
});

test("out= writes the result into an existing array, also into a view, and returns it", () => {
  const a = np.array([
    [1, 2],
    [3, 4],
  ]);
  const out = np.zeros([2, 2]);
  assert.equal(np.add(a, 10, { out }), out);
  assert.deepEqual(out.tolist(), [
    [11, 12],
    [13, 14],
  ]);
  const big = np.zeros([3, 4]);
  np.multiply(a, np.array([2, 3]), { out: big.at("1:", "::2") });
  assert.deepEqual(big.tolist(), [
    [0, 0, 0, 0],
    [2, 0, 6, 0],
    [6, 0, 12, 0],
  ]);
  const r = np.zeros([2, 2]);
  npx.relu(
    np.array([
      [-1, 2],
      [3, -4],
    ]),
    { out: r },
  );
  assert.deepEqual(r.tolist(), [
    [0, 2],
    [3, 0],
  ]);
  const f64 = np.zeros([2, 2], { dtype: "float64" });
  np.divide(a, 3, { out: f64 });
  assert.equal(f64.asTypedArray()[0], Math.fround(1) / 3, "float32 operands computed in double, stored as float64");
});

test("out= that overlaps an operand reads the operand before writing (numpy semantics)", () => {
  const x = np.array([1, 2, 3, 4]);
  np.add(x, x, { out: x });
  assert.deepEqual(x.tolist(), [2, 4, 6, 8]);
  const y = np.array([1, 2, 3, 4]);
  np.add(y.at("::-1"), 0, { out: y });
  assert.deepEqual(y.tolist(), [4, 3, 2, 1]);
  const z = np.array([1, 2, 3, 4]);
  z.at("1:").set(z.at(":-1"));
  assert.deepEqual(z.tolist(), [1, 1, 2, 3]);
  const v = np.array([1, 2, 3, 4]);
  v.at("1:").iadd(v.at(":-1"));
  assert.deepEqual(v.tolist(), [1, 3, 5, 7]);
});

test("out= with a wrong shape, a non-array, an unknown option or under autograd.record throws naming the op", () => {
  assert.throws(() => np.add(np.zeros([2, 3]), 1, { out: np.zeros([3, 2]) }), /add: out has shape \[3,2\] but the result has shape \[2,3\]/);
  assert.throws(() => np.exp(np.zeros([2]), { out: [0, 0] as unknown as NDArray }), /exp: out must be an NDArray, got object/);
  assert.throws(() => np.add(np.zeros([2]), 1, { outt: np.zeros([2]) } as never), /add: unknown option "outt"; the known option is out/);
  const a = np.zeros([2]).attachGrad();
  assert.throws(() => autograd.record(() => np.add(a, 1, { out: np.zeros([2]) })), /add: out= writes in place and is not recorded by autograd/);
});

test("comparisons and where follow numpy (1./0. floats, NaN compares false, where broadcasts)", () => {
  const a = np.array([1, 2, NaN, 4]);
  assert.deepEqual(np.less(a, 2).tolist(), [1, 0, 0, 0]);
  assert.deepEqual(np.greater_equal(a, 2).tolist(), [0, 1, 0, 1]);
  assert.deepEqual(np.not_equal(a, a).tolist(), [0, 0, 1, 0]);
  assert.deepEqual(np.where(np.array([[1], [0]]), np.array([1, 2]), -1).tolist(), [
    [1, 2],
    [-1, -1],
  ]);
  assert.equal(np.where(np.array([1]), np.array([1], { dtype: "float64" }), 0).dtype, "float64");
  assert.throws(() => np.where(np.zeros([2]), np.zeros([3]), 0), /where: operands could not be broadcast together with shapes \[2\] and \[3\]/);
});

// Tests that formatArray prints arrays exactly as repr() of an MXNet np array does.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { formatArray } from "../../src/ndarray/format.js";

// Expected strings come from the D2L book (MXNet float32 outputs) or were generated once with
// numpy 2.4 under np.set_printoptions(legacy="2.1") (numpy 1.x thresholds, as MXNet uses), passed
// through MXNet's ndarray.__repr__ suffix rule, and pasted here as literals.

const lines = (...ls: string[]): string => ls.join("\n");
const arange = (n: number, f: (i: number) => number = (i) => i): number[] => Array.from({ length: n }, (_, i) => f(i));

test("the D2L book's printed arrays are reproduced", () => {
  const f32 = (data: number[], shape: number[]) => formatArray(new Float32Array(data), shape, "float32");
  assert.equal(f32([0, 0, 1, 0, 4, 6, 4, 12, 9], [3, 3]), lines("array([[ 0.,  0.,  1.],", "       [ 0.,  4.,  6.],", "       [ 4., 12.,  9.]])"));
  assert.equal(
    f32([0, 0, 1, 0, 4, 6, 4, 12, 9], [1, 1, 3, 3]),
    lines("array([[[[ 0.,  0.,  1.],", "         [ 0.,  4.,  6.],", "         [ 4., 12.,  9.]]]])"),
  );
  assert.equal(f32([4], [1, 1, 1, 1]), "array([[[[4.]]]])");
  assert.equal(
    f32([0, 0, 0, 1, 0, 0, 2, 3, 0, 2, 0, 3, 4, 6, 6, 9], [1, 1, 4, 4]),
    lines("array([[[[0., 0., 0., 1.],", "         [0., 0., 2., 3.],", "         [0., 2., 0., 3.],", "         [4., 6., 6., 9.]]]])"),
  );
  assert.equal(f32([19, 25, 37, 43], [2, 2]), lines("array([[19., 25.],", "       [37., 43.]])"));
  const k = [
    [0, 1, 0, 2, 3, 0, 0, 0, 0],
    [0, 0, 1, 0, 2, 3, 0, 0, 0],
    [0, 0, 0, 0, 1, 0, 2, 3, 0],
    [0, 0, 0, 0, 0, 1, 0, 2, 3],
  ];
  assert.equal(
    f32(k.flat(), [4, 9]),
    lines(
      "array([[0., 1., 0., 2., 3., 0., 0., 0., 0.],",
      "       [0., 0., 1., 0., 2., 3., 0., 0., 0.],",
      "       [0., 0., 0., 0., 1., 0., 2., 3., 0.],",
      "       [0., 0., 0., 0., 0., 1., 0., 2., 3.]])",
    ),
  );
});

test("integral floats print with a trailing point", () => {
  assert.equal(formatArray([0, 1, -3, 12], [4], "float32"), "array([ 0.,  1., -3., 12.])");
  assert.equal(formatArray([-0, 1], [2], "float32"), "array([-0.,  1.])");
});

test("columns share a common width, decimal points aligned", () => {
  assert.equal(formatArray([1.5, 10.25, -100], [3], "float32"), "array([   1.5 ,   10.25, -100.  ])");
  assert.equal(formatArray([1.5, 2, -0.125, 100], [2, 2], "float64"), lines("array([[  1.5  ,   2.   ],", "       [ -0.125, 100.   ]], dtype=float64)"));
});

test("float32 prints the shortest decimal that round-trips to the same float32", () => {
  assert.equal(formatArray(new Float32Array([0.1, 0.2, 0.3]), [3], "float32"), "array([0.1, 0.2, 0.3])");
  assert.equal(formatArray([1 / 3, 2 / 3], [2], "float32"), "array([0.33333334, 0.6666667 ])");
});

test("float64 prints at most 8 fractional digits, rounded", () => {
  assert.equal(formatArray([1 / 3, 2 / 3], [2], "float64"), "array([0.33333333, 0.66666667], dtype=float64)");
  assert.equal(formatArray([0.1 + 0.2], [1], "float64"), "array([0.3], dtype=float64)");
  // 0.999999999 rounds up at the 8th digit and carries into the integer part
  assert.equal(formatArray([0.999999999, 0.5], [2], "float64"), "array([1. , 0.5], dtype=float64)");
});

test("float64 adds a dtype suffix, float32 does not", () => {
  assert.equal(formatArray([1, 2], [2], "float64"), "array([1., 2.], dtype=float64)");
  assert.equal(formatArray([1, 2], [2], "float32"), "array([1., 2.])");
  // MXNet appends the suffix to numpy's text without re-checking the line width
  assert.equal(
    formatArray(
      arange(33, (i) => i + 0.5),
      [33],
      "float64",
    ),
    lines(
      "array([ 0.5,  1.5,  2.5,  3.5,  4.5,  5.5,  6.5,  7.5,  8.5,  9.5, 10.5,",
      "       11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5,",
      "       22.5, 23.5, 24.5, 25.5, 26.5, 27.5, 28.5, 29.5, 30.5, 31.5, 32.5], dtype=float64)",
    ),
  );
});

test("0-d arrays print the bare element", () => {
  assert.equal(formatArray([4], [], "float32"), "array(4.)");
  assert.equal(formatArray([-0.5], [], "float32"), "array(-0.5)");
  assert.equal(formatArray([4], [], "float64"), "array(4., dtype=float64)");
  assert.equal(formatArray([NaN], [], "float32"), "array(nan)");
});

test("empty arrays print [] with shape and dtype extras as numpy does", () => {
  assert.equal(formatArray([], [0], "float32"), "array([])");
  assert.equal(formatArray([], [0], "float64"), "array([], dtype=float64)");
  assert.equal(formatArray([], [0, 3], "float32"), "array([], shape=(0, 3))");
  assert.equal(formatArray([], [0, 3], "float64"), "array([], shape=(0, 3), dtype=float64)");
  assert.equal(formatArray([], [2, 0, 3], "float64"), "array([], shape=(2, 0, 3), dtype=float64)");
});

test("scientific notation when max >= 1e8, min < 1e-4 or max/min > 1e3", () => {
  assert.equal(formatArray([1e-5, 1.5e-5], [2], "float32"), "array([1.0e-05, 1.5e-05])");
  assert.equal(formatArray([1e8], [1], "float32"), "array([1.e+08])");
  assert.equal(formatArray([1, 1000], [2], "float64"), "array([   1., 1000.], dtype=float64)");
  assert.equal(formatArray([1, 1000.0001], [2], "float64"), "array([1.0000000e+00, 1.0000001e+03], dtype=float64)");
  // zeros do not count towards the minimum; they print with the common mantissa width
  assert.equal(formatArray([0, 12345678900, -1e-3], [3], "float32"), "array([ 0.0000000e+00,  1.2345679e+10, -1.0000000e-03])");
  // a shared digit count is filled with the float32 value's own further digits, not zeros
  assert.equal(formatArray([1.1e10, 1.23456789e10], [2], "float32"), "array([1.1000001e+10, 1.2345679e+10])");
});

test("scientific exponents share a common width", () => {
  assert.equal(formatArray([1e-300, 1e300], [2], "float64"), "array([1.e-300, 1.e+300], dtype=float64)");
});

test("the 1e-4 threshold compares in float64 as numpy 1.x did", () => {
  // hand-derived: float32(1e-4) = 9.99999975e-05 < 1e-4, so numpy 1.x (MXNet's numpy) switches to
  // scientific; numpy >= 2 compares in float32 and prints array([0.0001], dtype=float32) instead
  assert.equal(formatArray([1e-4], [1], "float32"), "array([1.e-04])");
  assert.equal(formatArray([1e-4], [1], "float64"), "array([0.0001], dtype=float64)");
});

test("nan and inf print as numpy does and widen the column", () => {
  assert.equal(formatArray([NaN, Infinity], [2], "float32"), "array([nan, inf])");
  assert.equal(formatArray([NaN, -Infinity], [2], "float32"), "array([ nan, -inf])");
  assert.equal(formatArray([NaN, 1.5, -Infinity], [3], "float32"), "array([ nan,  1.5, -inf])");
  assert.equal(formatArray([Infinity, 1e-5], [2], "float32"), "array([   inf, 1.e-05])");
});

test("long rows wrap at 75 columns with continuation lines aligned under the first element", () => {
  assert.equal(
    formatArray(arange(30), [30], "float32"),
    lines(
      "array([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12.,",
      "       13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25.,",
      "       26., 27., 28., 29.])",
    ),
  );
  assert.equal(
    formatArray(
      arange(40, (i) => i / 4),
      [2, 20],
      "float32",
    ),
    lines(
      "array([[0.  , 0.25, 0.5 , 0.75, 1.  , 1.25, 1.5 , 1.75, 2.  , 2.25, 2.5 ,",
      "        2.75, 3.  , 3.25, 3.5 , 3.75, 4.  , 4.25, 4.5 , 4.75],",
      "       [5.  , 5.25, 5.5 , 5.75, 6.  , 6.25, 6.5 , 6.75, 7.  , 7.25, 7.5 ,",
      "        7.75, 8.  , 8.25, 8.5 , 8.75, 9.  , 9.25, 9.5 , 9.75]])",
    ),
  );
});

test("blocks of arrays with 3 or more dimensions are separated by ndim-2 blank lines", () => {
  assert.equal(formatArray(arange(8), [2, 2, 2], "float32"), lines("array([[[0., 1.],", "        [2., 3.]],", "", "       [[4., 5.],", "        [6., 7.]]])"));
  assert.equal(
    formatArray(arange(16), [2, 2, 2, 2], "float32"),
    lines(
      "array([[[[ 0.,  1.],",
      "         [ 2.,  3.]],",
      "",
      "        [[ 4.,  5.],",
      "         [ 6.,  7.]]],",
      "",
      "",
      "       [[[ 8.,  9.],",
      "         [10., 11.]],",
      "",
      "        [[12., 13.],",
      "         [14., 15.]]]])",
    ),
  );
});

test("above 1000 elements the array is summarised", () => {
  assert.equal(formatArray(arange(2000), [2000], "float32"), lines("array([0.000e+00, 1.000e+00, 2.000e+00, ..., 1.997e+03, 1.998e+03,", "       1.999e+03])"));
  assert.equal(
    formatArray(arange(1600), [40, 40], "float32"),
    lines(
      "array([[0.000e+00, 1.000e+00, 2.000e+00, ..., 3.700e+01, 3.800e+01,",
      "        3.900e+01],",
      "       [4.000e+01, 4.100e+01, 4.200e+01, ..., 7.700e+01, 7.800e+01,",
      "        7.900e+01],",
      "       [8.000e+01, 8.100e+01, 8.200e+01, ..., 1.170e+02, 1.180e+02,",
      "        1.190e+02],",
      "       ...,",
      "       [1.480e+03, 1.481e+03, 1.482e+03, ..., 1.517e+03, 1.518e+03,",
      "        1.519e+03],",
      "       [1.520e+03, 1.521e+03, 1.522e+03, ..., 1.557e+03, 1.558e+03,",
      "        1.559e+03],",
      "       [1.560e+03, 1.561e+03, 1.562e+03, ..., 1.597e+03, 1.598e+03,",
      "        1.599e+03]])",
    ),
  );
  // only axes longer than 2*edgeitems are cut
  assert.equal(
    formatArray(
      arange(1600, (i) => i % 7),
      [2, 8, 100],
      "float32",
    ),
    lines(
      "array([[[0., 1., 2., ..., 6., 0., 1.],",
      "        [2., 3., 4., ..., 1., 2., 3.],",
      "        [4., 5., 6., ..., 3., 4., 5.],",
      "        ...,",
      "        [3., 4., 5., ..., 2., 3., 4.],",
      "        [5., 6., 0., ..., 4., 5., 6.],",
      "        [0., 1., 2., ..., 6., 0., 1.]],",
      "",
      "       [[2., 3., 4., ..., 1., 2., 3.],",
      "        [4., 5., 6., ..., 3., 4., 5.],",
      "        [6., 0., 1., ..., 5., 6., 0.],",
      "        ...,",
      "        [5., 6., 0., ..., 4., 5., 6.],",
      "        [0., 1., 2., ..., 6., 0., 1.],",
      "        [2., 3., 4., ..., 1., 2., 3.]]])",
    ),
  );
  // column widths come from the printed corner elements only (the hidden 1/7 multiples would need 8 digits)
  assert.equal(
    formatArray(
      arange(1001, (i) => i / 7),
      [1, 1001],
      "float64",
    ),
    lines("array([[0.00000000e+00, 1.42857143e-01, 2.85714286e-01, ...,", "        1.42571429e+02, 1.42714286e+02, 1.42857143e+02]], dtype=float64)"),
  );
});

// ---- properties ----

type Dtype = "float32" | "float64";
type Nested = number | Nested[];

function nest(data: readonly number[], shape: readonly number[]): Nested {
  if (shape.length === 0) return data[0]!;
  const [n, ...rest] = shape as [number, ...number[]];
  const inner = data.length / n;
  return Array.from({ length: n }, (_, i) => nest(data.slice(i * inner, (i + 1) * inner), rest));
}

const body = (text: string): string => text.replace(/^array\(/, "").replace(/(, dtype=float64)?\)$/, "");
const tokens = (text: string): string[] =>
  body(text)
    .split(/[\s,[\]]+/)
    .filter((t) => t.length > 0);

const dtypeArb = fc.constantFrom<Dtype>("float32", "float64");
const arrayOf = (value: fc.Arbitrary<number>, maxDim: number, maxNdim: number) =>
  fc
    .array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxNdim })
    .chain((shape) =>
      fc.array(value, { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((data) => ({ shape, data })),
    );

test("property: integer-valued arrays parse back to the same nested values", () => {
  // |v| <= 999 keeps max/min <= 999, so numpy stays in positional notation
  fc.assert(
    fc.property(arrayOf(fc.integer({ min: -999, max: 999 }), 5, 3), dtypeArb, ({ shape, data }, dtype) => {
      const json = body(formatArray(data, shape, dtype)).replace(/(\d)\.(?=[\s,\]]|$)/g, "$1");
      assert.deepStrictEqual(JSON.parse(json), nest(data, shape));
    }),
  );
});

test("property: every row of a 2-d print has the same length and every element the same width", () => {
  const rows = fc.integer({ min: 1, max: 6 });
  const cols = fc.integer({ min: 1, max: 3 }); // 3 columns of the widest element still fit in one line
  const value = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.float({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -50, max: 50 }),
  );
  fc.assert(
    fc.property(rows, cols, dtypeArb, fc.infiniteStream(value), (r, c, dtype, values) => {
      const data = [...values.take(r * c)];
      const ls = formatArray(data, [r, c], dtype).split("\n");
      assert.equal(ls.length, r);
      assert.equal(new Set(ls.map((l) => l.indexOf("]"))).size, 1);
      const widths = ls.flatMap((l) =>
        l
          .slice(l.lastIndexOf("[") + 1, l.indexOf("]"))
          .split(", ")
          .map((t) => t.length),
      );
      assert.equal(new Set(widths).size, 1);
    }),
  );
});

test("property: printed tokens round-trip to the stored values when nothing is summarised", () => {
  // m * 10^e with |m| < 1e4 and e >= -4 needs at most 4 fractional digits (positional) or
  // 3 mantissa digits (scientific), well inside numpy's 8-digit precision
  const value = fc.tuple(fc.integer({ min: -9999, max: 9999 }), fc.integer({ min: -4, max: 30 })).map(([m, e]) => Number(`${m}e${e}`));
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 60 }), dtypeArb, (data, dtype) => {
      const stored = dtype === "float32" ? data.map(Math.fround) : data;
      const toks = tokens(formatArray(data, [data.length], dtype));
      assert.equal(toks.length, data.length);
      toks.forEach((t, i) => {
        const back = dtype === "float32" ? Math.fround(Number(t)) : Number(t);
        assert.equal(back, stored[i], `token ${t} for ${stored[i]}`);
      });
    }),
  );
});

test("property: a summarised 1-d array shows the first and last 3 elements around '...'", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1001, max: 3000 }), dtypeArb, (n, dtype) => {
      const data = arange(n, (i) => (i * 37) % 1000);
      const toks = tokens(formatArray(data, [n], dtype));
      const expected = [...data.slice(0, 3), "...", ...data.slice(-3)];
      assert.deepStrictEqual(
        toks.map((t) => (t === "..." ? t : Number(t))),
        expected,
      );
    }),
    { numRuns: 30 },
  );
});

test("property: float32 prints never exceed numpy's 75-column line width", () => {
  const value = fc.oneof(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -99, max: 99 }));
  fc.assert(
    fc.property(arrayOf(value, 30, 3), ({ shape, data }) => {
      for (const l of formatArray(data, shape, "float32").split("\n")) assert.ok(l.length <= 75, l);
    }),
    { numRuns: 200 },
  );
});

// numpy basic indexing through NDArray.at: integers, slices (strings, tuples, null), views and writes.
// Expected values come from hand-computed cases and from a loop over the nested tolist() that follows
// Python's definition of a[i] and a[start:stop:step] (CPython's PySlice_AdjustIndices, written out below).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np } from "../../src/np.js";
import { NDArray, type NestedArray } from "../../src/ndarray/ndarray.js";
import type { Index } from "../../src/ndarray/indexing.js";

const arange = (shape: number[]) =>
  np
    .arange(
      shape.reduce((p, d) => p * d, 1),
      undefined,
      1,
      { dtype: "float64" },
    )
    .reshape(shape);

// ---- Python semantics, written independently of src/ndarray/indexing.ts -------------------------

type PySlice = { start: number | null; stop: number | null; step: number | null };

/** The positions range(n)[start:stop:step] selects, by walking the index as Python does. */
function pySliceIndices(n: number, s: PySlice): number[] {
  const step = s.step ?? 1;
  const out: number[] = [];
  if (step > 0) {
    let a = s.start ?? 0;
    if (a < 0) a = Math.max(0, a + n);
    a = Math.min(a, n);
    let b = s.stop ?? n;
    if (b < 0) b = Math.max(0, b + n);
    b = Math.min(b, n);
    for (let i = a; i < b; i += step) out.push(i);
  } else {
    let a: number;
    if (s.start === null) a = n - 1;
    else {
      a = s.start < 0 ? s.start + n : s.start;
      if (a < 0) a = -1;
      if (a >= n) a = n - 1;
    }
    let b: number;
    if (s.stop === null) b = -1;
    else {
      b = s.stop < 0 ? s.stop + n : s.stop;
      if (b < 0) b = -1;
      if (b >= n) b = n - 1;
    }
    for (let i = a; i > b; i += step) out.push(i);
  }
  return out;
}

type PyIndex = { kind: "int"; i: number } | { kind: "slice"; s: PySlice };

/** x[idx0, idx1, ...] on nested lists; missing trailing indices take whole axes. */
function pySelect(x: NestedArray, idx: PyIndex[]): NestedArray {
  if (idx.length === 0) return x;
  const list = x as NestedArray[];
  const [first, ...rest] = idx as [PyIndex, ...PyIndex[]];
  if (first.kind === "int") return pySelect(list[first.i < 0 ? first.i + list.length : first.i]!, rest);
  return pySliceIndices(list.length, first.s).map((i) => pySelect(list[i]!, rest));
}

/** The same index in the syntax NDArray.at takes: slice strings like "1:-1:2" or [start, stop, step] tuples. */
function toAt(ix: PyIndex, asString: boolean): Index {
  if (ix.kind === "int") return asString ? String(ix.i) : ix.i;
  const { start, stop, step } = ix.s;
  if (!asString) return [start, stop, step];
  const f = (v: number | null) => (v === null ? "" : String(v));
  return step === null ? `${f(start)}:${f(stop)}` : `${f(start)}:${f(stop)}:${f(step)}`;
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 4 });

function indexArb(shape: number[]): fc.Arbitrary<PyIndex[]> {
  const perAxis = shape.map((n) => {
    const bound = fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: null });
    const slice = fc
      .record({
        start: bound,
        stop: bound,
        step: fc.option(
          fc.integer({ min: -3, max: 3 }).filter((v) => v !== 0),
          { nil: null },
        ),
      })
      .map((s): PyIndex => ({ kind: "slice", s }));
    if (n === 0) return slice;
    return fc.oneof(
      fc.integer({ min: -n, max: n - 1 }).map((i): PyIndex => ({ kind: "int", i })),
      slice,
    );
  });
  return fc.integer({ min: 0, max: shape.length }).chain((k) => fc.tuple(...perAxis.slice(0, k)));
}

// ---- named cases ------------------------------------------------------------------------------

test("an integer index drops the axis and shares memory", () => {
  const x = arange([3, 4]);
  const row = x.at(1);
  assert.deepEqual(row.shape, [4]);
  assert.deepEqual(row.tolist(), [4, 5, 6, 7]);
  assert.equal(row.hostData, x.hostData, "a view keeps the base buffer");
  const el = x.at(2, 3);
  assert.deepEqual(el.shape, []);
  assert.equal(el.item(), 11);
  row.set(-1);
  assert.deepEqual(x.tolist(), [
    [0, 1, 2, 3],
    [-1, -1, -1, -1],
    [8, 9, 10, 11],
  ]);
});

test("a negative index counts from the end", () => {
  const x = arange([3, 4]);
  assert.deepEqual(x.at(-1).tolist(), [8, 9, 10, 11]);
  assert.equal(x.at(-3, -4).item(), 0);
  assert.equal(x.at("-1", "-2").item(), 10, "an integer string is an integer index");
});

test("slice strings with open ends and negative steps match numpy", () => {
  const v = arange([6]); // numpy: a = np.arange(6.)
  const cases: [string, number[]][] = [
    [":", [0, 1, 2, 3, 4, 5]],
    [":2", [0, 1]],
    ["3:", [3, 4, 5]],
    ["1:-1", [1, 2, 3, 4]],
    ["::2", [0, 2, 4]],
    ["::-1", [5, 4, 3, 2, 1, 0]],
    ["::-2", [5, 3, 1]],
    ["4:1:-1", [4, 3, 2]],
    ["-2::-3", [4, 1]],
    [":-7:-1", [5, 4, 3, 2, 1, 0]],
    ["10:", []],
    ["-100:2", [0, 1]],
    ["2:2", []],
    [" 1 : 5 : 2 ", [1, 3]],
  ];
  for (const [s, want] of cases) assert.deepEqual(v.at(s).tolist(), want, `a[${s}]`);
});

test("[start, stop, step] tuples and null select like the equivalent slice strings", () => {
  const x = arange([4, 5]);
  assert.deepEqual(x.at([1, 3], [null, null, -2]).tolist(), x.at("1:3", "::-2").tolist());
  assert.deepEqual(x.at(null, 2).tolist(), [2, 7, 12, 17]);
  assert.deepEqual(x.at([2]).tolist(), x.at("2:").tolist(), "a 1-element tuple is [start:]");
});

test("missing trailing indices select whole axes", () => {
  const x = arange([2, 3, 4]);
  assert.deepEqual(x.at(1).tolist(), x.at(1, ":", ":").tolist());
  assert.deepEqual(x.at().tolist(), x.tolist());
  assert.deepEqual(x.at("1:", 0).shape, [1, 4]);
});

test("an empty slice gives a zero-length axis", () => {
  const x = arange([3, 4]);
  const e = x.at("5:", "1:3");
  assert.deepEqual(e.shape, [0, 2]);
  assert.equal(e.size, 0);
  assert.deepEqual(e.tolist(), []);
});

test("views of views compose (slice of a reversed, strided view)", () => {
  const x = arange([6, 6]);
  const v = x.at("::-1", "1::2").at("1:4", -1); // rows 4,3,2 ; column 5
  assert.deepEqual(v.tolist(), [29, 23, 17]);
  v.set(0);
  assert.equal(x.at(4, 5).item(), 0);
  assert.equal(x.at(1, 5).item(), 11);
});

test("writes through a view reach the base array (Y[i:i+h, j:j+w] += X[i, j] * K)", () => {
  // the book's trans_conv, §12.10.1
  const X = np.array([
    [0, 1],
    [2, 3],
  ]);
  const K = np.array([
    [0, 1],
    [2, 3],
  ]);
  const [h, w] = K.shape as [number, number];
  const Y = np.zeros([X.shape[0]! + h - 1, X.shape[1]! + w - 1]);
  for (let i = 0; i < X.shape[0]!; i++) for (let j = 0; j < X.shape[1]!; j++) Y.at(`${i}:${i + h}`, `${j}:${j + w}`).iadd(X.at(i, j).mul(K));
  assert.deepEqual(Y.tolist(), [
    [0, 0, 1],
    [0, 4, 6],
    [4, 12, 9],
  ]);
});

test("too many indices throw naming the count and shape", () => {
  assert.throws(() => arange([2, 3]).at(0, 0, 0), /index: too many indices \(3\) for an array of shape \[2,3\]/);
});

test("an out-of-range index throws naming the index, axis and size", () => {
  assert.throws(() => arange([2, 3]).at(0, 3), /index: index 3 is out of bounds for axis 1 with size 3/);
  assert.throws(() => arange([2, 3]).at(-3), /index: index -3 is out of bounds for axis 0 with size 2/);
  assert.throws(() => arange([0]).at(0), /index: index 0 is out of bounds for axis 0 with size 0/);
});

test("a zero step, a fractional index and an unreadable slice string throw", () => {
  const x = arange([5]);
  assert.throws(() => x.at("::0"), /index: slice step 0 on axis 0 must be a non-zero integer/);
  assert.throws(() => x.at([0, 3, 0]), /slice step 0 on axis 0/);
  assert.throws(() => x.at(1.5), /index: index 1.5 on axis 0 must be an integer/);
  assert.throws(() => x.at([0.5, 2]), /index: slice bound 0.5 on axis 0 must be an integer/);
  assert.throws(() => x.at("a:b"), /index: cannot read "a:b" as a slice/);
  assert.throws(() => x.at("1:2:3:4"), /cannot read "1:2:3:4"/);
  assert.throws(() => x.at(true as unknown as Index), /index: axis 0 index true is not an integer/);
});

// ---- properties -------------------------------------------------------------------------------

test("property: x.at(...) equals Python's selection on the nested list, for ints, slices and negative steps", () => {
  fc.assert(
    fc.property(
      shapeArb.chain((shape) => fc.tuple(fc.constant(shape), indexArb(shape), fc.boolean(), fc.boolean())),
      ([shape, idx, asString, transposed]) => {
        // also index a non-contiguous base: the transpose of an arange
        const x = transposed ? arange([...shape].reverse()).T : arange(shape);
        const got = x.at(...idx.map((ix) => toAt(ix, asString)));
        const want = pySelect(x.tolist(), idx);
        assert.deepEqual(got.tolist(), want);
        assert.equal(got.hostData, x.hostData);
      },
    ),
    { numRuns: 400 },
  );
});

test("property: writes through a view change exactly the selected base elements", () => {
  fc.assert(
    fc.property(
      shapeArb.chain((shape) => fc.tuple(fc.constant(shape), indexArb(shape))),
      ([shape, idx]) => {
        const base = arange(shape); // element value = its flat position
        const before = Array.from(base.asTypedArray());
        const sel = pySelect(base.tolist(), idx);
        const selected = new Set<number>(typeof sel === "number" ? [sel] : ((sel as unknown[]).flat(Infinity as 1) as number[]));
        const v = base.at(...idx.map((ix) => toAt(ix, false)));
        assert.equal(v.size, selected.size, "basic indexing never selects an element twice");
        v.iadd(1000);
        const after = base.asTypedArray();
        for (let p = 0; p < before.length; p++) assert.equal(after[p], selected.has(p) ? before[p]! + 1000 : before[p], `position ${p}`);
      },
    ),
    { numRuns: 300 },
  );
});

test("property: slice views report numpy's shape (len(range(n)[s]))", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 9 }),
      fc.option(fc.integer({ min: -12, max: 12 }), { nil: null }),
      fc.option(fc.integer({ min: -12, max: 12 }), { nil: null }),
      fc.integer({ min: -4, max: 4 }).filter((s) => s !== 0),
      (n, start, stop, step) => {
        const v = np.zeros([n]).at([start, stop, step]);
        assert.ok(v instanceof NDArray);
        assert.deepEqual(v.shape, [pySliceIndices(n, { start, stop, step }).length]);
      },
    ),
    { numRuns: 300 },
  );
});

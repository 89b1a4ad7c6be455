// Reductions sum / mean / max / min / prod: all axes, chosen axes, negative axes, keepdims, views, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np } from "../../src/np.js";
import { NDArray, type NestedArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;
const x234 = () => np.arange(24, undefined, 1, f64).reshape(2, 3, 4);

test("sum, mean, max and min over all axes give 0-d arrays", () => {
  const x = np.array([
    [1, -2, 3],
    [4, 5, -6],
  ]);
  for (const [r, v] of [
    [x.sum(), 5],
    [x.mean(), 5 / 6],
    [x.max(), 5],
    [x.min(), -6],
  ] as const) {
    assert.deepEqual(r.shape, []);
    assert.ok(Math.abs(r.item() - v) < 1e-6);
  }
  assert.equal(np.sum(x).item(), 5);
  assert.equal(np.max(x).item(), 5);
});

test("sum over one axis drops it; a negative axis counts from the end", () => {
  const x = x234();
  assert.deepEqual(x.sum({ axis: 0 }).tolist(), [
    [12, 14, 16, 18],
    [20, 22, 24, 26],
    [28, 30, 32, 34],
  ]);
  assert.deepEqual(x.sum({ axis: -1 }).tolist(), [
    [6, 22, 38],
    [54, 70, 86],
  ]);
  assert.deepEqual(x.sum({ axis: 2 }).tolist(), x.sum({ axis: -1 }).tolist());
  assert.deepEqual(np.mean(x, { axis: 1 }).tolist(), [
    [4, 5, 6, 7],
    [16, 17, 18, 19],
  ]);
});

test("sum over axes with keepdims", () => {
  const x = x234();
  const s = x.sum({ axis: [0, 2], keepdims: true });
  assert.deepEqual(s.shape, [1, 3, 1]);
  assert.deepEqual(s.tolist(), [[[60], [92], [124]]]);
  assert.deepEqual(x.max({ keepdims: true }).shape, [1, 1, 1]);
  assert.deepEqual(
    x
      .sub(x.mean({ axis: -1, keepdims: true }))
      .sum({ axis: -1 })
      .tolist(),
    [
      [0, 0, 0],
      [0, 0, 0],
    ],
    "keepdims broadcasts back against the input",
  );
  assert.deepEqual(x.sum({ axis: [2, 0] }).tolist(), [60, 92, 124], "axes in any order");
});

test("an empty axis list reduces nothing", () => {
  const x = x234();
  assert.deepEqual(x.sum({ axis: [] }).tolist(), x.tolist());
});

test("max and min per axis", () => {
  const x = np.array([
    [3, 9, 1],
    [7, 2, 8],
  ]);
  assert.deepEqual(x.max({ axis: 0 }).tolist(), [7, 9, 8]);
  assert.deepEqual(x.min({ axis: 1 }).tolist(), [1, 2]);
  assert.deepEqual(np.min(x, { axis: 0, keepdims: true }).tolist(), [[3, 2, 1]]);
});

test("prod (numpy's np.prod): all axes, one axis, several with keepdims, zeros, an empty slice is 1", () => {
  const x = np.array([
    [1, 2, 3],
    [4, 0, -6],
  ]);
  assert.equal(np.prod(x.at(0)).item(), 6);
  assert.equal(x.prod().item(), -0, "((((1·2)·3)·4)·0)·−6 is −0, as numpy");
  assert.deepEqual(x.prod({ axis: 0 }).tolist(), [4, 0, -18]);
  assert.deepEqual(np.prod(x, { axis: -1, keepdims: true }).tolist(), [[6], [-0]]);
  // x234[i][j][k] = 12i + 4j + k: the slice j holds (4j … 4j+3) and (12+4j … 15+4j)
  assert.deepEqual(
    x234()
      .prod({ axis: [0, 2], keepdims: true })
      .tolist(),
    [[[0], [4 * 5 * 6 * 7 * 16 * 17 * 18 * 19], [8 * 9 * 10 * 11 * 20 * 21 * 22 * 23]]],
  );
  assert.equal(np.zeros([0]).prod().item(), 1, "numpy: the product of nothing is 1");
  assert.deepEqual(np.zeros([2, 0]).prod({ axis: 1 }).tolist(), [1, 1]);
  assert.ok(Number.isNaN(np.array([2, NaN]).prod().item()));
  assert.throws(() => x.prod({ axis: 2 }), /prod: axis 2 is out of bounds for an array of dimension 2/);
});

test("max and min propagate NaN", () => {
  assert.ok(Number.isNaN(np.array([1, NaN, 3]).max().item()));
  assert.ok(Number.isNaN(np.array([NaN, 1]).min().item()));
  assert.deepEqual(np.array([-Infinity, -Infinity]).max().item(), -Infinity);
});

test("reductions keep the dtype", () => {
  assert.equal(np.zeros([2]).sum().dtype, "float32");
  assert.equal(np.zeros([2], f64).mean().dtype, "float64");
});

test("reductions of an empty array: sum is 0, mean is NaN", () => {
  assert.equal(np.zeros([0]).sum().item(), 0);
  assert.ok(Number.isNaN(np.zeros([0, 3]).mean().item()));
  assert.deepEqual(np.zeros([0, 3]).sum({ axis: 0 }).tolist(), [0, 0, 0]);
  assert.deepEqual(np.zeros([0, 3]).max({ axis: 1 }).shape, [0], "no output elements: nothing to reduce");
});

test("max of an empty array throws", () => {
  assert.throws(() => np.zeros([0]).max(), /max: zero-size array to reduction operation maximum which has no identity/);
  assert.throws(() => np.zeros([0, 3]).min({ axis: 0 }), /min: zero-size array to reduction operation minimum which has no identity/);
});

test("a bad axis throws naming the axis and the dimension", () => {
  const x = np.zeros([2, 3]);
  assert.throws(() => x.sum({ axis: 2 }), /sum: axis 2 is out of bounds for an array of dimension 2/);
  assert.throws(() => x.mean({ axis: -3 }), /mean: axis -3 is out of bounds for an array of dimension 2/);
  assert.throws(() => x.max({ axis: 0.5 }), /max: axis 0.5 is out of bounds/);
  assert.throws(() => x.sum({ axis: [0, -2] }), /sum: duplicate value in axis \[0,-2\]/);
  assert.throws(() => np.array(1).sum({ axis: 0 }), /sum: axis 0 is out of bounds for an array of dimension 0/);
});

test("reductions read strided views (transposes, reversed slices)", () => {
  const x = x234();
  assert.deepEqual(x.T.sum({ axis: 0 }).tolist(), x.sum({ axis: 2 }).T.tolist());
  assert.deepEqual(x.at(":", "::-1", "1::2").sum({ axis: 1 }).tolist(), [
    [15, 21],
    [51, 57],
  ]);
});

// ---- property: reductions equal explicit loops -------------------------------------------------

function reduceLoop(x: NestedArray, shape: number[], axes: number[], keepdims: boolean, op: string): NestedArray {
  const nd = shape.length;
  const red = new Set(axes);
  const get = (idx: number[]) => idx.reduce((v: NestedArray, i) => (v as NestedArray[])[i]!, x) as number;
  // every full index whose kept coordinates are `kept`
  const gather = (kept: number[]): number[] => {
    const vals: number[] = [];
    const walk = (ax: number, idx: number[], k: number) => {
      if (ax === nd) return void vals.push(get(idx));
      if (red.has(ax)) for (let i = 0; i < shape[ax]!; i++) walk(ax + 1, [...idx, i], k);
      else walk(ax + 1, [...idx, kept[k]!], k + 1);
    };
    walk(0, [], 0);
    return vals;
  };
  const combine = (vals: number[]) => {
    let s = 0;
    for (const v of vals) s += v;
    if (op === "sum") return s;
    if (op === "mean") return s / vals.length;
    if (op === "prod") return vals.reduce((p, v) => p * v, 1);
    return op === "max" ? Math.max(...vals) : Math.min(...vals);
  };
  const keptAxes = shape.map((_, i) => i).filter((i) => !red.has(i));
  const build = (k: number, kept: number[]): NestedArray => {
    if (k === keptAxes.length) return combine(gather(kept));
    return Array.from({ length: shape[keptAxes[k]!]! }, (_, i) => build(k + 1, [...kept, i]));
  };
  const flat = build(0, []);
  if (!keepdims) return flat;
  // re-insert size-1 axes where the reduced axes were
  const expand = (v: NestedArray, ax: number): NestedArray => {
    if (ax === nd) return v;
    if (red.has(ax)) return [expand(v, ax + 1)];
    return (v as NestedArray[]).map((w) => expand(w, ax + 1));
  };
  return expand(flat, 0);
}

test("property: sum / mean / max / min / prod over random axes equal explicit loops", () => {
  const arb = fc
    .array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 })
    .chain((shape) =>
      fc.tuple(
        fc.constant(shape),
        fc.subarray([...shape.keys()]),
        fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }),
        fc.boolean(),
        fc.constantFrom("sum", "mean", "max", "min", "prod"),
        fc.boolean(),
      ),
    );
  fc.assert(
    fc.property(arb, ([shape, axes, negate, keepdims, op, transposed]) => {
      const n = shape.reduce((p, d) => p * d, 1);
      const data = Float64Array.from({ length: n }, (_, i) => ((i * 37) % 11) - 5 + i / 8);
      const x = transposed ? new NDArray(data, [...shape].reverse()).T : new NDArray(data, shape);
      const axisArg = axes.map((a) => (negate[a] ? a - shape.length : a));
      const got = x[op as "sum"]({ axis: axisArg, keepdims });
      const want = reduceLoop(x.tolist(), shape, axes, keepdims, op);
      const flatGot = [got.tolist()].flat(Infinity as 1) as number[];
      const flatWant = [want].flat(Infinity as 1) as number[];
      assert.deepEqual(got.shape, keepdims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i)));
      assert.equal(flatGot.length, flatWant.length);
      flatGot.forEach((v, i) => assert.ok(Math.abs(v - flatWant[i]!) <= 1e-12 * Math.max(1, Math.abs(flatWant[i]!)), `${op} ${v} vs ${flatWant[i]}`));
    }),
    { numRuns: 300 },
  );
});

// Initializers: Constant/Zero/One values, Uniform/Normal/Xavier/MSRA statistics against the formulas in
// src/init/initializers.ts (MXNet's), and Bilinear against d2l's bilinear_kernel written out below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { init, Initializer } from "../../src/init/initializers.js";

function stats(xs: ArrayLike<number>) {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < xs.length; i++) {
    s += xs[i]!;
    min = Math.min(min, xs[i]!);
    max = Math.max(max, xs[i]!);
  }
  const mean = s / xs.length;
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += (xs[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / xs.length), min, max };
}

/** |got − want| within `rel` of want. */
const near = (got: number, want: number, rel: number, what: string) => assert.ok(Math.abs(got - want) <= rel * Math.abs(want), `${what}: ${got} vs ${want}`);

test("init.Constant(number) fills the shape", () => {
  const w = init.Constant(2.5).create([2, 3], "float32", "w");
  assert.deepEqual(w.tolist(), [
    [2.5, 2.5, 2.5],
    [2.5, 2.5, 2.5],
  ]);
  assert.equal(w.dtype, "float32");
  assert.equal(init.Constant(1).create([1], "float64", "w").dtype, "float64");
});

test("init.Constant(K) copies an array of the parameter's shape and broadcasts a smaller one", () => {
  const K = np
    .array([
      [0, 1],
      [2, 3],
    ])
    .reshape(1, 1, 2, 2);
  assert.deepEqual(init.Constant(K).create([1, 1, 2, 2], "float32", "w").tolist(), K.tolist());
  const b = init
    .Constant(
      np.array([
        [0, 1],
        [2, 3],
      ]),
    )
    .create([2, 3, 2, 2], "float64", "w");
  assert.equal(b.dtype, "float64");
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 3; j++)
      assert.deepEqual(b.at(i, j).tolist(), [
        [0, 1],
        [2, 3],
      ]);
  const w = init.Constant(K).create([1, 1, 2, 2], "float32", "w");
  w.set(0);
  assert.deepEqual(
    K.tolist(),
    [
      [
        [
          [0, 1],
          [2, 3],
        ],
      ],
    ],
    "the created array does not share K's memory",
  );
});

test("init.Constant(K) with a shape that does not broadcast throws naming the parameter and both shapes", () => {
  const K = np.zeros([1, 1, 2, 2]);
  assert.throws(
    () => init.Constant(K).create([1, 1, 3, 3], "float32", "conv0_weight"),
    /init.Constant for conv0_weight: operands could not be broadcast together with shapes \[1,1,3,3\] and \[1,1,2,2\]/,
  );
  assert.throws(
    () => init.Constant(np.zeros([2, 1, 1])).create([1, 2], "float32", "w"),
    /init.Constant for w: value of shape \[2,1,1\] does not broadcast to the parameter shape \[1,2\]/,
  );
  assert.throws(() => init.Constant("1" as never), /init.Constant: value must be a number or an NDArray/);
});

test("init.Zero and init.One", () => {
  assert.deepEqual(init.Zero().create([3], "float32", "b").tolist(), [0, 0, 0]);
  assert.deepEqual(init.One().create([2], "float32", "b").tolist(), [1, 1]);
});

test("initializers are callable without new and still instances of their classes", () => {
  const c = init.Constant(1);
  assert.ok(c instanceof init.Constant);
  assert.ok(c instanceof Initializer);
  assert.ok(new init.Uniform(0.1) instanceof init.Uniform);
  assert.ok(init.Zero() instanceof init.Constant, "Zero is a Constant");
  assert.ok(init.MSRA() instanceof init.Xavier, "MSRA is a Xavier");
  assert.equal((init.Uniform() as InstanceType<typeof init.Uniform>).scale, 0.07, "Gluon's default Uniform(0.07)");
  assert.equal((init.Normal() as InstanceType<typeof init.Normal>).sigma, 0.01, "Gluon's default Normal(0.01)");
});

test("init.Uniform(scale) samples U(−scale, scale): bounds, mean 0, std scale/√3", () => {
  np.random.seed(11);
  for (const scale of [0.07, 2]) {
    const w = init.Uniform(scale).create([100, 200], "float64").asTypedArray();
    const s = stats(w);
    assert.ok(s.min >= -scale && s.max <= scale, `range ${s.min}..${s.max}`);
    assert.ok(s.min < -0.99 * scale && s.max > 0.99 * scale, "the whole interval is used");
    assert.ok(Math.abs(s.mean) < 0.03 * scale, `mean ${s.mean}`);
    near(s.std, scale / Math.sqrt(3), 0.02, "std");
  }
});

test("init.Normal(sigma) samples N(0, sigma²)", () => {
  np.random.seed(12);
  const w = init.Normal(0.5).create([100, 200], "float64").asTypedArray();
  const s = stats(w);
  assert.ok(Math.abs(s.mean) < 0.02, `mean ${s.mean}`);
  near(s.std, 0.5, 0.02, "std");
  const within = Array.from(w).filter((v) => Math.abs(v) < 0.5).length / w.length;
  assert.ok(Math.abs(within - 0.6827) < 0.015, `P(|w| < σ) = ${within}`);
});

test("init.Xavier defaults: uniform, avg factor, magnitude 3 (scale = √(3 / ((fanIn + fanOut)/2)))", () => {
  np.random.seed(13);
  const shape = [64, 32, 3, 3]; // fanIn = 32·9 = 288, fanOut = 64·9 = 576
  const scale = Math.sqrt(3 / ((288 + 576) / 2));
  const s = stats(init.Xavier().create(shape, "float64", "w").asTypedArray());
  assert.ok(s.min >= -scale && s.max <= scale && s.max > 0.99 * scale, `range ${s.min}..${s.max} vs ±${scale}`);
  near(s.std, scale / Math.sqrt(3), 0.03, "std");
});

test("init.Xavier gaussian with factorType in / out uses σ = √(magnitude / fan)", () => {
  np.random.seed(14);
  const shape = [40, 20, 5, 5]; // fanIn = 500, fanOut = 1000
  const sIn = stats(init.Xavier({ rndType: "gaussian", factorType: "in", magnitude: 2 }).create(shape, "float64", "w").asTypedArray());
  near(sIn.std, Math.sqrt(2 / 500), 0.03, "std (in)");
  assert.ok(Math.abs(sIn.mean) < 0.05 * Math.sqrt(2 / 500));
  const sOut = stats(init.Xavier({ rndType: "gaussian", factorType: "out", magnitude: 2 }).create(shape, "float64", "w").asTypedArray());
  near(sOut.std, Math.sqrt(2 / 1000), 0.03, "std (out)");
  const dense = stats(init.Xavier({ factorType: "in" }).create([300, 50], "float64", "w").asTypedArray());
  near(dense.max, Math.sqrt(3 / 50), 0.01, "a 2-D weight has receptive field 1");
});

test("init.Xavier needs at least 2 axes", () => {
  assert.throws(
    () => init.Xavier().create([5], "float32", "dense0_bias"),
    /init.Xavier for dense0_bias: needs a parameter with at least 2 axes, got shape \[5\]/,
  );
});

test("init.MSRA is gaussian Xavier with magnitude 2 / (1 + slope²)", () => {
  np.random.seed(15);
  const shape = [40, 20, 5, 5]; // avg fan = (500 + 1000) / 2
  const s = stats(init.MSRA().create(shape, "float64", "w").asTypedArray());
  near(s.std, Math.sqrt(2 / (1 + 0.25 ** 2) / 750), 0.03, "std slope 0.25");
  const s0 = stats(init.MSRA({ factorType: "in", slope: 0 }).create(shape, "float64", "w").asTypedArray());
  near(s0.std, Math.sqrt(2 / 500), 0.03, "He init: std √(2 / fanIn)");
});

test("seeded initializers are reproducible", () => {
  np.random.seed(99);
  const a = init.Xavier().create([4, 4], "float32", "w").tolist();
  np.random.seed(99);
  assert.deepEqual(init.Xavier().create([4, 4], "float32", "w").tolist(), a);
});

// d2l's bilinear_kernel (§13.9, written out here): factor = (k+1)//2; center = factor − 1 (k odd) or
// factor − 0.5 (k even); filt[i][j] = (1 − |i − center|/factor)·(1 − |j − center|/factor).
function d2lFilt(k: number): number[][] {
  const factor = Math.floor((k + 1) / 2);
  const center = k % 2 === 1 ? factor - 1 : factor - 0.5;
  const a = Array.from({ length: k }, (_, i) => 1 - Math.abs(i - center) / factor);
  return a.map((ai) => a.map((aj) => ai * aj));
}

test("init.Bilinear(k=4) is d2l's bilinear kernel: [.25,.75,.75,.25] ⊗ itself", () => {
  const w = init.Bilinear().create([1, 1, 4, 4], "float64", "w");
  assert.deepEqual(w.at(0, 0).tolist(), d2lFilt(4));
  assert.deepEqual(w.at(0, 0, 0).tolist(), [0.0625, 0.1875, 0.1875, 0.0625]);
});

test("init.Bilinear is d2l's bilinear kernel for every size, odd and even, and symmetric", () => {
  for (const k of [1, 2, 3, 4, 5, 6, 8, 9, 16, 64]) {
    const w = init.Bilinear().create([1, 1, k, k], "float64", "w");
    const got = w.at(0, 0).tolist() as number[][];
    const want = d2lFilt(k);
    got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - want[i]![j]!) < 1e-12, `k=${k} [${i},${j}] ${v} vs ${want[i]![j]}`)));
    got.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs(v - got[k - 1 - i]![k - 1 - j]!) < 1e-12, `k=${k} not symmetric`)));
  }
  // hand-computed: k = 3 → factor 2, center 1: [0.5, 1, 0.5]
  assert.deepEqual(init.Bilinear().create([1, 1, 3], "float64", "w").at(0, 0).tolist(), [0.5, 1, 0.5]);
});

test("init.Bilinear with Cin = Cout maps channel i to channel i only (d2l's weight[range(c), range(c)])", () => {
  const w = init.Bilinear().create([3, 3, 4, 4], "float32", "w");
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) assert.deepEqual(w.at(i, j).tolist(), i === j ? d2lFilt(4) : d2lFilt(4).map((r) => r.map(() => 0)), `[${i},${j}]`);
});

test("init.Bilinear with Cin ≠ Cout puts the kernel on every channel pair (MXNet's init.Bilinear)", () => {
  const w = init.Bilinear().create([2, 3, 4, 4], "float32", "w");
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) assert.deepEqual(w.at(i, j).tolist(), d2lFilt(4));
});

test("init.Bilinear 1-D and 3-D kernels are products of the 1-D profile", () => {
  assert.deepEqual(init.Bilinear().create([1, 1, 4], "float64", "w").at(0, 0).tolist(), [0.25, 0.75, 0.75, 0.25]);
  const w3 = init.Bilinear().create([1, 1, 1, 4, 5], "float64", "w");
  const p1 = [1];
  const p4 = [0.25, 0.75, 0.75, 0.25];
  const p5 = [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3]; // k = 5: factor 3, center 2
  for (let a = 0; a < 1; a++)
    for (let b = 0; b < 4; b++) for (let c = 0; c < 5; c++) assert.ok(Math.abs(w3.at(0, 0, a, b, c).item() - p1[a]! * p4[b]! * p5[c]!) < 1e-12);
});

test("init.Bilinear needs a convolution weight", () => {
  assert.throws(
    () => init.Bilinear().create([4, 4], "float32", "up_weight"),
    /init.Bilinear for up_weight: needs a convolution weight \[Cin, Cout, \.\.\.k\], got shape \[4,4\]/,
  );
});

test("initializers given { channelsLast: true } fill [O, ...k, I] as the transpose of the [O, I, ...k] result", () => {
  const cf = init.Bilinear().create([2, 3, 4, 4], "float64", "w");
  const cl = init.Bilinear().create([2, 4, 4, 3], "float64", "w", { channelsLast: true });
  assert.deepEqual(cl.tolist(), cf.transpose(0, 2, 3, 1).tolist());
  np.random.seed(5);
  const xf = init.Xavier().create([2, 3, 4, 4], "float64", "w");
  np.random.seed(5);
  const xl = init.Xavier().create([2, 4, 4, 3], "float64", "w", { channelsLast: true });
  assert.deepEqual(xl.tolist(), xf.transpose(0, 2, 3, 1).tolist());
  assert.deepEqual(
    (init.Constant(np.arange(3)) as Initializer).create([1, 2, 3], "float32", "w", { channelsLast: true }).tolist(),
    [
      [
        [0, 1, 2],
        [0, 1, 2],
      ],
    ],
    "Constant values are given in the parameter's own layout",
  );
});

// Gluon Block / Sequential / Parameter / ParameterDict: chaining, parameter names and counts, initialization.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { npx } from "../../src/npx.js";
import { init } from "../../src/init/initializers.js";
import { nn, gluon } from "../../src/gluon/index.js";
import { Block, uniquePrefix } from "../../src/gluon/block.js";
import { Parameter, ParameterDict } from "../../src/gluon/parameter.js";
import type { NDArray } from "../../src/ndarray/ndarray.js";

const f64 = { dtype: "float64" } as const;

test("uniquePrefix numbers each base name from 0", () => {
  const base = `testblock${Date.now()}`;
  assert.equal(uniquePrefix(base), `${base}0_`);
  assert.equal(uniquePrefix(base), `${base}1_`);
  assert.equal(uniquePrefix(`${base}x`), `${base}x0_`);
});

test("layers get distinct prefixes and parameters named prefix + weight / bias", () => {
  const a = new nn.Conv2D(2, { kernelSize: 1 });
  const b = new nn.Conv2D(2, { kernelSize: 1 });
  const t = new nn.Conv2DTranspose(2, { kernelSize: 1 });
  assert.notEqual(a.prefix, b.prefix);
  assert.match(a.prefix, /^conv\d+_$/);
  assert.match(t.prefix, /^convtranspose\d+_$/);
  assert.equal(a.weight.name, `${a.prefix}weight`);
  assert.equal(a.bias!.name, `${a.prefix}bias`);
});

test("nn.Sequential().add(...) chains layers in order", () => {
  const net = new nn.Sequential().add(
    new nn.Conv2D(1, { kernelSize: 2, useBias: false, weightInitializer: init.One(), dtype: "float64" }),
    new nn.Conv2DTranspose(1, { kernelSize: 2, useBias: false, weightInitializer: init.Constant(np.array([[1, -1], [0, 2]], f64)), dtype: "float64" }),
  );
  net.add(new nn.Conv2D(1, { kernelSize: 1, weightInitializer: init.Constant(3), biasInitializer: init.Constant(1), dtype: "float64" }));
  assert.equal(net.length, 3);
  net.initialize();
  const x = np.arange(9, undefined, 1, f64).reshape(1, 1, 3, 3);
  // step by step by hand: 2×2 box sums of arange(9).reshape(3,3) = [[8,12],[20,24]]
  // transposed conv of that with [[1,-1],[0,2]]: out[i+a][j+b] += s[i][j]·k[a][b]
  const s = [[8, 12], [20, 24]];
  const k = [[1, -1], [0, 2]];
  const t = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) t[i + a]![j + b]! += s[i]![j]! * k[a]![b]!;
  const want = [[t.map((r) => r.map((v) => 3 * v + 1))]];
  assert.deepEqual(net.forward(x).tolist(), want);
});

test("Sequential of nothing is the identity", () => {
  const x = np.ones([1, 1, 2]);
  assert.equal(new nn.Sequential().forward(x), x);
});

test("Sequential.add refuses non-blocks", () => {
  assert.throws(() => new nn.Sequential().add({} as never), /Sequential.add: every argument must be a Block \(a layer\)/);
  assert.throws(() => new nn.Sequential().add(npx.relu as never), /Sequential.add: every argument must be a Block/);
});

test("collectParams() names and counts, recursively through nested Sequentials", () => {
  const c1 = new nn.Conv2D(4, { kernelSize: 3 });
  const c2 = new nn.Conv2D(4, { kernelSize: 3, useBias: false });
  const inner = new nn.Sequential().add(new nn.Conv2DTranspose(2, { kernelSize: 2 }));
  const net = new nn.Sequential().add(c1, c2, inner);
  const params = net.collectParams();
  const tw = (inner as unknown as { children: Block[] }).children[0] as InstanceType<typeof nn.Conv2DTranspose>;
  assert.equal(params.size, 5, "2 + 1 (no bias) + 2");
  assert.deepEqual(params.keys(), [c1.weight.name, c1.bias!.name, c2.weight.name, tw.weight.name, tw.bias!.name]);
  assert.equal(new Set(params.keys()).size, 5, "names are unique");
  assert.equal(params.get(c2.weight.name), c2.weight);
  assert.deepEqual([...params].map((p) => p.name), params.keys());
  assert.deepEqual(params.values().map((p) => p.name), params.keys());
});

test("Sequential.initialize initializes every layer, deferred ones at the first forward", () => {
  np.random.seed(3);
  const net = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1 }), new nn.Conv2D(2, { kernelSize: 1 }));
  net.initialize();
  const params = net.collectParams().values();
  assert.ok(params.filter((p) => p.name.endsWith("weight")).every((p) => !p.isInitialized));
  const y = net.forward(np.ones([1, 3, 5, 5]));
  assert.deepEqual(y.shape, [1, 2, 5, 5]);
  assert.deepEqual(params.map((p) => p.shape), [[4, 3, 3, 3], [4], [2, 4, 1, 1], [2]]);
  assert.ok(params.every((p) => p.isInitialized));
  for (const p of params.filter((p) => p.name.endsWith("weight"))) {
    const v = Array.from(p.data().asTypedArray());
    assert.ok(v.every((w) => Math.abs(w) <= 0.07) && v.some((w) => w !== 0), `${p.name} is Uniform(0.07)`);
  }
});

test("Block.initialize returns the block for chaining", () => {
  const c = new nn.Conv1D(1, { kernelSize: 1, inChannels: 1 });
  assert.equal(c.initialize(init.One()), c);
});

test("a custom Block subclass composes layers and collects their parameters", () => {
  class TwoConvs extends Block {
    readonly a = new nn.Conv1D(2, { kernelSize: 1, weightInitializer: init.One(), dtype: "float64" });
    readonly b = new nn.Conv1D(1, { kernelSize: 1, weightInitializer: init.Constant(0.5), dtype: "float64" });
    constructor() {
      super("twoconvs");
      this.children.push(this.a, this.b);
    }
    forward(x: NDArray): NDArray {
      return this.b.forward(npx.relu(this.a.forward(x)));
    }
  }
  const m = new TwoConvs().initialize();
  assert.match(m.prefix, /^twoconvs\d+_$/);
  assert.equal(m.collectParams().size, 4);
  assert.deepEqual(m.forward(np.array([[[1, -1]]], f64)).tolist(), [[[1, 0]]]); // relu([1,-1]) twice, ·0.5 summed
});

// ---- Parameter and ParameterDict ------------------------------------------------------------------------

test("Parameter.initialize creates values with a gradient buffer; setData keeps the array", () => {
  const p = new Parameter("w", [2, 2]);
  assert.equal(p.isInitialized, false);
  p.initialize(init.One());
  const v = p.data();
  assert.deepEqual(v.tolist(), [[1, 1], [1, 1]]);
  assert.deepEqual(p.grad()!.shape, [2, 2]);
  p.setData(np.array([[1, 2], [3, 4]]));
  assert.equal(p.data(), v, "same array, so references held by an optimizer stay valid");
  assert.deepEqual(v.tolist(), [[1, 2], [3, 4]]);
  assert.throws(() => p.setData(np.zeros([4])), /Parameter 'w': setData got shape \[4\], expected \[2,2\]/);
});

test("Parameter errors: no initializer, not an initializer, not initialized", () => {
  assert.throws(() => new Parameter("w", [1]).initialize(null), /w: no initializer given/);
  assert.throws(() => new Parameter("w", [1]).initialize({ create: () => np.zeros([1]) } as never), /w: initializer must come from init/);
  assert.throws(() => new Parameter("w", [1]).data(), /Parameter 'w' has not been initialized\. Call initialize\(\)/);
});

test("a deferred Parameter initializes when inferShape fills its unknown axes", () => {
  const p = new Parameter("w", [3, 0], "float64", null, "Dense");
  p.initialize(init.Constant(2));
  assert.throws(() => p.data(), /Parameter 'w' of Dense has not been initialized yet because initialization was deferred: its shape \[3,0\]/);
  p.inferShape([3, 4]);
  assert.deepEqual(p.shape, [3, 4]);
  assert.deepEqual(p.data().shape, [3, 4]);
  assert.equal(p.data().dtype, "float64");
  assert.equal(p.data().at(2, 3).item(), 2);
});

test("ParameterDict.get names the missing parameter and lists the known ones", () => {
  const d = new ParameterDict();
  assert.throws(() => d.get("x"), /ParameterDict: no parameter named 'x'; have none/);
  d.add(new Parameter("a", [1]));
  d.add(new Parameter("b", [1]));
  assert.throws(() => d.get("x"), /no parameter named 'x'; have a, b/);
  assert.equal(d.size, 2);
});

test("ParameterDict.initialize defaults weights to Uniform(0.07) and honours forceReinit", () => {
  np.random.seed(8);
  const d = new ParameterDict();
  const w = new Parameter("w", [50, 50]);
  d.add(w);
  d.initialize();
  const first = w.data().tolist();
  assert.ok((first as number[][]).flat().every((v) => Math.abs(v) <= 0.07));
  d.initialize(init.One());
  assert.deepEqual(w.data().tolist(), first, "already initialized: kept");
  d.initialize(init.One(), { forceReinit: true });
  assert.ok((w.data().tolist() as number[][]).flat().every((v) => v === 1));
});

test("the gluon namespace exposes nn, Parameter and ParameterDict", () => {
  assert.equal(gluon.nn, nn);
  assert.equal(gluon.Parameter, Parameter);
  assert.equal(gluon.ParameterDict, ParameterDict);
});

// Gluon Block / Sequential / Parameter / ParameterDict: chaining, parameter names and counts, initialization.
import { test } from "node:test";
import assert from "node:assert/strict";
import { np } from "../../src/np.js";
import { autograd } from "../../src/autograd/index.js";
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

test("layers get distinct display prefixes; their parameters are named weight / bias whatever else was built", () => {
  const a = new nn.Conv2D(2, { kernelSize: 1 });
  const b = new nn.Conv2D(2, { kernelSize: 1 });
  const t = new nn.Conv2DTranspose(2, { kernelSize: 1 });
  assert.notEqual(a.prefix, b.prefix);
  assert.match(a.prefix, /^conv\d+_$/);
  assert.match(t.prefix, /^convtranspose\d+_$/);
  assert.equal(a.weight.name, "weight");
  assert.equal(b.bias!.name, "bias");
  assert.deepEqual(a.collectParams().keys(), ["weight", "bias"]);
  assert.deepEqual(b.collectParams().keys(), ["weight", "bias"]);
});

test("nn.Sequential().add(...) chains layers in order", () => {
  const net = new nn.Sequential().add(
    new nn.Conv2D(1, { kernelSize: 2, useBias: false, weightInitializer: init.One(), dtype: "float64" }),
    new nn.Conv2DTranspose(1, {
      kernelSize: 2,
      useBias: false,
      weightInitializer: init.Constant(
        np.array(
          [
            [1, -1],
            [0, 2],
          ],
          f64,
        ),
      ),
      dtype: "float64",
    }),
  );
  net.add(new nn.Conv2D(1, { kernelSize: 1, weightInitializer: init.Constant(3), biasInitializer: init.Constant(1), dtype: "float64" }));
  assert.equal(net.length, 3);
  net.initialize();
  const x = np.arange(9, undefined, 1, f64).reshape(1, 1, 3, 3);
  // step by step by hand: 2×2 box sums of arange(9).reshape(3,3) = [[8,12],[20,24]]
  // transposed conv of that with [[1,-1],[0,2]]: out[i+a][j+b] += s[i][j]·k[a][b]
  const s = [
    [8, 12],
    [20, 24],
  ];
  const k = [
    [1, -1],
    [0, 2],
  ];
  const t = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
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
  const tw = inner.at(0) as nn.Conv2DTranspose;
  assert.equal(params.size, 5, "2 + 1 (no bias) + 2");
  assert.deepEqual(params.keys(), ["0.weight", "0.bias", "1.weight", "2.0.weight", "2.0.bias"]);
  assert.equal(params.get("2.0.weight"), tw.weight);
  assert.equal(new Set(params.keys()).size, 5, "names are unique");
  assert.equal(params.get("1.weight"), c2.weight);
  assert.deepEqual(
    [...params].map((p) => p.name),
    ["weight", "bias", "weight", "weight", "bias"],
  );
  assert.deepEqual(
    params.entries().map(([k, p]) => [k, p]),
    params.keys().map((k, i) => [k, params.values()[i]]),
  );
});

test("Sequential.initialize initializes every layer, deferred ones at the first forward", () => {
  np.random.seed(3);
  const net = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1 }), new nn.Conv2D(2, { kernelSize: 1 }));
  net.initialize();
  const params = net.collectParams().values();
  assert.ok(params.filter((p) => p.name.endsWith("weight")).every((p) => !p.isInitialized));
  const y = net.forward(np.ones([1, 3, 5, 5]));
  assert.deepEqual(y.shape, [1, 2, 5, 5]);
  assert.deepEqual(
    params.map((p) => p.shape),
    [[4, 3, 3, 3], [4], [2, 4, 1, 1], [2]],
  );
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
    }
    forward(x: NDArray): NDArray {
      return this.b.forward(npx.relu(this.a.forward(x)));
    }
  }
  const m = new TwoConvs().initialize();
  assert.match(m.prefix, /^twoconvs\d+_$/);
  assert.deepEqual(m.collectParams().keys(), ["a.weight", "a.bias", "b.weight", "b.bias"], "Block-valued properties register under their names");
  assert.deepEqual(m.forward(np.array([[[1, -1]]], f64)).tolist(), [[[1, 0]]]); // relu([1,-1]) twice, ·0.5 summed
});

// ---- Parameter and ParameterDict ------------------------------------------------------------------------

test("Parameter.initialize creates values with a gradient buffer; setData keeps the array", () => {
  const p = new Parameter("w", [2, 2]);
  assert.equal(p.isInitialized, false);
  p.initialize(init.One());
  const v = p.data();
  assert.deepEqual(v.tolist(), [
    [1, 1],
    [1, 1],
  ]);
  assert.deepEqual(p.grad()!.shape, [2, 2]);
  p.setData(
    np.array([
      [1, 2],
      [3, 4],
    ]),
  );
  assert.equal(p.data(), v, "same array, so references held by an optimizer stay valid");
  assert.deepEqual(v.tolist(), [
    [1, 2],
    [3, 4],
  ]);
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

// ---- custom Blocks, structural names, gradReq (issue 9) ----------------------------------------------------

/** A two-level net with explicit and property-registered children, built the same way each call. */
class TinyUNet extends nn.Block {
  readonly enc1: nn.Sequential;
  readonly up: nn.Conv2DTranspose;
  constructor() {
    super();
    this.enc1 = this.registerChild(new nn.Sequential().add(new nn.Conv2D(2, { kernelSize: 3, padding: 1, dtype: "float64" })), "enc1");
    this.up = new nn.Conv2DTranspose(1, { kernelSize: 2, strides: 2, dtype: "float64" }); // found as a property
    this.registerChild(new nn.Conv2D(1, { kernelSize: 1, useBias: false, dtype: "float64" }), "head");
  }
  forward(x: NDArray, skip: NDArray): [NDArray, NDArray] {
    const h = this.enc1.forward(x);
    const head = this.namedChildren().find(([n]) => n === "head")![1];
    return [head.forward(h) as NDArray, this.up.forward(skip)];
  }
}

test("structural parameter names follow the registered names and do not depend on what else was built", () => {
  const first = new TinyUNet().collectParams().keys();
  for (let i = 0; i < 3; i++) new nn.Sequential().add(new nn.Conv2D(1, { kernelSize: 1 }));
  const second = new TinyUNet().collectParams().keys();
  assert.deepEqual(first, ["enc1.0.weight", "enc1.0.bias", "head.weight", "up.weight", "up.bias"]);
  assert.deepEqual(second, first);
  const outer = new nn.Sequential().add(new TinyUNet());
  assert.deepEqual(
    outer.collectParams().keys(),
    first.map((k) => `0.${k}`),
  );
});

test("a custom Block's forward takes several inputs and returns several outputs", () => {
  const net = new TinyUNet().initialize(init.One());
  const [a, b] = net.forward(np.ones([1, 1, 4, 4], f64), np.ones([1, 1, 2, 2], f64));
  assert.deepEqual(a.shape, [1, 1, 4, 4]);
  assert.deepEqual(b.shape, [1, 1, 4, 4]);
  // head(enc1(x)) at the centre: each of 2 channels sums a full 3×3 window of ones (biases stay zeros) = 9; head adds both
  assert.equal(a.at(0, 0, 1, 1).item(), 18);
  assert.equal(b.at(0, 0, 0, 0).item(), 1, "k2 s2 tconv of ones with weight 1: each output gets one tap");
});

test("Sequential passes a child's array output on as the next child's inputs", () => {
  class Split extends nn.Block {
    forward(x: NDArray): NDArray[] {
      return [x, x.mul(10)];
    }
  }
  class Join extends nn.Block {
    forward(x: NDArray, y: NDArray): NDArray {
      return x.add(y);
    }
  }
  const x = np.array([1, 2]);
  assert.deepEqual(new nn.Sequential().add(new Split(), new Join()).forward(x).tolist(), [11, 22]);
  const out = new nn.Sequential().add(new Split()).forward(x) as unknown as NDArray[];
  assert.deepEqual(
    out.map((v) => v.tolist()),
    [
      [1, 2],
      [10, 20],
    ],
  );
});

test("Sequential names its children 0, 1, …; at(i) returns them; HybridSequential is the same class", () => {
  const c = new nn.Conv1D(1, { kernelSize: 1 });
  const net: nn.HybridSequential = new nn.HybridSequential().add(new nn.Conv1D(1, { kernelSize: 1 }), c);
  assert.ok(net instanceof nn.Sequential);
  assert.deepEqual(
    net.namedChildren().map(([n]) => n),
    ["0", "1"],
  );
  assert.equal(net.at(1), c);
  assert.equal(net.at(-1), c);
  assert.throws(() => net.at(2), /Sequential.at: index 2 is out of range for 2 children/);
  assert.equal(net.hybridize(), net);
});

test("a parameter shared by two blocks is collected once, under its first name", () => {
  const shared = new nn.Conv1D(1, { kernelSize: 1 });
  const net = new nn.Sequential().add(shared, new nn.Sequential().add(shared));
  assert.deepEqual(net.collectParams().keys(), ["0.weight", "0.bias"]);
});

test("collectParams(select) keeps the structural names a regular expression matches", () => {
  assert.deepEqual(new TinyUNet().collectParams(".*weight$").keys(), ["enc1.0.weight", "head.weight", "up.weight"]);
  assert.deepEqual(new TinyUNet().collectParams(/^up\./).keys(), ["up.weight", "up.bias"]);
});

test("registerChild and registerParameter reject bad names and clashes", () => {
  class B extends nn.Block {
    forward(x: NDArray): NDArray {
      return x;
    }
  }
  const b = new B();
  assert.throws(() => b.registerChild(new B(), "a.b"), /B.registerChild: child name "a.b" must be a non-empty string without dots/);
  assert.throws(() => b.registerChild({} as never, "x"), /B.registerChild: expects a Block/);
  assert.throws(() => b.registerChild(b, "self"), /a block cannot be its own child/);
  b.registerChild(new B(), "x");
  assert.throws(() => b.registerChild(new B(), "x"), /a child named 'x' is already registered/);
  b.registerParameter(new Parameter("w", [1]));
  assert.throws(() => b.registerParameter(new Parameter("w", [2])), /a parameter named 'w' is already registered/);
  assert.throws(() => b.registerParameter(new Parameter("a.b", [2])), /parameter name "a.b" must be a non-empty string without dots/);
});

test("a Parameter-valued property of a custom Block is collected under the parameter's name", () => {
  class Scale extends nn.Block {
    readonly alpha = new Parameter("alpha", { shape: [1], init: init.Constant(3), dtype: "float64" });
    forward(x: NDArray): NDArray {
      return x.mul(this.alpha.data());
    }
  }
  const net = new nn.Sequential().add(new Scale()).initialize();
  assert.deepEqual(net.collectParams().keys(), ["0.alpha"]);
  assert.deepEqual(net.forward(np.array([1, 2], f64)).tolist(), [3, 6]);
});

test("Block.toString prints the tree of named children", () => {
  const s = new nn.Sequential().add(new nn.Conv1D(1, { kernelSize: 1 }), new nn.Sequential().add(new nn.Conv1D(1, { kernelSize: 1 }))).toString();
  assert.match(s, /^Sequential\(\n {2}\(0\): Conv1D\(.*\)\n {2}\(1\): Sequential\(\n {4}\(0\): Conv1D\(.*\)\n {2}\)\n\)$/);
});

test("Parameter options form: shape, init, dtype, gradReq; unknown options name the nearest", () => {
  const p = new Parameter("w", { shape: [2], init: init.Constant(4), dtype: "float64", gradReq: "add" });
  p.initialize();
  assert.deepEqual(p.data().tolist(), [4, 4]);
  assert.equal(p.gradReq, "add");
  assert.throws(() => new Parameter("w", { shap: [2] } as never), /Parameter 'w': unknown option 'shap' \(did you mean 'shape'\?\)/);
  assert.throws(() => new Parameter("w", { gradReq: "none" as never }), /Parameter 'w': gradReq="none" is not one of "write", "add", "null"/);
  assert.throws(() => new Parameter("w", [1.5]), /Parameter 'w': shape \[1.5\] must be a list of non-negative integers/);
});

test("gradReq: 'write' overwrites, 'add' accumulates, 'null' gets no gradient and the Trainer skips it", () => {
  const mk = (req: "write" | "add" | "null") => {
    const p = new Parameter("w", { shape: [2], init: init.Constant(1), dtype: "float64", gradReq: req });
    p.initialize();
    return p;
  };
  const [w, a, n] = [mk("write"), mk("add"), mk("null")];
  for (let i = 0; i < 2; i++) {
    const y = autograd.record(() => w.data().mul(2).add(a.data().mul(3)).add(n.data().mul(5)).sum());
    y.backward();
  }
  assert.deepEqual(w.grad()!.tolist(), [2, 2]);
  assert.deepEqual(a.grad()!.tolist(), [6, 6], "two backwards added");
  assert.throws(() => n.grad(), /Parameter 'w' has no gradient because its gradReq is "null"/);
  a.zeroGrad();
  assert.deepEqual(a.grad()!.tolist(), [0, 0]);
  const trainer = new gluon.Trainer([w, a, n], "sgd", { learningRate: 1 });
  assert.deepEqual(trainer.params, [w, a]);
  n.gradReq = "write";
  assert.deepEqual(n.grad()!.tolist(), [0, 0], "switching back attaches a gradient");
});

test("ParameterDict.setGradReq freezes a whole network", () => {
  const net = new TinyUNet();
  net.collectParams("^enc1").setGradReq("null");
  assert.deepEqual(
    net
      .collectParams()
      .values()
      .map((p) => p.gradReq),
    ["null", "null", "write", "write", "write"],
  );
});

test("layer classes, Parameter and NDArray are usable as types", () => {
  const net: nn.Sequential = new nn.Sequential();
  const layer: nn.Conv2DTranspose = new nn.Conv2DTranspose(1, { kernelSize: 2 });
  const p: gluon.Parameter = layer.weight;
  const blk: nn.Block = net.add(layer);
  const f = (x: NDArray): number => x.size;
  assert.equal(f(np.zeros([2])), 2);
  assert.ok(blk instanceof nn.Block && p instanceof Parameter);
});

test("toString describes the new layers inside a network", () => {
  const s = new nn.Sequential()
    .add(new nn.Dense(3, { inUnits: 4 }), new nn.BatchNorm(), new nn.MaxPool2D(), new nn.Dropout(0.3), new nn.LeakyReLU(0.2))
    .toString();
  assert.match(s, /\(0\): Dense\(4 -> 3, linear\)/);
  assert.match(s, /\(1\): BatchNorm\(axis=1, eps=0.00001, momentum=0.9, in_channels=None\)/);
  assert.match(s, /\(2\): MaxPool2D\(size=\[2,2\], stride=\[2,2\], padding=\[0,0\], ceil_mode=false\)/);
  assert.match(s, /\(3\): Dropout\(p = 0.3\)/);
  assert.match(s, /\(4\): LeakyReLU\(0.2\)/);
});

test("block.summary(x) prints Gluon's table: every layer in call order, output shapes, own parameter counts, totals", (t) => {
  // D2L's LeNet (§7.6) on one 28×28 image; parameter counts by hand: conv out·in·k²+out, dense in·out+out
  const net = new nn.Sequential().add(
    new nn.Conv2D(6, { kernelSize: 5, padding: 2, activation: "sigmoid" }),
    new nn.AvgPool2D({ poolSize: 2, strides: 2 }),
    new nn.Conv2D(16, { kernelSize: 5 }),
    new nn.BatchNorm(),
    new nn.Activation("relu"),
    new nn.AvgPool2D({ poolSize: 2, strides: 2 }),
    new nn.Dense(120),
    new nn.Dense(84),
    new nn.Dense(10),
  );
  net.initialize();
  const printed: unknown[] = [];
  t.mock.method(console, "log", (...a: unknown[]) => printed.push(...a));
  const table = net.summary(np.zeros([1, 1, 28, 28]));
  assert.deepEqual(printed, [table]);
  const rows = table
    .split("\n")
    .filter((l) => /^\s+\S+-\d+\s|^\s+Input\s/.test(l))
    .map((l) => l.trim().split(/\s{2,}/));
  const conv1 = 6 * 1 * 25 + 6,
    conv2 = 16 * 6 * 25 + 16,
    bn = 4 * 16,
    d1 = 16 * 5 * 5 * 120 + 120,
    d2 = 120 * 84 + 84,
    d3 = 84 * 10 + 10;
  assert.deepEqual(rows, [
    ["Input", "(1, 1, 28, 28)", "0"],
    ["Conv2D-1", "(1, 6, 28, 28)", String(conv1)],
    ["AvgPool2D-2", "(1, 6, 14, 14)", "0"],
    ["Conv2D-3", "(1, 16, 10, 10)", String(conv2)],
    ["BatchNorm-4", "(1, 16, 10, 10)", String(bn)], // not fused with the relu: every layer gets its row
    ["Activation-5", "(1, 16, 10, 10)", "0"],
    ["AvgPool2D-6", "(1, 16, 5, 5)", "0"],
    ["Dense-7", "(1, 120)", String(d1)],
    ["Dense-8", "(1, 84)", String(d2)],
    ["Dense-9", "(1, 10)", String(d3)],
    ["Sequential-10", "(1, 10)", "0"],
  ]);
  const total = conv1 + conv2 + bn + d1 + d2 + d3;
  assert.equal(total, 61706 + 64); // D2L's LeNet has 61706; BatchNorm adds 2·16 trainable (gamma, beta) and 2·16 running statistics
  assert.match(
    table,
    new RegExp(
      `Total params: ${total}\\n {3}Trainable params: ${total - 32}\\n {3}Non-trainable params: 32\\nShared params in forward computation graph: 0\\nUnique parameters in model: ${total}`,
    ),
  );
  // the hooks are gone afterwards and nothing was recorded or trained
  assert.ok(!Object.hasOwn(net.at(0), "forward") && !Object.hasOwn(net.at(3), "forwardFused"));
  assert.deepEqual(net.forward(np.zeros([2, 1, 28, 28])).shape, [2, 10]);
});

test("summary counts a shared layer's parameters once as unique and again as shared; bad inputs throw", (t) => {
  t.mock.method(console, "log", () => {});
  const dense = new nn.Dense(4, { inUnits: 4 });
  const net = new nn.Sequential().add(dense, dense).initialize();
  const table = net.summary(np.ones([2, 4]));
  assert.match(table, /Total params: 40\n[\s\S]*Shared params in forward computation graph: 20\nUnique parameters in model: 20/);
  assert.throws(() => net.summary(), /Sequential\.summary: pass the inputs of a forward pass/);
  assert.throws(() => net.summary([1, 2] as never), /Sequential\.summary: input 0 must be an NDArray, got object/);
});

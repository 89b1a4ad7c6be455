// onnx.exportModel: imported PyTorch nets and tconv-built nets written as ONNX and run in onnxruntime-node.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gluon, init, type NDArray, nn, np, npx } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { decodeModel } from "../../src/onnx/proto.js";
import { binary, unary } from "../../src/ops/elementwise.js";
import { BINARY_OPS, type BinaryOp, ONNX_ELEMENTWISE, UNARY_OPS, type UnaryOp } from "../../src/params/elementwise-names.js";
import { compare, modelFixtures, runOrt, toArray } from "../helpers/onnx-models.js";

const torchFixtures = modelFixtures().filter((f) => f.outputs.length > 0);
/** Fixtures whose ONNX file (exported by PyTorch without dynamic axes) bakes the batch size into a constant. */
const BATCH_FIXED = new Set(["diffusion_block"]);

for (const f of torchFixtures)
  test(`import → export → onnxruntime equals PyTorch: ${f.name}`, async () => {
    const net = onnx.importToGluon(f.bytes);
    const inputs = f.inputs.map((t) => toArray(t));
    const shapes = f.inputs.map((t) => t.shape);
    let bytes: Uint8Array;
    if (BATCH_FIXED.has(f.name)) {
      // the source model holds a constant the size of its traced batch: a symbolic batch would be wrong, so refused
      assert.throws(() => onnx.exportModel(net, shapes), /differs from the one traced at batch/);
      bytes = onnx.exportModel(net, shapes, { dynamicBatch: false });
    } else bytes = onnx.exportModel(net, shapes);
    const got = await runOrt(bytes, inputs);
    f.outputs.forEach((want, k) => {
      assert.deepEqual(got[k]!.shape, want.shape);
      const { maxErr, scale } = compare(got[k]!.data, want.data);
      assert.ok(maxErr <= 1e-5 * scale, `${f.name} output ${k}: max error ${maxErr}`);
    });
  });

/** D2L's DCGAN generator shape (noise → 3×16×16 here), built from tconv layers. */
function generator(): nn.Sequential {
  const net = new nn.Sequential();
  net.add(
    new nn.Conv2DTranspose(16, { kernelSize: 4, strides: 1, padding: 0, useBias: false, activation: "relu" }),
    new nn.Conv2DTranspose(8, { kernelSize: 4, strides: 2, padding: 1, activation: "relu" }),
    new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1, activation: "tanh" }),
  );
  np.random.seed(3);
  net.initialize();
  return net;
}

/** A two-level U-Net with a concatenated skip, a constant pad, a strided slice and a softmax head. */
class TinyUNet extends nn.Block {
  readonly enc = new nn.Conv2D(6, { kernelSize: 3, padding: 1, activation: "relu" });
  readonly down = new nn.Conv2D(12, { kernelSize: 3, strides: 2, padding: 1, activation: "relu" });
  readonly up = new nn.Conv2DTranspose(6, { kernelSize: 2, strides: 2 });
  readonly head = new nn.Conv2D(3, { kernelSize: 1 });
  forward(x: NDArray): NDArray {
    const e = this.enc.forward(x);
    const u = this.up.forward(this.down.forward(e));
    const cat = np.concatenate([u, e], { axis: 1 });
    const padded = np.pad(
      cat,
      [
        [0, 0],
        [0, 0],
        [1, 1],
        [1, 1],
      ],
      { constantValues: 0.5 },
    );
    const cropped = padded.at(null, null, "1:-1", "1:-1");
    const h = this.head.forward(cropped.mul(2).sub(cropped.mean({ axis: [2, 3], keepdims: true })));
    return npx.softmax(h, { axis: 1 });
  }
}

async function checkAgainstTconv(net: nn.Block, shape: number[], batches: number[]) {
  const bytes = onnx.exportModel(net, [shape]);
  for (const n of batches) {
    np.random.seed(10 + n);
    const x = np.random.uniform({ low: -1, high: 1, size: [n, ...shape.slice(1)] });
    const want = net.forward(x) as NDArray;
    const [got] = await runOrt(bytes, [x]);
    assert.deepEqual(got!.shape, want.shape);
    const { maxErr, scale } = compare(got!.data, want.asTypedArray());
    assert.ok(maxErr <= 1e-5 * scale, `batch ${n}: max error ${maxErr}`);
  }
  return bytes;
}

test("a tconv-built DCGAN generator → export → onnxruntime equals tconv, at the traced batch and another (dynamic batch)", async () => {
  const bytes = await checkAgainstTconv(generator(), [2, 32, 1, 1], [2, 5]);
  const m = decodeModel(bytes, "test");
  assert.deepEqual(
    m.graph!.node!.map((n) => n.op_type),
    ["ConvTranspose", "Relu", "ConvTranspose", "Relu", "ConvTranspose", "Tanh"],
  );
  assert.equal(m.graph!.input![0]!.type!.tensor_type!.shape!.dim![0]!.dim_param, "N");
  assert.deepEqual(
    m.graph!.initializer!.map((t) => t.name),
    ["0.weight", "1.weight", "1.bias", "2.weight", "2.bias"],
  );
});

test("a custom U-Net block (concat skip, pad, slice, mean, softmax) → export → onnxruntime equals tconv", async () => {
  const net = new TinyUNet();
  net.initialize();
  await checkAgainstTconv(net, [1, 2, 8, 8], [1, 3]);
});

/** The layer ops (batch norm, pooling, leaky activations, pixel shuffle) through npx, with registered parameters. */
class LayerOps extends nn.Block {
  readonly conv = new nn.Conv2D(8, { kernelSize: 3, padding: 1 });
  readonly gamma = new gluon.Parameter("gamma", { shape: [8], init: init.Constant(np.array([1.2, 0.8, 1, 0.9, 1.1, 0.7, 1.3, 1])) });
  readonly beta = new gluon.Parameter("beta", { shape: [8], init: init.Constant(0.1) });
  readonly runningMean = new gluon.Parameter("running_mean", { shape: [8], init: init.Constant(0.05), gradReq: "null" });
  readonly runningVar = new gluon.Parameter("running_var", { shape: [8], init: init.Constant(1.5), gradReq: "null" });
  forward(x: NDArray): NDArray[] {
    const h = npx.batchNorm(this.conv.forward(x), this.gamma.data(), this.beta.data(), this.runningMean.data(), this.runningVar.data(), { eps: 1e-3 });
    const a = npx.leakyRelu(npx.pooling(h, { kernel: 3, stride: 2, pad: 1, poolingConvention: "full" }), { slope: 0.1 });
    const b = npx.leakyRelu(npx.pooling(h, { kernel: 2, stride: 2, poolType: "avg", countIncludePad: false }), { actType: "elu", slope: 0.5 });
    const c = npx.activation(npx.pooling(h, { kernel: 3, stride: 1, pad: 1, poolType: "sum" }), "softsign");
    const d = npx.depthToSpace(npx.spaceToDepth(npx.leakyRelu(h, { actType: "selu" }), 2), 2, { mode: "CRD" });
    const g = npx.pooling(h, { globalPool: true, poolType: "avg" });
    return [a, b, c, d, g];
  }
}

test("layer ops (batchNorm, pooling max/avg/sum/global with full convention, leaky/elu/selu, softsign, spaceToDepth, depthToSpace) → export → onnxruntime equals tconv", async () => {
  const net = new LayerOps();
  net.initialize();
  const bytes = onnx.exportModel(net, [2, 3, 8, 8]);
  const ops = new Set(decodeModel(bytes, "test").graph!.node!.map((n) => n.op_type));
  for (const op of [
    "BatchNormalization",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "LeakyRelu",
    "Elu",
    "Selu",
    "Softsign",
    "SpaceToDepth",
    "DepthToSpace",
  ])
    assert.ok(ops.has(op), op);
  const x = np.random.uniform({ low: -2, high: 2, size: [3, 3, 8, 8] });
  const want = net.forward(x);
  const got = await runOrt(bytes, [x]);
  want.forEach((w, k) => {
    assert.deepEqual(got[k]!.shape, w.shape);
    const { maxErr, scale } = compare(got[k]!.data, w.asTypedArray());
    assert.ok(maxErr <= 1e-5 * scale, `output ${k}: max error ${maxErr}`);
  });
});

test("InstanceNorm, GroupNorm, LayerNorm, HardSwish, HardSigmoid layers → export (opsets 17 and 13) → onnxruntime equals tconv; re-import equals too", async () => {
  np.random.seed(26);
  const net = new nn.Sequential().add(
    new nn.Conv2D(6, { kernelSize: 3, padding: 1 }),
    new nn.InstanceNorm({ scale: true, gammaInitializer: init.Uniform(1) }),
    new nn.HardSwish(),
    new nn.GroupNorm({ numGroups: 3, betaInitializer: init.Uniform(0.5) }),
    new nn.HardSigmoid(),
    new nn.LayerNorm({ gammaInitializer: init.Uniform(1) }),
  );
  net.initialize();
  const x = np.random.uniform({ low: -2, high: 2, size: [3, 2, 5, 7] });
  const want = net.forward(x);
  for (const opset of [17, 13]) {
    const bytes = onnx.exportModel(net, [2, 2, 5, 7], { opset });
    const ops = new Set(decodeModel(bytes, "test").graph!.node!.map((n) => n.op_type));
    for (const op of ["HardSigmoid", "ReduceMean", ...(opset >= 14 ? ["HardSwish"] : [])]) assert.ok(ops.has(op), `opset ${opset}: ${op}`);
    const [got] = await runOrt(bytes, [x]);
    assert.deepEqual(got!.shape, want.shape);
    const { maxErr, scale } = compare(got!.data, want.asTypedArray());
    assert.ok(maxErr <= 1e-5 * scale, `opset ${opset}: max error ${maxErr}`);
    const back = onnx.importToGluon(bytes).forward(x) as NDArray;
    const re = compare(back.asTypedArray(), want.asTypedArray()).maxErr;
    // opset 13 writes HardSwish as x·HardSigmoid(x): float32 rounding differs by an ulp, which the norms amplify
    assert.ok(re <= 1e-5 * scale, `opset ${opset}: re-import max error ${re}`);
  }
});

test("Gluon layers (DCGAN generator with BatchNorm; discriminator with LeakyReLU, MaxPool, Dense) → export → onnxruntime equals tconv; re-import equals too", async () => {
  const g = new nn.Sequential();
  for (const [c, s, p] of [
    [16, 1, 0],
    [8, 2, 1],
  ] as const)
    g.add(new nn.Conv2DTranspose(c, { kernelSize: 4, strides: s, padding: p, useBias: false }), new nn.BatchNorm(), new nn.Activation("relu"));
  g.add(new nn.Conv2DTranspose(3, { kernelSize: 4, strides: 2, padding: 1 }), new nn.Activation("tanh"));
  const d = new nn.Sequential();
  d.add(
    new nn.Conv2D(8, { kernelSize: 3, padding: 1 }),
    new nn.LeakyReLU(0.2),
    new nn.MaxPool2D(),
    new nn.Conv2D(8, { kernelSize: 3 }),
    new nn.BatchNorm(),
    new nn.ELU(0.5),
  );
  d.add(new nn.GlobalAvgPool2D(), new nn.Flatten(), new nn.Dense(4, { activation: "relu" }), new nn.Dense(1), new nn.Activation("sigmoid"));
  np.random.seed(5);
  for (const [net, shape] of [
    [g, [2, 12, 1, 1]],
    [d, [2, 3, 16, 16]],
  ] as const) {
    net.initialize();
    net.forward(np.zeros([...shape])); // deferred shapes
    // running statistics away from 0 / 1
    for (const [name, p] of net
      .collectParams()
      .values()
      .map((q) => [q.name, q] as const))
      if (name === "running_var") p.setData(np.random.uniform({ low: 0.5, high: 1.5, size: p.shape }));
      else if (name === "running_mean") p.setData(np.random.uniform({ low: -0.3, high: 0.3, size: p.shape }));
    const bytes = await checkAgainstTconv(net, [...shape], [shape[0], 3]);
    const x = np.random.uniform({ size: [3, ...shape.slice(1)] });
    const back = onnx.importToGluon(bytes).forward(x) as NDArray;
    assert.ok(compare(back.asTypedArray(), net.forward(x).asTypedArray()).maxErr < 1e-5);
  }
});

/** Padding modes and upsampling layers: Pad(reflect/edge) + Conv, and Resize in the four PyTorch settings. */
class Resampling extends nn.Block {
  readonly reflect = new nn.Conv2D(4, { kernelSize: 3, padding: 1, paddingMode: "reflect" });
  readonly replicate = new nn.Conv2D(4, { kernelSize: 3, padding: [2, 1], paddingMode: "replicate" });
  readonly nearest = new nn.Upsample({ scale: 2 });
  readonly bilinear = new nn.Upsample({ scale: 2, sampleType: "bilinear" });
  readonly corners = new nn.Upsample({ scale: [1.5, 2.5], sampleType: "bilinear", alignCorners: true });
  readonly odd = new nn.Upsample({ scale: [7 / 3, 1] });
  forward(x: NDArray): NDArray[] {
    const h = this.replicate.forward(this.reflect.forward(x));
    return [this.nearest.forward(h), this.bilinear.forward(h), this.corners.forward(h), this.odd.forward(x)];
  }
}

test("paddingMode reflect/replicate convolutions and nn.Upsample (nearest, bilinear, alignCorners, scale 7/3) → export → onnxruntime equals tconv", async () => {
  const net = new Resampling();
  net.initialize();
  const bytes = onnx.exportModel(net, [1, 2, 6, 5]);
  const nodes = decodeModel(bytes, "test").graph!.node!;
  assert.deepEqual(nodes.filter((n) => n.op_type === "Pad").length, 2);
  assert.ok(nodes.filter((n) => n.op_type === "Resize").length >= 4);
  for (const batch of [1, 2]) {
    const x = np.random.uniform({ low: -1, high: 1, size: [batch, 2, 6, 5] });
    const want = net.forward(x);
    const got = await runOrt(bytes, [x]);
    want.forEach((w, k) => {
      assert.deepEqual(got[k]!.shape, w.shape, `output ${k}`);
      const { maxErr, scale } = compare(got[k]!.data, w.asTypedArray());
      assert.ok(maxErr <= 1e-5 * scale, `output ${k}: max error ${maxErr}`);
    });
  }
});

test("export → import gives the same function and the same parameter names", () => {
  const net = new TinyUNet();
  net.initialize();
  const back = onnx.importToGluon(onnx.exportModel(net, [1, 2, 8, 8]));
  assert.deepEqual(back.collectParams().keys().sort(), net.collectParams().keys().sort());
  const x = np.random.uniform({ size: [2, 2, 8, 8] });
  const { maxErr } = compare((back.forward(x) as NDArray).asTypedArray(), net.forward(x).asTypedArray());
  assert.ok(maxErr < 1e-6, `max error ${maxErr}`);
});

test("dynamicBatch: false writes the traced batch size; opset 13 is accepted", async () => {
  const net = generator();
  const bytes = onnx.exportModel(net, [[1, 32, 1, 1]], { dynamicBatch: false, opset: 13 });
  const m = decodeModel(bytes, "test");
  assert.equal(m.graph!.input![0]!.type!.tensor_type!.shape!.dim![0]!.dim_value, 1);
  assert.equal(m.opset_import![0]!.version, 13);
  const x = np.random.uniform({ size: [1, 32, 1, 1] });
  const [got] = await runOrt(bytes, [x]);
  assert.ok(compare(got!.data, net.forward(x).asTypedArray()).maxErr < 1e-5);
});

test("exportModel errors name the argument and the value", () => {
  const net = generator();
  assert.throws(() => onnx.exportModel({} as nn.Block, [1, 2]), /onnx\.exportModel: block must be a Gluon Block/);
  assert.throws(() => onnx.exportModel(net, [[1, 0, 2]]), /input shape 0 \[1,0,2\] must be a non-empty list of positive integers/);
  assert.throws(() => onnx.exportModel(net, [1, 32, 1, 1], { opset: 12 }), /opset 12 is not supported; tconv writes opsets 13 to 17/);
  assert.throws(() => onnx.exportModel(net, [1, 32, 1, 1], { opsets: 17 } as never), /unknown option 'opsets' \(did you mean 'opset'\?\)/);
  class Picker extends nn.Block {
    forward(x: NDArray): NDArray {
      return npx.pick(x, np.zeros([x.shape[0]!]), { axis: 1 });
    }
  }
  assert.throws(() => onnx.exportModel(new Picker(), [2, 3]), /the forward ran op "pick", which has no ONNX form/);
});

/** One elementwise op of the generated list as a network: op(x, y), op(x, 2) for binary ops, op(x) for unary ones. */
class OneElementwise extends nn.Block {
  constructor(private readonly op: string) {
    super();
  }
  forward(x: NDArray, y: NDArray): NDArray[] {
    const op = this.op;
    if ((BINARY_OPS as readonly string[]).includes(op)) return [binary(op as BinaryOp, x, y), binary(op as BinaryOp, x, 2)];
    return [unary(op as UnaryOp, x)];
  }
}

test("every elementwise op of params/elementwise-ops.json (comparisons included) → export → onnxruntime equals tconv", async () => {
  // values on a grid of halves so comparisons meet equal pairs, all positive so log, sqrt and pow stay real
  const grid = (seed: number) =>
    np
      .array(
        Array.from({ length: 24 }, (_, i) => 0.5 * (1 + ((i * seed) % 5))),
        { dtype: "float32" },
      )
      .reshape([2, 3, 4]);
  const x = grid(7);
  const y = grid(3);
  for (const op of [...BINARY_OPS, ...UNARY_OPS]) {
    const net = new OneElementwise(op);
    const reason = ONNX_ELEMENTWISE[op];
    if (typeof reason === "string") {
      // an op declared without an ONNX form: the export names the op and gives the reason
      assert.throws(
        () => onnx.exportModel(net, [x.shape, y.shape]),
        (e: Error) => e.message.includes(`op "${op}", which has no ONNX form: ${reason}`),
      );
      continue;
    }
    const bytes = onnx.exportModel(net, [x.shape, y.shape]);
    const want = net.forward(x, y);
    const got = await runOrt(bytes, [x, y]);
    assert.equal(got.length, want.length, op);
    want.forEach((w, k) => {
      assert.deepEqual(got[k]!.shape, [...w.shape], `${op} output ${k}`);
      const { maxErr, scale } = compare(got[k]!.data, w.asTypedArray());
      assert.ok(maxErr <= 1e-6 * scale, `${op} output ${k}: max error ${maxErr}`);
    });
  }
});

// onnx.importToGluon: PyTorch-exported nets and hand-built graphs against PyTorch's outputs and onnxruntime, ONNX's
// Conv/ConvTranspose conformance data through the importer, gradients against finite differences, and bad models.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { autograd, gluon, NDArray, np } from "../../src/index.js";
import { onnx, OnnxBlock } from "../../src/onnx/index.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";
import {
  againstOrt,
  attr,
  buildModel,
  checkGradients,
  compare,
  type FixtureTensor,
  type InitSpec,
  modelFixtures,
  runOrt,
  toArray,
  type NodeSpec,
} from "../helpers/onnx-models.js";
import { encodeModel } from "../../src/onnx/proto.js";

const fixtures = modelFixtures();
const torchFixtures = fixtures.filter((f) => f.outputs.length > 0);
const handmade = fixtures.filter((f) => f.outputs.length === 0);

test("the fixtures cover the nets and operators the issue names", () => {
  assert.deepEqual(
    torchFixtures.map((f) => f.name),
    [
      "convtasnet",
      "dcgan_discriminator",
      "dcgan_generator",
      "diffusion_block",
      "espcn",
      "fcn_head",
      "lraspp_mobilenetv3",
      "misc_ops",
      "norm_acts",
      "unet_small",
      "vae_decoder",
    ],
  );
  const ops = new Set(fixtures.flatMap((f) => f.ops));
  for (const op of [
    "Conv",
    "ConvTranspose",
    "BatchNormalization",
    "Relu",
    "LeakyRelu",
    "Sigmoid",
    "Tanh",
    "Softplus",
    "Elu",
    "Clip",
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Concat",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Flatten",
    "Reshape",
    "Transpose",
    "Gemm",
    "MatMul",
    "DepthToSpace",
    "SpaceToDepth",
    "Pad",
    "Resize",
    "Identity",
    "Softmax",
    "Constant",
    "Shape",
    "Gather",
    "Unsqueeze",
    "Squeeze",
    "Slice",
    "Cast",
    "InstanceNormalization",
    "LayerNormalization",
    "HardSigmoid",
    "HardSwish",
  ])
    assert.ok(ops.has(op), `no fixture uses ${op}`);
});

for (const f of torchFixtures)
  test(`import → forward equals PyTorch: ${f.name} (${f.notes})`, () => {
    const net = onnx.importToGluon(f.bytes);
    const outs = net.run(...f.inputs.map((t) => toArray(t)));
    assert.equal(outs.length, f.outputs.length);
    f.outputs.forEach((want, k) => {
      assert.deepEqual(outs[k]!.shape, want.shape);
      const { maxErr, scale } = compare(outs[k]!.asTypedArray(), want.data);
      assert.ok(maxErr <= 1e-5 * scale, `${f.name} output ${k}: max error ${maxErr}`);
    });
  });

for (const f of handmade)
  test(`import → forward equals onnxruntime: ${f.name} (${f.notes})`, async () => {
    const inputs = f.inputs.map((t) => toArray(t));
    const outs = onnx.importToGluon(f.bytes).run(...inputs);
    const ref = await runOrt(f.bytes, inputs);
    ref.forEach((r, k) => {
      assert.deepEqual(outs[k]!.shape, r.shape);
      const { maxErr, scale } = compare(outs[k]!.asTypedArray(), r.data);
      assert.ok(maxErr <= 1e-5 * scale, `${f.name} output ${k}: max error ${maxErr}`);
    });
  });

type WithGrads = ReturnType<typeof modelFixtures>[number] & { headGrad?: FixtureTensor; inputGrads?: FixtureTensor[] };
for (const f of torchFixtures as WithGrads[])
  if (f.headGrad && f.inputGrads)
    test(`import → input gradient equals PyTorch's: ${f.name} (${f.notes})`, () => {
      const net = onnx.importToGluon(f.bytes);
      const x = toArray(f.inputs[0]!).attachGrad();
      const y = autograd.record(() => net.forward(x) as NDArray);
      y.backward(toArray(f.headGrad!));
      const { maxErr, scale } = compare(x.grad!.asTypedArray(), f.inputGrads![0]!.data);
      // the target is 1e-3 relative; float32 gets within 1e-6 on these nets
      assert.ok(maxErr <= 1e-5 * scale, `${f.name} input gradient: max error ${maxErr} (scale ${scale})`);
    });

test("fine-tuning the imported torchaudio Conv-TasNet on a synthetic two-source mix: the loss falls", () => {
  const f = fixtures.find((x) => x.name === "convtasnet")!;
  const net = onnx.importToGluon(f.bytes);
  const T = 400;
  const t = Float32Array.from({ length: T }, (_, i) => i / 8000);
  // source 0: a 440 Hz tone; source 1: a 1.1 kHz tone with a slow envelope; the mix is their sum
  const s0 = t.map((v) => 0.5 * Math.sin(2 * Math.PI * 440 * v));
  const s1 = t.map((v, i) => 0.3 * Math.sin(2 * Math.PI * 1100 * v) * (0.5 + 0.5 * Math.cos((2 * Math.PI * i) / T)));
  const mix = new NDArray(
    s0.map((v, i) => v + s1[i]!),
    [1, 1, T],
  );
  const target = new NDArray(Float32Array.from([...s0, ...s1]), [1, 2, T]);
  const trainer = new gluon.Trainer(net.collectParams(), "adam", { learningRate: 3e-3 });
  const losses: number[] = [];
  for (let step = 0; step < 12; step++) {
    const loss = autograd.record(() => (net.forward(mix) as NDArray).sub(target).pow(2).mean());
    loss.backward();
    trainer.step(1);
    losses.push(loss.item());
  }
  assert.ok(losses[11]! < 0.5 * losses[0]!, `loss ${losses.map((l) => l.toExponential(2)).join(" → ")}`);
});

test("dynamic batch: the VAE decoder's Shape→Gather→Concat→Reshape follows the batch size of each call", () => {
  const f = fixtures.find((x) => x.name === "vae_decoder")!;
  const net = onnx.importToGluon(f.bytes);
  const z = toArray(f.inputs[0]!); // batch 3
  const one = net.forward(z.at("1:2")) as NDArray;
  assert.deepEqual(one.shape, [1, 1, 16, 16]);
  const per = 256;
  const { maxErr } = compare(one.asTypedArray(), f.outputs[0]!.data.slice(per, 2 * per));
  assert.ok(maxErr < 1e-6, `max error ${maxErr}`);
});

test("parameters are Gluon Parameters named after the initializers, with their values", () => {
  const f = fixtures.find((x) => x.name === "dcgan_generator")!;
  const net = onnx.importToGluon(f.bytes);
  assert.ok(net instanceof OnnxBlock);
  const params = net.collectParams();
  assert.ok(params.keys().includes("net.0.weight"), params.keys().join(","));
  assert.ok(params.keys().includes("net.1.running_var"));
  assert.deepEqual(params.get("net.0.weight").data().shape, [16, 32, 4, 4]);
  // BatchNormalization's running statistics are state (PyTorch's buffers): not trained
  assert.equal(params.get("net.1.running_var").gradReq, "null");
  assert.equal(params.get("net.1.weight").gradReq, "write");
  assert.equal(onnx.import_to_gluon, onnx.importToGluon);
  assert.equal(onnx.export_model, onnx.exportModel);
});

test("an imported net trains: gradients reach every parameter the output depends on and a step lowers the loss", () => {
  const f = fixtures.find((x) => x.name === "unet_small")!;
  const net = onnx.importToGluon(f.bytes);
  const x = toArray(f.inputs[0]!);
  const target = np.zeros([2, 2, 16, 16]);
  const loss = () => (net.forward(x) as NDArray).sub(target).pow(2).mean() as NDArray;
  const l0 = autograd.record(loss);
  l0.backward();
  const params = net.collectParams().values();
  for (const p of params) assert.ok(p.grad()!.abs().sum().item() > 0, `no gradient for ${p.name}`);
  for (const p of params) p.data().isub(p.grad()!.mul(0.05));
  const l1 = loss();
  assert.ok(l1.item() < l0.item(), `loss ${l0.item()} → ${l1.item()}`);
});

test("an imported net's parameters are saveable: fine-tuned values survive saveParametersToBytes → a fresh import → loadParametersFromBytes", () => {
  const f = fixtures.find((x) => x.name === "dcgan_generator")!;
  const net = onnx.importToGluon(f.bytes);
  const z = toArray(f.inputs[0]!);
  autograd.record(() => (net.forward(z) as NDArray).pow(2).mean()).backward();
  for (const p of net.collectParams().values()) if (p.gradReq !== "null") p.data().isub(p.grad()!.mul(0.5));
  const tuned = (net.forward(z) as NDArray).asTypedArray();
  assert.ok(compare(tuned, f.outputs[0]!.data).maxErr > 1e-3, "the step changed the output");
  const fresh = onnx.importToGluon(f.bytes);
  fresh.loadParametersFromBytes(net.saveParametersToBytes());
  assert.equal(compare((fresh.forward(z) as NDArray).asTypedArray(), tuned).maxErr, 0);
});

test("initializers stored in typed fields (float_data, int64_data, double_data) read like raw_data", () => {
  const bytes = encodeModel({
    ir_version: 8,
    opset_import: [{ version: 17 }],
    graph: {
      node: [
        { op_type: "Reshape", input: ["x", "shape"], output: ["r"] },
        { op_type: "Mul", input: ["r", "w"], output: ["m"] },
        { op_type: "Add", input: ["m", "b"], output: ["y"] },
      ],
      initializer: [
        { name: "shape", dims: [2], data_type: 7, int64_data: [2, -1] },
        { name: "w", dims: [3], data_type: 1, float_data: [1, -2, 0.5] },
        { name: "b", dims: [], data_type: 11, double_data: [0.25] },
      ],
      input: [{ name: "x" }],
      output: [{ name: "y" }],
    },
  });
  const y = onnx.importToGluon(bytes).forward(np.array([1, 2, 3, 4, 5, 6])) as NDArray;
  assert.deepEqual(y.tolist(), [
    [1.25, -3.75, 1.75],
    [4.25, -9.75, 3.25],
  ]);
});

// ---- the ONNX backend conformance cases, as models -------------------------------------------------------------

interface OnnxCase {
  name: string;
  op: string;
  opset: number;
  attributes: Record<string, unknown>;
  inputs: { name: string; shape: number[]; data: number[] }[];
  output: { shape: number[]; data: number[] };
}
const confDir = new URL("../fixtures/onnx/", import.meta.url);
const confCases = readdirSync(confDir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, confDir), "utf8")) as OnnxCase);

test("there are 17 conformance cases to run through the importer", () => assert.equal(confCases.length, 17));

for (const c of confCases)
  test(`ONNX conformance through importToGluon: ${c.name}`, () => {
    const attrs = Object.entries(c.attributes).map(([k, v]) =>
      typeof v === "string" ? attr.str(k, v) : typeof v === "number" ? attr.int(k, v) : attr.ints(k, v as number[]),
    );
    const [x, ...rest] = c.inputs;
    const bytes = buildModel({
      nodes: [{ op: c.op, inputs: c.inputs.map((t) => t.name), outputs: ["Y"], attrs }],
      inputs: [{ name: x!.name, shape: x!.shape }],
      outputs: ["Y"],
      initializers: rest.map((t) => ({ name: t.name, shape: t.shape, data: t.data })),
      opset: Math.min(c.opset, 22),
    });
    const y = onnx.importToGluon(bytes).forward(toArray(x!)) as NDArray;
    assert.deepEqual(y.shape, c.output.shape);
    const { maxErr, scale } = compare(y.asTypedArray(), c.output.data);
    assert.ok(maxErr <= 1e-5 * scale, `max error ${maxErr}`);
  });

// ---- gradients against finite differences (float64) --------------------------------------------------------------

/** A float64 import whose forward feeds `x`; checks d/dx and d/d(every element of the named parameters). */
const rand = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 12.9898) * 0.8);

test("gradcheck: Conv(pads, strides) → BatchNormalization → LeakyRelu → ConvTranspose(output_padding) → Concat skip → Elu", () => {
  const nodes: NodeSpec[] = [
    { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: [attr.ints("pads", [1, 0, 1, 1]), attr.ints("strides", [2, 1])] },
    { op: "BatchNormalization", inputs: ["c1", "gamma", "beta", "mean", "var"], outputs: ["bn"], attrs: [attr.float("epsilon", 1e-3)] },
    { op: "LeakyRelu", inputs: ["bn"], outputs: ["lr"], attrs: [attr.float("alpha", 0.2)] },
    {
      op: "ConvTranspose",
      inputs: ["lr", "w2"],
      outputs: ["up"],
      attrs: [attr.ints("strides", [2, 1]), attr.ints("pads", [2, 0, 1, 1]), attr.ints("output_padding", [1, 0])],
    },
    { op: "Concat", inputs: ["up", "x"], outputs: ["cat"], attrs: [attr.int("axis", 1)] },
    { op: "Elu", inputs: ["cat"], outputs: ["y"], attrs: [attr.float("alpha", 0.7)] },
  ];
  const bytes = buildModel({
    nodes,
    inputs: [{ name: "x", shape: [1, 2, 5, 4] }],
    outputs: ["y"],
    initializers: [
      { name: "w1", shape: [3, 2, 3, 2], data: rand(36, 1) },
      { name: "b1", shape: [3], data: rand(3, 2) },
      { name: "gamma", shape: [3], data: [1.2, 0.7, 0.9] },
      { name: "beta", shape: [3], data: [0.1, -0.2, 0.3] },
      { name: "mean", shape: [3], data: [0.05, -0.1, 0.2] },
      { name: "var", shape: [3], data: [0.8, 1.3, 0.6] },
      { name: "w2", shape: [3, 2, 3, 2], data: rand(36, 3) },
    ],
  });
  checkGradients(bytes, [1, 2, 5, 4], ["w1", "b1", "gamma", "beta", "w2"]);
});

/** A one-input model run by tconv and by onnxruntime-node on the same input; every output compared. */
test("GroupNormalization (opset 18: scale/bias per group; opset 21: per channel) equals onnxruntime", async () => {
  for (const [opset, n] of [
    [18, 2],
    [21, 6],
  ] as const) {
    const bytes = buildModel({
      opset,
      nodes: [{ op: "GroupNormalization", inputs: ["x", "s", "b"], outputs: ["y"], attrs: [attr.int("num_groups", 2), attr.float("epsilon", 1e-3)] }],
      inputs: [{ name: "x", shape: [2, 6, 3, 4] }],
      outputs: ["y"],
      initializers: [
        { name: "s", shape: [n], data: rand(n, 1).map((v) => v + 1) },
        { name: "b", shape: [n], data: rand(n, 2) },
      ],
    });
    await againstOrt(bytes, [2, 6, 3, 4], `GroupNormalization opset ${opset}`);
  }
});

test("LayerNormalization with Y alone (Scale [4, 5], B broadcast from [5]) and GroupNormalization run the group-norm kernel outside autograd.record, equal to onnxruntime and to the recorded ops", async () => {
  const models: [Uint8Array, number[], string][] = [
    [
      buildModel({
        nodes: [{ op: "LayerNormalization", inputs: ["x", "s", "b"], outputs: ["y"], attrs: [attr.int("axis", -2), attr.float("epsilon", 1e-4)] }],
        inputs: [{ name: "x", shape: [2, 3, 4, 5] }],
        outputs: ["y"],
        initializers: [
          { name: "s", shape: [4, 5], data: rand(20, 3).map((v) => v + 1) },
          { name: "b", shape: [5], data: rand(5, 4) },
        ],
      }),
      [2, 3, 4, 5],
      "LayerNormalization (Y only)",
    ],
  ];
  for (const [opset, n] of [
    [18, 2],
    [21, 6],
  ] as const)
    models.push([
      buildModel({
        opset,
        nodes: [{ op: "GroupNormalization", inputs: ["x", "s", "b"], outputs: ["y"], attrs: [attr.int("num_groups", 2), attr.float("epsilon", 1e-3)] }],
        inputs: [{ name: "x", shape: [2, 6, 3, 4] }],
        outputs: ["y"],
        initializers: [
          { name: "s", shape: [n], data: rand(n, 5).map((v) => v + 1) },
          { name: "b", shape: [n], data: rand(n, 6) },
        ],
      }),
      [2, 6, 3, 4],
      `GroupNormalization opset ${opset}`,
    ]);
  const original = cpuBackend.groupNormForward;
  for (const [bytes, shape, what] of models) {
    await againstOrt(bytes, shape, what);
    const net = onnx.importToGluon(bytes);
    np.random.seed(12);
    const x = np.add(np.random.normal({ size: shape }), 50);
    let calls = 0;
    cpuBackend.groupNormForward = (...args) => {
      calls++;
      original(...args);
    };
    try {
      const fast = net.forward(x) as NDArray;
      assert.equal(calls, 1, `${what}: one group-norm kernel call`);
      const recorded = autograd.record(() => net.forward(x) as NDArray);
      assert.equal(calls, 1, `${what}: recorded, the composed ops run`);
      const { maxErr, scale } = compare(fast.asTypedArray(), recorded.asTypedArray());
      assert.ok(maxErr <= 1e-5 * scale, `${what}: kernel vs recorded ops ${maxErr}`);
    } finally {
      cpuBackend.groupNormForward = original;
    }
  }
});

test("LayerNormalization over the last two axes with its Mean and InvStdDev outputs, InstanceNormalization on 1-D and 3-D inputs, HardSigmoid(α, β) equal onnxruntime", async () => {
  const ln = buildModel({
    nodes: [{ op: "LayerNormalization", inputs: ["x", "s", "b"], outputs: ["y", "mean", "inv"], attrs: [attr.int("axis", -2), attr.float("epsilon", 1e-4)] }],
    inputs: [{ name: "x", shape: [2, 3, 4, 5] }],
    outputs: ["y", "mean", "inv"],
    initializers: [
      { name: "s", shape: [4, 5], data: rand(20, 3).map((v) => v + 1) },
      { name: "b", shape: [5], data: rand(5, 4) },
    ],
  });
  await againstOrt(ln, [2, 3, 4, 5], "LayerNormalization");
  for (const shape of [
    [2, 3, 7],
    [1, 3, 2, 3, 4],
  ]) {
    const inorm = buildModel({
      nodes: [{ op: "InstanceNormalization", inputs: ["x", "s", "b"], outputs: ["y"], attrs: [attr.float("epsilon", 1e-2)] }],
      inputs: [{ name: "x", shape }],
      outputs: ["y"],
      initializers: [
        { name: "s", shape: [3], data: [1.5, 0.5, -1] },
        { name: "b", shape: [3], data: [0.1, -0.2, 0.3] },
      ],
    });
    await againstOrt(inorm, shape, `InstanceNormalization ${shape.length}-D`);
  }
  const hs = buildModel({
    nodes: [
      { op: "HardSigmoid", inputs: ["x"], outputs: ["a"], attrs: [attr.float("alpha", 0.3), attr.float("beta", 0.4)] },
      { op: "HardSigmoid", inputs: ["x"], outputs: ["d"] },
      { op: "HardSwish", inputs: ["x"], outputs: ["w"] },
    ],
    inputs: [{ name: "x", shape: [4, 5] }],
    outputs: ["a", "d", "w"],
  });
  await againstOrt(hs, [4, 5], "HardSigmoid/HardSwish");
});

test("Pad modes reflect and edge (opset 17) and wrap (opset 19) equal onnxruntime; reflect and edge re-export; wrap cannot, and says why", async () => {
  for (const [mode, opset] of [
    ["reflect", 17],
    ["edge", 17],
    ["wrap", 19],
  ] as const) {
    const bytes = buildModel({
      opset,
      nodes: [{ op: "Pad", inputs: ["x", "pads"], outputs: ["y"], attrs: [attr.str("mode", mode)] }],
      inputs: [{ name: "x", shape: [1, 2, 4, 5] }],
      outputs: ["y"],
      initializers: [{ name: "pads", shape: [8], data: [0, 0, 2, 1, 0, 0, 3, 2], type: 7 }],
    });
    await againstOrt(bytes, [1, 2, 4, 5], `Pad ${mode}`);
    const net = onnx.importToGluon(bytes);
    if (mode === "wrap") {
      assert.throws(() => onnx.exportModel(net, [[1, 2, 4, 5]]), /padding mode "circular" has no ONNX Pad form in opsets 13 to 17/);
      continue;
    }
    await againstOrt(onnx.exportModel(net, [[1, 2, 4, 5]], { dynamicBatch: false }), [1, 2, 4, 5], `Pad ${mode} re-exported`);
  }
  const wrap17 = buildModel({
    nodes: [{ op: "Pad", inputs: ["x", "pads"], outputs: ["y"], attrs: [attr.str("mode", "wrap")], name: "p" }],
    inputs: [{ name: "x", shape: [1, 4] }],
    outputs: ["y"],
    initializers: [{ name: "pads", shape: [4], data: [0, 1, 0, 1], type: 7 }],
  });
  assert.throws(
    () => onnx.importToGluon(wrap17),
    /\(Pad\): mode="wrap" is not supported at opset 17; tconv imports Pad with mode "constant", "reflect", "edge"/,
  );
});

test("Sin, Cos, Erf, PRelu (per-channel slope), Expand, Where (bool condition), Tile and Range (float and int64) equal onnxruntime", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "Sin", inputs: ["x"], outputs: ["sx"] },
      { op: "Cos", inputs: ["sx"], outputs: ["cx"] },
      { op: "Erf", inputs: ["cx"], outputs: ["e"] },
      { op: "PRelu", inputs: ["x", "slope"], outputs: ["p"] },
      { op: "Expand", inputs: ["col", "shape"], outputs: ["ex"] },
      { op: "Add", inputs: ["p", "ex"], outputs: ["pe"] },
      { op: "Cast", inputs: ["mask"], outputs: ["cond"], attrs: [attr.int("to", 9)] },
      { op: "Where", inputs: ["cond", "e", "pe"], outputs: ["w"] },
      { op: "Tile", inputs: ["w", "reps"], outputs: ["t"] },
      { op: "Range", inputs: ["r0", "r1", "r2"], outputs: ["rf"] },
      { op: "Range", inputs: ["i0", "i1", "i2"], outputs: ["ri"] },
      { op: "Cast", inputs: ["ri"], outputs: ["rif"], attrs: [attr.int("to", 1)] },
      { op: "Add", inputs: ["rf", "rif"], outputs: ["r"] },
    ],
    inputs: [{ name: "x", shape: [2, 3, 2, 4] }],
    outputs: ["t", "r"],
    initializers: [
      { name: "slope", shape: [3, 1, 1], data: [0.1, -0.3, 0.25] },
      { name: "col", shape: [2, 1], data: [0.5, -1.5] },
      { name: "shape", shape: [4], data: [1, 3, 1, 4], type: 7 },
      { name: "mask", shape: [4], data: [1, 0, 0, 1], type: 7 },
      { name: "reps", shape: [4], data: [1, 2, 1, 3], type: 7 },
      { name: "r0", shape: [], data: [0.5] },
      { name: "r1", shape: [], data: [-2.25] },
      { name: "r2", shape: [], data: [-0.5] },
      { name: "i0", shape: [], data: [10], type: 7 },
      { name: "i1", shape: [], data: [-1], type: 7 },
      { name: "i2", shape: [], data: [-2], type: 7 },
    ],
  });
  await againstOrt(bytes, [2, 3, 2, 4], "Erf/PRelu/Expand/Where/Tile/Range");
  const out = onnx.importToGluon(bytes).run(np.zeros([2, 3, 2, 4]));
  assert.deepEqual(out[0]!.shape, [2, 6, 2, 12]);
  assert.deepEqual(out[1]!.tolist(), [10.5, 8, 5.5, 3, 0.5, -2], "0.5, 0, …, -2 plus 10, 8, …, 0");
});

test("Einsum (attention-style contraction with a summed-out letter, a transpose) equals onnxruntime; re-exported too; an ellipsis is refused naming the node", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "Einsum", inputs: ["x", "w"], outputs: ["a"], attrs: [attr.str("equation", "bqd,bkdz->bqk")] },
      { op: "Einsum", inputs: ["a"], outputs: ["y"], attrs: [attr.str("equation", "bqk->kbq")] },
    ],
    inputs: [{ name: "x", shape: [2, 3, 4] }],
    outputs: ["y"],
    initializers: [{ name: "w", shape: [2, 5, 4, 2], data: rand(80, 9) }],
  });
  await againstOrt(bytes, [2, 3, 4], "Einsum");
  await againstOrt(onnx.exportModel(onnx.importToGluon(bytes), [[2, 3, 4]], { dynamicBatch: false }), [2, 3, 4], "Einsum re-exported");
  const ellipsis = buildModel({
    nodes: [{ op: "Einsum", inputs: ["x"], outputs: ["y"], attrs: [attr.str("equation", "...ij->...ji")], name: "e" }],
    inputs: [{ name: "x", shape: [2, 3, 4] }],
    outputs: ["y"],
  });
  assert.throws(() => onnx.importToGluon(ellipsis).run(np.ones([2, 3, 4])), /onnx node 'e' \(Einsum\): np\.einsum: '\.\.\.ij->\.\.\.ji' uses an ellipsis/);
});

test("Mod: fmod=1 on floats and fmod=0 on int64 (shape arithmetic) equal onnxruntime", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "Mod", inputs: ["x", "d"], outputs: ["m"], attrs: [attr.int("fmod", 1)] },
      { op: "Mod", inputs: ["i", "j"], outputs: ["k"] },
      { op: "Cast", inputs: ["k"], outputs: ["kf"], attrs: [attr.int("to", 1)] },
      { op: "Add", inputs: ["m", "kf"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [2, 4] }],
    outputs: ["y"],
    initializers: [
      { name: "d", shape: [4], data: [0.7, -1.5, 2, -0.3] },
      { name: "i", shape: [4], data: [7, -7, 7, -7], type: 7 },
      { name: "j", shape: [4], data: [3, 3, -3, -3], type: 7 },
    ],
  });
  await againstOrt(bytes, [2, 4], "Mod");
  assert.deepEqual(
    onnx
      .importToGluon(bytes)
      .run(np.zeros([2, 4]))[0]!
      .tolist(),
    [
      [1, 2, -2, -1],
      [1, 2, -2, -1],
    ],
    "Python's sign rule on int64",
  );
});

test("EyeLike (float from the input, int64 by the dtype attribute, off-diagonal k) equals onnxruntime", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "EyeLike", inputs: ["x"], outputs: ["e"], attrs: [attr.int("k", 1)] },
      { op: "EyeLike", inputs: ["x"], outputs: ["ei"], attrs: [attr.int("k", -2), attr.int("dtype", 7)] },
      { op: "Cast", inputs: ["ei"], outputs: ["ef"], attrs: [attr.int("to", 1)] },
      { op: "Add", inputs: ["e", "ef"], outputs: ["s"] },
      { op: "Mul", inputs: ["s", "x"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [4, 5] }],
    outputs: ["y"],
  });
  await againstOrt(bytes, [4, 5], "EyeLike");
});

test("GridSample (opset 16: bilinear; zeros and border; align_corners 0 and 1) equals onnxruntime, re-exports as GridSample, and opset 15 refuses naming the reason", async () => {
  for (const padding of ["zeros", "border"])
    for (const align of [0, 1]) {
      const bytes = buildModel({
        opset: 16,
        nodes: [
          {
            op: "GridSample",
            inputs: ["x", "grid"],
            outputs: ["y"],
            attrs: [attr.str("mode", "bilinear"), attr.str("padding_mode", padding), attr.int("align_corners", align)],
          },
        ],
        inputs: [{ name: "x", shape: [2, 3, 4, 5] }],
        outputs: ["y"],
        initializers: [{ name: "grid", shape: [2, 3, 2, 2], data: rand(24, 11).map((v) => v * 1.5) }],
      });
      await againstOrt(bytes, [2, 3, 4, 5], `GridSample ${padding} align_corners=${align}`);
      // re-exported as one GridSample node (not the gathers it runs as), it equals onnxruntime again
      const again = onnx.exportModel(onnx.importToGluon(bytes), [[2, 3, 4, 5]], { dynamicBatch: false });
      await againstOrt(again, [2, 3, 4, 5], `GridSample ${padding} align_corners=${align} re-exported`);
      if (padding === "zeros" && align === 0)
        assert.throws(
          () => onnx.exportModel(onnx.importToGluon(bytes), [[2, 3, 4, 5]], { dynamicBatch: false, opset: 15 }),
          /npx.gridSample needs ONNX GridSample, which opset 15 lacks/,
        );
    }
});

test("Split: sizes from the input (opset 13), the attribute (opset 11), num_outputs (opset 18) and equal pieces per output equal onnxruntime", async () => {
  const cases: [number, NodeSpec, InitSpec[]][] = [
    [
      13,
      { op: "Split", inputs: ["x", "sizes"], outputs: ["a", "b", "c"], attrs: [attr.int("axis", 1)] },
      [{ name: "sizes", shape: [3], data: [1, 3, 2], type: 7 }],
    ],
    [11, { op: "Split", inputs: ["x"], outputs: ["a", "b", "c"], attrs: [attr.int("axis", -1), attr.ints("split", [2, 0, 3])] }, []],
    [18, { op: "Split", inputs: ["x"], outputs: ["a", "b", "c"], attrs: [attr.int("axis", 1), attr.int("num_outputs", 3)] }, []],
    [13, { op: "Split", inputs: ["x"], outputs: ["a", "b", "c"], attrs: [attr.int("axis", 1)] }, []],
  ];
  for (const [opset, node, initializers] of cases) {
    const bytes = buildModel({ opset, nodes: [node], inputs: [{ name: "x", shape: [2, 6, 5] }], outputs: ["a", "b", "c"], initializers });
    await againstOrt(bytes, [2, 6, 5], `Split opset ${opset}`);
  }
  const bad = buildModel({
    nodes: [{ op: "Split", inputs: ["x", "sizes"], outputs: ["a", "b"], name: "s" }],
    inputs: [{ name: "x", shape: [4] }],
    outputs: ["a", "b"],
    initializers: [{ name: "sizes", shape: [2], data: [1, 2], type: 7 }],
  });
  assert.throws(
    () => onnx.importToGluon(bad).run(np.ones([4])),
    /onnx node 's' \(Split\): split sizes \[1,2\] must be >= 0 and add up to 4, the length of axis 0/,
  );
});

test("gradcheck: PRelu → Expand → Tile → Erf, through the input and the slope; re-exported it equals onnxruntime", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "PRelu", inputs: ["x", "slope"], outputs: ["p"] },
      { op: "Expand", inputs: ["p", "shape"], outputs: ["e"] },
      { op: "Tile", inputs: ["e", "reps"], outputs: ["t"] },
      { op: "Erf", inputs: ["t"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [1, 3, 4] }],
    outputs: ["y"],
    initializers: [
      { name: "slope", shape: [3, 1], data: [0.1, -0.3, 0.25] },
      { name: "shape", shape: [3], data: [2, 1, 1], type: 7 },
      { name: "reps", shape: [3], data: [1, 2, 1], type: 7 },
    ],
  });
  checkGradients(bytes, [1, 3, 4], ["slope"]);
  await againstOrt(onnx.exportModel(onnx.importToGluon(bytes), [[1, 3, 4]], { dynamicBatch: false }), [1, 3, 4], "PRelu/Expand/Tile/Erf re-exported");
});

test("gradcheck: InstanceNormalization → HardSwish → GroupNormalization(opset 21) → LayerNormalization, through the inputs and every scale and bias", () => {
  const nodes: NodeSpec[] = [
    { op: "InstanceNormalization", inputs: ["x", "s1", "b1"], outputs: ["i"] },
    { op: "HardSwish", inputs: ["i"], outputs: ["h"] },
    { op: "GroupNormalization", inputs: ["h", "s2", "b2"], outputs: ["g"], attrs: [attr.int("num_groups", 2)] },
    { op: "LayerNormalization", inputs: ["g", "s3", "b3"], outputs: ["y"], attrs: [attr.int("axis", 1)] },
  ];
  const bytes = buildModel({
    opset: 21,
    nodes,
    inputs: [{ name: "x", shape: [2, 4, 3] }],
    outputs: ["y"],
    initializers: [
      { name: "s1", shape: [4], data: rand(4, 1).map((v) => v + 1) },
      { name: "b1", shape: [4], data: rand(4, 2) },
      { name: "s2", shape: [4], data: rand(4, 3).map((v) => v + 1) },
      { name: "b2", shape: [4], data: rand(4, 4) },
      { name: "s3", shape: [4, 3], data: rand(12, 5).map((v) => v + 1) },
      { name: "b3", shape: [4, 3], data: rand(12, 6) },
    ],
  });
  checkGradients(bytes, [2, 4, 3], ["s1", "b1", "s2", "b2", "s3", "b3"]);
});

test("normalisation imports reject bad attributes and parameter shapes with the node's name", () => {
  const model = (op: string, attrs: ReturnType<typeof attr.int>[], s: number, opset = 17) =>
    onnx.importToGluon(
      buildModel({
        opset,
        nodes: [{ op, inputs: ["x", "s", "b"], outputs: ["y"], attrs, name: "n0" }],
        inputs: [{ name: "x", shape: [1, 4, 3] }],
        outputs: ["y"],
        initializers: [
          { name: "s", shape: [s], data: new Array(s).fill(1) },
          { name: "b", shape: [s], data: new Array(s).fill(0) },
        ],
      }),
    );
  assert.throws(() => model("InstanceNormalization", [attr.float("epsilon", 0)], 4), /onnx node 'n0' \(InstanceNormalization\): epsilon=0 must be > 0/);
  assert.throws(() => model("InstanceNormalization", [], 3).run(np.ones([1, 4, 3])), /\(InstanceNormalization\): scale must have shape \[4\], got \[3\]/);
  assert.throws(() => model("GroupNormalization", [attr.int("num_groups", 3)], 3, 18).run(np.ones([1, 4, 3])), /num_groups=3 must divide the 4 channels/);
  assert.throws(() => model("GroupNormalization", [], 4, 18), /num_groups=0 must be a positive integer/);
  assert.throws(() => model("LayerNormalization", [attr.int("stash_type", 0)], 3), /stash_type=0 is not supported/);
  assert.throws(() => model("LayerNormalization", [attr.int("axis", 3)], 3).run(np.ones([1, 4, 3])), /axis=3 is out of range for an input of rank 3/);
});

test("gradcheck: Pad → MaxPool(pads, ceil_mode) and AveragePool(count_include_pad=0) → Add → Resize linear → Softplus → DepthToSpace CRD", () => {
  const nodes: NodeSpec[] = [
    { op: "Pad", inputs: ["x", "pads", "cval"], outputs: ["p"] },
    {
      op: "MaxPool",
      inputs: ["p"],
      outputs: ["m"],
      attrs: [attr.ints("kernel_shape", [3, 3]), attr.ints("strides", [2, 2]), attr.ints("pads", [1, 1, 0, 0]), attr.int("ceil_mode", 1)],
    },
    {
      op: "AveragePool",
      inputs: ["p"],
      outputs: ["a"],
      attrs: [attr.ints("kernel_shape", [3, 3]), attr.ints("strides", [2, 2]), attr.ints("pads", [1, 1, 0, 0]), attr.int("ceil_mode", 1)],
    },
    { op: "Add", inputs: ["m", "a"], outputs: ["s"] },
    { op: "Resize", inputs: ["s", "", "scales"], outputs: ["r"], attrs: [attr.str("mode", "linear")] },
    { op: "Softplus", inputs: ["r"], outputs: ["sp"] },
    { op: "DepthToSpace", inputs: ["sp"], outputs: ["y"], attrs: [attr.int("blocksize", 2), attr.str("mode", "CRD")] },
  ];
  const bytes = buildModel({
    nodes,
    inputs: [{ name: "x", shape: [1, 4, 4, 5] }],
    outputs: ["y"],
    initializers: [
      { name: "pads", shape: [8], data: [0, 0, 1, 0, 0, 0, 0, 2], type: 7 },
      { name: "cval", shape: [], data: [0.25] },
      { name: "scales", shape: [4], data: [1, 1, 2, 1.5] },
    ],
  });
  checkGradients(bytes, [1, 4, 4, 5], []);
});

test("gradcheck: Gemm(transB) → Reshape → Transpose → MatMul → Softmax → Clip → Sigmoid·Tanh", () => {
  const nodes: NodeSpec[] = [
    { op: "Gemm", inputs: ["x", "w", "b"], outputs: ["g"], attrs: [attr.int("transB", 1), attr.float("alpha", 0.8), attr.float("beta", 1.5)] },
    { op: "Reshape", inputs: ["g", "shape"], outputs: ["r"] },
    { op: "Transpose", inputs: ["r"], outputs: ["t"], attrs: [attr.ints("perm", [0, 2, 1])] },
    { op: "MatMul", inputs: ["t", "m"], outputs: ["mm"] },
    { op: "Softmax", inputs: ["mm"], outputs: ["sm"], attrs: [attr.int("axis", 1)] },
    { op: "Clip", inputs: ["sm", "lo", "hi"], outputs: ["c"] },
    { op: "Sigmoid", inputs: ["c"], outputs: ["s1"] },
    { op: "Tanh", inputs: ["mm"], outputs: ["t1"] },
    { op: "Mul", inputs: ["s1", "t1"], outputs: ["y"] },
  ];
  const bytes = buildModel({
    nodes,
    inputs: [{ name: "x", shape: [2, 3] }],
    outputs: ["y"],
    initializers: [
      { name: "w", shape: [6, 3], data: rand(18, 4) },
      { name: "b", shape: [6], data: rand(6, 5) },
      { name: "shape", shape: [3], data: [0, 2, 3], type: 7 },
      { name: "m", shape: [2, 4], data: rand(8, 6) },
      { name: "lo", shape: [], data: [0.1] },
      { name: "hi", shape: [], data: [0.6] },
    ],
  });
  checkGradients(bytes, [2, 3], ["w", "b", "m"]);
});

test("gradcheck: the imported ESPCN (Conv, Softplus, Tanh, DepthToSpace, Clip) w.r.t. its input, the first conv's bias and the last conv's weights", () => {
  const f = fixtures.find((x) => x.name === "espcn")!;
  checkGradients(f.bytes, [1, 1, 8, 8], ["c1.bias", "c3.weight", "c3.bias"]);
});

// ---- bad models -----------------------------------------------------------------------------------------------------

const tiny = (nodes: NodeSpec[], extra: Partial<Parameters<typeof buildModel>[0]> = {}) =>
  buildModel({ nodes, inputs: [{ name: "x", shape: [1, 1, 4, 4] }], outputs: [nodes[nodes.length - 1]!.outputs[0]!], ...extra });

test("an unsupported op names the node, the op and the supported list", () => {
  const bytes = tiny([{ op: "StringNormalizer", name: "StringNormalizer_3", inputs: ["x"], outputs: ["y"], attrs: [attr.str("case_change_action", "LOWER")] }]);
  assert.throws(
    () => onnx.importToGluon(bytes),
    /^Error: onnx\.importToGluon: node 'StringNormalizer_3' uses op StringNormalizer, which tconv does not implement \(supported: .*Conv, ConvTranspose.*\)$/,
  );
});

test("malformed, truncated and empty bytes give a clear error", () => {
  const good = fixtures.find((x) => x.name === "espcn")!.bytes;
  assert.throws(() => onnx.importToGluon(good.subarray(0, good.length - 100)), /not a valid ONNX ModelProto \(malformed or truncated/);
  assert.throws(() => onnx.importToGluon(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), /not a valid ONNX ModelProto/);
  assert.throws(() => onnx.importToGluon(new Uint8Array(0)), /bytes are empty/);
  assert.throws(() => onnx.importToGluon("model.onnx" as unknown as Uint8Array), /bytes must be a Uint8Array/);
});

test("a reference to an undefined tensor names the node and the tensor", () => {
  const bytes = tiny([{ op: "Add", name: "add1", inputs: ["x", "nowhere"], outputs: ["y"] }]);
  assert.throws(() => onnx.importToGluon(bytes), /node 'add1' \(Add\) reads tensor 'nowhere', which no earlier node, initializer or graph input defines/);
  const noOut = buildModel({ nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }], inputs: [{ name: "x", shape: [1] }], outputs: ["z"] });
  assert.throws(() => onnx.importToGluon(noOut), /graph output 'z' is not defined/);
});

test("rejected attributes: unknown names, unsupported values and values the conv resolver refuses", () => {
  assert.throws(
    () => onnx.importToGluon(tiny([{ op: "Relu", name: "r", inputs: ["x"], outputs: ["y"], attrs: [attr.int("alpha", 1)] }])),
    /node 'r' \(Relu\): attribute 'alpha' is not one tconv reads/,
  );
  const w = [{ name: "w", shape: [1, 1, 3, 3], data: rand(9, 1) }];
  assert.throws(
    () =>
      onnx.importToGluon(
        tiny([{ op: "Conv", name: "c", inputs: ["x", "w"], outputs: ["y"], attrs: [attr.str("auto_pad", "SAME_MIDDLE")] }], { initializers: w }),
      ),
    /node 'c' \(Conv\): attribute auto_pad="SAME_MIDDLE" is not supported/,
  );
  assert.throws(
    () =>
      onnx.importToGluon(
        tiny([{ op: "Pad", name: "p", inputs: ["x", "pads"], outputs: ["y"], attrs: [attr.str("mode", "symmetric")] }], {
          initializers: [{ name: "pads", shape: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], type: 7 }],
        }),
      ),
    /mode="symmetric" is not supported at opset 17/,
  );
  const badStride = onnx.importToGluon(
    tiny([{ op: "Conv", name: "c", inputs: ["x", "w"], outputs: ["y"], attrs: [attr.ints("strides", [0, 1])] }], { initializers: w }),
  );
  assert.throws(() => badStride.forward(np.zeros([1, 1, 4, 4])), /onnx node 'c' \(Conv\): convolution: strides=\[0,1\] must be integers >= 1/);
  const badKernel = onnx.importToGluon(
    tiny([{ op: "Conv", name: "c", inputs: ["x", "w"], outputs: ["y"], attrs: [attr.ints("kernel_shape", [2, 2])] }], { initializers: w }),
  );
  assert.throws(() => badKernel.forward(np.zeros([1, 1, 4, 4])), /kernel_shape=\[2,2\] disagrees with the weight's spatial shape \[3,3\]/);
});

test("bounded work: a tensor header claiming a huge size is refused before anything is allocated", () => {
  const bytes = tiny([{ op: "Add", inputs: ["x", "big"], outputs: ["y"] }], { initializers: [{ name: "big", shape: [1 << 20, 1 << 20], data: [1, 2, 3] }] });
  assert.throws(() => onnx.importToGluon(bytes), /tensor 'big' has dims \[1048576,1048576\], more than 268435456 elements/);
  const short = tiny([{ op: "Add", inputs: ["x", "b"], outputs: ["y"] }], { initializers: [{ name: "b", shape: [4, 4], data: [1, 2, 3] }] });
  assert.throws(() => onnx.importToGluon(short), /tensor 'b' has dims \[4,4\] \(16 × 4 bytes\) but raw_data holds 12 bytes/);
});

test("bounded work: outputs sized by attributes or shape tensors are checked before they are allocated", () => {
  const w = [{ name: "w", shape: [1, 1, 2, 2], data: [1, 1, 1, 1] }];
  const wide = onnx.importToGluon(
    tiny([{ op: "ConvTranspose", name: "t", inputs: ["x", "w"], outputs: ["y"], attrs: [attr.ints("strides", [100000, 100000])] }], { initializers: w }),
  );
  assert.throws(
    () => wide.forward(np.zeros([1, 1, 4, 4])),
    /onnx node 't' \(ConvTranspose\): the output has dims \[1,1,300002,300002\], more than 268435456 elements/,
  );
  const big = [{ name: "s", shape: [2], data: [1 << 20, 1 << 20], type: 7 as const }];
  const cos = onnx.importToGluon(tiny([{ op: "ConstantOfShape", name: "c", inputs: ["s"], outputs: ["y"] }], { initializers: big }));
  assert.throws(() => cos.forward(np.zeros([1, 1, 4, 4])), /onnx node 'c' \(ConstantOfShape\): the output has dims \[1048576,1048576\]/);
  const pads = [{ name: "p", shape: [8], data: [0, 0, 1 << 15, 1 << 15, 0, 0, 1 << 15, 1 << 15], type: 7 as const }];
  const padded = onnx.importToGluon(tiny([{ op: "Pad", name: "p", inputs: ["x", "p"], outputs: ["y"] }], { initializers: pads }));
  assert.throws(() => padded.forward(np.zeros([1, 1, 4, 4])), /onnx node 'p' \(Pad\): the padded output has dims/);
});

test("external data, custom domains, unsupported opsets and wrong forward inputs are explained", () => {
  const bytes = tiny([{ op: "Relu", inputs: ["x"], outputs: ["y"] }], { opset: 5 });
  assert.throws(() => onnx.importToGluon(bytes), /the model uses opset 5; tconv reads opsets 7 to 22/);
  const external = encodeModel({
    ir_version: 8,
    opset_import: [{ version: 17 }],
    graph: {
      node: [{ op_type: "Add", input: ["x", "w"], output: ["y"] }],
      initializer: [{ name: "w", dims: [4], data_type: 1, data_location: 1, external_data: [{ key: "location", value: "weights.bin" }] }],
      input: [{ name: "x" }],
      output: [{ name: "y" }],
    },
  });
  assert.throws(() => onnx.importToGluon(external), /tensor 'w' keeps its data in an external file \(weights\.bin\)/);
  const custom = encodeModel({
    ir_version: 8,
    opset_import: [{ version: 17 }, { domain: "com.microsoft", version: 1 }],
    graph: {
      node: [{ name: "fg", op_type: "FusedGemm", domain: "com.microsoft", input: ["x"], output: ["y"] }],
      input: [{ name: "x" }],
      output: [{ name: "y" }],
    },
  });
  assert.throws(() => onnx.importToGluon(custom), /node 'fg' uses op FusedGemm from domain 'com\.microsoft', which tconv does not implement/);
  const net = onnx.importToGluon(tiny([{ op: "Relu", inputs: ["x"], outputs: ["y"] }]));
  assert.throws(() => net.forward(np.zeros([1, 1, 4, 5])), /input 'x' has shape \[1,1,4,5\], the graph declares \[1,1,4,4\]/);
  assert.throws(() => net.forward(), /the graph takes 1 input\(s\) \(x\), got 0/);
});

test("imported models reuse dead intermediates outside autograd.record: outputs are identical across forwards, earlier outputs untouched, recorded forwards agree", () => {
  for (const name of ["convtasnet", "lraspp_mobilenetv3", "unet_small"]) {
    const f = fixtures.find((x) => x.name === name)!;
    const net = onnx.importToGluon(f.bytes);
    const x = toArray(f.inputs[0]!);
    const first = net.forward(x) as NDArray;
    const firstCopy = Float32Array.from(first.asTypedArray());
    const second = net.forward(x) as NDArray;
    assert.deepEqual(second.asTypedArray(), firstCopy, `${name}: the second forward equals the first bit for bit`);
    assert.deepEqual(first.asTypedArray(), firstCopy, `${name}: the first output was not reused by the second forward`);
    const reused = (net as unknown as { recycler: { reused: number } }).recycler.reused;
    assert.ok(reused > 10, `${name}: ${reused} arrays reused`);
    const recorded = autograd.record(() => net.forward(x) as NDArray);
    for (const [want, tol, what] of [
      [recorded.asTypedArray(), 1e-5, "recorded (no reuse) vs unrecorded"],
      [toArray(f.outputs[0]!).asTypedArray(), 1e-4, "against PyTorch"],
    ] as const) {
      const { maxErr, scale } = compare(firstCopy, want);
      assert.ok(maxErr <= tol * scale, `${name}: ${what}: ${maxErr} > ${tol}·${scale}`);
    }
  }
});

test("reuse keeps an output that is a view of a dead intermediate, and never reuses inputs or weights", () => {
  // a = relu(x); out1 = reshape(a) (a view of a's buffer); b = a + w; c = b·b: a dies at the Add, out1 lives on
  const bytes = buildModel({
    nodes: [
      { op: "Relu", inputs: ["x"], outputs: ["a"] },
      { op: "Reshape", inputs: ["a", "shape"], outputs: ["out1"] },
      { op: "Add", inputs: ["a", "w"], outputs: ["b"] },
      { op: "Mul", inputs: ["b", "b"], outputs: ["c"] },
      { op: "Neg", inputs: ["c"], outputs: ["d"] },
      { op: "Sub", inputs: ["d", "x"], outputs: ["out2"] },
    ],
    inputs: [{ name: "x", shape: [2, 6] }],
    outputs: ["out1", "out2"],
    initializers: [
      { name: "shape", shape: [1], data: [12], type: 7 },
      { name: "w", shape: [6], data: [1, 2, 3, 4, 5, 6] },
    ],
  });
  const net = onnx.importToGluon(bytes);
  const xs = [-3, -2, -1, 0, 1, 2, 3, 4, 5, 6, -7, 8];
  const x = np.array(xs).reshape([2, 6]);
  for (let pass = 0; pass < 3; pass++) {
    const [out1, out2] = net.forward(x) as NDArray[];
    const a = xs.map((v) => Math.max(v, 0));
    assert.deepEqual([...out1!.asTypedArray()], a, `pass ${pass}: out1 = relu(x)`);
    const want = a.map((v, i) => -((v + (i % 6) + 1) ** 2) - xs[i]!);
    assert.deepEqual([...out2!.asTypedArray()], want, `pass ${pass}: out2`);
    assert.deepEqual([...x.asTypedArray()], xs, "the input is untouched");
    assert.deepEqual([...net.params.get("w")!.data().asTypedArray()], [1, 2, 3, 4, 5, 6], "the weight is untouched");
  }
});

test("Gather on float data (what np.take exports) imports as np.take: equal to onnxruntime, negative indices, differentiable, and a tconv export of np.take re-imports", async () => {
  const bytes = buildModel({
    nodes: [{ op: "Gather", inputs: ["x", "idx"], outputs: ["y"], attrs: [attr.int("axis", 1)] }],
    inputs: [{ name: "x", shape: [2, 5, 3] }],
    outputs: ["y"],
    initializers: [{ name: "idx", shape: [2, 2], data: [4, -1, 0, 2], type: 7 }],
  });
  await againstOrt(bytes, [2, 5, 3], "Gather on floats");
  const net = onnx.importToGluon(bytes);
  const x = np.random.uniform({ size: [2, 5, 3] }).attachGrad();
  const y = autograd.record(() => net.forward(x) as NDArray);
  assert.deepEqual(y.shape, [2, 2, 2, 3]);
  y.backward();
  // column 4 is taken twice (4 and −1), 0 and 2 once, 1 and 3 never: the gradient counts the takes
  assert.deepEqual(Array.from(x.grad!.asTypedArray().slice(0, 15)), [1, 1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 2, 2, 2]);
  const taker = new (class extends gluon.nn.HybridBlock {
    override forward(a: NDArray): NDArray {
      return np.take(a, [3, 0], { axis: 2 });
    }
  })();
  const again = onnx.importToGluon(onnx.exportModel(taker, [[2, 5, 4]], { dynamicBatch: false }));
  const a = np.random.uniform({ size: [2, 5, 4] });
  assert.deepEqual(Array.from((again.forward(a) as NDArray).asTypedArray()), Array.from(np.take(a, [3, 0], { axis: 2 }).asTypedArray()));
});

test("Constant nodes fold into the graph's constants and Identity nodes into renames (no step at run time), unless their output is a graph output; results equal onnxruntime, and the gradient reaches a parameter read through an Identity", async () => {
  const bytes = buildModel({
    nodes: [
      { op: "Constant", inputs: [], outputs: ["k"], attrs: [{ name: "value", type: 4, t: { dims: [1], data_type: 1, float_data: [0.5] } }] },
      { op: "Identity", inputs: ["w"], outputs: ["w2"] },
      { op: "Identity", inputs: ["w2"], outputs: ["w3"] },
      { op: "Mul", inputs: ["x", "w3"], outputs: ["m"] },
      { op: "Add", inputs: ["m", "k"], outputs: ["a"] },
      { op: "Identity", inputs: ["a"], outputs: ["y"] },
      { op: "Constant", inputs: [], outputs: ["c"], attrs: [{ name: "value", type: 4, t: { dims: [2], data_type: 1, float_data: [1, 2] } }] },
    ],
    inputs: [{ name: "x", shape: [2, 3] }],
    outputs: ["y", "c"],
    initializers: [{ name: "w", shape: [3], data: [1.5, -2, 0.25] }],
  });
  await againstOrt(bytes, [2, 3], "folded Constant / Identity");
  const net = onnx.importToGluon(bytes);
  // the graph outputs y (an Identity) and c (a Constant) keep their steps; k, w2 and w3 are gone
  assert.deepEqual(
    (net as unknown as { steps: { op: string }[] }).steps.map((s) => s.op),
    ["Mul", "Add", "Identity", "Constant"],
  );
  const x = np
    .array([
      [1, 2, 3],
      [-1, 0.5, 4],
    ])
    .astype("float32");
  const [y, c] = net.run(x);
  assert.deepEqual(Array.from(y!.asTypedArray()), [2, -3.5, 1.25, -1, -0.5, 1.5]);
  assert.deepEqual(Array.from(c!.asTypedArray()), [1, 2]);
  const w = net.collectParams().get("w")!;
  autograd.record(() => (net.run(x)[0] as NDArray).sum()).backward();
  assert.deepEqual(Array.from(w.grad()!.asTypedArray()), [0, 2.5, 7]);
});

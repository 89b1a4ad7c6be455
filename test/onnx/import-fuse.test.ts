// Import-time fusion: PyTorch's GroupNorm export chain (Reshape → InstanceNormalization → Reshape → Mul → Add) as one
// group-norm step, and Conv / ConvTranspose → Relu as one convolution storing its ReLU.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, type NDArray, np } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";
import { againstOrt, attr, buildModel, compare, modelFixtures, toArray } from "../helpers/onnx-models.js";
import { decodeModel } from "../../src/onnx/proto.js";

/** Counts the group-norm kernel's calls with fewer groups than channels (the fused chain; instance norm has one each). */
function countingGroupCalls<T>(f: () => T): { result: T; grouped: number } {
  const original = cpuBackend.groupNormForward;
  let grouped = 0;
  cpuBackend.groupNormForward = (v, ...rest) => {
    if (v.channelsPerGroup > 1) grouped++;
    original(v, ...rest);
  };
  try {
    return { result: f(), grouped };
  } finally {
    cpuBackend.groupNormForward = original;
  }
}

/** x [2, 6, 5] through the export chain of GroupNorm(3, 6); `gammaShape` and `extraOutput` vary the graph. */
function chain(gammaShape: number[], extraOutput = false): Uint8Array {
  const gammaSize = gammaShape.reduce((p, d) => p * d, 1);
  return buildModel({
    nodes: [
      { op: "Reshape", inputs: ["x", "grouping"], outputs: ["r1"] },
      { op: "InstanceNormalization", inputs: ["r1", "scale", "B"], outputs: ["r2"], attrs: [attr.float("epsilon", 1e-5)] },
      { op: "Shape", inputs: ["x"], outputs: ["xs"] },
      { op: "Reshape", inputs: ["r2", "xs"], outputs: ["r3"] },
      { op: "Mul", inputs: ["r3", "gamma"], outputs: ["r4"] },
      { op: "Add", inputs: ["beta", "r4"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [2, 6, 5] }],
    outputs: extraOutput ? ["y", "r3"] : ["y"],
    initializers: [
      { name: "grouping", shape: [3], data: [0, 3, -1], type: 7 },
      { name: "scale", shape: [3], data: [1.5, 0.5, -1] },
      { name: "B", shape: [3], data: [0.25, -0.5, 2] },
      { name: "gamma", shape: gammaShape, data: Array.from({ length: gammaSize }, (_, i) => 0.5 + 0.25 * i) },
      { name: "beta", shape: [6, 1], data: [1, -1, 2, -2, 3, -3] },
    ],
  });
}

test("PyTorch's GroupNorm export chain runs as one group-norm kernel outside autograd.record, equal to onnxruntime and to the recorded chain", async () => {
  const bytes = chain([6, 1]);
  await againstOrt(bytes, [2, 6, 5], "fused GroupNorm chain");
  const net = onnx.importToGluon(bytes);
  np.random.seed(4);
  const x = np.add(np.random.normal({ size: [2, 6, 5] }), 10);
  const { result, grouped } = countingGroupCalls(() => net.forward(x) as NDArray);
  assert.equal(grouped, 1, "one fused group-norm call (3 groups of 2 channels)");
  const recorded = countingGroupCalls(() => autograd.record(() => net.forward(x) as NDArray));
  assert.equal(recorded.grouped, 0, "recorded: the five imported steps, so the tape holds the graph's own ops");
  const { maxErr, scale } = compare(result.asTypedArray(), recorded.result.asTypedArray());
  assert.ok(maxErr <= 1e-5 * scale, `fused vs recorded: ${maxErr}`);
});

test("the fused GroupNorm chain folds γ of any per-channel shape ([6, 1], [1, 6, 1], one value [1]) with scale and B, equal to onnxruntime and to the recorded chain", async () => {
  for (const gammaShape of [[6, 1], [1, 6, 1], [1]]) {
    const bytes = chain(gammaShape);
    await againstOrt(bytes, [2, 6, 5], `fused GroupNorm chain, γ ${gammaShape}`);
    const net = onnx.importToGluon(bytes);
    np.random.seed(5);
    const x = np.random.normal({ size: [2, 6, 5] });
    const { result, grouped } = countingGroupCalls(() => net.forward(x) as NDArray);
    assert.equal(grouped, 1, `γ ${gammaShape}: one fused group-norm call`);
    const recorded = autograd.record(() => net.forward(x) as NDArray);
    const { maxErr, scale } = compare(result.asTypedArray(), recorded.asTypedArray());
    assert.ok(maxErr <= 1e-5 * scale, `γ ${gammaShape}: fused vs recorded ${maxErr}`);
  }
});

test("a chain that does not fit the pattern runs as imported: γ per position (not per channel), an intermediate that is a graph output", async () => {
  for (const [bytes, what] of [
    [chain([5]), "γ of shape [5]"],
    [chain([6, 1], true), "r3 is also an output"],
  ] as const) {
    await againstOrt(bytes, [2, 6, 5], what);
    const net = onnx.importToGluon(bytes);
    const { grouped } = countingGroupCalls(() => net.forward(np.random.normal({ size: [2, 6, 5] })));
    assert.equal(grouped, 0, `${what}: not fused`);
  }
});

test("torchaudio's Conv-TasNet: every GroupNorm chain is fused outside autograd.record, and the output still matches PyTorch", () => {
  const f = modelFixtures().find((m) => m.name === "convtasnet")!;
  const net = onnx.importToGluon(f.bytes);
  const x = toArray(f.inputs[0]!);
  const { result, grouped } = countingGroupCalls(() => net.forward(x) as NDArray);
  assert.ok(grouped > 0, `${grouped} fused group norms`);
  const { maxErr, scale } = compare(result.asTypedArray(), toArray(f.outputs[0]!).asTypedArray());
  assert.ok(maxErr <= 1e-4 * scale, `against PyTorch: ${maxErr}`);
});

/** x [1, 3, 9, 9] → Conv (k3) → Relu → ConvTranspose (k2 s2) → Relu; `reluRead` also makes the first Conv's output an output. */
function convRelu(alsoOutput = false): Uint8Array {
  const w = (n: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 0.5);
  return buildModel({
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: [attr.ints("pads", [1, 1, 1, 1])] },
      { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
      { op: "ConvTranspose", inputs: ["r1", "w2"], outputs: ["c2"], attrs: [attr.ints("strides", [2, 2])] },
      { op: "Relu", inputs: ["c2"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [1, 3, 9, 9] }],
    outputs: alsoOutput ? ["y", "c1"] : ["y"],
    initializers: [
      { name: "w1", shape: [4, 3, 3, 3], data: w(108) },
      { name: "b1", shape: [4], data: [0.1, -0.2, 0.3, -0.4] },
      { name: "w2", shape: [4, 2, 2, 2], data: w(32) },
    ],
  });
}

const stepOps = (net: unknown) => (net as { steps: { op: string }[] }).steps.map((s) => s.op);

test("Conv → Relu and ConvTranspose → Relu import as one step each, equal to onnxruntime; recorded, the tape and an export keep both nodes", async () => {
  const bytes = convRelu();
  await againstOrt(bytes, [1, 3, 9, 9], "Conv+Relu");
  const net = onnx.importToGluon(bytes);
  assert.deepEqual(stepOps(net), ["Conv+Relu", "ConvTranspose+Relu"]);
  np.random.seed(9);
  const x = np.random.normal({ size: [1, 3, 9, 9] });
  const fast = net.forward(x) as NDArray;
  const recorded = autograd.record(() => net.forward(x) as NDArray);
  assert.deepEqual(Array.from(fast.asTypedArray()), Array.from(recorded.asTypedArray()), "bit for bit the two ops' result");
  assert.ok(recorded.asTypedArray().some((v) => v === 0) && recorded.asTypedArray().some((v) => v > 0), "the ReLU clips something");
  const ops = decodeModel(onnx.exportModel(net, [[1, 3, 9, 9]], { dynamicBatch: false }), "test").graph!.node!.map((n) => n.op_type);
  assert.deepEqual(
    ops.filter((o) => o !== "Constant"),
    ["Conv", "Relu", "ConvTranspose", "Relu"],
  );
});

test("a convolution whose output another node or the graph also reads keeps its own Relu step", async () => {
  const bytes = convRelu(true);
  await againstOrt(bytes, [1, 3, 9, 9], "Conv+Relu with c1 an output");
  assert.deepEqual(stepOps(onnx.importToGluon(bytes)), ["Conv", "Relu", "ConvTranspose+Relu"]);
});

/**
 * x [1, 32, 120] → Conv k1 (32→48) → PRelu (one slope) → depthwise Conv k3 dilation 2 → PRelu (a slope per channel) →
 * Conv k3 (48→16) → LeakyRelu(0.2): Conv-TasNet's pattern, sized to reach the wasm kernels.
 */
function convActivations(): Uint8Array {
  const w = (n: number, f = 1.7) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.3);
  return buildModel({
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"] },
      { op: "PRelu", inputs: ["c1", "a1"], outputs: ["p1"] },
      { op: "Conv", inputs: ["p1", "w2", "b2"], outputs: ["c2"], attrs: [attr.int("group", 48), attr.ints("dilations", [2]), attr.ints("pads", [2, 2])] },
      { op: "PRelu", inputs: ["c2", "a2"], outputs: ["p2"] },
      { op: "Conv", inputs: ["p2", "w3"], outputs: ["c3"], attrs: [attr.ints("pads", [1, 1])] },
      { op: "LeakyRelu", inputs: ["c3"], outputs: ["y"], attrs: [attr.float("alpha", 0.2)] },
    ],
    inputs: [{ name: "x", shape: [1, 32, 120] }],
    outputs: ["y"],
    initializers: [
      { name: "w1", shape: [48, 32, 1], data: w(48 * 32) },
      { name: "b1", shape: [48], data: w(48, 0.3) },
      { name: "a1", shape: [1], data: [0.25] },
      { name: "w2", shape: [48, 1, 3], data: w(144, 0.9) },
      { name: "b2", shape: [48], data: w(48, 0.7) },
      { name: "a2", shape: [48, 1], data: Array.from({ length: 48 }, (_, i) => 0.05 * i - 1) },
      { name: "w3", shape: [16, 48, 3], data: w(16 * 48 * 3, 1.1) },
    ],
  });
}

/** Counts the PRelu kernel's calls. */
function countingPrelu<T>(f: () => T): { result: T; calls: number } {
  const original = cpuBackend.preluForward;
  let calls = 0;
  cpuBackend.preluForward = (...args) => {
    calls++;
    original(...args);
  };
  try {
    return { result: f(), calls };
  } finally {
    cpuBackend.preluForward = original;
  }
}

test("Conv → PRelu (one slope) and Conv → LeakyRelu store the activation in the convolution, equal to onnxruntime and bit for bit to the recorded nodes; a slope per channel and recorded runs keep PRelu's own op", async () => {
  const bytes = convActivations();
  await againstOrt(bytes, [1, 32, 120], "Conv+PRelu/LeakyRelu");
  const net = onnx.importToGluon(bytes);
  assert.deepEqual(stepOps(net), ["Conv+PRelu", "Conv+PRelu", "Conv+LeakyRelu"]);
  np.random.seed(4);
  const x = np.random.normal({ size: [1, 32, 120] });
  const fast = countingPrelu(() => net.forward(x) as NDArray);
  // only the per-channel slope runs PRelu's kernel
  assert.equal(fast.calls, 1);
  const recorded = countingPrelu(() => autograd.record(() => net.forward(x) as NDArray));
  assert.equal(recorded.calls, 2);
  assert.deepEqual(Array.from(fast.result.asTypedArray()), Array.from(recorded.result.asTypedArray()), "bit for bit the separate nodes' result");
  const y = recorded.result.asTypedArray();
  assert.ok(y.some((v) => v < 0) && y.some((v) => v > 0), "the leaky slope is exercised");
  // recorded, the shared slope is a parameter with a gradient (PRelu's rule), as before the fusion
  const params = net.collectParams();
  autograd.record(() => (net.forward(x) as NDArray).sum()).backward();
  const slopeGrad = params.get("a1")?.grad();
  assert.ok(slopeGrad, "a1 is a parameter with a gradient");
  assert.notEqual(slopeGrad.asTypedArray()[0], 0, "the PRelu slope's gradient");
  const ops = decodeModel(onnx.exportModel(net, [[1, 32, 120]], { dynamicBatch: false }), "test").graph!.node!.map((n) => n.op_type);
  // (the export broadcasts PRelu's slope with Reshape nodes)
  assert.deepEqual(
    ops.filter((o) => o !== "Constant" && o !== "Reshape"),
    ["Conv", "PRelu", "Conv", "PRelu", "Conv", "LeakyRelu"],
  );
});

/**
 * x [1, 32, 200] → Conv k1 (32→48) → PRelu → depthwise Conv k3 (→ c2) and Conv k1 48→32 (→ c3); y = x + c3 (a residual)
 * and z = c2 + c4 where c4 = depthwise Conv(c2'): Conv-TasNet's residual block, sized to reach the wasm im2col and
 * depthwise kernels. `observed` also makes c3 a graph output; `broadcast` adds a per-channel [32, 1] tensor instead of x.
 */
function convResidual(options: { observed?: boolean; broadcast?: boolean } = {}): Uint8Array {
  const w = (n: number, f = 1.7) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.3);
  return buildModel({
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"] },
      { op: "PRelu", inputs: ["c1", "a1"], outputs: ["p1"] },
      { op: "Conv", inputs: ["p1", "w2", "b2"], outputs: ["c2"], attrs: [attr.int("group", 48), attr.ints("pads", [1, 1])] },
      { op: "Conv", inputs: ["p1", "w3", "b3"], outputs: ["c3"] },
      { op: "Add", inputs: [options.broadcast ? "per" : "x", "c3"], outputs: ["y"] },
      { op: "Conv", inputs: ["c2", "w4"], outputs: ["c4"], attrs: [attr.int("group", 48), attr.ints("pads", [2, 2]), attr.ints("dilations", [2])] },
      { op: "Add", inputs: ["c4", "c2"], outputs: ["z"] },
    ],
    inputs: [{ name: "x", shape: [1, 32, 200] }],
    outputs: options.observed ? ["y", "z", "c3"] : ["y", "z"],
    initializers: [
      { name: "w1", shape: [48, 32, 1], data: w(48 * 32) },
      { name: "b1", shape: [48], data: w(48, 0.3) },
      { name: "a1", shape: [1], data: [0.25] },
      { name: "w2", shape: [48, 1, 3], data: w(144, 0.9) },
      { name: "b2", shape: [48], data: w(48, 0.7) },
      { name: "w3", shape: [32, 48, 1], data: w(32 * 48, 1.1) },
      { name: "b3", shape: [32], data: w(32, 0.5) },
      { name: "w4", shape: [48, 1, 3], data: w(144, 1.3) },
      { name: "per", shape: [32, 1], data: w(32, 0.2) },
    ],
  });
}

/** Counts the CPU backend's convolution-plus-residual calls. */
function countingConvAdd<T>(f: () => T): { result: T; calls: number } {
  const original = cpuBackend.imageToGridAdd!;
  let calls = 0;
  cpuBackend.imageToGridAdd = (...args) => {
    calls++;
    return original(...args);
  };
  try {
    return { result: f(), calls };
  } finally {
    cpuBackend.imageToGridAdd = original;
  }
}

test("Conv → residual Add imports as one step that adds the residual in the convolution's kernel, equal to onnxruntime and bit for bit to the recorded two nodes; recorded runs and an export keep both nodes", async () => {
  const bytes = convResidual();
  await againstOrt(bytes, [1, 32, 200], "Conv+Add");
  const net = onnx.importToGluon(bytes);
  assert.deepEqual(stepOps(net), ["Conv+PRelu", "Conv", "Conv+Add", "Conv+Add"]);
  np.random.seed(6);
  const x = np.random.normal({ size: [1, 32, 200] });
  const fast = countingConvAdd(() => net.run(x));
  assert.equal(fast.calls, 2, "the im2col and the depthwise convolution each add their residual");
  const recorded = countingConvAdd(() => autograd.record(() => net.run(x)));
  assert.equal(recorded.calls, 0, "recorded: the two imported ops");
  for (let k = 0; k < 2; k++) {
    const a = fast.result[k]!.asTypedArray(),
      b = recorded.result[k]!.asTypedArray();
    for (let i = 0; i < b.length; i++) assert.ok(Object.is(a[i], b[i]), `output ${k} [${i}]: ${a[i]} vs ${b[i]}`);
  }
  // a second unrecorded forward (recycled buffers) gives the same bits
  const again = net.run(x);
  for (let k = 0; k < 2; k++) assert.deepEqual(Array.from(again[k]!.asTypedArray()), Array.from(fast.result[k]!.asTypedArray()));
  const ops = decodeModel(onnx.exportModel(net, [[1, 32, 200]], { dynamicBatch: false }), "test").graph!.node!.map((n) => n.op_type);
  assert.equal(ops.filter((o) => o === "Add").length, 2, "the export keeps both Adds");
  assert.equal(ops.filter((o) => o === "Conv").length, 4);
});

test("a Conv whose output is also a graph output keeps its own Add step; a broadcast residual runs the two steps inside the fused one", async () => {
  const observed = convResidual({ observed: true });
  await againstOrt(observed, [1, 32, 200], "Conv+Add with c3 an output");
  assert.deepEqual(stepOps(onnx.importToGluon(observed)), ["Conv+PRelu", "Conv", "Conv", "Add", "Conv+Add"]);
  const broadcast = convResidual({ broadcast: true });
  await againstOrt(broadcast, [1, 32, 200], "Conv+Add with a [32, 1] addend");
  const net = onnx.importToGluon(broadcast);
  np.random.seed(7);
  const x = np.random.normal({ size: [1, 32, 200] });
  const fast = countingConvAdd(() => net.run(x));
  assert.equal(fast.calls, 1, "only the depthwise convolution's residual has the result's shape");
  const recorded = autograd.record(() => net.run(x));
  assert.deepEqual(Array.from(fast.result[0]!.asTypedArray()), Array.from(recorded[0]!.asTypedArray()));
});

test("Conv → HardSwish (MobileNetV3) stores the activation in the convolution: one step, equal to onnxruntime and bit for bit to the recorded nodes, whose export keeps both", async () => {
  const w = (n: number, f = 1.7) => Array.from({ length: n }, (_, i) => Math.sin(i * f) * 0.6);
  const bytes = buildModel({
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"], attrs: [attr.ints("pads", [1, 1, 1, 1])] },
      { op: "HardSwish", inputs: ["c1"], outputs: ["h1"] },
      { op: "Conv", inputs: ["h1", "w2", "b2"], outputs: ["c2"], attrs: [attr.int("group", 16), attr.ints("pads", [2, 2, 2, 2])] },
      { op: "HardSwish", inputs: ["c2"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [1, 8, 20, 20] }],
    outputs: ["y"],
    initializers: [
      { name: "w1", shape: [16, 8, 3, 3], data: w(16 * 8 * 9) },
      { name: "b1", shape: [16], data: w(16, 0.3) },
      { name: "w2", shape: [16, 1, 5, 5], data: w(16 * 25, 0.9) },
      { name: "b2", shape: [16], data: w(16, 0.7) },
    ],
  });
  await againstOrt(bytes, [1, 8, 20, 20], "Conv+HardSwish");
  const net = onnx.importToGluon(bytes);
  assert.deepEqual(stepOps(net), ["Conv+HardSwish", "Conv+HardSwish"]);
  np.random.seed(8);
  const x = np.multiply(np.random.normal({ size: [1, 8, 20, 20] }), 2);
  const fast = (net.forward(x) as NDArray).asTypedArray();
  const recorded = autograd.record(() => net.forward(x) as NDArray).asTypedArray();
  for (let i = 0; i < recorded.length; i++) assert.ok(Object.is(fast[i], recorded[i]), `[${i}] ${fast[i]} vs ${recorded[i]}`);
  assert.ok(recorded.some((v) => v === 0) && recorded.some((v) => v > 3) && recorded.some((v) => v < 0), "every branch of hardswish");
  const ops = decodeModel(onnx.exportModel(net, [[1, 8, 20, 20]], { dynamicBatch: false }), "test").graph!.node!.map((n) => n.op_type);
  assert.deepEqual(
    ops.filter((o) => o !== "Constant"),
    ["Conv", "HardSwish", "Conv", "HardSwish"],
  );
});

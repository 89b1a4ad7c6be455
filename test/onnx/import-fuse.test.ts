// Import-time fusion of PyTorch's GroupNorm export chain (Reshape → InstanceNormalization → Reshape → Mul → Add) into one group-norm step.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, type NDArray, np } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { cpuBackend } from "../../src/backends/cpu/index.js";
import { againstOrt, attr, buildModel, compare, modelFixtures, toArray } from "../helpers/onnx-models.js";

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

// ONNX LSTM / GRU import: torch.onnx.export's nn.LSTM / nn.GRU against PyTorch (outputs and input gradients) and
// onnxruntime-node, hand-built nodes (reverse, no bias, initial_h only, optional outputs, linear_before_reset=0) against onnxruntime, the
// re-export, and every refused attribute or input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { autograd, type NDArray, np } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import type { AttributeRecord } from "../../src/onnx/proto.js";
import { attr, buildModel, compare, type FixtureTensor, type InitSpec, runOrt, toArray } from "../helpers/onnx-models.js";
import { againstCentralDifferences, gradcheck } from "../helpers/gradcheck.js";

interface RnnFixture {
  name: string;
  notes: string;
  ops: string[];
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  headGrads: FixtureTensor[];
  inputGrads: FixtureTensor[];
  bytes: Uint8Array;
}
const dir = new URL("../fixtures/onnx/rnn/", import.meta.url);
const fixtures: RnnFixture[] = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => {
    const c = JSON.parse(readFileSync(new URL(f, dir), "utf8")) as Omit<RnnFixture, "bytes">;
    return { ...c, bytes: new Uint8Array(readFileSync(new URL(`${c.name}.onnx`, dir))) };
  });

function close(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string): void {
  const { maxErr, scale } = compare(got, want);
  assert.ok(maxErr <= rel * scale, `${what}: max error ${maxErr} (scale ${scale})`);
}

test("the PyTorch exports cover LSTM and GRU, one and two layers, both directions, batch_first, with and without begin states", () => {
  assert.deepEqual(
    fixtures.map((f) => f.name),
    ["gru_2layers", "gru_bidirectional_batch_first_states", "lstm_batch_first", "lstm_bidirectional_2layers_states"],
  );
  const ops = new Set(fixtures.flatMap((f) => f.ops));
  assert.ok(ops.has("LSTM") && ops.has("GRU"));
});

for (const f of fixtures) {
  test(`import → forward and input gradients equal PyTorch's: ${f.name} (${f.notes})`, () => {
    const net = onnx.importToGluon(f.bytes);
    const inputs = f.inputs.map((t) => toArray(t).attachGrad());
    const outs = autograd.record(() => net.run(...inputs));
    assert.equal(outs.length, f.outputs.length);
    outs.forEach((o, k) => {
      assert.deepEqual(o.shape, f.outputs[k]!.shape);
      close(o.asTypedArray(), f.outputs[k]!.data, 1e-5, `${f.name} output ${f.outputs[k]!.name}`);
    });
    const grads = autograd.grad(outs, inputs, { headGrads: f.headGrads.map((t) => toArray(t)) });
    grads.forEach((g, k) => close(g.asTypedArray(), f.inputGrads[k]!.data, 1e-5, `${f.name} d${f.inputGrads[k]!.name}`));
  });

  test(`import → forward equals onnxruntime-node: ${f.name}`, async () => {
    const inputs = f.inputs.map((t) => toArray(t));
    const outs = onnx.importToGluon(f.bytes).run(...inputs);
    const ref = await runOrt(f.bytes, inputs);
    ref.forEach((r, k) => {
      assert.deepEqual(outs[k]!.shape, r.shape);
      close(outs[k]!.asTypedArray(), r.data, 1e-5, `${f.name} output ${k}`);
    });
  });
}

test("import → export (unrolled cell ops) → onnxruntime-node equals PyTorch", async () => {
  for (const f of fixtures) {
    const net = onnx.importToGluon(f.bytes);
    // the exporter's symbolic first axis is the sequence for layout-0 graphs, which the unrolled graph fixes
    const bytes = onnx.exportModel(
      net,
      f.inputs.map((t) => t.shape),
      { dynamicBatch: false },
    );
    const got = await runOrt(
      bytes,
      f.inputs.map((t) => toArray(t)),
    );
    f.outputs.forEach((want, k) => {
      assert.deepEqual(got[k]!.shape, want.shape);
      close(got[k]!.data, want.data, 1e-5, `${f.name} re-exported output ${k}`);
    });
  }
});

// ---- hand-built nodes ---------------------------------------------------------------------------------------------
const T = 3,
  N = 2,
  I = 4,
  H = 3;

function rand(shape: number[], seed: number): number[] {
  let s = seed;
  return Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 1.6 - 0.8;
  });
}

interface NodeCase {
  mode: "LSTM" | "GRU";
  dirs: 1 | 2;
  attrs: AttributeRecord[];
  /** which of B, sequence_lens, initial_h, initial_c, P are given */
  bias?: boolean;
  h0?: boolean;
  c0?: boolean;
  seqLens?: boolean;
  peephole?: boolean;
  /** output names; "" for an absent one */
  outputs?: string[];
}

function nodeModel(c: NodeCase): { bytes: Uint8Array; inputs: NDArray[] } {
  const g = c.mode === "LSTM" ? 4 : 3;
  const inits: InitSpec[] = [
    { name: "W", shape: [c.dirs, g * H, I], data: rand([c.dirs, g * H, I], 1) },
    { name: "R", shape: [c.dirs, g * H, H], data: rand([c.dirs, g * H, H], 2) },
  ];
  if (c.bias) inits.push({ name: "B", shape: [c.dirs, 2 * g * H], data: rand([c.dirs, 2 * g * H], 3) });
  if (c.seqLens) inits.push({ name: "lens", shape: [N], data: [T, T - 1], type: 7 });
  if (c.peephole) inits.push({ name: "P", shape: [c.dirs, 3 * H], data: rand([c.dirs, 3 * H], 4) });
  const graphInputs = [{ name: "x", shape: [T, N, I] }];
  if (c.h0) graphInputs.push({ name: "h0", shape: [c.dirs, N, H] });
  if (c.c0) graphInputs.push({ name: "c0", shape: [c.dirs, N, H] });
  const ins = ["x", "W", "R", c.bias ? "B" : "", c.seqLens ? "lens" : "", c.h0 ? "h0" : ""];
  if (c.mode === "LSTM") ins.push(c.c0 ? "c0" : "", c.peephole ? "P" : "");
  while (ins[ins.length - 1] === "") ins.pop();
  const outputs = c.outputs ?? (c.mode === "LSTM" ? ["y", "yh", "yc"] : ["y", "yh"]);
  const bytes = buildModel({
    nodes: [{ op: c.mode, name: "rnn", inputs: ins, outputs, attrs: [attr.int("hidden_size", H), ...c.attrs] }],
    inputs: graphInputs,
    outputs: outputs.filter((o) => o !== ""),
    initializers: inits,
  });
  np.random.seed(5);
  const inputs = graphInputs.map((v) => np.random.uniform({ low: -1, high: 1, size: v.shape as number[] }));
  return { bytes, inputs };
}

test("hand-built LSTM and GRU nodes equal onnxruntime-node: reverse and bidirectional, no B, initial_h without initial_c, absent outputs, GRU linear_before_reset 0 and 1", async () => {
  const lbr = attr.int("linear_before_reset", 1);
  const cases: [string, NodeCase][] = [
    ["LSTM reverse, B, h0 and c0", { mode: "LSTM", dirs: 1, attrs: [attr.str("direction", "reverse")], bias: true, h0: true, c0: true }],
    ["LSTM bidirectional, no B, initial_h only", { mode: "LSTM", dirs: 2, attrs: [attr.str("direction", "bidirectional")], h0: true }],
    ["LSTM forward, Y_h only", { mode: "LSTM", dirs: 1, attrs: [], bias: true, outputs: ["", "yh"] }],
    [
      "LSTM with the default activations spelled out",
      {
        mode: "LSTM",
        dirs: 2,
        attrs: [attr.str("direction", "bidirectional"), strs("activations", ["Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"])],
        bias: true,
      },
    ],
    ["GRU reverse, B, h0", { mode: "GRU", dirs: 1, attrs: [lbr, attr.str("direction", "reverse")], bias: true, h0: true }],
    ["GRU bidirectional, no B", { mode: "GRU", dirs: 2, attrs: [lbr, attr.str("direction", "bidirectional")] }],
    ["GRU forward, B, Y only", { mode: "GRU", dirs: 1, attrs: [lbr], bias: true, outputs: ["y"] }],
    [
      "GRU linear_before_reset=0 (ONNX's default), bidirectional, B, h0",
      { mode: "GRU", dirs: 2, attrs: [attr.str("direction", "bidirectional")], bias: true, h0: true },
    ],
    ["GRU linear_before_reset=0, no B, no h0", { mode: "GRU", dirs: 1, attrs: [attr.int("linear_before_reset", 0)] }],
  ];
  for (const [name, c] of cases) {
    const { bytes, inputs } = nodeModel(c);
    const outs = onnx.importToGluon(bytes).run(...inputs);
    const ref = await runOrt(bytes, inputs);
    assert.equal(outs.length, ref.length, name);
    ref.forEach((r, k) => {
      assert.deepEqual(outs[k]!.shape, r.shape, `${name} output ${k}`);
      close(outs[k]!.asTypedArray(), r.data, 1e-5, `${name} output ${k}`);
    });
  }
});

function strs(name: string, values: string[]): AttributeRecord {
  return { name, type: 8, strings: values.map((v) => new TextEncoder().encode(v)) };
}

test("refused LSTM / GRU attributes and inputs throw at import naming the node, the op and the reason", () => {
  const lbr = attr.int("linear_before_reset", 1);
  const refused: [NodeCase, RegExp][] = [
    [{ mode: "LSTM", dirs: 1, attrs: [attr.float("clip", 3)] }, /node 'rnn' \(LSTM\): attribute clip=3 is not supported/],
    [{ mode: "GRU", dirs: 1, attrs: [lbr, attr.float("clip", 3)] }, /node 'rnn' \(GRU\): attribute clip=3 is not supported/],
    [
      { mode: "LSTM", dirs: 1, attrs: [strs("activations", ["Sigmoid", "Relu", "Tanh"])] },
      /node 'rnn' \(LSTM\): activations=\[Sigmoid, Relu, Tanh\] is not supported; tconv computes the default Sigmoid, Tanh, Tanh/,
    ],
    [
      { mode: "GRU", dirs: 1, attrs: [lbr, strs("activations", ["HardSigmoid", "Tanh"])] },
      /node 'rnn' \(GRU\): activations=\[HardSigmoid, Tanh\] is not supported/,
    ],
    [
      { mode: "LSTM", dirs: 1, attrs: [{ name: "activation_alpha", type: 6, floats: [0.5] }] },
      /node 'rnn' \(LSTM\): attribute activation_alpha is not supported/,
    ],
    [
      { mode: "GRU", dirs: 1, attrs: [lbr, { name: "activation_beta", type: 6, floats: [0.5] }] },
      /node 'rnn' \(GRU\): attribute activation_beta is not supported/,
    ],
    [{ mode: "LSTM", dirs: 1, attrs: [attr.int("layout", 1)] }, /node 'rnn' \(LSTM\): layout=1 is not supported \(tconv reads layout 0/],
    [{ mode: "GRU", dirs: 1, attrs: [lbr, attr.int("layout", 1)] }, /node 'rnn' \(GRU\): layout=1 is not supported/],
    [{ mode: "LSTM", dirs: 1, attrs: [attr.int("input_forget", 1)] }, /node 'rnn' \(LSTM\): input_forget=1 is not supported/],
    [{ mode: "GRU", dirs: 1, attrs: [attr.int("linear_before_reset", 2)] }, /node 'rnn' \(GRU\): linear_before_reset=2 must be 0 or 1/],
    [{ mode: "LSTM", dirs: 1, attrs: [], bias: true, seqLens: true }, /node 'rnn' \(LSTM\): input 4 \(sequence_lens\) is not supported/],
    [{ mode: "GRU", dirs: 1, attrs: [lbr], seqLens: true }, /node 'rnn' \(GRU\): input 4 \(sequence_lens\) is not supported/],
    [{ mode: "LSTM", dirs: 1, attrs: [], peephole: true }, /node 'rnn' \(LSTM\): input 7 \(P, peephole weights\) is not supported/],
    [{ mode: "LSTM", dirs: 1, attrs: [attr.str("direction", "sideways")] }, /node 'rnn' \(LSTM\): attribute direction="sideways" is not supported/],
  ];
  for (const [c, re] of refused) assert.throws(() => onnx.importToGluon(nodeModel(c).bytes), re);
  // shapes that disagree with hidden_size or the directions: refused when the node runs, before any work
  const { bytes, inputs } = nodeModel({ mode: "LSTM", dirs: 1, attrs: [attr.str("direction", "bidirectional")] });
  assert.throws(
    () => onnx.importToGluon(bytes).run(...inputs),
    /node 'rnn' \(LSTM\): W must have shape \[2, 12, 4\] \(num_directions, 4·hidden_size, input_size\), got \[1, 12, 4\]/,
  );
});

test("gradcheck (float64 import): X, W, R and B gradients of a bidirectional LSTM and a linear_before_reset=0 GRU against central differences", () => {
  for (const c of [
    { mode: "LSTM", dirs: 2, attrs: [attr.str("direction", "bidirectional")], bias: true, h0: true, c0: true },
    { mode: "GRU", dirs: 2, attrs: [attr.str("direction", "bidirectional")], bias: true, h0: true },
  ] as NodeCase[]) {
    const { bytes, inputs } = nodeModel({ ...c, outputs: c.mode === "LSTM" ? ["y", "", "yc"] : ["y"] });
    const net = onnx.importToGluon(bytes, { dtype: "float64" });
    const xs = inputs.map((x) => x.astype("float64"));
    // every output enters the checked sum: Y, and Y_c for the LSTM
    const f = (...a: NDArray[]) => np.concatenate(net.run(...a).map((o) => o.reshape(-1)));
    gradcheck(f, xs);
    const v = np.random.uniform({ low: -1, high: 1, size: f(...xs).shape, dtype: "float64" });
    autograd
      .record(() =>
        f(...xs)
          .mul(v)
          .sum(),
      )
      .backward();
    for (const name of ["W", "R", "B"]) {
      const p = net.collectParams().get(name);
      againstCentralDifferences(
        "import gradcheck",
        `${c.mode} ${name}`,
        p.data(),
        p.grad()!.asTypedArray(),
        () =>
          f(...xs)
            .mul(v)
            .sum()
            .item(),
        {
          eps: 1e-6,
          rtol: 1e-5,
          atol: 1e-7,
        },
      );
    }
  }
});

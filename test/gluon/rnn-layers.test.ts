// rnn.LSTM / rnn.GRU: PyTorch's nn.LSTM / nn.GRU outputs, states and gradients (float64 and float32), float64 central
// differences (first and second order), Gluon's parameter names, PyTorch state dicts, states, dropout, export, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { autograd, gluon, init, NDArray, nn, np, rnn } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { serializeSafetensors } from "../../src/io/safetensors.js";
import { arr, closeToTorch, type TorchTensor } from "../helpers/torch-cases.js";
import { againstCentralDifferences, gradcheck, randn } from "../helpers/gradcheck.js";
import { gradgradcheck } from "../helpers/gradgradcheck.js";
import { compare, runOrt } from "../helpers/onnx-models.js";
import { decodeModel } from "../../src/onnx/proto.js";

interface RnnCase {
  name: string;
  mode: "LSTM" | "GRU";
  numLayers: number;
  bidirectional: boolean;
  layout: "TNC" | "NTC";
  hiddenSize: number;
  inputSize: number;
  x: TorchTensor;
  states: TorchTensor[];
  y: TorchTensor;
  finalStates: TorchTensor[];
  vy: TorchTensor;
  vStates: TorchTensor[];
  dx: TorchTensor;
  dStates: TorchTensor[];
  params: Record<string, TorchTensor>;
  grads: Record<string, TorchTensor>;
}
const cases = (JSON.parse(readFileSync(new URL("../fixtures/torch/rnn.json", import.meta.url), "utf8")) as { cases: RnnCase[] }).cases;

/** PyTorch's parameter name → Gluon's, written out here from the two libraries' conventions (weight_hh_l1_reverse → r1_h2h_weight). */
function gluonName(torchName: string): string {
  const m = /^(weight|bias)_(ih|hh)_l(\d+)(_reverse)?$/.exec(torchName);
  if (!m) throw new Error(`unexpected PyTorch name ${torchName}`);
  return `${m[4] ? "r" : "l"}${m[3]}_${m[2] === "ih" ? "i2h" : "h2h"}_${m[1]}`;
}

const f32 = (t: TorchTensor) => new NDArray(Float32Array.from(t.data), t.shape);

/** The layer a case describes, with PyTorch's weights; deferred inputSize for every other case (completed by the load). */
function layerFor(c: RnnCase, dtype: "float32" | "float64", deferred: boolean): rnn.LSTM | rnn.GRU {
  const Layer = c.mode === "LSTM" ? rnn.LSTM : rnn.GRU;
  const layer = new Layer(c.hiddenSize, {
    numLayers: c.numLayers,
    bidirectional: c.bidirectional,
    layout: c.layout,
    inputSize: deferred ? 0 : c.inputSize,
    dtype,
  });
  layer.initialize();
  if (deferred) layer.forward(np.zeros(c.layout === "TNC" ? [1, 1, c.inputSize] : [1, 1, c.inputSize], { dtype }));
  const params = layer.collectParams();
  for (const [name, t] of Object.entries(c.params)) params.get(gluonName(name)).setData(dtype === "float64" ? arr(t) : f32(t));
  return layer;
}

/**
 * Forward and backward of the fixture script's loss Σ vy·y + Σ vStates·finalStates. Without begin states y comes from
 * forward(x) (zero states, output only) and the final states from a second call with beginState's explicit zeros.
 */
function run(c: RnnCase, dtype: "float32" | "float64", deferred: boolean) {
  const layer = layerFor(c, dtype, deferred);
  const toArr = dtype === "float64" ? arr : f32;
  const x = toArr(c.x).attachGrad();
  const states = c.states.map((s) => toArr(s).attachGrad());
  const out = autograd.record(() => {
    let y: NDArray;
    let finals: NDArray[];
    if (states.length > 0) [y, finals] = layer.forward(x, states);
    else {
      y = layer.forward(x);
      assert.ok(y instanceof NDArray, `${c.name}: forward(x) returns the output only`);
      finals = layer.forward(x, layer.beginState(x.shape[c.layout === "TNC" ? 1 : 0]!))[1];
    }
    let s = y.mul(toArr(c.vy)).sum();
    finals.forEach((f, k) => {
      s = s.add(f.mul(toArr(c.vStates[k]!)).sum());
    });
    return { s, y, finals };
  });
  out.s.backward();
  return { layer, x, states, ...out };
}

function checkAgainstTorch(c: RnnCase, dtype: "float32" | "float64", deferred: boolean, tolValue: number, tolGrad: number): void {
  const { layer, x, states, y, finals } = run(c, dtype, deferred);
  closeToTorch(y, c.y, tolValue, `${c.name} y`);
  assert.equal(finals.length, c.mode === "LSTM" ? 2 : 1);
  finals.forEach((f, i) => closeToTorch(f, c.finalStates[i]!, tolValue, `${c.name} state ${i}`));
  closeToTorch(x.grad!, c.dx, tolGrad, `${c.name} dx`);
  states.forEach((s, i) => closeToTorch(s.grad!, c.dStates[i]!, tolGrad, `${c.name} dstate ${i}`));
  const params = layer.collectParams();
  assert.equal(params.size, Object.keys(c.grads).length);
  for (const [name, g] of Object.entries(c.grads)) closeToTorch(params.get(gluonName(name)).grad()!, g, tolGrad, `${c.name} d${name}`);
}

test("rnn.LSTM and rnn.GRU match PyTorch's nn.LSTM / nn.GRU in float64: output, final states, input, state and weight gradients", () => {
  assert.equal(cases.length, 10);
  for (const [k, c] of cases.entries()) checkAgainstTorch(c, "float64", k % 2 === 1, 1e-12, 1e-11);
});

test("without begin states: zero states, the output only, equal to passing beginState's zeros", () => {
  for (const c of cases.filter((k) => k.states.length === 0)) {
    const layer = layerFor(c, "float64", false);
    const x = arr(c.x);
    const zeros = layer.beginState(c.layout === "TNC" ? c.x.shape[1]! : c.x.shape[0]!);
    assert.deepEqual(
      zeros.map((z) => z.shape),
      Array.from({ length: c.mode === "LSTM" ? 2 : 1 }, () => [c.numLayers * (c.bidirectional ? 2 : 1), 2, c.hiddenSize]),
    );
    const out = layer.forward(x);
    assert.ok(out instanceof NDArray);
    const { maxErr } = compare(out.asTypedArray(), layer.forward(x, zeros)[0].asTypedArray());
    assert.ok(maxErr <= 1e-15, `${c.name}: ${maxErr}`);
  }
});

test("float32 layers match PyTorch's float64 values within float32 rounding", () => {
  for (const c of cases) checkAgainstTorch(c, "float32", false, 2e-6, 1e-5);
});

test("float64 central differences: input and state gradients of a 2-layer bidirectional LSTM and GRU, and a weight's", () => {
  np.random.seed(7);
  for (const Layer of [rnn.LSTM, rnn.GRU]) {
    const layer = new Layer(3, { numLayers: 2, bidirectional: true, layout: "NTC", dtype: "float64" });
    layer.initialize();
    const n = Layer === rnn.LSTM ? 2 : 1;
    const x = randn([2, 3, 2]);
    const st = Array.from({ length: n }, () => randn([4, 2, 3], 0.5));
    gradcheck(
      (xx, ...ss) => {
        const [y, finals] = layer.forward(xx!, ss);
        return np.concatenate([y.reshape(-1), ...finals.map((f) => f.reshape(-1))]);
      },
      [x, ...st],
    );
    // a weight: d(Σ v·y)/dW by backward against central differences of the same sum
    const p = layer.collectParams().get("r1_h2h_weight");
    const v = randn([2, 3, 6]);
    const y = autograd.record(() => layer.forward(x));
    y.backward(v);
    const objective = () => {
      const out = layer.forward(x).asTypedArray();
      const w = v.asTypedArray();
      let s = 0;
      for (let i = 0; i < out.length; i++) s += out[i]! * w[i]!;
      return s;
    };
    againstCentralDifferences("rnn weight", `${Layer.name} r1_h2h_weight`, p.data(), p.grad()!.asTypedArray(), objective, {
      eps: 1e-6,
      rtol: 1e-5,
      atol: 1e-7,
    });
  }
});

test("second order: autograd.grad with createGraph through an LSTM and a GRU against central differences", () => {
  np.random.seed(8);
  for (const Layer of [rnn.LSTM, rnn.GRU]) {
    const layer = new Layer(2, { dtype: "float64" });
    layer.initialize();
    gradgradcheck((x) => layer.forward(x), [randn([2, 1, 2])]);
  }
});

test("Gluon's parameter names, order and shapes (l0_i2h_weight …, r for the reverse direction; 4 or 3 gate blocks)", () => {
  const lstm = new rnn.LSTM(4, { numLayers: 2, bidirectional: true, inputSize: 3 });
  const names = (l: number, d: string) => ["i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"].map((s) => `${d}${l}_${s}`);
  assert.deepEqual(lstm.collectParams().keys(), [...names(0, "l"), ...names(0, "r"), ...names(1, "l"), ...names(1, "r")]);
  assert.deepEqual(
    lstm
      .collectParams()
      .values()
      .map((p) => p.shape),
    [[16, 3], [16, 4], [16], [16], [16, 3], [16, 4], [16], [16], [16, 8], [16, 4], [16], [16], [16, 8], [16, 4], [16], [16]],
  );
  const gru = new rnn.GRU(5);
  assert.deepEqual(
    gru
      .collectParams()
      .values()
      .map((p) => p.shape),
    [[15, 0], [15, 5], [15], [15]],
  );
  assert.equal(String(gru), "GRU(None -> 5, TNC)");
  assert.equal(String(lstm), "LSTM(3 -> 4, TNC, num_layers=2, bidirectional)");
  assert.equal(gluon.rnn.LSTM, rnn.LSTM);
  // Gluon's default initializers: zero biases, the weights from initialize()'s initializer
  lstm.initialize();
  assert.ok(
    lstm
      .collectParams()
      .get("l0_i2h_bias")
      .data()
      .asTypedArray()
      .every((v) => v === 0),
  );
  assert.ok(
    lstm
      .collectParams()
      .get("l0_i2h_weight")
      .data()
      .asTypedArray()
      .some((v) => v !== 0),
  );
});

test("a PyTorch state dict (weight_ih_l0, bias_hh_l1_reverse, …) loads as it is, and saveParameters names: pytorch writes those names", () => {
  for (const c of cases.filter((k) => k.numLayers === 2 && k.bidirectional && k.states.length > 0)) {
    const file = serializeSafetensors(Object.entries(c.params).map(([name, t]) => ({ name, shape: t.shape, data: Float64Array.from(t.data) })));
    const Layer = c.mode === "LSTM" ? rnn.LSTM : rnn.GRU;
    const layer = new Layer(c.hiddenSize, { numLayers: 2, bidirectional: true, layout: c.layout, dtype: "float64" });
    layer.initialize();
    layer.loadParametersFromBytes(file); // deferred inputSize taken from the file
    const [y] = layer.forward(arr(c.x), c.states.map(arr));
    closeToTorch(y, c.y, 1e-12, `${c.name} y after loading the state dict`);
    const again = new Layer(c.hiddenSize, { numLayers: 2, bidirectional: true, layout: c.layout, dtype: "float64" });
    again.initialize();
    again.loadParametersFromBytes(layer.saveParametersToBytes({ names: "pytorch" }));
    const header = new TextDecoder().decode(layer.saveParametersToBytes({ names: "pytorch" })).slice(8, 2000);
    for (const name of Object.keys(c.params)) assert.ok(header.includes(`"${name}"`), `${c.name}: saved file has ${name}`);
    closeToTorch(again.forward(arr(c.x), c.states.map(arr))[0], c.y, 1e-12, `${c.name} y after a PyTorch-named round trip`);
  }
});

test("dropout between layers: the identity in predict mode, drops in training mode", () => {
  np.random.seed(3);
  const plain = new rnn.GRU(3, { numLayers: 2, inputSize: 3, dtype: "float64" });
  plain.initialize();
  const dropped = new rnn.GRU(3, { numLayers: 2, dropout: 0.5, inputSize: 3, dtype: "float64" });
  dropped.initialize();
  dropped.loadParametersFromBytes(plain.saveParametersToBytes());
  const x = randn([4, 2, 3]);
  assert.deepEqual(dropped.forward(x).asTypedArray(), plain.forward(x).asTypedArray());
  const trained = autograd.record(() => dropped.forward(x));
  const { maxErr } = compare(trained.asTypedArray(), plain.forward(x).asTypedArray());
  assert.ok(maxErr > 1e-3, "training mode drops some of the first layer's outputs");
  assert.equal(String(dropped), "GRU(3 -> 3, TNC, num_layers=2, dropout=0.5)");
});

/** The op types of an exported model's nodes. */
const opTypes = (bytes: Uint8Array) => decodeModel(bytes, "test").graph!.node!.map((n) => n.op_type!);

test("export: each layer is one ONNX LSTM / GRU node; onnxruntime and the re-import give tconv's outputs (1–2 layers, both directions, TNC/NTC, another length or batch)", async () => {
  np.random.seed(11);
  for (const Layer of [rnn.LSTM, rnn.GRU])
    for (const layout of ["TNC", "NTC"] as const)
      for (const bidirectional of [false, true])
        for (const numLayers of [1, 2]) {
          const what = `${Layer.name} ${layout}${bidirectional ? " bidirectional" : ""} ${numLayers} layer(s)`;
          // nonzero biases, so that their gate order is checked too
          const bias = new init.Uniform(0.5);
          const layer = new Layer(4, { layout, bidirectional, numLayers, i2hBiasInitializer: bias, h2hBiasInitializer: bias });
          layer.initialize(new init.Uniform(0.5));
          // the symbolic first axis: the sequence for TNC (one node runs any length), the batch for NTC
          const traced = layout === "TNC" ? [3, 2, 5] : [2, 3, 5];
          const bytes = onnx.exportModel(layer, [traced]);
          const ops = opTypes(bytes);
          const graph = decodeModel(bytes, "test").graph!;
          for (const v of [graph.input![0]!, graph.output![0]!])
            assert.equal(v.type!.tensor_type!.shape!.dim![0]!.dim_param, layout === "TNC" ? "T" : "N", `${what}: ${v.name}'s symbolic first axis`);
          assert.equal(ops.filter((o) => o === Layer.name).length, numLayers, `${what}: ${ops.join(" ")}`);
          assert.ok(!ops.includes("MatMul") && !ops.includes("Sigmoid") && !ops.includes("Tanh"), `${what}: no unrolled step: ${ops.join(" ")}`);
          const back = onnx.importToGluon(bytes);
          for (const shape of [traced, layout === "TNC" ? [7, 2, 5] : [5, 3, 5]]) {
            const x = np.random.uniform({ low: -1, high: 1, size: shape });
            const want = layer.forward(x);
            const [got] = await runOrt(bytes, [x]);
            assert.deepEqual(got!.shape, want.shape);
            const ort = compare(got!.data, want.asTypedArray());
            assert.ok(ort.maxErr <= 1e-5 * ort.scale, `${what} at ${shape}: onnxruntime differs by ${ort.maxErr}`);
            const again = back.run(x)[0]!;
            assert.deepEqual(again.shape, want.shape);
            const imp = compare(again.asTypedArray(), want.asTypedArray());
            assert.ok(imp.maxErr <= 1e-5 * imp.scale, `${what} at ${shape}: the re-import differs by ${imp.maxErr}`);
          }
        }
});

test("export with begin states writes the unrolled steps (exact for the traced length); with TNC, dynamicBatch's error names the time axis", async () => {
  class WithStates extends nn.Block {
    constructor(readonly lstm: InstanceType<typeof rnn.LSTM>) {
      super();
    }
    forward(x: NDArray, h: NDArray, c: NDArray): NDArray {
      return this.lstm.forward(x, [h, c])[0];
    }
  }
  np.random.seed(12);
  const ntc = new WithStates(new rnn.LSTM(4, { layout: "NTC" }));
  ntc.initialize();
  const shapes = [
    [2, 3, 5],
    [1, 2, 4],
    [1, 2, 4],
  ];
  const bytes = onnx.exportModel(ntc, shapes, { dynamicBatch: false });
  assert.ok(!opTypes(bytes).includes("LSTM") && opTypes(bytes).includes("MatMul"));
  const inputs = shapes.map((s) => np.random.uniform({ low: -1, high: 1, size: s }));
  const [got] = await runOrt(bytes, inputs);
  const want = ntc.forward(inputs[0]!, inputs[1]!, inputs[2]!);
  const { maxErr, scale } = compare(got!.data, want.asTypedArray());
  assert.ok(maxErr <= 1e-5 * scale, `max error ${maxErr}`);
  const tnc = new WithStates(new rnn.LSTM(4));
  tnc.initialize();
  assert.throws(
    () =>
      onnx.exportModel(tnc, [
        [3, 2, 5],
        [1, 2, 4],
        [1, 2, 4],
      ]),
    /differs from the one traced at batch .*the first axis of rnn\.LSTM with layout "TNC" is its time axis, not the batch/,
  );
});

test("training: an NTC LSTM with a Dense head learns the running mean of its inputs (Adam, the loss falls below half)", (t) => {
  class Net extends nn.Block {
    lstm = new rnn.LSTM(8, { layout: "NTC" });
    head = new nn.Dense(1, { flatten: false });
    forward(x: NDArray): NDArray {
      return this.head.forward(this.lstm.forward(x));
    }
  }
  np.random.seed(1);
  const net = new Net();
  net.initialize();
  const [N, T] = [16, 6];
  const x = np.random.uniform({ low: -1, high: 1, size: [N, T, 1] });
  const xd = x.asTypedArray();
  const mean = new Float32Array(N * T);
  for (let n = 0; n < N; n++)
    for (let k = 0, s = 0; k < T; k++) {
      s += xd[n * T + k]!;
      mean[n * T + k] = s / (k + 1);
    }
  const target = new NDArray(mean, [N, T, 1]);
  t.mock.method(console, "log", () => {});
  assert.match(net.summary(x), /LSTM-1\s+\(16, 6, 8\)\s+352/); // 4·8·(1 + 8) weights + 2·32 biases
  const trainer = new gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.02 });
  const losses: number[] = [];
  for (let i = 0; i < 20; i++) {
    const loss = autograd.record(() => net.forward(x).sub(target).pow(2).mean());
    loss.backward();
    trainer.step(1);
    losses.push(loss.item());
  }
  assert.ok(losses[19]! < 0.5 * losses[0]!, `loss ${losses.map((l) => l.toFixed(4)).join(" → ")}`);
});

test("a Sequential of recurrent and Dense layers reuses its intermediates' buffers when predicting, with the layers' own results", () => {
  np.random.seed(12);
  const net = new nn.Sequential().add(
    new rnn.GRU(6, { layout: "NTC", bidirectional: true }),
    new nn.Dense(5, { flatten: false }),
    new rnn.LSTM(4, { layout: "NTC" }),
  );
  net.initialize();
  assert.equal(net.forwardKeepsNothing(), true);
  const x = np.random.uniform({ low: -1, high: 1, size: [3, 4, 2] });
  const oneByOne = (net.at(2) as rnn.LSTM).forward((net.at(1) as nn.Dense).forward((net.at(0) as rnn.GRU).forward(x))).asTypedArray();
  const first = net.forward(x);
  const firstCopy = Float32Array.from(first.asTypedArray());
  assert.deepEqual(firstCopy, oneByOne);
  assert.deepEqual(net.forward(x).asTypedArray(), firstCopy);
  assert.deepEqual(first.asTypedArray(), firstCopy, "the first output was not reused");
  assert.ok((net as unknown as { recycler?: { reused: number } }).recycler!.reused > 0);
});

test("bad options, inputs and states throw naming the layer, the argument and the values", () => {
  assert.throws(() => new rnn.LSTM(0), /LSTM: hiddenSize=0 must be an integer >= 1/);
  assert.throws(() => new rnn.GRU(3, { layout: "NCT" as "TNC" }), /GRU: layout/);
  assert.throws(() => new rnn.GRU(3, { numLayers: 0 }), /GRU: numLayers/);
  assert.throws(() => new rnn.LSTM(3, { dropout: 1 }), /LSTM: dropout=1 must be in \[0, 1\)/);
  assert.throws(() => new rnn.LSTM(3, { hidden: 3 } as never), /LSTM/);
  const lstm = new rnn.LSTM(3, { inputSize: 2 });
  lstm.initialize();
  assert.throws(() => lstm.forward(np.zeros([4, 2])), /LSTM: input must be 3-D \[T, N, C\] \(layout TNC\), got shape \[4,2\]/);
  assert.throws(() => lstm.forward(np.zeros([4, 2, 5])), /LSTM: input shape \[4,2,5\] has 5 features but the layer expects 2 \(inputSize\)/);
  assert.throws(() => lstm.forward(np.zeros([4, 2, 2], { dtype: "float64" })), /LSTM: input is float64 but the layer's parameters are float32/);
  assert.throws(() => lstm.forward(np.zeros([4, 2, 2]), [np.zeros([1, 2, 3])]), /LSTM: states must be \[h, c\] \(2 arrays\), got 1/);
  assert.throws(
    () => lstm.forward(np.zeros([4, 2, 2]), [np.zeros([1, 3, 3]), np.zeros([1, 2, 3])]),
    /LSTM: state 0 has shape \[1,3,3\], expected \[1,2,3\] \(\[numLayers·directions, batch, hiddenSize\]\)/,
  );
  assert.throws(() => lstm.forward(np.zeros([0, 2, 2])), /LSTM: input shape \[0,2,2\] has an empty sequence/);
  assert.throws(() => lstm.beginState(0), /LSTM.beginState: batchSize=0 must be an integer >= 1/);
  assert.throws(() => lstm.beginState(2, { ctx: "gpu" as never }), /LSTM.beginState: ctx must be a context such as npx.cpu\(\) or npx.gpu\(0\), got "gpu"/);
  assert.equal(lstm.beginState(2, { dtype: "float64" })[1]!.dtype, "float64");
});

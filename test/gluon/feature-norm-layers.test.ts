// nn.InstanceNorm / LayerNorm / GroupNorm: PyTorch's outputs and parameter gradients, deferred inChannels, Gluon's
// defaults (InstanceNorm learns no gamma), PyTorch names, training, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, gluon, init, nn, np } from "../../src/index.js";
import { parseSafetensors, serializeSafetensors } from "../../src/io/safetensors.js";
import { arr, closeToTorch, type NormCase, type TorchTensor, torchCase } from "../helpers/torch-cases.js";

type Case = NormCase;
const get = (name: string): Case => torchCase<Case>(name);
const close = closeToTorch;

/** The layer (float64, deferred inChannels) with the fixture's gamma/beta, run forward and backward against PyTorch. */
function against(layer: nn.InstanceNorm | nn.LayerNorm | nn.GroupNorm, c: Case): void {
  layer.initialize();
  const x = arr(c.x).attachGrad();
  const y = autograd.record(() => layer.forward(x));
  if (c.gamma) layer.gamma!.setData(arr(c.gamma));
  if (c.beta) layer.beta!.setData(arr(c.beta));
  const y2 = autograd.record(() => layer.forward(x));
  assert.deepEqual(y.shape, y2.shape);
  close(y2, c.y, 1e-12, `${c.name} y`);
  y2.backward(arr(c.v));
  close(x.grad!, c.dx, 1e-11, `${c.name} dx`);
  if (c.dgamma) close(layer.gamma!.grad()!, c.dgamma, 1e-11, `${c.name} dgamma`);
  if (c.dbeta) close(layer.beta!.grad()!, c.dbeta, 1e-11, `${c.name} dbeta`);
}

test("InstanceNorm (scale: true) matches PyTorch's InstanceNorm1d/2d(affine=True): outputs, dx, dgamma, dbeta", () => {
  for (const name of ["InstanceNorm2d affine", "InstanceNorm1d affine"]) against(new nn.InstanceNorm({ scale: true, dtype: "float64" }), get(name));
  const c = get("InstanceNorm2d no affine");
  against(new nn.InstanceNorm({ epsilon: c.eps, dtype: "float64" }), c);
});

test("center: false, scale: false (PyTorch's affine=False): no gamma/beta, so PyTorch's state dict loads strictly and the outputs match", () => {
  const c = torchCase<{ state: Record<string, TorchTensor>; x: TorchTensor; y: TorchTensor }>("norms without affine after a conv");
  const plain = { center: false, scale: false, dtype: "float64" } as const;
  const norms = [new nn.InstanceNorm(plain), new nn.GroupNorm({ numGroups: 2, ...plain }), new nn.LayerNorm(plain)];
  const net = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1, dtype: "float64" }), ...norms).initialize();
  assert.deepEqual(
    norms.map((l) => [l.gamma, l.beta]),
    [
      [null, null],
      [null, null],
      [null, null],
    ],
  );
  const file = serializeSafetensors(Object.entries(c.state).map(([name, t]) => ({ name, shape: t.shape, data: Float64Array.from(t.data) })));
  net.loadParametersFromBytes(file);
  assert.deepEqual(net.collectParams().keys(), ["0.weight", "0.bias"]);
  close(net.forward(arr(c.x)), c.y, 1e-12, "conv → InstanceNorm2d → GroupNorm → LayerNorm without affine");
  assert.deepEqual([...parseSafetensors(net.saveParametersToBytes({ names: "pytorch" }), "t").entries.keys()], ["0.weight", "0.bias"]);
  // one of the two on keeps Gluon's untrained gamma (or beta), as before
  assert.deepEqual([new nn.LayerNorm({ center: false }).beta!.gradReq, new nn.InstanceNorm().gamma!.gradReq], ["null", "null"]);
  assert.match(String(new nn.InstanceNorm({ center: false, inChannels: 3 })), /in_channels=3/);
  assert.throws(
    () => new nn.LayerNorm({ ...plain, inChannels: 3 }).initialize().forward(np.ones([2, 4], { dtype: "float64" })),
    /LayerNorm: input has 4 entries on axis 1/,
  );
});

test("LayerNorm matches PyTorch's LayerNorm(C)", () => {
  against(new nn.LayerNorm({ dtype: "float64" }), get("LayerNorm last axis"));
});

test("GroupNorm matches PyTorch's GroupNorm(G, C)", () => {
  for (const name of ["GroupNorm 2 groups 2-D", "GroupNorm 3 groups 1-D", "GroupNorm 1 group"]) {
    const c = get(name);
    against(new nn.GroupNorm({ numGroups: c.numGroups, dtype: "float64" }), c);
  }
});

test("Gluon's defaults: InstanceNorm learns beta only; LayerNorm and GroupNorm learn both; inChannels inferred", () => {
  const inorm = new nn.InstanceNorm();
  const lnorm = new nn.LayerNorm();
  const gnorm = new nn.GroupNorm({ numGroups: 2 });
  assert.deepEqual(
    [inorm, lnorm, gnorm].map((l) => [l.gamma!.gradReq, l.beta!.gradReq]),
    [
      ["null", "write"],
      ["write", "write"],
      ["write", "write"],
    ],
  );
  const net = new nn.Sequential().add(inorm, lnorm, gnorm).initialize();
  net.forward(np.ones([2, 4, 3, 5]));
  assert.deepEqual([inorm.gamma!.shape, lnorm.gamma!.shape, gnorm.gamma!.shape], [[4], [5], [4]]);
  assert.deepEqual(net.collectParams().keys(), ["0.gamma", "0.beta", "1.gamma", "1.beta", "2.gamma", "2.beta"]);
  const trainer = new gluon.Trainer(net.collectParams(), "sgd");
  assert.equal(trainer.params.length, 5, "InstanceNorm's gamma is not trained");
  assert.match(String(gnorm), /^GroupNorm\(num_groups=2, eps=0.00001, in_channels=4\)$/);
});

test('saveParameters with names: "pytorch" writes weight/bias for the three norms', () => {
  const net = new nn.Sequential().add(new nn.GroupNorm({ numGroups: 1, inChannels: 2 }), new nn.LayerNorm({ inChannels: 3 })).initialize();
  const names = [...parseSafetensors(net.saveParametersToBytes({ names: "pytorch" }), "t").entries.keys()];
  assert.deepEqual(names, ["0.weight", "0.bias", "1.weight", "1.bias"]);
});

test("a GroupNorm + Conv net trains: the loss falls", () => {
  np.random.seed(3);
  const net = new nn.Sequential().add(new nn.Conv2D(4, { kernelSize: 3, padding: 1 }), new nn.GroupNorm({ numGroups: 2 }), new nn.Conv2D(1, { kernelSize: 1 }));
  net.initialize(init.Xavier());
  const x = np.random.normal(0, 1, [4, 2, 5, 5]);
  const target = x.sum({ axis: 1, keepdims: true }).mul(0.5);
  const trainer = new gluon.Trainer(net.collectParams(), "adam", { learningRate: 0.05 });
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const loss = autograd.record(() => net.forward(x).sub(target).pow(2).mean());
    loss.backward();
    trainer.step(1);
    losses.push(loss.item());
  }
  assert.ok(losses[29]! < 0.5 * losses[0]!, `loss ${losses[0]} -> ${losses[29]}`);
});

test("layer errors name the layer, the option and the values", () => {
  assert.throws(() => new nn.GroupNorm({ numGroups: 3, inChannels: 4 }), /GroupNorm: numGroups=3 must divide inChannels=4/);
  assert.throws(() => new nn.LayerNorm({ epsilon: 0 }), /LayerNorm: epsilon=0 must be > 0/);
  assert.throws(() => new nn.InstanceNorm({ eps: 1e-5 } as never), /InstanceNorm: unknown option 'eps'/);
  const l = new nn.LayerNorm({ inChannels: 3 }).initialize();
  assert.throws(() => l.forward(np.ones([2, 4])), /LayerNorm: input has 4 entries on axis 1 \(shape \[2, ?4\]\) but the layer has 3/);
  const f = new nn.InstanceNorm({ inChannels: 2 }).initialize();
  assert.throws(() => f.forward(np.ones([2, 2, 3], { dtype: "float64" })), /InstanceNorm: input is float64 but the layer's parameters are float32/);
  const g = new nn.GroupNorm({ numGroups: 2 }).initialize();
  assert.throws(() => g.forward(np.ones([2, 3, 4])), /groupNorm: numGroups=2 must divide the 3 channels/);
});

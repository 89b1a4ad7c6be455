// nn.BatchNorm: deferred inChannels, parameter names and gradReq, both modes, options, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, autograd, gluon, init, nn, np } from "../../src/index.js";
import { randn } from "../helpers/gradcheck.js";

const f64 = { dtype: "float64" } as const;

test("parameters gamma, beta, running_mean, running_var; the running ones are not trained", () => {
  const bn = new nn.BatchNorm();
  const net = new nn.Sequential().add(new nn.Conv2D(3, { kernelSize: 1 }), bn);
  assert.deepEqual(net.collectParams().keys(), ["0.weight", "0.bias", "1.gamma", "1.beta", "1.running_mean", "1.running_var"]);
  assert.deepEqual([bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map((p) => p.gradReq), ["write", "write", "null", "null"]);
  net.initialize();
  net.forward(np.ones([1, 2, 2, 2]));
  assert.deepEqual(bn.gamma.shape, [3], "inChannels inferred at the first forward");
  assert.deepEqual([bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map((p) => p.data().tolist()), [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]]);
  const trainer = new gluon.Trainer(net.collectParams(), "sgd");
  assert.deepEqual(trainer.params, [net.collectParams().get("0.weight"), net.collectParams().get("0.bias"), bn.gamma, bn.beta]);
});

test("training mode inside record normalises with batch statistics and moves the running ones; predict mode uses them", () => {
  const bn = new nn.BatchNorm({ momentum: 0.5, dtype: "float64", inChannels: 2 }).initialize();
  const x = np.array([[[1, 3]], [[5, 7]]], f64).transpose(0, 2, 1); // [2, 2, 1]: channel 0 = {1, 5}, channel 1 = {3, 7}
  const y = autograd.record(() => bn.forward(x));
  // batch mean (3, 5), biased variance 4: (x − μ)/√(4 + 1e-5)
  const s = Math.sqrt(4 + 1e-5);
  (y.tolist() as number[][][]).flat(2).forEach((v, i) => assert.ok(Math.abs(v - [-2 / s, -2 / s, 2 / s, 2 / s][i]!) < 1e-12));
  assert.deepEqual(bn.runningMean.data().tolist(), [1.5, 2.5], "0.5·0 + 0.5·(3, 5)");
  assert.deepEqual(bn.runningVar.data().tolist(), [2.5, 2.5], "0.5·1 + 0.5·4");
  const p = bn.forward(x); // predict mode outside record
  const want = [(1 - 1.5) / Math.sqrt(2.5 + 1e-5), (3 - 2.5) / Math.sqrt(2.5 + 1e-5)];
  assert.ok(Math.abs((p.tolist() as number[][][])[0]![0]![0]! - want[0]!) < 1e-12);
  assert.ok(Math.abs((p.tolist() as number[][][])[0]![1]![0]! - want[1]!) < 1e-12);
  assert.deepEqual(bn.runningMean.data().tolist(), [1.5, 2.5], "predict mode does not move them");
});

test("center / scale false keep beta 0 and gamma 1 untrained; initializers and axis options", () => {
  const bn = new nn.BatchNorm({ center: false, scale: false, axis: -1, gammaInitializer: init.Constant(2), runningVarianceInitializer: init.Constant(4) });
  assert.equal(bn.beta.gradReq, "null");
  assert.equal(bn.gamma.gradReq, "null");
  bn.initialize();
  const y = bn.forward(np.ones([2, 3, 5]));
  assert.deepEqual(bn.gamma.shape, [5], "axis -1: channels last");
  assert.deepEqual(bn.gamma.data().tolist(), [2, 2, 2, 2, 2]);
  assert.ok(Math.abs(y.at(0, 0, 0).item() - 2 / Math.sqrt(4 + 1e-5)) < 1e-6);
});

test("BatchNorm backward reaches the input, gamma and beta", () => {
  const bn = new nn.BatchNorm({ dtype: "float64" }).initialize();
  const x = randn([4, 2, 3]).attachGrad();
  autograd.record(() => bn.forward(x).mul(randn([4, 2, 3])).sum()).backward();
  assert.ok(x.grad!.asTypedArray().some((v) => v !== 0));
  assert.ok(bn.gamma.grad()!.asTypedArray().some((v) => v !== 0));
  assert.ok(bn.beta.grad()!.asTypedArray().some((v) => v !== 0));
  assert.throws(() => bn.runningMean.grad(), /Parameter 'running_mean' of BatchNorm has no gradient because its gradReq is "null"/);
});

test("BatchNorm errors name the layer, the option and the values", () => {
  assert.throws(() => new nn.BatchNorm({ momentun: 0.1 } as never), /BatchNorm: unknown option 'momentun' \(did you mean 'momentum'\?\)/);
  assert.throws(() => new nn.BatchNorm({ epsilon: -1 }), /BatchNorm: epsilon=-1 must be a finite number >= 0/);
  assert.throws(() => new nn.BatchNorm({ inChannels: 2.5 }), /BatchNorm: inChannels=2.5 must be an integer >= 0/);
  assert.throws(() => new nn.BatchNorm({ gammaInitializer: 1 as never }), /BatchNorm: gammaInitializer must come from init/);
  const bn = new nn.BatchNorm({ inChannels: 3 }).initialize();
  assert.throws(() => bn.forward(np.ones([2, 4, 2])), /BatchNorm: input has 4 channels on axis 1 \(shape \[2,4,2\]\) but the layer has 3 \(inChannels\)/);
  assert.throws(() => bn.forward(np.ones([2, 3], f64)), /BatchNorm: input is float64 but the layer's parameters are float32/);
  assert.throws(() => new nn.BatchNorm({ axis: 4 }).initialize().forward(np.ones([2, 3])), /BatchNorm: axis=4 is out of range for an input of shape \[2,3\]/);
});

test("nn.BatchNorm is a type", () => {
  const bn: nn.BatchNorm = new nn.BatchNorm();
  const f = (x: NDArray) => x.ndim;
  assert.equal(f(np.ones([1])), 1);
  assert.ok(bn instanceof nn.Block);
});

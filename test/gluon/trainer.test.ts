// gluon.Trainer: SGD/Adam update formulas, rescaling by batch size, options, errors, and a small fit.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { np, nn, gluon, autograd, init } from "../../src/index.js";

const { Parameter, Trainer } = gluon;
const close = (xs: ArrayLike<number>, want: number[], tol = 1e-6) =>
  want.forEach((w, i) => assert.ok(Math.abs(xs[i]! - w) <= tol, `element ${i}: ${xs[i]} vs ${w}`));

/** A float64 parameter with value w0 and gradient g. */
function param(w0: number[], g: number[]) {
  const p = new Parameter("p", [w0.length], "float64", new init.Constant(np.array(w0, { dtype: "float64" })));
  p.initialize();
  p.grad()!.set(np.array(g, { dtype: "float64" }));
  return p;
}

describe("SGD", () => {
  test("w ← w − lr·g/batchSize, with weight decay", () => {
    const p = param([1, 2], [4, -8]);
    new Trainer([p], "sgd", { learningRate: 0.5 }).step(4);
    close(p.data().asTypedArray(), [0.5, 3]);
    const q = param([1, 2], [0, 0]);
    new Trainer([q], "sgd", { learningRate: 0.1, wd: 0.5 }).step(1);
    close(q.data().asTypedArray(), [0.95, 1.9]);
  });
  test("momentum: v ← μv − lr·g; w ← w + v", () => {
    const p = param([0], [1]);
    const t = new Trainer([p], "sgd", { learningRate: 0.1, momentum: 0.9 });
    t.step(1);
    t.step(1);
    close(p.data().asTypedArray(), [-0.1 + (-0.09 - 0.1)]);
  });
});

describe("Adam", () => {
  test("bias-corrected steps as MXNet", () => {
    const p = param([1, -1], [0.2, -3]);
    const t = new Trainer([p], "adam", { learningRate: 0.01 });
    t.step(1); // first step moves each weight by ≈ lr·sign(g)
    close(p.data().asTypedArray(), [0.99, -0.99], 1e-7);
    const w1 = [...p.data().asTypedArray()];
    p.grad()!.set(np.array([0.2, 3], { dtype: "float64" }));
    t.step(1);
    const m = [0.1 * 0.2 * 0.9 + 0.1 * 0.2, 0.1 * -3 * 0.9 + 0.1 * 3];
    const v = [0.001 * 0.04 * 0.999 + 0.001 * 0.04, 0.001 * 9 * 0.999 + 0.001 * 9];
    const lr = (0.01 * Math.sqrt(1 - 0.999 ** 2)) / (1 - 0.9 ** 2);
    close(p.data().asTypedArray(), [w1[0]! - (lr * m[0]!) / (Math.sqrt(v[0]!) + 1e-8), w1[1]! - (lr * m[1]!) / (Math.sqrt(v[1]!) + 1e-8)], 1e-12);
  });
  test("clipGradient and rescaleGrad", () => {
    const p = param([0], [100]);
    new Trainer([p], "sgd", { learningRate: 1, clipGradient: 2, rescaleGrad: 0.5 }).step(1);
    close(p.data().asTypedArray(), [-2]);
  });
});

describe("Trainer errors", () => {
  const p = param([1], [1]);
  test("unknown optimizer lists the known ones", () => {
    assert.throws(() => new Trainer([p], "rmsprop" as never), /Trainer: unknown optimizer "rmsprop"; known optimizers are sgd, adam/);
  });
  test("bad options name the option and value", () => {
    assert.throws(() => new Trainer([p], "sgd", { learningRate: -1 }), /Trainer: learningRate=-1 must be a number in \[0, Infinity\]/);
    assert.throws(() => new Trainer([p], "sgd", { momentum: 1 }), /Trainer: momentum=1 must be a number in \[0, 1\)/);
    assert.throws(() => new Trainer([p], "adam", { momentum: 0.9 } as never), /unknown option "momentum" for adam; known options are learningRate, beta1/);
    assert.throws(() => new Trainer({} as never, "sgd"), /Trainer: params must be a ParameterDict/);
    assert.throws(() => new Trainer([p], "sgd").step(0), /Trainer.step: batchSize=0 must be a positive number/);
  });
  test("a deferred-init parameter throws Gluon's error at step (through a layer)", () => {
    const net = new nn.Conv2D(2, { kernelSize: 3 }).initialize();
    const t = new Trainer(net.collectParams(), "sgd");
    assert.throws(() => t.step(1), /initialization was deferred.*Pass one batch of data through the network/);
    const never = new nn.Conv2D(2, { kernelSize: 3, inChannels: 1 });
    assert.throws(() => new Trainer(never.collectParams(), "sgd").step(1), /has not been initialized. Call initialize\(\)/);
  });
  test("learningRate getter/setter", () => {
    const t = new Trainer([p], "sgd", { learningRate: 0.3 });
    assert.equal(t.learningRate, 0.3);
    t.setLearningRate(0.1);
    assert.equal(t.learningRate, 0.1);
    assert.throws(() => t.setLearningRate(Number.NaN), /learningRate=NaN/);
  });
});

test("a Conv1D fits a target filter with L2Loss + SGD (loss falls)", () => {
  np.random.seed(11);
  const target = np.array([[[1, -2, 0.5]]]);
  const x = np.random.normal({ size: [8, 1, 10] });
  const y = new nn.Conv1D(1, { kernelSize: 3, inChannels: 1, useBias: false, weightInitializer: new init.Constant(target) }).initialize().forward(x);
  const net = new nn.Conv1D(1, { kernelSize: 3, inChannels: 1 }).initialize();
  const trainer = new Trainer(net.collectParams(), "sgd", { learningRate: 0.1, momentum: 0.5 });
  const l2 = new gluon.loss.L2Loss();
  const losses: number[] = [];
  for (let i = 0; i < 60; i++) {
    const l = autograd.record(() => l2.forward(net.forward(x), y));
    l.backward(np.ones(l.shape));
    trainer.step(8);
    losses.push(l.mean().item());
  }
  assert.ok(losses.at(-1)! < losses[0]! / 100, `loss ${losses[0]} → ${losses.at(-1)}`);
  close(net.weight.data().asTypedArray(), [1, -2, 0.5], 1e-2);
});

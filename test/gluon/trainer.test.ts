// gluon.Trainer: SGD/Adam update formulas, rescaling by batch size, options, errors, and a small fit.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { OptimizerParams } from "../../src/gluon/trainer.js";
import { np, nn, gluon, autograd, init, type NDArray } from "../../src/index.js";

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

/** The update written with array ops, one formula per line (the pre-fusion Trainer): the fused loop must match it. */
function unfusedStep(kind: "sgd" | "adam", w: NDArray, grad: NDArray, st: NDArray[], t: number, o: Required<OptimizerParams>, batch: number): void {
  let g = grad.mul(o.rescaleGrad / batch);
  if (o.clipGradient !== null) g = g.maximum(-o.clipGradient).minimum(o.clipGradient);
  if (o.wd !== 0) g = g.add(w.mul(o.wd));
  if (kind === "sgd") {
    if (o.momentum === 0) return void w.isub(g.mul(o.learningRate));
    st[0]!.set(st[0]!.mul(o.momentum).sub(g.mul(o.learningRate)));
    return void w.iadd(st[0]!);
  }
  const [m, v] = st;
  m!.set(m!.mul(o.beta1).add(g.mul(1 - o.beta1)));
  v!.set(v!.mul(o.beta2).add(g.mul(g).mul(1 - o.beta2)));
  const lr = (o.learningRate * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
  w.isub(m!.div(v!.sqrt().add(o.epsilon)).mul(lr));
}

test("the fused Trainer.step equals the unfused array-op formula (sgd ± momentum, adam; rescale, clip, wd; float32/float64)", () => {
  const arb = fc.record({
    kind: fc.constantFrom<"sgd" | "adam">("sgd", "adam"),
    dtype: fc.constantFrom<"float32" | "float64">("float32", "float64"),
    n: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer({ min: 0, max: 1000 }),
    momentum: fc.constantFrom(0, 0.9),
    wd: fc.constantFrom(0, 0.01),
    clip: fc.constantFrom(null, 0.5),
    rescale: fc.constantFrom(1, 0.25),
    batch: fc.integer({ min: 1, max: 8 }),
    steps: fc.integer({ min: 1, max: 3 }),
  });
  fc.assert(
    fc.property(arb, (r) => {
      np.random.seed(r.seed);
      const w0 = np.random.normal({ size: [r.n] }).astype(r.dtype);
      const p = new Parameter("p", [r.n], r.dtype, new init.Constant(w0));
      p.initialize();
      const o = {
        learningRate: 0.05,
        momentum: r.kind === "sgd" ? r.momentum : 0,
        wd: r.wd,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        rescaleGrad: r.rescale,
        clipGradient: r.clip,
      };
      const opts =
        r.kind === "sgd"
          ? { learningRate: o.learningRate, momentum: o.momentum, wd: o.wd, rescaleGrad: o.rescaleGrad, clipGradient: o.clipGradient }
          : { learningRate: o.learningRate, wd: o.wd, rescaleGrad: o.rescaleGrad, clipGradient: o.clipGradient };
      const trainer = new Trainer([p], r.kind, opts);
      const w = w0.copy();
      const st = [np.zeros([r.n], { dtype: r.dtype }), np.zeros([r.n], { dtype: r.dtype })];
      for (let t = 1; t <= r.steps; t++) {
        const g = np.random.normal({ size: [r.n], scale: 2 }).astype(r.dtype);
        p.grad()!.set(g);
        trainer.step(r.batch);
        unfusedStep(r.kind, w, g, st, t, o as Required<OptimizerParams>, r.batch);
      }
      // float64 rounds exactly as the formula; float32 rounds each array op of the formula, the fused loop once
      const tol = r.dtype === "float64" ? 1e-14 : 1e-5;
      const got = p.data().asTypedArray(),
        want = w.asTypedArray();
      for (let i = 0; i < r.n; i++)
        assert.ok(Math.abs(got[i]! - want[i]!) <= tol * (1 + Math.abs(want[i]!)), `${JSON.stringify(r)} element ${i}: ${got[i]} vs ${want[i]}`);
    }),
    { numRuns: 200 },
  );
});

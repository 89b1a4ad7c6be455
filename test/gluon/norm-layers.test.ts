// nn.BatchNorm: deferred inChannels, parameter names and gradReq, both modes, options, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, autograd, gluon, init, nn, np } from "../../src/index.js";
import { randn } from "../helpers/gradcheck.js";

const f64 = { dtype: "float64" } as const;

test("parameters gamma, beta, running_mean, running_var; the running ones are not trained", () => {
  const bn = new nn.BatchNorm();
  const net = new nn.Sequential().add(new nn.Conv2D(3, { kernelSize: 1 }), bn);
  assert.deepEqual(net.collectParams().keys(), ["0.weight", "0.bias", "1.gamma", "1.beta", "1.running_mean", "1.running_var"]);
  assert.deepEqual(
    [bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map((p) => p.gradReq),
    ["write", "write", "null", "null"],
  );
  net.initialize();
  net.forward(np.ones([1, 2, 2, 2]));
  assert.deepEqual(bn.gamma.shape, [3], "inChannels inferred at the first forward");
  assert.deepEqual(
    [bn.gamma, bn.beta, bn.runningMean, bn.runningVar].map((p) => p.data().tolist()),
    [
      [1, 1, 1],
      [0, 0, 0],
      [0, 0, 0],
      [1, 1, 1],
    ],
  );
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
  autograd
    .record(() =>
      bn
        .forward(x)
        .mul(randn([4, 2, 3]))
        .sum(),
    )
    .backward();
  assert.ok(x.grad!.asTypedArray().some((v) => v !== 0));
  assert.ok(
    bn.gamma
      .grad()!
      .asTypedArray()
      .some((v) => v !== 0),
  );
  assert.ok(
    bn.beta
      .grad()!
      .asTypedArray()
      .some((v) => v !== 0),
  );
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

// ---- BatchNorm → Activation("relu") / LeakyReLU in one pass (Sequential, predict mode, not recording)

/** gamma, beta, running mean and running variance for C channels (random, variance > 0). */
const bnState = (C: number) => [randn([C]), randn([C]), randn([C]), randn([C]).abs().add(0.1)] as const;

/** A BatchNorm with non-trivial gamma, beta and running statistics (`state`, or fresh random ones). */
function statefulBatchNorm(dtype: "float32" | "float64", C: number, state = bnState(C), options: { axis?: number } = {}) {
  const bn = new nn.BatchNorm({ ...options, dtype, inChannels: C }).initialize();
  [bn.gamma, bn.beta, bn.runningMean, bn.runningVar].forEach((p, k) => p.setData(state[k]!.astype(dtype)));
  return bn;
}

/** Counts calls of Activation / LeakyReLU forward (the unfused path) while `fn` runs. */
function countActivationCalls<T>(fn: () => T): [T, number] {
  const protos = [nn.Activation.prototype, nn.LeakyReLU.prototype] as { forward: (x: NDArray) => NDArray }[];
  const saved = protos.map((p) => p.forward);
  let calls = 0;
  protos.forEach(
    (p, k) =>
      (p.forward = function (this: unknown, x: NDArray) {
        calls++;
        return saved[k]!.call(this, x);
      }),
  );
  try {
    return [fn(), calls];
  } finally {
    protos.forEach((p, k) => (p.forward = saved[k]!));
  }
}

function sameBits(actual: NDArray, expected: NDArray, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.asTypedArray(),
    e = expected.asTypedArray();
  assert.equal(actual.dtype, expected.dtype, what);
  for (let i = 0; i < e.length; i++) if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${a[i]}, unfused ${e[i]}`);
}

test("BatchNorm then Activation(relu) or LeakyReLU in a Sequential runs as one pass in predict mode, bit for bit the unfused pair", () => {
  for (const dtype of ["float32", "float64"] as const)
    for (const [label, makeAct] of [
      ["relu", () => new nn.Activation("relu")],
      ["leaky 0.2", () => new nn.LeakyReLU(0.2)],
      ["leaky 0", () => new nn.LeakyReLU(0)],
    ] as const)
      for (const axis of [1, -1]) {
        const bn = statefulBatchNorm(dtype, 5, bnState(5), { axis }),
          act = makeAct();
        const net = new nn.Sequential().add(bn, act);
        const x = (axis === 1 ? randn([3, 5, 4, 6], 3) : randn([3, 4, 6, 5], 3)).astype(dtype);
        // special values: NaN and ±Inf flow through, −0 inputs, values on both sides of 0 after the affine map
        const xd = x.asTypedArray();
        [NaN, Infinity, -Infinity, -0, 0, 1e30, -1e30, 5e307, 1e308, 1.7e308, -1.7e308].forEach((v, i) => (xd[i * 11] = v));
        const [fused, calls] = countActivationCalls(() => net.forward(x));
        assert.equal(calls, 0, `${dtype} ${label} axis ${axis}: the activation block did not run on its own`);
        const unfused = act.forward(bn.forward(x));
        sameBits(fused, unfused, `${dtype} ${label} axis ${axis}`);
        const v = fused.asTypedArray();
        assert.ok(v.some((t) => t > 0) && v.some((t) => t === 0 || t < 0) && v.some(Number.isNaN), "the case exercises both signs and NaN");
      }
  // a strided (transposed) input, and a longer chain: Conv → BN → relu → BN → leaky
  const bn = statefulBatchNorm("float32", 3),
    relu = new nn.Activation("relu");
  const xt = randn([2, 6, 4, 3], 9).astype("float32").transpose(0, 3, 2, 1).at(":", ":", ":", "::2");
  sameBits(new nn.Sequential().add(bn, relu).forward(xt), relu.forward(bn.forward(xt)), "strided input");
  const conv = new nn.Conv2D(4, { kernelSize: 3, padding: 1 }),
    bn1 = statefulBatchNorm("float32", 4),
    a1 = new nn.Activation("relu");
  const bn2 = statefulBatchNorm("float32", 4),
    a2 = new nn.LeakyReLU(0.1);
  const chain = new nn.Sequential().add(conv, bn1, a1, bn2, a2);
  chain.initialize();
  const xc = randn([2, 3, 6, 6]).astype("float32");
  const [yc, callsC] = countActivationCalls(() => chain.forward(xc));
  assert.equal(callsC, 0);
  sameBits(yc, a2.forward(bn2.forward(a1.forward(bn1.forward(conv.forward(xc))))), "conv chain");
});

test("BatchNorm + activation: recording, training mode and other neighbours take the unfused differentiable path", () => {
  const x = randn([2, 3, 4, 4], 5),
    head = randn([2, 3, 4, 4]),
    state = bnState(3);
  // recording (predict mode): the gradient flows through both blocks and equals the one of the two blocks called alone
  const bn = statefulBatchNorm("float64", 3, state),
    act = new nn.Activation("relu");
  const net = new nn.Sequential().add(bn, act);
  const xa = x.copy().attachGrad(),
    xb = x.copy().attachGrad();
  const [ya, calls] = countActivationCalls(() => autograd.record(() => net.forward(xa), { trainMode: false }));
  assert.equal(calls, 1, "recording runs the activation block");
  ya.backward(head);
  const yb = autograd.record(() => act.forward(bn.forward(xb)), { trainMode: false });
  yb.backward(head);
  sameBits(ya, yb, "recorded output");
  sameBits(xa.grad!, xb.grad!, "input gradient");
  assert.ok(Array.from(xa.grad!.asTypedArray()).some((g) => g !== 0));
  // training mode without recording: batch statistics, running statistics moved once, same as the unfused pair
  const bnT = statefulBatchNorm("float64", 3, state),
    bnU = statefulBatchNorm("float64", 3, state);
  const leakyT = new nn.LeakyReLU(0.3);
  const yT = autograd.trainMode(() => new nn.Sequential().add(bnT, leakyT).forward(x));
  const yU = autograd.trainMode(() => leakyT.forward(bnU.forward(x)));
  sameBits(yT, yU, "training-mode output");
  sameBits(bnT.runningMean.data(), bnU.runningMean.data(), "running mean moved once");
  sameBits(bnT.runningVar.data(), bnU.runningVar.data(), "running var moved once");
  // other activations, and subclasses that change forward, are not fused
  for (const next of [
    new nn.Activation("tanh"),
    new (class extends nn.Activation {
      override forward(y: NDArray) {
        return super.forward(y).mul(2);
      }
    })("relu"),
  ]) {
    const b2 = statefulBatchNorm("float64", 3, state);
    const [y2, c2] = countActivationCalls(() => new nn.Sequential().add(b2, next).forward(x));
    assert.equal(c2, 1);
    sameBits(y2, next.forward(b2.forward(x)), "not fused");
  }
});

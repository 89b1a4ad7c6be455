// gluon.loss: values against the formulas, per-sample shapes, numerical stability, gradients, errors.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, np, gluon, autograd } from "../../src/index.js";
import { gradcheck, randn, uniform } from "../helpers/gradcheck.js";

const { L2Loss, SoftmaxCrossEntropyLoss, SigmoidBinaryCrossEntropyLoss } = gluon.loss;
const close = (a: NDArray | number[], b: number[], tol = 1e-6) => {
  const xs = a instanceof NDArray ? [...a.asTypedArray()] : a;
  assert.equal(xs.length, b.length);
  xs.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol * Math.max(1, Math.abs(b[i]!)), `element ${i}: ${v} vs ${b[i]}`));
};
np.random.seed(3);

describe("L2Loss", () => {
  test("½(pred − label)² averaged over all but the batch axis", () => {
    const pred = np.array([
      [1, 2],
      [3, 5],
    ]);
    const label = np.array([
      [0, 2],
      [1, 1],
    ]);
    const l = new L2Loss().forward(pred, label);
    assert.deepEqual(l.shape, [2]);
    close(l, [0.25, 5]);
    close(new L2Loss({ weight: 2 }).forward(pred, label), [0.5, 10]);
    close(new L2Loss().forward(pred, label, np.array([[1], [0]])), [0.25, 0]);
  });
  test("label is reshaped to pred's shape; 1-D pred gives the elementwise loss", () => {
    close(new L2Loss().forward(np.array([[1], [2]]), np.array([0, 0])), [0.5, 2]);
    close(new L2Loss().forward(np.array([1, 2]), np.array([0, 0])), [0.5, 2]);
  });
  test("gradient", () => {
    const label = randn([2, 3]);
    gradcheck((p) => new L2Loss().forward(p, label), [randn([2, 3])]);
  });
  test("errors name the loss and the shapes", () => {
    assert.throws(
      () => new L2Loss().forward(np.zeros([2, 3]), np.zeros([2, 2])),
      /L2Loss.forward: label shape \[2,2\] has 4 elements, pred shape \[2,3\] has 6/,
    );
    assert.throws(() => new L2Loss({ weight: Number.NaN }), /L2Loss: weight=NaN must be a finite number/);
    assert.throws(() => new L2Loss().forward([1] as never, np.zeros(1)), /L2Loss.forward: pred must be an NDArray/);
  });
});

describe("SoftmaxCrossEntropyLoss", () => {
  const manual = (logits: number[], k: number) => Math.log(logits.reduce((s, v) => s + Math.exp(v), 0)) - logits[k]!;
  test("sparse labels over the last axis (Gluon's default)", () => {
    const pred = np.array([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const l = new SoftmaxCrossEntropyLoss().forward(pred, np.array([2, 0]));
    close(l, [manual([1, 2, 3], 2), Math.log(3)]);
  });
  test("per-pixel segmentation: pred [N,C,H,W], axis 1, label [N,H,W] → mean over pixels per image", () => {
    const pred = randn([2, 3, 2, 2]);
    const label = np.array(
      [
        [
          [0, 1],
          [2, 1],
        ],
        [
          [2, 2],
          [0, 1],
        ],
      ],
      { dtype: "float64" },
    );
    const l = new SoftmaxCrossEntropyLoss({ axis: 1 }).forward(pred, label);
    assert.deepEqual(l.shape, [2]);
    const ids = label.tolist() as number[][][];
    const want = [0, 1].map((n) => {
      let s = 0;
      for (let h = 0; h < 2; h++)
        for (let w = 0; w < 2; w++)
          s += manual(
            [0, 1, 2].map((c) => pred.at(n, c, h, w).item()),
            ids[n]![h]![w]!,
          );
      return s / 4;
    });
    close(l, want, 1e-9);
    const loss = new SoftmaxCrossEntropyLoss({ axis: 1 });
    gradcheck((p) => loss.forward(p, label), [randn([2, 3, 2, 2])]);
  });
  test("dense labels and fromLogits", () => {
    const pred = randn([2, 4]);
    const dense = np.array(
      [
        [0, 0.5, 0.5, 0],
        [1, 0, 0, 0],
      ],
      { dtype: "float64" },
    );
    const loss = new SoftmaxCrossEntropyLoss({ sparseLabel: false });
    const sparseEquiv = new SoftmaxCrossEntropyLoss()
      .forward(pred, np.array([0, 0], { dtype: "float64" }))
      .at(1)
      .item();
    close([loss.forward(pred, dense).at(1).item()], [sparseEquiv], 1e-12);
    gradcheck((p) => loss.forward(p, dense), [randn([2, 4])]);
    const logp = np.array([[Math.log(0.25), Math.log(0.75)]]);
    close(new SoftmaxCrossEntropyLoss({ fromLogits: true }).forward(logp, np.array([1])), [-Math.log(0.75)]);
  });
  test("stable for large logits", () => {
    const l = new SoftmaxCrossEntropyLoss().forward(
      np.array([
        [1000, 0],
        [-1000, 1000],
      ]),
      np.array([1, 0]),
    );
    close(l, [1000, 2000]);
  });
  test("errors", () => {
    assert.throws(
      () => new SoftmaxCrossEntropyLoss({ axis: 1 }).forward(np.zeros([2, 3, 4]), np.zeros([2, 3])),
      /npx.pick: index shape \[2,3\] must be \[2,4\] or \[2,1,4\]/,
    );
    assert.throws(
      () => new SoftmaxCrossEntropyLoss({ axis: 3 }).forward(np.zeros([2, 3]), np.zeros([2])),
      /SoftmaxCrossEntropyLoss.forward: axis=3 is out of range for pred of shape \[2,3\]/,
    );
    assert.throws(() => new SoftmaxCrossEntropyLoss({ axis: 0.5 }), /axis=0.5 must be an integer/);
  });
});

describe("SigmoidBinaryCrossEntropyLoss", () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  test("from logits equals the probability form, and is stable for |x| = 1000", () => {
    const x = [-2, -0.5, 0.3, 4];
    const y = [0, 1, 1, 0];
    const want = x.map((v, i) => -(y[i]! * Math.log(sig(v)) + (1 - y[i]!) * Math.log(1 - sig(v))));
    close(
      new SigmoidBinaryCrossEntropyLoss().forward(np.array([x], { dtype: "float64" }), np.array([y], { dtype: "float64" })),
      [want.reduce((a, b) => a + b) / 4],
      1e-9,
    );
    close(
      new SigmoidBinaryCrossEntropyLoss({ fromSigmoid: true }).forward(np.array([x.map(sig)], { dtype: "float64" }), np.array([y], { dtype: "float64" })),
      [want.reduce((a, b) => a + b) / 4],
      1e-9,
    );
    close(new SigmoidBinaryCrossEntropyLoss().forward(np.array([[1000], [-1000], [1000]]), np.array([[0], [0], [1]])), [1000, 0, 0]);
  });
  test("gradient is (σ(x) − y)/size, exact at x = 0 too", () => {
    const x = np.array([[0, 1.5]], { dtype: "float64" }).attachGrad();
    const y = np.array([[1, 0]], { dtype: "float64" });
    autograd.record(() => new SigmoidBinaryCrossEntropyLoss().forward(x, y).sum()).backward();
    close(x.grad!, [(0.5 - 1) / 2, sig(1.5) / 2], 1e-12);
    const lab = np.array(
      [
        [0, 1, 1],
        [1, 0, 0],
      ],
      { dtype: "float64" },
    );
    gradcheck((p) => new SigmoidBinaryCrossEntropyLoss().forward(p, lab), [randn([2, 3])]);
    gradcheck((p) => new SigmoidBinaryCrossEntropyLoss({ fromSigmoid: true }).forward(p, lab), [uniform([2, 3], 0.1, 0.9)]);
  });
});

test("gluon.loss exposes Gluon's names and aliases", () => {
  assert.equal(gluon.loss.SigmoidBCELoss, SigmoidBinaryCrossEntropyLoss);
  assert.equal(gluon.loss.SoftmaxCELoss, SoftmaxCrossEntropyLoss);
});

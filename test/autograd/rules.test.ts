// One gradcheck per gradient rule: every differentiable op against float64 central differences.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, np, npx, autograd } from "../../src/index.js";
import { differentiableOps } from "../../src/autograd/grads/index.js";
import { logSoftmax, pick, softmax } from "../../src/ops/softmax.js";
import { foldBorder, padBorder } from "../../src/ops/pad.js";
import { axisTaps, resample, resampleTranspose } from "../../src/ops/upsampling.js";
import { leakyReluDerivative } from "../../src/ops/activation.js";
import { indexScatter } from "../../src/ops/shape.js";
import { convWeightGrad } from "../../src/ops/conv.js";
import { resolveConv } from "../../src/params/conv-params.js";
import { resolvePooling } from "../../src/params/pool-params.js";
import { poolingBackward, poolingGather } from "../../src/ops/pooling.js";
import { gradcheck, measured, randn, track, uniform } from "../helpers/gradcheck.js";
import { gatherAxis, scatterAxis } from "../../src/ops/gather.js";

np.random.seed(7);
const tested = new Set<string>();
function rule(op: string, fn: () => void): void {
  tested.add(op);
  test(op, fn);
}
const check = (name: string, f: (...xs: NDArray[]) => NDArray, xs: NDArray[], tol = {}) => track(name, gradcheck(f, xs, tol));

/** Operands kept ≥ 0.2 apart (either side) so maximum/minimum are differentiable at the sample. */
function separated(shape: number[]): [NDArray, NDArray] {
  const a = randn(shape);
  const gap = uniform(shape, 0.2, 1)
    .asTypedArray()
    .map((g, i) => (i % 2 === 0 ? g : -g));
  return [a, a.add(new NDArray(gap, shape))];
}

describe("binary elementwise rules (broadcasting reduces back to each operand's shape)", () => {
  for (const op of ["add", "sub", "mul", "div"] as const)
    rule(op, () => {
      const f = (a: NDArray, b: NDArray) => a[op](b);
      check(op, f, [randn([2, 3, 4]), uniform([3, 1], 0.5, 2)]);
      check(op, f, [uniform([4], 0.5, 2), randn([3, 1])]);
      check(op, (a) => a[op](2.5), [randn([2, 3])]);
      check(op, (a) => np[({ add: "add", sub: "subtract", mul: "multiply", div: "divide" } as const)[op]](1.5, a), [uniform([2, 3], 0.5, 2)]);
      check(op, (a) => a[op](a), [uniform([3], 0.5, 2)]);
    });
  rule("pow", () => {
    check("pow", (a, b) => a.pow(b), [uniform([2, 3], 0.5, 2), randn([3])]);
    check("pow", (a) => a.pow(3), [randn([4])]);
    check("pow", (b) => np.power(2, b), [randn([4])]);
  });
  for (const op of ["mod", "fmod"] as const)
    rule(op, () => {
      // samples away from the jumps (a/b not near an integer)
      const a = np.array(
        [
          [5.3, -5.3, 2.2],
          [-7.6, 0.4, 9.25],
        ],
        { dtype: "float64" },
      );
      const b = np.array([2, -1.5, 0.7], { dtype: "float64" });
      check(op, (x, y) => np[op](x, y), [a, b]);
      check(op, (x) => np[op](x, 1.5), [a]);
    });
  for (const op of ["maximum", "minimum"] as const)
    rule(op, () => {
      const [a, b] = separated([2, 3]);
      check(op, (x, y) => x[op](y), [a, b]);
      const [c, d] = separated([3]);
      check(op, (x, y) => x[op](y), [c.reshape(1, 3).add(np.zeros([2, 1], { dtype: "float64" })), d]);
      check(op, (x) => x[op](0.1), [np.array([-1, -0.5, 0.4, 0.9], { dtype: "float64" })]);
    });
  test("maximum/minimum ties give the whole gradient to the first operand", () => {
    for (const op of ["maximum", "minimum"] as const) {
      const a = np.array([1, 2, 3]).attachGrad();
      const b = np.array([1, 0, 5]).attachGrad();
      autograd.record(() => a[op](b).sum()).backward();
      assert.deepEqual(a.grad!.tolist(), op === "maximum" ? [1, 1, 0] : [1, 0, 1]);
      assert.deepEqual(b.grad!.tolist(), op === "maximum" ? [0, 0, 1] : [0, 1, 0]);
    }
  });
  rule("eq", () => {
    const a = np.array([1, 2, 3]).attachGrad();
    const b = np.array([1, 0, 3]).attachGrad();
    autograd.record(() => a.eq(b).mul(a).sum()).backward();
    assert.deepEqual(a.grad!.tolist(), [1, 0, 1]); // only through the mul: eq contributes zero
    assert.deepEqual(b.grad!.tolist(), [0, 0, 0]);
    check("eq", (x, y) => x.eq(y).add(x), [randn([3]), randn([3])]);
  });
  for (const [op, fn] of [
    ["ne", np.not_equal],
    ["lt", np.less],
    ["le", np.less_equal],
    ["gt", np.greater],
    ["ge", np.greater_equal],
  ] as const)
    rule(op, () => {
      // a step function: away from ties the output is locally constant, so both gradients are zero
      check(op, (x, y) => fn(x, y).add(x.mul(y)), [randn([2, 3]), randn([3])]);
      const a = np.array([1, 2, 3]).attachGrad();
      autograd.record(() => fn(a, 2).sum()).backward();
      assert.deepEqual(a.grad!.tolist(), [0, 0, 0]);
    });
  rule("where", () => {
    const c = np.array([[1, 0, 2]], { dtype: "float64" });
    check("where", (x, y) => np.where(c, x, y).mul(x), [randn([2, 3]), randn([2, 1])]);
    check("where", (x) => np.where(c, x, 0.5), [randn([3])]);
    check("where", (y) => np.where(c, 2, y), [randn([2, 3])]);
  });
});

describe("unary rules", () => {
  const pos = () => uniform([2, 3], 0.3, 2);
  const any = () => randn([2, 3]);
  const cases: [string, (x: NDArray) => NDArray, () => NDArray][] = [
    ["neg", (x) => x.neg(), any],
    ["exp", (x) => x.exp(), any],
    ["log", (x) => x.log(), pos],
    ["sqrt", (x) => x.sqrt(), pos],
    [
      "abs",
      (x) => x.abs(),
      () =>
        np.array(
          [
            [-1.5, -0.3, 0.2],
            [0.7, -2, 3],
          ],
          { dtype: "float64" },
        ),
    ],
    [
      "relu",
      (x) => npx.relu(x),
      () =>
        np.array(
          [
            [-1.5, -0.3, 0.2],
            [0.7, -2, 3],
          ],
          { dtype: "float64" },
        ),
    ],
    ["sigmoid", (x) => npx.sigmoid(x), any],
    ["tanh", (x) => np.tanh(x), any],
    ["softrelu", (x) => npx.activation(x, "softrelu"), () => randn([2, 3], 5)],
    ["erf", (x) => np.erf(x), () => randn([2, 3], 1.5)],
    ["sin", (x) => np.sin(x), () => randn([2, 3], 3)],
    ["cos", (x) => np.cos(x), () => randn([2, 3], 3)],
    // samples in all three pieces, away from the corners ±3 where the functions are not differentiable
    [
      "hardsigmoid",
      (x) => npx.hardSigmoid(x),
      () =>
        np.array(
          [
            [-4.5, -2.9, -0.7],
            [0.4, 2.8, 3.3],
          ],
          { dtype: "float64" },
        ),
    ],
    [
      "hardswish",
      (x) => npx.hardSwish(x),
      () =>
        np.array(
          [
            [-4.5, -2.9, -0.7],
            [0.4, 2.8, 3.3],
          ],
          { dtype: "float64" },
        ),
    ],
  ];
  for (const [op, f, gen] of cases) rule(op, () => void check(op, f, [gen()]));
  test("relu propagates NaN forward and passes the gradient through at NaN (PyTorch's threshold_backward)", () => {
    const x = np.array([NaN, -1, 2], { dtype: "float64" }).attachGrad();
    const y = autograd.record(() => npx.relu(x));
    y.backward(np.array([5, 6, 7], { dtype: "float64" }));
    assert.deepEqual(y.tolist(), [NaN, 0, 2]);
    assert.deepEqual(x.grad!.tolist(), [5, 0, 7]);
  });
  test("abs and relu have gradient 0 at 0 (MXNet's choice)", () => {
    const x = np.array([0, 0]).attachGrad();
    autograd.record(() => x.abs().add(npx.relu(x)).sum()).backward();
    assert.deepEqual(x.grad!.tolist(), [0, 0]);
  });
});

describe("reduction rules", () => {
  for (const op of ["sum", "mean", "max", "min", "prod"] as const)
    rule(op, () => {
      const x = () => randn([2, 3, 4]);
      check(op, (a) => a[op](), [x()]);
      check(op, (a) => a[op]({ axis: 1 }), [x()]);
      check(op, (a) => a[op]({ axis: [0, 2], keepdims: true }), [x()]);
      check(op, (a) => a[op]({ axis: -1 }).mul(a.sum({ axis: -1 })), [x()]);
    });
  test("prod at zeros (no, one and two zeros in a reduced slice): the product of the other elements, by a direct loop", () => {
    // rows: no zero, one zero, two zeros; the slice is a row (axis 1), then the whole array through a transpose
    const data = [
      [1.5, -2, 0.5, 3],
      [2, 0, -1.25, 4],
      [0, 3, 0, -2],
    ];
    const others = (row: number[], i: number) => row.reduce((p, v, j) => (j === i ? p : p * v), 1);
    // +0 and −0 compare equal (the sign of a zero product depends on the order of the factors)
    const unsigned = (rows: unknown) => (rows as number[][]).map((row) => row.map((v) => v + 0));
    const x = np.array(data, { dtype: "float64" }).attachGrad();
    const w = np.array([0.5, -1, 2], { dtype: "float64" });
    autograd.record(() => x.prod({ axis: 1 }).mul(w).sum()).backward();
    const weights = [0.5, -1, 2];
    assert.deepEqual(
      unsigned(x.grad!.tolist()),
      data.map((row, r) => row.map((_, i) => weights[r]! * others(row, i) + 0)),
    );
    assert.deepEqual(unsigned(x.grad!.tolist())[1], [0, -1 * 2 * -1.25 * 4, 0, 0], "one zero: only the zero's gradient is non-zero");
    assert.deepEqual(unsigned(x.grad!.tolist())[2], [0, 0, 0, 0], "two zeros: every product of the others holds a zero");
    const one = np.array([[2, 0, -1.25, 4]], { dtype: "float64" }).attachGrad();
    autograd.record(() => one.T.prod()).backward();
    assert.deepEqual(unsigned(one.grad!.tolist()), [[0, 2 * -1.25 * 4, 0, 0]], "one zero, reduced through a transposed view");
    // and float64 central differences (exact here: prod is linear in each element)
    check("prod", (a) => a.prod({ axis: 1 }), [np.array(data, { dtype: "float64" })]);
    check("prod", (a) => a.prod({ axis: [0, 1], keepdims: true }), [
      np.array(
        [
          [0, 2],
          [3, 0.5],
        ],
        { dtype: "float64" },
      ),
    ]);
    check("prod", (a) => a.T.prod({ axis: 0 }).exp(), [np.array([[0, 2, 0.5, 1, -1, 0.25, 2]], { dtype: "float64" }).reshape(7, 1).T]);
  });
  test("max/min split the gradient equally between tied elements", () => {
    const x = np
      .array([
        [3, 1, 3],
        [0, 2, 2],
      ])
      .attachGrad();
    autograd.record(() => x.max({ axis: 1 }).sum()).backward();
    assert.deepEqual(x.grad!.tolist(), [
      [0.5, 0, 0.5],
      [0, 0.5, 0.5],
    ]);
    autograd.record(() => x.min().mul(1)).backward();
    assert.deepEqual(x.grad!.tolist(), [
      [0, 0, 0],
      [1, 0, 0],
    ]);
  });
});

describe("shape rules", () => {
  rule("index", () => {
    check("index", (a) => a.at(1, "::-2"), [randn([3, 5])]);
    check("index", (a) => a.at(":", "1:3").mul(a.at(":", "2:4")), [randn([3, 5])]);
    check("index", (a) => a.T.at("1:", [null, null, 2]).exp(), [randn([3, 5])]); // index of a non-contiguous view
    check("index", (a) => a.at(-1), [randn([2, 2, 3])]);
  });
  rule("reshape", () => {
    check("reshape", (a) => a.reshape(3, -1).exp(), [randn([2, 3, 2])]);
    check("reshape", (a) => a.T.reshape(6).mul(np.arange(6, undefined, 1, { dtype: "float64" })), [randn([2, 3])]);
  });
  rule("transpose", () => {
    const c = randn([4, 2, 3]);
    check("transpose", (a) => a.transpose(2, 0, 1).mul(c), [randn([2, 3, 4])]);
    check("transpose", (a) => a.T.exp(), [randn([2, 3])]);
  });
  rule("copy", () => void check("copy", (a) => a.T.copy().exp(), [randn([2, 3])]));
  rule("astype", () => {
    check("astype", (a) => a.astype("float64").mul(a), [randn([2, 3])]);
    const x = np.array([1, 2], { dtype: "float32" }).attachGrad();
    autograd
      .record(() =>
        x
          .astype("float64")
          .mul(np.array([3, 4], { dtype: "float64" }))
          .sum(),
      )
      .backward();
    assert.equal(x.grad!.dtype, "float32");
    assert.deepEqual(x.grad!.tolist(), [3, 4]);
  });
});

describe("linalg rules", () => {
  rule("dot", () => {
    check("dot", (a, b) => a.dot(b), [randn([3, 4]), randn([4, 2])]);
    check("dot", (a, b) => a.dot(b), [randn([3, 4]), randn([4])]);
    check("dot", (a, b) => a.dot(b), [randn([4]), randn([4, 2])]);
    check("dot", (a, b) => a.dot(b), [randn([4]), randn([4])]);
    check("dot", (a) => a.dot(a.T), [randn([3, 2])]);
  });
  rule("matmul", () => {
    check("matmul", (a, b) => np.matmul(a, b), [randn([2, 3, 4]), randn([2, 4, 2])]);
    check("matmul", (a, b) => np.matmul(a, b), [randn([2, 1, 2, 3]), randn([2, 1, 3, 2])]);
  });
});

describe("convolution rules (w.r.t. input, weight, bias)", () => {
  rule("convolution", () => {
    check("convolution", (x, w, b) => npx.convolution(x, w, { bias: b, strides: 2, padding: [[1, 0]] }), [randn([2, 2, 7]), randn([3, 2, 3]), randn([3])]);
    check("convolution", (x, w) => npx.convolution(x, w, { padding: "same", dilation: 2, groups: 2 }), [randn([1, 4, 5, 4]), randn([2, 2, 2, 3])]);
    check("convolution", (x, w, b) => npx.convolution(x, w, { bias: b, layout: "NHWC", strides: [2, 1], padding: "same-lower" }), [
      randn([2, 5, 4, 3]),
      randn([2, 3, 2, 3]),
      randn([2]),
    ]);
    check("convolution", (x, w) => npx.convolution(x, w, { padding: 1, layout: "NDHWC" }), [randn([1, 3, 2, 3, 2]), randn([2, 2, 1, 2, 2])]);
  });
  rule("deconvolution", () => {
    check("deconvolution", (x, w, b) => npx.deconvolution(x, w, { bias: b, strides: 2, padding: 1, outputPadding: 1 }), [
      randn([2, 2, 4]),
      randn([2, 3, 4]),
      randn([3]),
    ]);
    check("deconvolution", (x, w) => npx.deconvolution(x, w, { strides: [2, 3], padding: "same", groups: 2 }), [randn([1, 4, 3, 2]), randn([4, 1, 3, 2])]);
    check("deconvolution", (x, w, b) => npx.deconvolution(x, w, { bias: b, layout: "NWC", dilation: 2, padding: [[0, 2]] }), [
      randn([2, 4, 3]),
      randn([3, 2, 2]),
      randn([2]),
    ]);
    check("deconvolution", (x, w) => npx.deconvolution(x, w, { strides: 2, layout: "NCDHW" }), [randn([1, 2, 2, 1, 2]), randn([2, 2, 2, 2, 1])]);
    check("deconvolution", (x, w) => npx.deconvolution(x, w, { strides: 3, padding: "same", outputShape: [7] }), [randn([1, 2, 3]), randn([2, 1, 4])]);
  });
  test("conv input gradient equals deconvolution of the head gradient (shared geometry)", () => {
    const x = randn([1, 2, 6, 6]).attachGrad();
    const w = randn([3, 2, 3, 3]);
    const dy = randn([1, 3, 3, 3]);
    autograd.record(() => npx.convolution(x, w, { strides: 2, padding: 1 })).backward(dy);
    const ref = npx.deconvolution(dy, w, { strides: 2, padding: 1, outputPadding: 1 });
    assert.deepEqual(x.grad!.shape, ref.shape);
    x.grad!.asTypedArray().forEach((v, i) => assert.ok(Math.abs(v - ref.asTypedArray()[i]!) < 1e-12));
  });
});

describe("nn rules (ops/softmax.ts)", () => {
  rule("log_softmax", () => {
    check("log_softmax", (a) => logSoftmax(a), [randn([3, 4])]);
    check("log_softmax", (a) => logSoftmax(a, { axis: 1 }), [randn([2, 3, 2, 2], 3)]);
  });
  rule("softmax", () => void check("softmax", (a) => softmax(a, { axis: 0 }), [randn([3, 4])]));
  rule("pick", () => {
    const ids = np.array(
      [
        [0, 2],
        [1, 1],
      ],
      { dtype: "float64" },
    );
    check("pick", (a) => pick(a, ids, { axis: 1 }), [randn([2, 3, 2])]);
    check("pick", (a) => pick(a, np.array([0, 5, -1], { dtype: "float64" })), [randn([3, 4])]); // clip mode
    check("pick", (a) => pick(a, ids.reshape(2, 1, 2), { axis: 1, keepdims: true }), [randn([2, 3, 2])]);
  });
});

describe("copy rules (ops/pad-constant.ts)", () => {
  rule("pad", () => {
    check(
      "pad",
      (a) =>
        np.pad(
          a,
          [
            [1, 2],
            [0, 1],
          ],
          { constantValues: 3 },
        ),
      [randn([2, 3])],
    );
    check("pad", (a) => np.pad(a.T, 1), [randn([3, 2, 2])]);
  });
});

describe("layer op rules (batch norm, pooling, activations, concatenate, pixel shuffle, dropout)", () => {
  /** Values at least 0.1 away from 0, either sign: the kinks of leaky ReLU / ELU / SELU are not sampled. */
  const awayFromZero = (shape: number[]) => {
    const u = uniform(shape, 0.1, 2).asTypedArray();
    return new NDArray(
      u.map((v, i) => (i % 3 === 1 ? -v : v)),
      shape,
    );
  };
  rule("batch_norm", () => {
    const stats = (c: number) => [randn([c]), randn([c]), randn([c]), uniform([c], 0.5, 2), uniform([c], 0.5, 2)];
    // training mode: batch statistics over every axis but `axis`
    check("batch_norm(train)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true }), [randn([3, 2, 2, 3]), ...stats(2)]);
    check("batch_norm(train)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true, axis: -1, eps: 1e-3 }), [randn([2, 3, 4]), ...stats(4)]);
    check("batch_norm(train)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true, axis: 0 }), [randn([3, 5]), ...stats(3)]);
    // predict mode: the affine map of the running statistics, differentiable in all five inputs
    check("batch_norm(predict)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: false }), [randn([2, 3, 2]), ...stats(3)]);
    check("batch_norm(predict)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true, useGlobalStats: true, axis: 2 }), [
      randn([2, 2, 3]),
      ...stats(3),
    ]);
  });
  rule("pooling", () => {
    check("pooling(max)", (x) => npx.pooling(x, { kernel: 3, stride: 2, pad: 1 }), [randn([2, 2, 7])]);
    check("pooling(max)", (x) => npx.pooling(x, { kernel: [2, 3], stride: [2, 1], pad: [1, 0], poolingConvention: "full" }), [randn([1, 2, 5, 4])]);
    check("pooling(max)", (x) => npx.pooling(x, { kernel: 2, stride: 2, layout: "NDHWC" }), [randn([1, 4, 2, 4, 3])]);
    check("pooling(max)", (x) => npx.pooling(x, { globalPool: true }), [randn([2, 3, 3, 2])]);
    check("pooling(avg)", (x) => npx.pooling(x, { kernel: 3, stride: 2, pad: 1, poolType: "avg" }), [randn([1, 2, 5, 6])]);
    check("pooling(avg)", (x) => npx.pooling(x, { kernel: 3, stride: 2, pad: 1, poolType: "avg", countIncludePad: false, layout: "NWC" }), [randn([2, 6, 3])]);
    check("pooling(avg)", (x) => npx.pooling(x, { kernel: [2, 2, 2], stride: 1, poolType: "avg", poolingConvention: "full", pad: 1 }), [
      randn([1, 1, 3, 2, 3]),
    ]);
    check("pooling(sum)", (x) => npx.pooling(x, { kernel: 2, poolType: "sum" }), [randn([1, 2, 3, 3])]);
  });
  rule("leaky_relu", () => {
    check("leaky_relu(leaky)", (x) => npx.leakyRelu(x, { slope: 0.2 }), [awayFromZero([3, 4])]);
    check("leaky_relu(elu)", (x) => npx.leakyRelu(x, { actType: "elu", slope: 0.7 }), [awayFromZero([3, 4])]);
    check("leaky_relu(selu)", (x) => npx.leakyRelu(x, { actType: "selu" }), [awayFromZero([3, 4])]);
    check("leaky_relu(gelu)", (x) => npx.leakyRelu(x, { actType: "gelu" }), [randn([4, 5], 2)]);
  });
  rule("prelu", () => {
    check("prelu", (x, g) => npx.leakyRelu(x, { actType: "prelu", gamma: g }), [awayFromZero([2, 3, 4]), randn([3])]);
    check("prelu", (x, g) => npx.leakyRelu(x, { actType: "prelu", gamma: g }), [awayFromZero([3, 5]), randn([1])]);
  });
  rule("softsign", () => void check("softsign", (x) => npx.activation(x, "softsign"), [randn([3, 4], 2)]));
  rule("concatenate", () => {
    check("concatenate", (a, b, c) => np.concatenate([a, b, c], { axis: 1 }), [randn([2, 1, 3]), randn([2, 3, 3]), randn([2, 2, 3])]);
    check("concatenate", (a, b) => np.concatenate([a, b, a]), [randn([2, 2]), randn([1, 2])]);
    check("concatenate", (a, b) => np.stack([a, b], { axis: -1 }), [randn([2, 3]), randn([2, 3])]);
    check("concatenate", (a) => np.split(a, [1, 3], { axis: 1 })[2]!.mul(np.split(a, 2)[0]!.sum()), [randn([2, 4])]);
  });
  rule("depth_to_space", () => {
    check("depth_to_space", (x) => npx.depthToSpace(x, 2), [randn([1, 8, 2, 3])]);
    check("depth_to_space", (x) => npx.depthToSpace(x, 2, { mode: "CRD" }), [randn([2, 4, 3, 2])]);
  });
  rule("space_to_depth", () => {
    check("space_to_depth", (x) => npx.spaceToDepth(x, 2), [randn([1, 2, 4, 2])]);
    check("space_to_depth", (x) => npx.spaceToDepth(x, 3, { mode: "CRD" }), [randn([1, 1, 3, 6])]);
  });
  rule("dropout", () => {
    // the same seed before each evaluation: the same mask in the recorded pass and in every finite difference
    const f = (p: number, axes?: number[]) => (x: NDArray) => {
      np.random.seed(11);
      return autograd.trainMode(() => npx.dropout(x, { p, axes }));
    };
    check("dropout", f(0.5), [randn([4, 5])]);
    check("dropout", f(0.3, [1]), [randn([3, 4, 2])]);
  });
});

describe("gather rules (ops/gather.ts): gather_axis and scatter_axis are each other's gradient", () => {
  // a repeated source (1), a zero-filled position (−1) and an unused source (3)
  const table = { axis: 1, table: Int32Array.from([2, 1, -1, 1, 0]), n: 4, fromData: false };
  rule("gather_axis", () => check("gather_axis", (a) => gatherAxis(a, table), [randn([2, 4, 3])]));
  rule("scatter_axis", () => check("scatter_axis", (a) => scatterAxis(a, table), [randn([2, 5, 3])]));
});

describe("padding-mode and resampling rules (ops/pad.ts, ops/upsampling.ts): each op's gradient is its partner", () => {
  const border = (mode: "reflect" | "replicate" | "circular" | "zeros") => ({ mode, axes: [1, 2], padBegin: [2, 0], padEnd: [1, 3], smallShape: [2, 3, 4] });
  rule("padBorder", () => {
    for (const mode of ["zeros", "reflect", "replicate", "circular"] as const) check("padBorder", (a) => padBorder(a, border(mode)), [randn([2, 3, 4])]);
  });
  rule("foldBorder", () => {
    for (const mode of ["zeros", "reflect", "replicate", "circular"] as const) check("foldBorder", (a) => foldBorder(a, border(mode)), [randn([2, 6, 7])]);
    check("foldBorder", (a, b) => foldBorder(a, border("reflect"), b, 0), [randn([2, 6, 7]), randn([2])]); // with a bias along axis 0
  });
  const plan = { axis: 1, taps: axisTaps(3, 7, 2.5, true, false) };
  rule("resampleAxis", () => check("resampleAxis", (a) => resample(a, plan), [randn([2, 3, 2])]));
  rule("resampleAxisTranspose", () => check("resampleAxisTranspose", (a) => resampleTranspose(a, plan, [2, 3, 2]), [randn([2, 7, 2])]));
});

describe("rules of the ops gradients are computed with (so createGraph can differentiate them)", () => {
  rule("index_scatter", () => void check("index_scatter", (a) => indexScatter(a, [3, 4], [":", "1:3"]), [randn([3, 2])]));
  rule("conv_weight_grad", () => {
    const geo = resolveConv("convolution", [2, 2, 5, 4], [3, 2, 3, 2], { strides: [2, 1], padding: 1, dilation: [1, 2] }).geometry;
    check("conv_weight_grad", (image, grid) => convWeightGrad(geo, image, grid), [randn([2, 2, 5, 4]), randn([2, 3, 3, 4])]);
    const geoT = resolveConv("deconvolution", [1, 3, 4], [4, 3, 2], { layout: "NWC", strides: 2, groups: 2 }).geometry;
    check("conv_weight_grad", (image, grid) => convWeightGrad(geoT, image, grid), [randn([1, 7, 4]), randn([1, 3, 4])]);
  });
  const geo = (poolType: "max" | "avg") => resolvePooling("pooling", [1, 1, 4, 4], { kernel: 2, stride: 2, poolType });
  const argmax = Int32Array.of(5, 2, 8, 15); // one winner per 2×2 window of a 4×4 image
  rule("pooling_backward", () => {
    check("pooling_backward", (g) => poolingBackward(geo("max"), g, argmax, [1, 1, 4, 4]), [randn([1, 1, 2, 2])]);
    check("pooling_backward", (g) => poolingBackward(geo("avg"), g, null, [1, 1, 4, 4]), [randn([1, 1, 2, 2])]);
  });
  rule("pooling_gather", () => void check("pooling_gather", (x) => poolingGather(geo("max"), x, argmax), [randn([1, 1, 4, 4])]));
  rule("leaky_relu_derivative", () => {
    for (const actType of ["elu", "selu", "gelu"] as const)
      check("leaky_relu_derivative", (x) => leakyReluDerivative(x, actType, 0.4), [uniform([2, 3], 0.1, 2).neg()]);
    check("leaky_relu_derivative", (x) => leakyReluDerivative(x, "gelu", 0.4), [randn([2, 3], 2)]);
  });
});

test("every registered gradient rule has a gradcheck test above", () => {
  assert.deepEqual(differentiableOps(), [...tested].sort());
});

after(() => {
  const rows = [...measured.entries()].map(([k, v]) => `${k}=${v.rel.toExponential(1)}/${v.abs.toExponential(1)}`);
  console.log(`# gradcheck max relative/absolute errors: ${rows.join(" ")}`);
});

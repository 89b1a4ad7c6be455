// One gradgradcheck per gradient rule: autograd.grad with createGraph, differentiated again, against float64 central differences of the first gradient.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, gluon, np, npx, autograd } from "../../src/index.js";
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
import { measured, randn, track, uniform } from "../helpers/gradcheck.js";
import { gradgradcheck } from "../helpers/gradgradcheck.js";
import { gatherAxis, scatterAxis } from "../../src/ops/gather.js";

np.random.seed(23);
const tested = new Set<string>();
function rule(op: string, fn: () => void): void {
  tested.add(op);
  test(op, fn);
}
const check = (name: string, f: (...xs: NDArray[]) => NDArray, xs: NDArray[], tol = {}) => track(name, gradgradcheck(f, xs, tol));
const f64 = (v: number[][] | number[]) => np.array(v, { dtype: "float64" });

/** Values at least 0.1 away from 0, alternating sign: kinks (relu, abs, leaky, prelu) are not sampled. */
const awayFromZero = (shape: number[]) => {
  const u = uniform(shape, 0.1, 2).asTypedArray();
  return new NDArray(
    u.map((v, i) => (i % 3 === 1 ? -v : v)),
    shape,
  );
};

describe("elementwise rules, differentiated twice", () => {
  for (const op of ["add", "sub", "mul", "div"] as const)
    rule(op, () => {
      // a nonlinear use of the result, so the second derivative involves x, and broadcasting on both sides
      check(op, (a, b) => a[op](b).mul(a), [randn([2, 3]), uniform([3], 0.5, 2)]);
      check(op, (a) => np[({ add: "add", sub: "subtract", mul: "multiply", div: "divide" } as const)[op]](1.5, a).mul(a), [uniform([2, 2], 0.5, 2)]);
    });
  rule("pow", () => {
    check("pow", (a, b) => a.pow(b), [uniform([2, 3], 0.5, 2), randn([3])]);
    check("pow", (a) => a.pow(3), [randn([4])]);
    check("pow", (b) => np.power(2, b), [randn([4])]);
  });
  for (const op of ["maximum", "minimum"] as const)
    rule(op, () => {
      const a = randn([2, 3]);
      const b = a.add(
        new NDArray(
          uniform([2, 3], 0.3, 1)
            .asTypedArray()
            .map((g, i) => (i % 2 ? g : -g)),
          [2, 3],
        ),
      );
      check(op, (x, y) => x[op](y).mul(x), [a, b]);
    });
  for (const [op, fn] of [
    ["eq", np.equal],
    ["ne", np.not_equal],
    ["lt", np.less],
    ["le", np.less_equal],
    ["gt", np.greater],
    ["ge", np.greater_equal],
  ] as const)
    rule(op, () => void check(op, (x, y) => fn(x, y).add(x.mul(y)).mul(x), [randn([2, 3]), randn([3])]));
  for (const op of ["mod", "fmod"] as const)
    rule(op, () => {
      const a = f64([
        [5.3, -5.3, 2.2],
        [-7.6, 0.4, 9.25],
      ]);
      check(op, (x, y) => np[op](x, y).mul(x), [a, f64([2, -1.5, 0.7])]);
    });
  rule("where", () => {
    const c = f64([[1, 0, 2]]);
    check("where", (x, y) => np.where(c, x, y).mul(x), [randn([2, 3]), randn([2, 1])]);
  });
  const pos = () => uniform([2, 3], 0.3, 2);
  const cases: [string, (x: NDArray) => NDArray, () => NDArray][] = [
    ["neg", (x) => x.neg().mul(x), () => randn([2, 3])],
    ["exp", (x) => x.exp(), () => randn([2, 3])],
    ["log", (x) => x.log(), pos],
    ["sqrt", (x) => x.sqrt(), pos],
    ["abs", (x) => x.abs().mul(x), () => awayFromZero([2, 3])],
    ["relu", (x) => npx.relu(x).mul(x), () => awayFromZero([2, 3])],
    ["sigmoid", (x) => npx.sigmoid(x), () => randn([2, 3])],
    ["tanh", (x) => np.tanh(x), () => randn([2, 3])],
    ["softrelu", (x) => npx.activation(x, "softrelu"), () => randn([2, 3], 3)],
    ["erf", (x) => np.erf(x), () => randn([2, 3], 1.5)],
    ["sin", (x) => np.sin(x), () => randn([2, 3], 3)],
    ["cos", (x) => np.cos(x), () => randn([2, 3], 3)],
    // piecewise: the first gradient is constant (hardsigmoid) or linear (hardswish) between the corners ±3; times x so
    // the second derivative is not zero everywhere; samples away from the corners
    [
      "hardsigmoid",
      (x) => npx.hardSigmoid(x).mul(x),
      () =>
        f64([
          [-4.5, -2.9, -0.7],
          [0.4, 2.8, 3.3],
        ]),
    ],
    [
      "hardswish",
      (x) => npx.hardSwish(x),
      () =>
        f64([
          [-4.5, -2.9, -0.7],
          [0.4, 2.8, 3.3],
        ]),
    ],
  ];
  for (const [op, f, gen] of cases) rule(op, () => void check(op, f, [gen()]));
});

describe("reduction, shape and linalg rules, differentiated twice", () => {
  for (const op of ["sum", "mean", "max", "min", "prod"] as const)
    rule(op, () => {
      check(op, (a) => a[op]({ axis: 1 }).mul(a.sum({ axis: 1 })), [randn([2, 3, 2])]);
      check(op, (a) => a[op]({ axis: [0, 2], keepdims: true }).exp(), [randn([2, 3, 2])]);
    });
  test("prod differentiated twice at one and two zeros in a slice (the Hessian there is not zero)", () => {
    check("prod", (a) => a.prod({ axis: 1 }), [
      f64([
        [0, 3, -2, 0.5],
        [1.5, 0, 0, 2],
      ]),
    ]);
  });
  rule("index", () => {
    check("index", (a) => a.at(":", "1:3").mul(a.at(":", "::2")), [randn([2, 4])]);
    check("index", (a) => a.T.at("1:", [null, null, -1]).exp(), [randn([3, 2])]);
  });
  rule("index_scatter", () => void check("index_scatter", (a) => indexScatter(a, [3, 4], [":", "1:3"]).exp(), [randn([3, 2])]));
  rule("reshape", () => void check("reshape", (a) => a.reshape(3, -1).exp(), [randn([2, 3])]));
  rule("transpose", () => void check("transpose", (a) => a.transpose(1, 0, 2).mul(a.sum()), [randn([2, 3, 2])]));
  rule("copy", () => void check("copy", (a) => a.T.copy().exp(), [randn([2, 3])]));
  rule("astype", () => void check("astype", (a) => a.astype("float64").mul(a), [randn([2, 3])]));
  rule("dot", () => {
    check("dot", (a, b) => a.dot(b).exp(), [randn([2, 3], 0.5), randn([3, 2], 0.5)]);
    check("dot", (a) => a.dot(a), [randn([4])]);
  });
  rule("matmul", () => void check("matmul", (a, b) => np.matmul(a, b).mul(a.sum()), [randn([2, 2, 3]), randn([2, 3, 2])]));
  rule("log_softmax", () => void check("log_softmax", (a) => logSoftmax(a, { axis: 1 }), [randn([2, 3])]));
  rule("softmax", () => void check("softmax", (a) => softmax(a, { axis: 0 }), [randn([3, 2])]));
  rule("pick", () => void check("pick", (a) => pick(a, f64([0, 2]), { axis: 1 }).exp(), [randn([2, 3])]));
  rule(
    "pad",
    () =>
      void check(
        "pad",
        (a) =>
          np
            .pad(
              a,
              [
                [1, 0],
                [0, 2],
              ],
              { constantValues: 2 },
            )
            .exp(),
        [randn([2, 2])],
      ),
  );
  rule("concatenate", () => {
    check("concatenate", (a, b) => np.concatenate([a, b, a], { axis: 1 }).exp(), [randn([2, 1]), randn([2, 2])]);
    check("concatenate", (a, b) => np.stack([a, b]).mul(a.sum()), [randn([2]), randn([2])]);
  });
});

describe("convolution rules, differentiated twice (the gradient of a convolution is a transposed convolution, and back)", () => {
  // tanh makes the first gradient depend on x, so the second derivative runs every rule of the chain
  rule("convolution", () => {
    check("convolution", (x, w, b) => np.tanh(npx.convolution(x, w, { bias: b, strides: 2, padding: [[1, 0]] })), [
      randn([1, 2, 5]),
      randn([2, 2, 3]),
      randn([2]),
    ]);
    check("convolution", (x, w) => np.tanh(npx.convolution(x, w, { padding: "same", dilation: 2, groups: 2 })), [randn([1, 2, 4, 3]), randn([2, 1, 2, 2])]);
    check("convolution", (x, w, b) => np.tanh(npx.convolution(x, w, { bias: b, layout: "NHWC", strides: [2, 1], padding: "same-lower" })), [
      randn([1, 4, 3, 2]),
      randn([2, 2, 2, 2]),
      randn([2]),
    ]);
    for (const paddingMode of ["reflect", "replicate", "circular"] as const)
      check("convolution", (x, w) => np.tanh(npx.convolution(x, w, { padding: 1, paddingMode })), [randn([1, 1, 4, 3]), randn([2, 1, 3, 2])]);
  });
  rule("deconvolution", () => {
    check("deconvolution", (x, w, b) => np.tanh(npx.deconvolution(x, w, { bias: b, strides: 2, padding: 1, outputPadding: 1 })), [
      randn([1, 2, 3]),
      randn([2, 2, 3]),
      randn([2]),
    ]);
    check("deconvolution", (x, w) => np.tanh(npx.deconvolution(x, w, { strides: [2, 1], padding: "same", groups: 2 })), [
      randn([1, 2, 2, 2]),
      randn([2, 1, 2, 2]),
    ]);
    check("deconvolution", (x, w, b) => np.tanh(npx.deconvolution(x, w, { bias: b, layout: "NWC", dilation: 2, padding: [[0, 1]] })), [
      randn([1, 3, 2]),
      randn([2, 2, 2]),
      randn([2]),
    ]);
    check("deconvolution", (x, w) => np.tanh(npx.deconvolution(x, w, { strides: 2, padding: 1, paddingMode: "reflect" })), [
      randn([1, 1, 3, 2]),
      randn([1, 2, 3, 3]),
    ]);
  });
  rule("conv_weight_grad", () => {
    const geo = resolveConv("convolution", [1, 2, 5, 4], [3, 2, 3, 2], { strides: [2, 1], padding: 1 }).geometry;
    check("conv_weight_grad", (image, grid) => np.tanh(convWeightGrad(geo, image, grid)), [randn([1, 2, 5, 4]), randn([1, 3, 3, 5])]);
    const geoT = resolveConv("deconvolution", [1, 3, 2], [2, 3, 3], { layout: "NWC", strides: 2 }).geometry;
    check("conv_weight_grad", (image, grid) => np.tanh(convWeightGrad(geoT, image, grid)), [randn([1, 7, 3]), randn([1, 3, 2])]);
  });
});

describe("layer op rules, differentiated twice", () => {
  const stats = (c: number) => [randn([c]), randn([c]), randn([c]), uniform([c], 0.5, 2), uniform([c], 0.5, 2)];
  rule("batch_norm", () => {
    check("batch_norm(train)", (x, g, b, m, v) => np.tanh(npx.batchNorm(x, g, b, m, v, { training: true })), [randn([3, 2, 2]), ...stats(2)]);
    check("batch_norm(train)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true, axis: -1, eps: 1e-3 }).mul(x), [
      randn([2, 2, 3]),
      ...stats(3),
    ]);
    check("batch_norm(predict)", (x, g, b, m, v) => np.tanh(npx.batchNorm(x, g, b, m, v, { training: false })), [randn([2, 3, 2]), ...stats(3)]);
    check("batch_norm(predict)", (x, g, b, m, v) => npx.batchNorm(x, g, b, m, v, { training: true, useGlobalStats: true, axis: 2 }).mul(x), [
      randn([2, 1, 3]),
      ...stats(3),
    ]);
  });
  rule("pooling", () => {
    check("pooling(max)", (x) => np.tanh(npx.pooling(x, { kernel: 3, stride: 2, pad: 1 })).mul(x.sum()), [randn([1, 2, 5])]);
    check("pooling(max)", (x) => npx.pooling(x, { kernel: 2, stride: 2, layout: "NHWC" }).exp(), [randn([1, 4, 4, 2])]);
    check("pooling(avg)", (x) => np.tanh(npx.pooling(x, { kernel: 3, stride: 2, pad: 1, poolType: "avg", countIncludePad: false })), [randn([1, 2, 5, 4])]);
    check("pooling(sum)", (x) => npx.pooling(x, { kernel: 2, poolType: "sum" }).exp(), [randn([1, 1, 3, 3])]);
  });
  const poolGeo = (poolType: "max" | "avg") => resolvePooling("pooling", [1, 2, 4, 4], { kernel: 2, stride: 2, poolType });
  const argmaxOf = (x: NDArray) => {
    // the winners' flat indices of max pooling 2×2/2 on [1, 2, 4, 4], read off directly
    const d = x.asTypedArray(),
      out = new Int32Array(8);
    for (let c = 0, o = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++, o++) {
          let best = -1;
          for (let a = 0; a < 2; a++)
            for (let b = 0; b < 2; b++) {
              const k = c * 16 + (2 * i + a) * 4 + 2 * j + b;
              if (best < 0 || d[k]! > d[best]!) best = k;
            }
          out[o] = best;
        }
    return out;
  };
  rule("pooling_backward", () => {
    const argmax = argmaxOf(randn([1, 2, 4, 4]));
    check("pooling_backward", (g) => poolingBackward(poolGeo("max"), g, argmax, [1, 2, 4, 4]).exp(), [randn([1, 2, 2, 2])]);
    check("pooling_backward", (g) => poolingBackward(poolGeo("avg"), g, null, [1, 2, 4, 4]).exp(), [randn([1, 2, 2, 2])]);
  });
  rule("pooling_gather", () => {
    const x = randn([1, 2, 4, 4]);
    check("pooling_gather", (a) => poolingGather(poolGeo("max"), a, argmaxOf(x)).exp(), [x]);
  });
  rule("leaky_relu", () => {
    check("leaky_relu(leaky)", (x) => npx.leakyRelu(x, { slope: 0.2 }).mul(x), [awayFromZero([2, 3])]);
    check("leaky_relu(elu)", (x) => npx.leakyRelu(x, { actType: "elu", slope: 0.7 }), [awayFromZero([2, 3])]);
    check("leaky_relu(selu)", (x) => npx.leakyRelu(x, { actType: "selu" }), [awayFromZero([2, 3])]);
    check("leaky_relu(gelu)", (x) => npx.leakyRelu(x, { actType: "gelu" }), [randn([2, 3], 2)]);
  });
  rule("leaky_relu_derivative", () => {
    for (const actType of ["leaky", "elu", "selu", "gelu"] as const)
      check("leaky_relu_derivative", (x) => leakyReluDerivative(x, actType, 0.3).mul(x), [awayFromZero([2, 3])]);
  });
  rule("prelu", () => {
    check("prelu", (x, g) => npx.leakyRelu(x, { actType: "prelu", gamma: g }).mul(x), [awayFromZero([2, 3, 2]), randn([3])]);
    check("prelu", (x, g) => npx.leakyRelu(x, { actType: "prelu", gamma: g }).exp(), [awayFromZero([3, 2]), randn([1])]);
  });
  rule("softsign", () => void check("softsign", (x) => npx.activation(x, "softsign"), [randn([2, 3], 2)]));
  rule("depth_to_space", () => void check("depth_to_space", (x) => npx.depthToSpace(x, 2, { mode: "CRD" }).exp(), [randn([1, 4, 2, 1])]));
  rule("space_to_depth", () => void check("space_to_depth", (x) => npx.spaceToDepth(x, 2).exp(), [randn([1, 1, 2, 4])]));
  rule("dropout", () => {
    const f = (x: NDArray) => {
      np.random.seed(11);
      return autograd.trainMode(() => npx.dropout(x, { p: 0.4 })).exp();
    };
    check("dropout", f, [randn([3, 3])]);
  });
});

describe("gather rules (ops/gather.ts): gather_axis and scatter_axis are each other's gradient", () => {
  // a repeated source (1), a zero-filled position (−1) and an unused source (3)
  const table = { axis: 1, table: Int32Array.from([2, 1, -1, 1, 0]), n: 4, fromData: false };
  rule("gather_axis", () => check("gather_axis", (a) => np.tanh(gatherAxis(a, table)), [randn([2, 4, 3])]));
  rule("scatter_axis", () => check("scatter_axis", (a) => np.tanh(scatterAxis(a, table)), [randn([2, 5, 3])]));
});

describe("padding-mode and resampling rules, differentiated twice", () => {
  const border = (mode: "reflect" | "replicate" | "circular" | "zeros") => ({ mode, axes: [1, 2], padBegin: [1, 0], padEnd: [1, 2], smallShape: [1, 3, 3] });
  rule("padBorder", () => {
    for (const mode of ["zeros", "reflect", "replicate", "circular"] as const) check("padBorder", (a) => padBorder(a, border(mode)).exp(), [randn([1, 3, 3])]);
  });
  rule("foldBorder", () => {
    for (const mode of ["zeros", "reflect", "circular"] as const) check("foldBorder", (a) => np.tanh(foldBorder(a, border(mode))), [randn([1, 5, 5])]);
    check("foldBorder", (a, b) => np.tanh(foldBorder(a, border("replicate"), b, 0)), [randn([1, 5, 5]), randn([1])]);
  });
  const plan = { axis: 1, taps: axisTaps(3, 5, 2, true, false) };
  rule("resampleAxis", () => check("resampleAxis", (a) => resample(a, plan).exp(), [randn([1, 3, 2])]));
  rule("resampleAxisTranspose", () => check("resampleAxisTranspose", (a) => np.tanh(resampleTranspose(a, plan, [1, 3, 2])), [randn([1, 5, 2])]));
});

describe("Gluon losses (compositions of the rules above), differentiated twice", () => {
  const label = uniform([3, 4], 0.1, 0.9);
  test("L2Loss", () =>
    void track(
      "L2Loss",
      gradgradcheck((p) => new gluon.loss.L2Loss().forward(p.mul(p), label), [randn([3, 4])]),
    ));
  test("SigmoidBCELoss (logits and probabilities)", () => {
    track(
      "SigmoidBCELoss",
      gradgradcheck((p) => new gluon.loss.SigmoidBCELoss().forward(p, label), [randn([3, 4])]),
    );
    track(
      "SigmoidBCELoss",
      gradgradcheck((p) => new gluon.loss.SigmoidBCELoss({ fromSigmoid: true }).forward(p, label), [uniform([3, 4], 0.2, 0.8)]),
    );
  });
  test("SoftmaxCELoss (sparse and dense labels)", () => {
    track(
      "SoftmaxCELoss",
      gradgradcheck((p) => new gluon.loss.SoftmaxCELoss().forward(p, f64([0, 3, 1])), [randn([3, 4])]),
    );
    track(
      "SoftmaxCELoss",
      gradgradcheck((p) => new gluon.loss.SoftmaxCELoss({ sparseLabel: false }).forward(p, label), [randn([3, 4])]),
    );
  });
});

test("every registered gradient rule has a gradgradcheck test above", () => {
  assert.deepEqual(differentiableOps(), [...tested].sort());
});

after(() => {
  const rows = [...measured.entries()].map(([k, v]) => `${k}=${v.rel.toExponential(1)}/${v.abs.toExponential(1)}`);
  console.log(`# gradgradcheck max relative/absolute errors: ${rows.join(" ")}`);
});

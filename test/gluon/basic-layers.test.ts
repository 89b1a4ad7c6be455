// nn.Dense, Flatten, Activation, LeakyReLU, ELU/SELU/GELU, Dropout: values against hand computations, options, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, init, nn, np } from "../../src/index.js";

const f64 = { dtype: "float64" } as const;

test("Dense: weight [units, inUnits], y = x·Wᵀ + b, inputs flattened after the batch axis", () => {
  const d = new nn.Dense(2, {
    weightInitializer: init.Constant(
      np.array(
        [
          [1, 0, -1, 2],
          [0.5, 1, 1, 0],
        ],
        f64,
      ),
    ),
    biasInitializer: init.Constant(np.array([10, 20], f64)),
    dtype: "float64",
  });
  d.initialize();
  const x = np.array(
    [
      [
        [1, 2],
        [3, 4],
      ],
    ],
    f64,
  ); // flattened: [1, 2, 3, 4]
  assert.deepEqual(d.forward(x).tolist(), [[10 + 1 - 3 + 8, 20 + 0.5 + 2 + 3]]);
  assert.deepEqual(d.weight.shape, [2, 4]);
  assert.deepEqual(d.collectParams().keys(), ["weight", "bias"]);
});

test("Dense with flatten: false acts on the last axis (PyTorch's Linear); activation applies after", () => {
  const d = new nn.Dense(3, { flatten: false, useBias: false, activation: "relu", weightInitializer: init.One() }).initialize();
  const y = d.forward(np.array([[[1, -2]], [[3, 4]]]));
  assert.deepEqual(y.shape, [2, 1, 3]);
  assert.deepEqual(y.tolist(), [[[0, 0, 0]], [[7, 7, 7]]]);
  assert.equal(d.bias, null);
});

test("Dense gradients: dW = dyᵀ·x, db = Σ dy", () => {
  const d = new nn.Dense(1, { inUnits: 2, dtype: "float64", weightInitializer: init.Constant(1) }).initialize();
  autograd
    .record(() =>
      d
        .forward(
          np.array(
            [
              [1, 2],
              [3, 4],
            ],
            f64,
          ),
        )
        .sum(),
    )
    .backward();
  assert.deepEqual(d.weight.grad()!.tolist(), [[4, 6]]);
  assert.deepEqual(d.bias!.grad()!.tolist(), [2]);
});

test("Flatten, Activation, LeakyReLU, ELU, SELU, GELU", () => {
  assert.deepEqual(new nn.Flatten().forward(np.ones([2, 3, 4])).shape, [2, 12]);
  const x = np.array([-2, 0.5], f64);
  assert.deepEqual(new nn.Activation("relu").forward(x).tolist(), [0, 0.5]);
  assert.deepEqual(new nn.Activation("softsign").forward(x).tolist(), [-2 / 3, 0.5 / 1.5]);
  assert.deepEqual(new nn.LeakyReLU(0.2).forward(x).tolist(), [-0.4, 0.5]);
  assert.deepEqual(new nn.ELU(0.5).forward(x).tolist(), [0.5 * Math.expm1(-2), 0.5]);
  assert.ok(Math.abs(new nn.SELU().forward(x).at(1).item() - 1.0507009873554805 * 0.5) < 1e-15);
  assert.ok(Math.abs(new nn.GELU().forward(np.array([1], f64)).item() - 0.8413447460685429) < 1e-15);
});

test("PReLU: one learned slope (0.25) by default, or one per channel", () => {
  const p = new nn.PReLU().initialize();
  assert.deepEqual(
    p
      .forward(
        np.array([
          [-4, 2],
          [1, -1],
        ]),
      )
      .tolist(),
    [
      [-1, 2],
      [1, -0.25],
    ],
  );
  assert.deepEqual(p.collectParams().keys(), ["alpha"]);
  const q = new nn.PReLU({ inChannels: 2, alphaInitializer: init.Constant(np.array([0.5, 2])) }).initialize();
  assert.deepEqual(q.forward(np.array([[-2, -2]])).tolist(), [[-1, -4]]);
  assert.throws(
    () => q.forward(np.ones([1, 3])),
    /leakyRelu: gamma shape \[2\] must be \[3\] \(one slope per channel on axis 1 of input shape \[1,3\]\) or \[1\]/,
  );
  assert.throws(() => new nn.PReLU({ alpha: 0.1 } as never), /PReLU: unknown option 'alpha'/);
});

test("Dropout: identity in predict mode, drops in training mode", () => {
  const d = new nn.Dropout(0.5);
  const x = np.ones([50, 50]);
  assert.equal(d.forward(x), x);
  np.random.seed(1);
  const y = autograd.record(() => d.forward(x));
  assert.ok(y.asTypedArray().some((v) => v === 0) && y.asTypedArray().some((v) => v === 2));
});

test("basic layer errors name the layer, the argument and the value", () => {
  assert.throws(() => new nn.Dense(0), /Dense: units=0 must be an integer >= 1/);
  assert.throws(() => new nn.Dense(2, { in_units: 3 } as never), /Dense: unknown option 'in_units' \(did you mean 'inUnits'\?\)/);
  assert.throws(
    () => new nn.Dense(2, { activation: "gelu" as never }),
    /Dense: activation "gelu" is not one of "relu", "sigmoid", "tanh", "softrelu", "softsign"/,
  );
  const d = new nn.Dense(2, { inUnits: 3 }).initialize();
  assert.throws(() => d.forward(np.ones([2, 4])), /Dense: input shape \[2,4\] gives 4 features \(flattened\) but the weight expects 3 \(inUnits\)/);
  assert.throws(() => d.forward(np.ones([3])), /Dense: expects a batch of inputs \(at least 2-D\), got shape \[3\]/);
  assert.throws(() => new nn.Activation("swish" as never), /Activation: activation "swish" is not one of/);
  assert.throws(() => new nn.LeakyReLU(-0.1), /LeakyReLU: alpha=-0.1 must be a finite number >= 0/);
  assert.throws(() => new (nn.LeakyReLU as unknown as new () => nn.LeakyReLU)(), /LeakyReLU: alpha \(the negative slope\) is required/);
  assert.throws(() => new nn.Dropout(1), /Dropout: rate=1 must be a number in \[0, 1\)/);
  assert.throws(() => new nn.Dropout(0.5, { axis: [1] } as never), /Dropout: unknown option 'axis' \(did you mean 'axes'\?\)/);
});

test("String(layer) shows Dense's and pooling's non-default options", () => {
  assert.equal(String(new nn.Dense(3, { inUnits: 4, useBias: false, flatten: false, activation: "relu" })), "Dense(4 -> 3, relu, flatten=False, bias=False)");
  assert.equal(
    String(new nn.AvgPool2D({ poolSize: 3, layout: "NHWC", countIncludePad: false })),
    "AvgPool2D(size=[3,3], stride=[3,3], padding=[0,0], ceil_mode=false, layout=NHWC, count_include_pad=false)",
  );
});

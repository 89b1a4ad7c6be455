// npx.hardSigmoid / hardSwish, their npx.activation names and nn.HardSigmoid / nn.HardSwish against PyTorch 1.13
// (test/fixtures/torch/norms.json, made by scripts/fixtures/make-norms.py), corners ±3 included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, autograd, nn, np, npx } from "../../src/index.js";
import { arr, closeToTorch, type TorchTensor, torchCase } from "../helpers/torch-cases.js";

interface Case {
  name: string;
  x: TorchTensor;
  y: TorchTensor;
  v: TorchTensor;
  dx: TorchTensor;
}
const get = (name: string): Case => torchCase<Case>(name);
const close = closeToTorch;

const FORMS: [string, string, ((x: NDArray) => NDArray)[]][] = [
  [
    "Hardsigmoid",
    "hardsigmoid",
    [
      (x) => npx.hardSigmoid(x),
      (x) => npx.activation(x, "hardsigmoid"),
      (x) => new nn.HardSigmoid().forward(x),
      (x) => new nn.Activation("hardsigmoid").forward(x),
    ],
  ],
  [
    "Hardswish",
    "hardswish",
    [(x) => npx.hardSwish(x), (x) => npx.activation(x, "hardswish"), (x) => new nn.HardSwish().forward(x), (x) => new nn.Activation("hardswish").forward(x)],
  ],
];

for (const [torchName, name, forms] of FORMS)
  test(`${name}: values and gradients equal PyTorch's ${torchName}, its gradient convention at x = ±3 included (op, activation name, layers)`, () => {
    const c = get(torchName);
    for (const f of forms) {
      const x = arr(c.x).attachGrad();
      const y = autograd.record(() => f(x));
      close(y, c.y, 1e-15, `${name} y`);
      y.backward(arr(c.v));
      // PyTorch's hardsigmoid_backward multiplies by the float32 constant 1.0f/6.0f even in float64 (3e-8 relative off)
      close(x.grad!, c.dx, name === "hardsigmoid" ? 1e-7 : 1e-15, `${name} dx`);
    }
  });

test("float32 runs in float32 and agrees with float64; NaN propagates; ±∞ saturate", () => {
  const c = get("Hardswish");
  const y32 = npx.hardSwish(arr(c.x).astype("float32"));
  assert.equal(y32.dtype, "float32");
  close(y32, c.y, 1e-6, "hardswish float32");
  const edge = np.array([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY], { dtype: "float64" });
  assert.deepEqual(npx.hardSigmoid(edge).tolist(), [Number.NaN, 1, 0]);
  assert.deepEqual(npx.hardSwish(edge).tolist(), [Number.NaN, Number.POSITIVE_INFINITY, 0]);
});

test("Dense and Conv2D accept the new activation names; bad names still name the list", () => {
  const d = new nn.Dense(2, { inUnits: 3, activation: "hardswish" }).initialize();
  assert.deepEqual(d.forward(np.ones([1, 3])).shape, [1, 2]);
  assert.throws(
    () => npx.activation(np.ones([2]), "hardtanh" as never),
    /npx.activation: actType "hardtanh" is not one of relu, sigmoid, tanh, softrelu, softsign, hardsigmoid, hardswish/,
  );
  assert.throws(() => new nn.HardSwish().forward([1, 2] as never), /HardSwish: /);
});

// npx.leakyRelu (leaky, elu, selu, gelu), softsign and erf against their formulas and known values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, np, npx } from "../../src/index.js";
import { erf } from "../../src/backends/fused/activation.js";

const f64 = { dtype: "float64" } as const;
const xs = [-3, -1, -0.5, 0, 0.5, 2];

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): void {
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `[${i}] ${a[i]} vs ${b[i]}`);
}

test("erf matches tabulated values (Abramowitz & Stegun 7.1) and is odd", () => {
  // erf(0.5), erf(1), erf(2), erf(3) to 16 digits
  close([0.5, 1, 2, 3, 2.5].map(erf), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, 0.999593047982555], 2e-15);
  assert.equal(erf(-1), -erf(1));
  assert.equal(erf(0), 0);
  // the series and the continued fraction agree where they meet
  assert.ok(Math.abs(erf(2.4999999999) - erf(2.5)) < 1e-12);
});

test("leaky: x for x > 0, slope·x otherwise (Gluon's LeakyReLU(0.2))", () => {
  assert.deepEqual(
    npx.leakyRelu(np.array(xs, f64), { slope: 0.2 }).tolist(),
    xs.map((v) => (v > 0 ? v : 0.2 * v)),
  );
  assert.deepEqual(npx.leakyRelu(np.array([-4], f64)).tolist(), [-1], "MXNet's default slope 0.25");
});

test("leaky forward and backward equal x > 0 ? x : slope·x bit for bit on random signs, ±0, ±Inf and NaN (float32, float64)", () => {
  const vals = [0, -0, Infinity, -Infinity, NaN, 1e-320, -1e-320, 3e38, -3e38];
  for (let i = 0; i < 200; i++) vals.push((Math.sin(i * 12.9898) * 43758.5453) % 4);
  for (const dtype of ["float32", "float64"] as const)
    for (const slope of [0.2, 0, 1.5]) {
      const x = np.array(vals, { dtype }).attachGrad(),
        dy = np.array(
          vals.map((_, i) => (i % 7) - 3.25),
          { dtype },
        );
      const y = autograd.record(() => npx.leakyRelu(x, { slope }));
      y.backward(dy);
      const r = dtype === "float32" ? Math.fround : (v: number) => v;
      const xv = Array.from(x.asTypedArray()),
        gv = Array.from(dy.asTypedArray());
      const same = (got: ArrayLike<number>, want: number[], what: string) =>
        want.forEach((w, i) => assert.ok(Object.is(got[i], w), `${dtype} slope ${slope} ${what}[${i}] (x = ${xv[i]}): ${got[i]} vs ${w}`));
      same(
        y.asTypedArray(),
        xv.map((v) => r(v > 0 ? v : slope * v)),
        "y",
      );
      same(
        x.grad!.asTypedArray(),
        xv.map((v, i) => r(v > 0 ? gv[i]! : slope * gv[i]!)),
        "dx",
      );
    }
});

test("elu, selu and gelu follow their formulas", () => {
  const x = np.array(xs, f64);
  close(
    npx.leakyRelu(x, { actType: "elu", slope: 1.5 }).asTypedArray(),
    xs.map((v) => (v > 0 ? v : 1.5 * (Math.exp(v) - 1))),
    1e-15,
  );
  const [l, a] = [1.0507009873554805, 1.6732632423543772];
  close(
    npx.leakyRelu(x, { actType: "selu" }).asTypedArray(),
    xs.map((v) => l * (v > 0 ? v : a * (Math.exp(v) - 1))),
    1e-15,
  );
  // gelu(x) = x·Φ(x); Φ(1) = 0.8413447460685429, Φ(−0.5) = 0.3085375387259869, Φ(2) = 0.9772498680518208
  close(
    npx.leakyRelu(np.array([1, -0.5, 2], f64), { actType: "gelu" }).asTypedArray(),
    [0.8413447460685429, -0.5 * 0.3085375387259869, 2 * 0.9772498680518208],
    1e-15,
  );
});

test("softsign is x/(1 + |x|) through npx.activation", () => {
  close(
    npx.activation(np.array(xs, f64), "softsign").asTypedArray(),
    xs.map((v) => v / (1 + Math.abs(v))),
    1e-16,
  );
});

test("activation errors", () => {
  assert.throws(
    () => npx.leakyRelu(np.ones([2]), { actType: "rrelu" as never }),
    /leakyRelu: actType="rrelu" is not one of "leaky", "elu", "selu", "gelu", "prelu"/,
  );
  assert.throws(() => npx.leakyRelu(np.ones([2]), { actType: "prelu" }), /leakyRelu: actType "prelu" needs gamma, an NDArray of slopes, got undefined/);
  assert.throws(() => npx.leakyRelu(np.ones([2]), { gamma: np.ones([1]) }), /leakyRelu: gamma is used by actType "prelu" only \(got actType "leaky"\)/);
  assert.throws(() => npx.leakyRelu(np.ones([2]), { alpha: 0.1 } as never), /leakyRelu: unknown option 'alpha'/);
  assert.throws(() => npx.leakyRelu(np.ones([2]), { slope: NaN }), /leakyRelu: slope=NaN must be a finite number/);
  assert.throws(() => npx.activation(np.ones([2]), "swish" as never), /npx.activation: actType "swish" is not one of relu, sigmoid, tanh, softrelu, softsign/);
});

// autograd.grad: MXNet's semantics (gradients returned, not written), createGraph for second and third order, its errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, np, npx, autograd } from "../../src/index.js";
import { FIRST_ORDER_ONLY } from "../../src/autograd/grads/index.js";

const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
const close = (a: NDArray, b: number[], tol = 1e-12) =>
  a.asTypedArray().forEach((v, i) => assert.ok(Math.abs(v - b[i]!) <= tol * (1 + Math.abs(b[i]!)), `${i}: ${v} vs ${b[i]}`));

test("grad returns d(head)/d(variable) and leaves .grad alone; one array in, one out; a list in, a list out", () => {
  const x = f64([1, 2, 3]).attachGrad();
  const w = f64([4, 5, 6]).attachGrad();
  const y = autograd.record(() => x.mul(w).sum());
  const [dx, dw] = autograd.grad(y, [x, w], { retainGraph: true });
  assert.deepEqual(dx!.tolist(), [4, 5, 6]);
  assert.deepEqual(dw!.tolist(), [1, 2, 3]);
  assert.deepEqual(x.grad!.tolist(), [0, 0, 0]); // not written
  const only = autograd.grad(y, x);
  assert.ok(only instanceof NDArray);
  assert.deepEqual(only.tolist(), [4, 5, 6]);
});

test("headGrads weight each head and the heads' contributions add", () => {
  const x = f64([1, 2]).attachGrad();
  const [a, b] = autograd.record(() => [x.mul(x), x.mul(3)]);
  const dx = autograd.grad([a!, b!], [x], { headGrads: [f64([1, 10]), f64([2, 2])] })[0]!;
  assert.deepEqual(dx.tolist(), [2 * 1 * 1 + 6, 2 * 2 * 10 + 6]);
  const y = autograd.record(() => x.mul(x));
  assert.deepEqual(autograd.grad(y, x, { headGrads: f64([3, 1]) }).tolist(), [6, 4]);
});

test("a variable the heads do not depend on gets zeros; an intermediate array can be a variable", () => {
  const x = f64([1, 2]).attachGrad();
  const z = f64([7, 7, 7]).attachGrad();
  let h: NDArray | undefined;
  const y = autograd.record(() => {
    h = x.mul(2);
    return h.mul(h).sum();
  });
  const [dz, dh, dx] = autograd.grad(y, [z, h!, x]);
  assert.deepEqual(dz!.tolist(), [0, 0, 0]);
  assert.deepEqual(dh!.tolist(), [4, 8]); // 2h
  assert.deepEqual(dx!.tolist(), [8, 16]); // 8x
});

test("createGraph: second and third derivatives of x⁴ are 12x² and 24x (calculus)", () => {
  const x = f64([0.5, -1, 2]).attachGrad();
  const [g1, g2, g3] = autograd.record(() => {
    const y = x.pow(4).sum();
    const d1 = autograd.grad(y, x, { createGraph: true }); // 4x³
    const d2 = autograd.grad(d1.sum(), x, { createGraph: true }); // 12x²
    const d3 = autograd.grad(d2.sum(), x, { createGraph: true }); // 24x
    return [d1, d2, d3];
  });
  close(g1!, [0.5, -4, 32]);
  close(g2!, [3, 12, 48]);
  close(g3!, [12, -24, 48]);
  // and backward() from a loss of the gradient: d/dx Σ (4x³)² = 96x⁵
  const loss = autograd.record(() => {
    const d1 = autograd.grad(x.pow(4).sum(), x, { createGraph: true });
    return d1.mul(d1).sum();
  });
  loss.backward();
  close(x.grad!, [96 * 0.5 ** 5, -96, 96 * 32]);
});

test("createGraph through a convolution: the penalty ‖∂⟨v, conv(x, w)⟩/∂x‖² = ‖convᵀ(v, w)‖² differentiated w.r.t. w", () => {
  // s(w) = ‖deconv(v, w)‖² is quadratic in w: its gradient at w is the difference quotient of s on w ± e exactly
  const x = np.random.normal(0, 1, [1, 2, 5, 5]).astype("float64").attachGrad();
  const w = np.random.normal(0, 1, [3, 2, 3, 3]).astype("float64").attachGrad();
  const v = np.random.normal(0, 1, [1, 3, 3, 3]).astype("float64");
  const penalty = () =>
    autograd.record(() => {
      const y = npx.convolution(x, w, { strides: 2, padding: 1 });
      const gx = autograd.grad(y, x, { headGrads: v, createGraph: true });
      return gx.mul(gx).sum();
    });
  penalty().backward();
  const gw = w.grad!.asTypedArray().slice();
  const direct = (ww: NDArray) => {
    const d = npx.deconvolution(v, ww, { strides: 2, padding: 1 });
    return d.mul(d).sum().item();
  };
  const e = 0.5;
  for (const i of [0, 7, 31, 53]) {
    const up = w.copy(),
      down = w.copy();
    up.hostData[i] = up.hostData[i]! + e;
    down.hostData[i] = down.hostData[i]! - e;
    assert.ok(Math.abs(gw[i]! - (direct(up) - direct(down)) / (2 * e)) < 1e-9, `w[${i}]`);
  }
});

test("retainGraph defaults to createGraph: without it the graph is freed after one grad", () => {
  const x = f64([1, 2]).attachGrad();
  const y = autograd.record(() => x.mul(x).sum());
  autograd.grad(y, x);
  assert.throws(() => autograd.grad(y, x), /autograd.grad: heads\[0\].*not computed under autograd.record/);
  const y2 = autograd.record(() => x.mul(x).sum());
  autograd.grad(y2, x, { createGraph: true });
  assert.deepEqual(autograd.grad(y2, x).tolist(), [2, 4]); // still there
});

test("a rule listed as first-order only throws under createGraph, naming the op; first order still works", () => {
  const x = f64([0.5, 3]).attachGrad();
  const make = () => autograd.record(() => npx.activation(x, "softsign").sum());
  FIRST_ORDER_ONLY.add("softsign");
  try {
    assert.throws(() => autograd.grad(make(), x, { createGraph: true }), /autograd.grad: the gradient rule of op "softsign" is not written in recorded ops/);
    close(autograd.grad(make(), x), [1 / 1.5 ** 2, 1 / 16]); // d softsign = 1/(1 + |x|)²
  } finally {
    FIRST_ORDER_ONLY.delete("softsign");
  }
  assert.ok(autograd.grad(make(), x, { createGraph: true }) instanceof NDArray);
});

test("a non-scalar head without headGrads uses ones, as backward() does (MXNet): the gradient of its sum", () => {
  const x = f64([1, 2]).attachGrad();
  // d/dx sum(x·x) = 2x
  assert.deepEqual(
    autograd
      .grad(
        autograd.record(() => x.mul(x)),
        x,
      )
      .tolist(),
    [2, 4],
  );
});

test("argument errors are thrown before any work and name the argument", () => {
  const x = f64([1, 2]).attachGrad();
  const y = () => autograd.record(() => x.mul(x));
  const ys = () => autograd.record(() => x.mul(x).sum());
  assert.throws(() => autograd.grad(y(), x, { createGraph: true, retainGraph: false }), /createGraph: true needs retainGraph: true/);
  assert.throws(() => autograd.grad(y(), x, { create_graph: true } as never), /unknown option 'create_graph'.*camelCase/);
  assert.throws(() => autograd.grad(y(), x, { createGraph: 1 } as never), /createGraph=1 must be true or false/);
  assert.throws(() => autograd.grad(y(), x, { headGrads: f64([1, 2, 3]) }), /headGrad shape \[3\] does not match the head's shape \[2\]/);
  assert.throws(() => autograd.grad(y(), x, { headGrads: [f64([1, 1]), f64([1, 1])] }), /headGrads has 2 entries for 1 heads/);
  assert.throws(
    () => autograd.grad(ys(), f64([1, 2])),
    /variables\[0\] \(shape \[2\]\) is neither marked with attachGrad\(\) nor computed under autograd.record/,
  );
  assert.throws(() => autograd.grad([], x), /heads must be an NDArray or a non-empty list/);
  assert.throws(() => autograd.grad(ys(), [x, 3 as never]), /variables\[1\] must be an NDArray, got number/);
  assert.throws(() => autograd.grad(f64([1]), x), /heads\[0\] \(shape \[1\]\) was not computed under autograd.record/);
  assert.throws(() => autograd.grad(ys(), x, null as never), /options must be an object/);
  assert.throws(() => autograd.grad(ys(), x, { trainMode: "yes" } as never), /trainMode=yes must be true or false/);
});

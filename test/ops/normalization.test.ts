// npx.instanceNorm / layerNorm / groupNorm: PyTorch 1.13's outputs and gradients (test/fixtures/torch/norms.json,
// written by scripts/fixtures/make-norms.py), float64 finite differences, float32, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, autograd, np, npx } from "../../src/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";
import { gradgradcheck } from "../helpers/gradgradcheck.js";
import { arr, closeToTorch, type NormCase, torchCase } from "../helpers/torch-cases.js";

type Case = NormCase;
const get = (name: string): Case => torchCase<Case>(name);
const close = closeToTorch;

type NormFn = (x: NDArray, gamma: NDArray, beta: NDArray) => NDArray;

/** Output and the gradients of Σ v·y for x, gamma, beta against the fixture. */
function against(c: Case, f: NormFn): void {
  const x = arr(c.x).attachGrad();
  const C = c.gamma?.shape[0] ?? c.x.shape[1]!;
  const gamma = (c.gamma ? arr(c.gamma) : np.ones([C], { dtype: "float64" })).attachGrad();
  const beta = (c.beta ? arr(c.beta) : np.zeros([C], { dtype: "float64" })).attachGrad();
  const y = autograd.record(() => f(x, gamma, beta));
  close(y, c.y, 1e-12, `${c.name} y`);
  y.backward(arr(c.v));
  close(x.grad!, c.dx, 1e-11, `${c.name} dx`);
  if (c.dgamma) close(gamma.grad!, c.dgamma, 1e-11, `${c.name} dgamma`);
  if (c.dbeta) close(beta.grad!, c.dbeta, 1e-11, `${c.name} dbeta`);
}

test("instanceNorm matches PyTorch's InstanceNorm1d/2d (affine and not), outputs and gradients", () => {
  for (const name of ["InstanceNorm2d affine", "InstanceNorm1d affine", "InstanceNorm2d no affine"]) {
    const c = get(name);
    against(c, (x, g, b) => npx.instanceNorm(x, g, b, { eps: c.eps }));
  }
});

test("instanceNorm with the channel axis last equals the channels-first result transposed", () => {
  const c = get("InstanceNorm2d affine");
  const x = arr(c.x).transpose(0, 2, 3, 1);
  const y = npx.instanceNorm(x, arr(c.gamma!), arr(c.beta!), { axis: -1, eps: c.eps });
  close(y.transpose(0, 3, 1, 2), c.y, 1e-12, "channels-last y");
});

test("layerNorm matches PyTorch's LayerNorm over the last axis; another axis equals it after a transpose", () => {
  const c = get("LayerNorm last axis");
  against(c, (x, g, b) => npx.layerNorm(x, g, b, { eps: c.eps }));
  const y = npx.layerNorm(arr(c.x).transpose(0, 2, 1), arr(c.gamma!), arr(c.beta!), { axis: 1, eps: c.eps });
  close(y.transpose(0, 2, 1), c.y, 1e-12, "axis 1 y");
});

test("groupNorm matches PyTorch's GroupNorm (1, 2 and 3 groups; 1-D and 2-D inputs)", () => {
  for (const name of ["GroupNorm 2 groups 2-D", "GroupNorm 3 groups 1-D", "GroupNorm 1 group"]) {
    const c = get(name);
    against(c, (x, g, b) => npx.groupNorm(x, g, b, { numGroups: c.numGroups, eps: c.eps }));
  }
});

test("groupNorm with numGroups = C is instanceNorm; float32 agrees with float64 to float32 precision", () => {
  const x = randn([2, 4, 3, 3], 2);
  const g = randn([4]);
  const b = randn([4]);
  const a = npx.groupNorm(x, g, b, { numGroups: 4, eps: 1e-5 }).asTypedArray();
  const i = npx.instanceNorm(x, g, b, { eps: 1e-5 }).asTypedArray();
  for (let k = 0; k < a.length; k++) assert.ok(Math.abs(a[k]! - i[k]!) < 1e-13, `${k}: ${a[k]} vs ${i[k]}`);
  const y32 = npx.groupNorm(x.astype("float32"), g.astype("float32"), b.astype("float32"), { numGroups: 2 });
  assert.equal(y32.dtype, "float32");
  const y64 = npx.groupNorm(x, g, b, { numGroups: 2 }).asTypedArray();
  y32.asTypedArray().forEach((v, k) => assert.ok(Math.abs(v - y64[k]!) < 1e-5 * (1 + Math.abs(y64[k]!)), `${k}: ${v} vs ${y64[k]}`));
});

test("float64 finite differences: instanceNorm, layerNorm and groupNorm for x, gamma and beta", () => {
  np.random.seed(26);
  gradcheck((x, g, b) => npx.instanceNorm(x, g, b), [randn([2, 3, 4]), randn([3]), randn([3])]);
  gradcheck((x, g, b) => npx.instanceNorm(x, g, b, { axis: 2 }), [randn([2, 3, 2, 2]), randn([2]), randn([2])]);
  gradcheck((x, g, b) => npx.layerNorm(x, g, b), [randn([3, 5]), randn([5]), randn([5])]);
  gradcheck((x, g, b) => npx.layerNorm(x, g, b, { axis: 0 }), [randn([4, 3]), randn([4]), randn([4])]);
  gradcheck((x, g, b) => npx.groupNorm(x, g, b, { numGroups: 2 }), [randn([2, 4, 3]), randn([4]), randn([4])]);
  gradcheck((x, g, b) => npx.groupNorm(x, g, b, { numGroups: 3 }), [randn([1, 6, 2, 2]), randn([6]), randn([6])]);
});

test("a constant instance normalises to beta (eps keeps the division finite)", () => {
  const y = npx.instanceNorm(np.full([1, 2, 3], 5, { dtype: "float64" }), np.array([2, 3], { dtype: "float64" }), np.array([-1, 4], { dtype: "float64" }));
  assert.deepEqual(y.tolist(), [
    [
      [-1, -1, -1],
      [4, 4, 4],
    ],
  ]);
});

test("empty inputs give empty outputs of the same shape", () => {
  const g = np.ones([4]);
  const b = np.zeros([4]);
  assert.deepEqual(npx.groupNorm(np.zeros([0, 4, 3]), g, b, { numGroups: 2 }).shape, [0, 4, 3]);
  assert.deepEqual(npx.instanceNorm(np.zeros([2, 4, 0]), g, b).shape, [2, 4, 0]);
  assert.deepEqual(npx.layerNorm(np.zeros([0, 4]), g, b).shape, [0, 4]);
});

test("normalisation errors name the op, the argument and the values", () => {
  const x = np.zeros([2, 4, 3]);
  const g = np.ones([4]);
  const b = np.zeros([4]);
  assert.throws(() => npx.instanceNorm(np.zeros([2, 4]), np.ones([4]), b), /instanceNorm: input must have at least 3 axes, got shape \[2, ?4\]/);
  assert.throws(() => npx.instanceNorm(x, g, b, { axis: 0 }), /instanceNorm: axis=0 is the batch axis/);
  assert.throws(() => npx.instanceNorm(x, g, b, { axis: 3 }), /instanceNorm: axis/);
  assert.throws(() => npx.instanceNorm(x, np.ones([3]), b), /instanceNorm: gamma shape \[3\] must be \[4\]/);
  assert.throws(() => npx.instanceNorm(x, g, b, { eps: 0 }), /instanceNorm: eps=0 must be > 0/);
  assert.throws(() => npx.instanceNorm(x, g, b, { epsilon: 1 } as never), /instanceNorm: unknown option 'epsilon'/);
  assert.throws(() => npx.layerNorm(x, np.ones([4]), np.zeros([4])), /layerNorm: gamma shape \[4\] must be \[3\]/);
  assert.throws(() => npx.layerNorm(x, np.ones([3]), np.zeros([3], { dtype: "float64" })), /layerNorm: beta is float64 but the input is float32/);
  assert.throws(() => npx.layerNorm(x, [1, 1, 1] as never, b), /layerNorm: gamma must be an NDArray/);
  assert.throws(() => npx.groupNorm(x, g, b, { numGroups: 3 }), /groupNorm: numGroups=3 must divide the 4 channels/);
  assert.throws(() => npx.groupNorm(x, g, b, { numGroups: 0 }), /groupNorm: numGroups/);
});

test("second order (autograd.grad with createGraph, differentiated again) against finite differences: the three norms", () => {
  np.random.seed(27);
  gradgradcheck((x, g, b) => npx.instanceNorm(x, g, b), [randn([2, 2, 3]), randn([2]), randn([2])]);
  gradgradcheck((x, g, b) => npx.layerNorm(x, g, b), [randn([2, 4]), randn([4]), randn([4])]);
  gradgradcheck((x, g, b) => npx.groupNorm(x, g, b, { numGroups: 2 }), [randn([1, 4, 3]), randn([4]), randn([4])]);
});

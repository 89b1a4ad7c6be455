// npx.batchNorm against the formula in both modes, the running statistics after several steps, modes, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, autograd, np, npx } from "../../src/index.js";
import { randn, uniform } from "../helpers/gradcheck.js";

const f64 = { dtype: "float64" } as const;

/** Per-channel mean and biased variance over every axis but `axis`, by plain loops. */
function channelStats(x: NDArray, axis: number): { mean: number[]; variance: number[] } {
  const d = x.asTypedArray();
  const C = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  const sums = new Array<number>(C).fill(0),
    counts = new Array<number>(C).fill(0);
  d.forEach((v, i) => {
    const c = Math.floor(i / inner) % C;
    sums[c]! += v;
    counts[c]!++;
  });
  const mean = sums.map((s, c) => s / counts[c]!);
  const sq = new Array<number>(C).fill(0);
  d.forEach((v, i) => {
    const c = Math.floor(i / inner) % C;
    sq[c]! += (v - mean[c]!) ** 2;
  });
  return { mean, variance: sq.map((s, c) => s / counts[c]!) };
}

function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

/** y = γ·(x − μ)/√(σ² + eps) + β element by element. */
function formula(x: NDArray, axis: number, mean: number[], variance: number[], gamma: number[], beta: number[], eps: number): number[] {
  const C = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((p, v) => p * v, 1);
  return Array.from(x.asTypedArray(), (v, i) => {
    const c = Math.floor(i / inner) % C;
    return (gamma[c]! * (v - mean[c]!)) / Math.sqrt(variance[c]! + eps) + beta[c]!;
  });
}

test("training mode normalises with the batch mean and biased variance over every axis but axis", () => {
  np.random.seed(1);
  for (const [shape, axis] of [
    [[4, 3, 2, 2], 1],
    [[5, 2, 3], -1],
    [[6, 4], 1],
  ] as const) {
    const x = randn(shape, 3).add(1.5);
    const ax = axis < 0 ? axis + shape.length : axis;
    const C = shape[ax]!;
    const gamma = randn([C]),
      beta = randn([C]);
    const y = npx.batchNorm(x, gamma, beta, np.zeros([C], f64), np.ones([C], f64), { axis, training: true, eps: 1e-3 });
    const { mean, variance } = channelStats(x, ax);
    expectClose(y.asTypedArray(), formula(x, ax, mean, variance, [...gamma.asTypedArray()], [...beta.asTypedArray()], 1e-3), 1e-12, `shape ${shape}`);
  }
});

test("predict mode uses the running statistics", () => {
  const x = randn([3, 2, 4]);
  const gamma = np.array([2, -1], f64),
    beta = np.array([0.5, 3], f64);
  const rm = np.array([0.25, -1], f64),
    rv = np.array([4, 0.5], f64);
  const y = npx.batchNorm(x, gamma, beta, rm, rv, { training: false });
  expectClose(y.asTypedArray(), formula(x, 1, [0.25, -1], [4, 0.5], [2, -1], [0.5, 3], 1e-5), 1e-12, "predict");
  assert.deepEqual(rm.tolist(), [0.25, -1], "predict mode leaves the running mean alone");
});

test("running statistics after several training steps equal the hand-computed moving averages", () => {
  np.random.seed(2);
  const C = 3;
  const rm = np.zeros([C], f64),
    rv = np.ones([C], f64);
  let wantM = [0, 0, 0],
    wantV = [1, 1, 1];
  const momentum = 0.8;
  const batches: NDArray[] = [];
  for (let step = 0; step < 4; step++) {
    const x = randn([4, C, 3], 1 + step).add(step);
    batches.push(x);
    autograd.record(() => npx.batchNorm(x, np.ones([C], f64), np.zeros([C], f64), rm, rv, { momentum }));
    const { mean, variance } = channelStats(x, 1);
    wantM = wantM.map((m, c) => momentum * m + (1 - momentum) * mean[c]!);
    wantV = wantV.map((v, c) => momentum * v + (1 - momentum) * variance[c]!);
  }
  expectClose(rm.asTypedArray(), wantM, 1e-12, "running_mean");
  expectClose(rv.asTypedArray(), wantV, 1e-12, "running_var");
  // predict-mode output after training: the affine map of those statistics
  const y = npx.batchNorm(batches[0]!, np.ones([C], f64), np.zeros([C], f64), rm, rv);
  expectClose(y.asTypedArray(), formula(batches[0]!, 1, wantM, wantV, [1, 1, 1], [0, 0, 0], 1e-5), 1e-12, "predict after training");
});

test("the mode follows autograd: training inside record, predict outside; useGlobalStats keeps the running ones", () => {
  const x = np.array([[1], [3]], f64); // one channel on axis 1, batch mean 2, variance 1
  const args = [np.ones([1], f64), np.zeros([1], f64), np.zeros([1], f64), np.ones([1], f64)] as const;
  const outside = npx.batchNorm(x, ...args, { eps: 1e-12 }).tolist();
  expectClose((outside as number[][]).flat(), [1, 3], 1e-9, "predict: running mean 0, var 1");
  const inside = autograd.record(() => npx.batchNorm(x, ...args, { eps: 1e-12 }));
  expectClose(inside.asTypedArray(), [-1, 1], 1e-9, "training: batch statistics");
  const frozen = np.zeros([1], f64),
    ones = np.ones([1], f64);
  autograd.record(() => npx.batchNorm(x, args[0], args[1], frozen, ones, { useGlobalStats: true }));
  assert.deepEqual([frozen.item(), ones.item()], [0, 1], "useGlobalStats leaves the running statistics alone");
  assert.ok(Math.abs(args[2].item() - 0.2) < 1e-12, "the training call moved the running mean 0 → 0.9·0 + 0.1·2");
  const fresh = [np.ones([1], f64), np.zeros([1], f64), np.zeros([1], f64), np.ones([1], f64)] as const;
  const paused = autograd.record(() => autograd.predictMode(() => npx.batchNorm(x, ...fresh, { eps: 1e-12 })));
  assert.deepEqual(paused.tolist(), outside);
});

test("a constant batch stays finite (variance 0 → 1/√eps)", () => {
  const y = npx.batchNorm(np.full([4, 2], 7, f64), np.ones([2], f64), np.zeros([2], f64), np.zeros([2], f64), np.ones([2], f64), { training: true });
  assert.deepEqual(y.tolist(), [
    [0, 0],
    [0, 0],
    [0, 0],
    [0, 0],
  ]);
  const x = np.full([3, 1], 2, f64).attachGrad();
  autograd.record(() => npx.batchNorm(x, np.ones([1], f64), np.zeros([1], f64), np.zeros([1], f64), np.ones([1], f64)).sum()).backward();
  assert.ok(x.grad!.asTypedArray().every(Number.isFinite));
});

test("predict-mode gradient is the affine map's: dx = γ/√(σ²_run + eps)·dy", () => {
  const x = uniform([2, 2, 3], -1, 1).attachGrad();
  const gamma = np.array([2, 3], f64),
    rv = np.array([3, 8], f64);
  autograd
    .record(() => npx.batchNorm(x, gamma, np.zeros([2], f64), np.zeros([2], f64), rv, { eps: 1 }), { trainMode: false })
    .backward(np.ones([2, 2, 3], f64));
  const g = x.grad!.tolist() as number[][][];
  for (const row of g) {
    assert.ok(
      row[0]!.every((v) => Math.abs(v - 1) < 1e-12),
      "2/√(3+1) = 1",
    );
    assert.ok(
      row[1]!.every((v) => Math.abs(v - 1) < 1e-12),
      "3/√(8+1) = 1",
    );
  }
});

test("float32 inputs give float32 outputs", () => {
  const y = npx.batchNorm(np.ones([2, 3]), np.ones([3]), np.zeros([3]), np.zeros([3]), np.ones([3]));
  assert.equal(y.dtype, "float32");
});

test("batchNorm errors name the argument and the values", () => {
  const x = np.ones([2, 3, 4]);
  const v3 = () => np.ones([3]);
  assert.throws(
    () => npx.batchNorm(x, np.ones([4]), v3(), v3(), v3()),
    /batchNorm: gamma shape \[4\] must be \[3\] \(one value per channel of input shape \[2,3,4\] on axis 1\)/,
  );
  assert.throws(() => npx.batchNorm(x, v3(), v3(), v3(), v3(), { axis: 3 }), /batchNorm: axis=3 must be an integer in \[-3, 2\]/);
  assert.throws(() => npx.batchNorm(x, v3(), v3(), v3(), v3(), { eps: 0 }), /batchNorm: eps=0 must be > 0/);
  assert.throws(() => npx.batchNorm(x, v3(), v3(), v3(), v3(), { momentum: 1.5 }), /batchNorm: momentum=1.5 must be a finite number in \[0, 1\]/);
  assert.throws(() => npx.batchNorm(x, v3(), v3(), v3(), v3(), { esp: 1 } as never), /batchNorm: unknown option 'esp' \(did you mean 'eps'\?\)/);
  assert.throws(() => npx.batchNorm(x, v3(), v3(), v3(), np.ones([3], f64)), /batchNorm: runningVar is float64 but the input is float32/);
  assert.throws(() => npx.batchNorm(x, v3(), v3(), null as never, v3()), /batchNorm: runningMean must be an NDArray, got null/);
  assert.throws(() => npx.batchNorm(np.ones([0, 3]), v3(), v3(), v3(), v3()), /batchNorm: input shape \[0,3\] has no elements per channel/);
});

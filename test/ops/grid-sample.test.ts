// npx.gridSample against PyTorch 1.13's grid_sample (test/fixtures/torch/norms.json: bilinear, zeros/border,
// alignCorners both ways, points outside [−1, 1]), outputs and gradients for input and grid; gradchecks; errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NDArray, autograd, np, npx } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { gradcheck, randn } from "../helpers/gradcheck.js";
import { gradgradcheck } from "../helpers/gradgradcheck.js";
import { compare, runOrt } from "../helpers/onnx-models.js";
import { arr, closeToTorch, normsCases, type TorchTensor } from "../helpers/torch-cases.js";

interface Case {
  name: string;
  paddingMode: "zeros" | "border";
  alignCorners: boolean;
  x: TorchTensor;
  grid: TorchTensor;
  y: TorchTensor;
  v: TorchTensor;
  dx: TorchTensor;
  dgrid: TorchTensor;
}
const cases = normsCases.filter((c) => c.name.startsWith("grid_sample")) as unknown as Case[];
const close = closeToTorch;

test("gridSample equals PyTorch's grid_sample (bilinear; zeros and border; alignCorners false and true): output, d input, d grid", () => {
  assert.equal(cases.length, 4);
  for (const c of cases) {
    const x = arr(c.x).attachGrad();
    const grid = arr(c.grid).attachGrad();
    const y = autograd.record(() => npx.gridSample(x, grid, { paddingMode: c.paddingMode, alignCorners: c.alignCorners }));
    close(y, c.y, 1e-12, `${c.name} y`);
    y.backward(arr(c.v));
    close(x.grad!, c.dx, 1e-12, `${c.name} dx`);
    close(grid.grad!, c.dgrid, 1e-11, `${c.name} dgrid`);
  }
});

test("gridSample: the identity grid (alignCorners) returns the input; float32 runs in float32", () => {
  const x = randn([1, 2, 3, 4]);
  const gx = np
    .arange(4)
    .astype("float64")
    .mul(2 / 3)
    .sub(1);
  const gy = np.arange(3).astype("float64").sub(1);
  const grid = np.stack([np.broadcastTo(gx.reshape(1, 4), [3, 4]), np.broadcastTo(gy.reshape(3, 1), [3, 4])], { axis: 2 }).reshape(1, 3, 4, 2);
  const y = npx.gridSample(x, grid, { alignCorners: true }).asTypedArray();
  x.asTypedArray().forEach((v, i) => assert.ok(Math.abs(y[i]! - v) < 1e-14, `${i}: ${y[i]} vs ${v}`));
  assert.equal(npx.gridSample(x.astype("float32"), grid.astype("float32")).dtype, "float32");
});

test("gridSample gradients: gradcheck and second order in input and grid (grid points away from pixel lines)", () => {
  np.random.seed(9);
  // points at 0.37 + k·0.61 of the way: never on an integer pixel coordinate, where bilinear sampling has a kink
  const grid = new NDArray(
    Float64Array.from({ length: 12 }, (_, i) => -0.93 + ((i * 0.61) % 1.7)),
    [1, 2, 3, 2],
  );
  for (const paddingMode of ["zeros", "border"] as const) {
    gradcheck((x, g) => npx.gridSample(x, g, { paddingMode }), [randn([1, 2, 3, 4]), grid]);
    gradgradcheck((x, g) => npx.gridSample(x, g, { paddingMode, alignCorners: true }), [randn([1, 1, 3, 4]), grid]);
  }
});

test("np.take exports as Gather; npx.gridSample exports as one GridSample node", async () => {
  const x = randn([1, 2, 3, 3]).astype("float32");
  const grid = randn([1, 2, 2, 2], 0.5).astype("float32");
  class Sampler extends (await import("../../src/index.js")).nn.Block {
    forward(a: NDArray): NDArray {
      return npx.gridSample(a, grid);
    }
  }
  // one GridSample node (opset 17), equal to tconv's own result in onnxruntime
  const sampled = onnx.exportModel(new Sampler(), [[1, 2, 3, 3]], { dynamicBatch: false });
  const [fromOrt] = await runOrt(sampled, [x]);
  const own = npx.gridSample(x, grid);
  assert.equal(own.shape.join(","), "1,2,2,2");
  assert.ok(compare(fromOrt!.data, own.asTypedArray()).maxErr <= 1e-6, "GridSample re-export");
  class Taker extends (await import("../../src/index.js")).nn.Block {
    forward(a: NDArray): NDArray {
      return np.take(a, [2, 0, 2, 1], { axis: 3 });
    }
  }
  const bytes = onnx.exportModel(new Taker(), [[1, 2, 3, 3]]);
  const [got] = await runOrt(bytes, [x]);
  assert.ok(compare(got!.data, np.take(x, [2, 0, 2, 1], { axis: 3 }).asTypedArray()).maxErr === 0);
});

test("gridSample errors name the argument and the values", () => {
  const x = np.ones([1, 2, 3, 3]);
  assert.throws(() => npx.gridSample(x, np.ones([1, 2, 2, 3])), /npx\.gridSample: grid must be \[N, Ho, Wo, 2\] with N = 1, got shape \[1, ?2, ?2, ?3\]/);
  assert.throws(() => npx.gridSample(np.ones([2, 3, 3]), np.ones([2, 2, 2, 2])), /input must be 4-D \[N, C, H, W\], got shape \[2, ?3, ?3\]/);
  assert.throws(() => npx.gridSample(x, np.ones([1, 2, 2, 2]), { paddingMode: "reflection" as "zeros" }), /npx\.gridSample: paddingMode/);
  assert.throws(() => npx.gridSample(x, np.ones([1, 2, 2, 2], { dtype: "float64" })), /grid is float64 but the input is float32/);
});

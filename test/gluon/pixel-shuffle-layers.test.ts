// nn.PixelShuffle1D/2D/3D against PyTorch's documented channel order: out[c, h·r + i, w·r + j] = in[c·r² + i·r + j, h, w].
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, nn, np } from "../../src/index.js";

test("PixelShuffle2D follows PyTorch's order (CRD)", () => {
  const [N, C, r, H, W] = [2, 3, 2, 2, 3];
  const x = np.arange(N * C * r * r * H * W).reshape(N, C * r * r, H, W);
  const y = new nn.PixelShuffle2D(r).forward(x);
  assert.deepEqual(y.shape, [N, C, H * r, W * r]);
  const xs = x.tolist() as number[][][][],
    ys = y.tolist() as number[][][][];
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++)
          for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) assert.equal(ys[n]![c]![h * r + i]![w * r + j], xs[n]![c * r * r + i * r + j]![h]![w]);
});

test("PixelShuffle1D and PixelShuffle3D with per-axis factors", () => {
  const x1 = np.arange(12).reshape(1, 6, 2);
  // out[c, w·3 + i] = in[c·3 + i, w]
  assert.deepEqual(new nn.PixelShuffle1D(3).forward(x1).tolist(), [
    [
      [0, 2, 4, 1, 3, 5],
      [6, 8, 10, 7, 9, 11],
    ],
  ]);
  const x3 = np.arange(8).reshape(1, 8, 1, 1, 1);
  const y3 = new nn.PixelShuffle3D([2, 1, 4]).forward(x3);
  assert.deepEqual(y3.shape, [1, 1, 2, 1, 4]);
  // channel = (d·1 + h)·4 + w
  assert.deepEqual(y3.tolist(), [[[[[0, 1, 2, 3]], [[4, 5, 6, 7]]]]]);
});

test("PixelShuffle2D backward is the inverse permutation", () => {
  const x = np.arange(16, undefined, 1, { dtype: "float64" }).reshape(1, 4, 2, 2).attachGrad();
  const dy = np.arange(16, undefined, 1, { dtype: "float64" }).reshape(1, 1, 4, 4);
  autograd.record(() => new nn.PixelShuffle2D(2).forward(x)).backward(dy);
  const back = new nn.PixelShuffle2D(2).forward(x.grad!);
  assert.deepEqual(back.tolist(), dy.tolist());
});

test("PixelShuffle errors", () => {
  assert.throws(() => new nn.PixelShuffle2D(3).forward(np.ones([1, 12, 2, 2])), /PixelShuffle2D: channels 12 must be divisible by blockSize² = 9/);
  assert.throws(() => new nn.PixelShuffle3D([2, 2] as never).forward(np.ones([1, 8, 1, 1, 1])), /PixelShuffle3D: factor=\[2,2\] must have 3 entries/);
  assert.throws(() => new nn.PixelShuffle1D(0), /PixelShuffle1D: factor=0 must be an integer >= 1/);
  assert.throws(() => new nn.PixelShuffle2D(2).forward(np.ones([4, 2, 2])), /PixelShuffle2D: expects a 4-D input/);
});

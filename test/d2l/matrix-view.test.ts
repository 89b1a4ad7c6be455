// The matrix view: vec(conv(x)) = W·vec(x) and vec(deconvolution(y)) = Wᵀ·vec(y) for any params; overlap counts.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { d2l, np, npx, resolveConv } from "../../src/index.js";
import { maxAbsDiff, randomArray } from "../helpers/conv-direct.js";

test("convMatrix of the book's 2×2 kernel over a 3×3 input is kernel2matrix", () => {
  const K = np.array([
    [0, 1],
    [2, 3],
  ]);
  assert.deepEqual(d2l.convMatrix([1, 1, 3, 3], K.reshape(1, 1, 2, 2)).tolist(), d2l.kernel2matrix(K).tolist());
});

test("for random 1-D/2-D params, conv is a product with W and deconvolution with Wᵀ (property)", () => {
  const axis = fc.record({
    n: fc.integer({ min: 1, max: 6 }),
    k: fc.integer({ min: 1, max: 3 }),
    s: fc.integer({ min: 1, max: 3 }),
    d: fc.integer({ min: 1, max: 2 }),
    pb: fc.integer({ min: 0, max: 2 }),
    pe: fc.integer({ min: 0, max: 2 }),
  });
  fc.assert(
    fc.property(
      fc.array(axis, { minLength: 1, maxLength: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 1, max: 2 }),
      (axes, groups, cinPer, coutPer) => {
        const xShape = [1, cinPer * groups, ...axes.map((a) => a.n)];
        const wShape = [coutPer * groups, cinPer, ...axes.map((a) => a.k)];
        const options = { strides: axes.map((a) => a.s), dilation: axes.map((a) => a.d), padding: axes.map((a) => [a.pb, a.pe] as [number, number]), groups };
        let r: ReturnType<typeof resolveConv>;
        try {
          r = resolveConv("convolution", xShape, wShape, options);
        } catch {
          return; // padded input smaller than the kernel: not a valid convolution
        }
        const x = np
          .array(
            randomArray(
              xShape.reduce((p, v) => p * v, 1),
              41,
            ),
          )
          .reshape(xShape);
        const w = np
          .array(
            randomArray(
              wShape.reduce((p, v) => p * v, 1),
              42,
            ),
          )
          .reshape(wShape);
        const W = d2l.convMatrix(xShape, w, options);
        const y = npx.convolution(x, w, options);
        assert.ok(maxAbsDiff(np.dot(W, x.reshape(-1)).asTypedArray(), y.asTypedArray()) < 1e-12);
        // the same W transposed is the deconvolution with the same params back to the conv's input size
        const g = np.array(randomArray(y.size, 43)).reshape(y.shape);
        const back = npx.deconvolution(g, w, { ...options, outputShape: r.geometry.imageSize });
        assert.deepEqual(back.shape, xShape);
        assert.ok(maxAbsDiff(np.dot(W.T, g.reshape(-1)).asTypedArray(), back.asTypedArray()) < 1e-12);
      },
    ),
    { numRuns: 200 },
  );
});

test("overlap count: kernel 3, stride 2 is uneven (checkerboard); kernel 4, stride 2 is even in the interior", () => {
  // 1-D, input 4: k3 s2 writes positions 2i..2i+2 → counts 1,1,2,1,2,1,2,1,1
  assert.deepEqual(d2l.overlapCount({ kernelSize: 3, strides: 2 }, [4]).tolist(), [1, 1, 2, 1, 2, 1, 2, 1, 1]);
  // k4 s2: every interior position is reached by exactly k/s = 2 inputs
  const even = d2l.overlapCount({ kernelSize: 4, strides: 2 }, [5]).tolist() as number[];
  assert.deepEqual(even, [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1]); // (5 − 1)·2 + 4 = 12 positions
  // 2-D counts are the products of the 1-D ones
  const c2 = d2l.overlapCount({ kernelSize: 3, strides: 2 }, [3, 3]).tolist() as number[][];
  assert.deepEqual(c2[2], [2, 2, 4, 2, 4, 2, 2]);
});

test("overlap count honours padding (the crop) and dilation", () => {
  assert.deepEqual(d2l.overlapCount({ kernelSize: 4, strides: 2, padding: 1 }, [3]).tolist(), [1, 2, 2, 2, 2, 1]);
  // d 2, k 2, s 1, input 3: taps at q and q + 2 → positions 0..4 counts 1,1,2,1,1
  assert.deepEqual(d2l.overlapCount({ kernelSize: 2, dilation: 2 }, [3]).tolist(), [1, 1, 2, 1, 1]);
});

test("overlapCount rejects mismatched kernel and input ranks", () => {
  assert.throws(() => d2l.overlapCount({ kernelSize: [3, 3] }, [4]), { message: /^overlapCount: inputShape must be 1 to 3 spatial sizes/ });
});

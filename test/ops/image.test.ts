// npx.image: toTensor, normalize, fromImageData / toImageData (layout, scaling, clamping, rounding, errors).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { autograd, np, npx } from "../../src/index.js";

test("toTensor: HWC bytes → CHW float32 / 255 (MXNet's to_tensor)", () => {
  // 2×3 image, 2 channels: pixel (y, x) channel c holds 10·y + 3·x + c
  const hwc = new Uint8Array(2 * 3 * 2);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 2; c++) hwc[(y * 3 + x) * 2 + c] = 10 * y + 3 * x + c;
  const t = npx.image.toTensor(hwc, [2, 3, 2]);
  assert.deepEqual(t.shape, [2, 2, 3]);
  assert.equal(t.dtype, "float32");
  for (let c = 0; c < 2; c++)
    for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) assert.equal(t.at(c, y, x).item(), Math.fround((10 * y + 3 * x + c) / 255));
  const fromArray = npx.image.toTensor(np.array(Array.from(hwc)).reshape(2, 3, 2));
  assert.deepEqual(fromArray.tolist(), t.tolist());
});

test("toTensor: NHWC batch → NCHW, equal to the per-image results", () => {
  const bytes = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => (i * 37) % 256);
  const batch = npx.image.toTensor(bytes, [2, 2, 2, 3]);
  assert.deepEqual(batch.shape, [2, 3, 2, 2]);
  for (let n = 0; n < 2; n++) {
    const one = npx.image.toTensor(bytes.subarray(n * 12, n * 12 + 12), [2, 2, 3]);
    assert.deepEqual(batch.at(n).tolist(), one.tolist());
  }
});

test("toTensor: errors name the op and the values", () => {
  assert.throws(() => npx.image.toTensor(new Uint8Array(5), [2, 2, 1]), /npx\.image\.toTensor: shape \[2,2,1\] has 4 elements but the data has 5 bytes/);
  assert.throws(() => npx.image.toTensor(new Uint8Array(4)), /npx\.image\.toTensor: raw bytes need their shape/);
  assert.throws(() => npx.image.toTensor(np.zeros([4, 4])), /npx\.image\.toTensor: expected an image \[H, W, C\] or a batch \[N, H, W, C\], got shape \[4,4\]/);
});

test("normalize: (x − mean[c]) / std[c] per channel, CHW and NCHW", () => {
  const x = np.arange(2 * 2 * 2).reshape(2, 2, 2);
  const y = npx.image.normalize(x, [1, 2], [2, 4]);
  assert.deepEqual(y.tolist(), [
    [
      [-0.5, 0],
      [0.5, 1],
    ],
    [
      [0.5, 0.75],
      [1, 1.25],
    ],
  ]);
  const batch = npx.image.normalize(x.reshape(1, 2, 2, 2), [1, 2], [2, 4]);
  assert.deepEqual(batch.at(0).tolist(), y.tolist());
  assert.deepEqual(npx.image.normalize(x, 1, 2).tolist(), x.sub(1).div(2).tolist());
});

test("normalize: recorded by autograd, dy/dx = 1/std[c]", () => {
  const x = np.ones([3, 2, 2]);
  x.attachGrad();
  autograd.record(() => npx.image.normalize(x, [0.5, 0.5, 0.5], [0.5, 0.25, 0.125]).sum()).backward();
  assert.deepEqual(
    x.grad!.tolist(),
    [2, 4, 8].map((g) => [
      [g, g],
      [g, g],
    ]),
  );
});

test("normalize: errors", () => {
  assert.throws(() => npx.image.normalize(np.zeros([3, 2, 2]), [0, 0], 1), /npx\.image\.normalize: mean has 2 values but x has 3 channels/);
  assert.throws(() => npx.image.normalize(np.zeros([3, 2, 2]), 0, [1, 0, 1]), /npx\.image\.normalize: std \[1,0,1\] must not contain 0/);
  assert.throws(() => npx.image.normalize(np.zeros([2, 2]), 0, 1), /npx\.image\.normalize: expected \[C, H, W\] or \[N, C, H, W\], got shape \[2,2\]/);
});

test("fromImageData: RGBA bytes → [3, H, W] / 255 (alpha dropped), channels 4 and 1", () => {
  const data = Uint8ClampedArray.from([255, 0, 10, 7, 0, 51, 102, 200]); // 2×1 image
  const rgb = npx.image.fromImageData({ data, width: 2, height: 1 });
  assert.deepEqual(rgb.shape, [3, 1, 2]);
  assert.deepEqual(
    rgb.tolist(),
    [[[1, 0]], [[0, 0.2]], [[10 / 255, 0.4]]].map((c) => c.map((r) => r.map(Math.fround))),
  );
  assert.deepEqual(npx.image.fromImageData({ data, width: 2, height: 1 }, { channels: 4 }).shape, [4, 1, 2]);
  const grey = npx.image.fromImageData({ data, width: 2, height: 1 }, { channels: 1 });
  assert.ok(Math.abs(grey.at(0, 0, 0).item() - (0.299 * 255 + 0.114 * 10) / 255) < 1e-6);
  assert.throws(
    () => npx.image.fromImageData({ data, width: 2, height: 1 }, { channel: 3 } as never),
    /npx\.image\.fromImageData: unknown option 'channel' \(did you mean 'channels'\?\)/,
  );
  assert.throws(() => npx.image.fromImageData({ data, width: 3, height: 1 }), /npx\.image\.fromImageData: data has 8 bytes, a 3×1 RGBA image needs 12/);
});

test("toImageData: round(255·v) clamped to 0…255, alpha 255, grey replicated", () => {
  const x = np.array([[[-0.2, 0.5, 1.3, 0.1]], [[0, 1, 0.002, 0.998]], [[1 / 255, 2.4 / 255, 2.6 / 255, 0.5]]]); // [3, 1, 4]
  const img = npx.image.toImageData(x);
  assert.equal(img.width, 4);
  assert.equal(img.height, 1);
  assert.deepEqual(Array.from(img.data), [0, 0, 1, 255, 128, 255, 2, 255, 255, 1, 3, 255, 26, 254, 128, 255]);
  const grey = npx.image.toImageData(np.array([[[0.25]]]));
  assert.deepEqual(Array.from(grey.data), [64, 64, 64, 255]);
  const tanhRange = npx.image.toImageData(np.array([[[-1, 0, 1]]]).reshape(1, 1, 1, 3), { range: [-1, 1] });
  assert.deepEqual(Array.from(tanhRange.data), [0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
});

test("toImageData: NaN and bad shapes are errors", () => {
  assert.throws(() => npx.image.toImageData(np.array([[[0, NaN]]])), /npx\.image\.toImageData: x has NaN at channel 0, row 0, column 1/);
  assert.throws(
    () => npx.image.toImageData(np.zeros([2, 4, 4])),
    /npx\.image\.toImageData: expected \[C, H, W\] or \[1, C, H, W\] with C = 1, 3 or 4, got shape \[2,4,4\]/,
  );
  assert.throws(() => npx.image.toImageData(np.zeros([3, 1, 1]), { range: [1, 1] }), /range=\[1, 1\] must have lo < hi/);
});

test("property: toImageData(fromImageData(img)) gives back the RGB bytes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (w, h, seed) => {
      const data = Uint8ClampedArray.from({ length: 4 * w * h }, (_, i) => (i % 4 === 3 ? 255 : (seed * 31 + i * 97) & 255));
      const back = npx.image.toImageData(npx.image.fromImageData({ data, width: w, height: h }));
      assert.deepEqual(Array.from(back.data), Array.from(data));
    }),
    { numRuns: 50 },
  );
});

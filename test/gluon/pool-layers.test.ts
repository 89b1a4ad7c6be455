// nn.MaxPool*/AvgPool*/GlobalMaxPool*/GlobalAvgPool*: Gluon's defaults (strides = poolSize), ceilMode, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nn, np } from "../../src/index.js";

const f64 = { dtype: "float64" } as const;

test("MaxPool2D defaults: 2×2 windows, strides = poolSize (Gluon)", () => {
  const x = np.arange(16, undefined, 1, f64).reshape(1, 1, 4, 4);
  assert.deepEqual(new nn.MaxPool2D().forward(x).tolist(), [
    [
      [
        [5, 7],
        [13, 15],
      ],
    ],
  ]);
  assert.deepEqual(new nn.MaxPool2D({ poolSize: 3, strides: 1 }).forward(x).tolist(), [
    [
      [
        [10, 11],
        [14, 15],
      ],
    ],
  ]);
  assert.deepEqual(new nn.AvgPool2D({ poolSize: [1, 2] }).forward(x).tolist(), [
    [
      [
        [0.5, 2.5],
        [4.5, 6.5],
        [8.5, 10.5],
        [12.5, 14.5],
      ],
    ],
  ]);
});

test("ceilMode keeps the partial last window; countIncludePad chooses the divisor", () => {
  const x = np.arange(5, undefined, 1, f64).reshape(1, 1, 5);
  assert.deepEqual(new nn.MaxPool1D().forward(x).tolist(), [[[1, 3]]]);
  assert.deepEqual(new nn.MaxPool1D({ ceilMode: true }).forward(x).tolist(), [[[1, 3, 4]]]);
  assert.deepEqual(new nn.AvgPool1D({ padding: 1 }).forward(x).tolist(), [[[0, 1.5, 3.5]]]);
  assert.deepEqual(new nn.AvgPool1D({ padding: 1, countIncludePad: false }).forward(x).tolist(), [[[0, 1.5, 3.5]]]);
  assert.deepEqual(new nn.AvgPool1D({ poolSize: 3, padding: 1, strides: 2, countIncludePad: false }).forward(x).tolist(), [[[0.5, 2, 3.5]]]);
  assert.deepEqual(new nn.AvgPool1D({ poolSize: 3, padding: 1, strides: 2 }).forward(x).tolist(), [[[1 / 3, 2, 7 / 3]]]);
});

test("3-D pools and global pools, channels-first and channels-last", () => {
  const x = np.arange(2 * 4 * 4 * 4, undefined, 1, f64).reshape(1, 2, 4, 4, 4);
  assert.deepEqual(new nn.MaxPool3D().forward(x).shape, [1, 2, 2, 2, 2]);
  assert.equal(new nn.MaxPool3D().forward(x).at(0, 1, 1, 1, 1).item(), 127);
  assert.deepEqual(new nn.AvgPool3D({ poolSize: 4 }).forward(x).tolist(), [[[[[31.5]]], [[[95.5]]]]]);
  assert.deepEqual(new nn.GlobalAvgPool3D().forward(x).tolist(), [[[[[31.5]]], [[[95.5]]]]]);
  assert.deepEqual(new nn.GlobalMaxPool2D().forward(np.arange(8, undefined, 1, f64).reshape(1, 2, 2, 2)).tolist(), [[[[3]], [[7]]]]);
  assert.deepEqual(new nn.GlobalMaxPool1D({ layout: "NWC" }).forward(np.arange(6, undefined, 1, f64).reshape(1, 3, 2)).tolist(), [[[4, 5]]]);
  assert.deepEqual(new nn.GlobalAvgPool1D().forward(np.arange(6, undefined, 1, f64).reshape(1, 2, 3)).tolist(), [[[1], [4]]]);
  assert.deepEqual(new nn.GlobalAvgPool2D({ layout: "NHWC" }).forward(np.ones([2, 3, 3, 4])).shape, [2, 1, 1, 4]);
  assert.deepEqual(new nn.GlobalMaxPool3D().forward(np.ones([1, 1, 2, 2, 2])).shape, [1, 1, 1, 1, 1]);
  assert.deepEqual(new nn.MaxPool2D({ layout: "NHWC" }).forward(np.ones([1, 4, 4, 3])).shape, [1, 2, 2, 3]);
});

test("pool layer errors name the layer", () => {
  assert.throws(() => new nn.MaxPool2D({ stride: 2 } as never), /MaxPool2D: unknown option 'stride' \(did you mean 'strides'\?\)/);
  assert.throws(() => new nn.MaxPool2D({ countIncludePad: false } as never), /MaxPool2D: unknown option 'countIncludePad'/);
  assert.throws(() => new nn.AvgPool2D({ poolSize: [2, 2, 2] }), /AvgPool2D: poolSize=\[2,2,2\] must have 2 entries, one per axis/);
  assert.throws(() => new nn.MaxPool1D({ padding: 2 }), /MaxPool1D: padding=2 must be smaller than poolSize=2 on every axis/);
  assert.throws(() => new nn.MaxPool2D({ layout: "NCW" }), /MaxPool2D: layout="NCW" is not one of "NCHW", "NHWC"/);
  assert.throws(() => new nn.GlobalAvgPool2D({ poolSize: 2 } as never), /GlobalAvgPool2D: unknown option 'poolSize'; known options are layout/);
  assert.throws(
    () => new nn.MaxPool2D({ poolSize: 3 }).forward(np.ones([1, 1, 2, 2])),
    /MaxPool2D: window 3 on spatial axis 0 is larger than the input 2 padded to 2/,
  );
  assert.throws(() => new nn.MaxPool2D().forward(np.ones([1, 2, 2])), /MaxPool2D: expects a 4-D input \(NCHW\), got shape \[1,2,2\]/);
});

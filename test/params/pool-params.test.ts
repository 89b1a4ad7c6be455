// resolvePooling: output sizes of both conventions, folding to three spatial axes, layouts, global pooling, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { resolvePooling } from "../../src/params/pool-params.js";

test("valid and full conventions: ⌊ or ⌈(n + 2p − k)/s⌉ + 1 windows", () => {
  assert.deepEqual(resolvePooling("p", [1, 1, 7], { kernel: 2, stride: 2 }).outputShape, [1, 1, 3]);
  assert.deepEqual(resolvePooling("p", [1, 1, 7], { kernel: 2, stride: 2, poolingConvention: "full" }).outputShape, [1, 1, 4]);
  assert.deepEqual(resolvePooling("p", [1, 1, 6], { kernel: 3, stride: 2, pad: 1 }).outputShape, [1, 1, 3]);
  // full would give ⌈5/2⌉ + 1 = 4 windows; the 4th starts at 5 = n (in the end padding) and is dropped
  assert.deepEqual(resolvePooling("p", [1, 1, 5], { kernel: 2, stride: 2, pad: 1, poolingConvention: "full" }).outputShape, [1, 1, 3]);
});

test("1-D and 2-D fold to three axes with leading 1s; channels-last layouts read channels last", () => {
  const g = resolvePooling("p", [2, 5, 6, 3], { kernel: [2, 3], stride: [2, 1], layout: "NHWC" });
  assert.equal(g.channels, 3);
  assert.equal(g.channelsLast, true);
  assert.deepEqual(
    [g.inSize, g.outSize, g.kernel, g.stride, g.pad],
    [
      [1, 5, 6],
      [1, 2, 4],
      [1, 2, 3],
      [1, 2, 1],
      [0, 0, 0],
    ],
  );
  assert.deepEqual(g.outputShape, [2, 2, 4, 3]);
  const one = resolvePooling("p", [1, 4, 9], { kernel: 3 });
  assert.deepEqual(
    [one.inSize, one.outSize],
    [
      [1, 1, 9],
      [1, 1, 7],
    ],
  );
});

test("globalPool takes the whole spatial extent and ignores nothing else given", () => {
  const g = resolvePooling("p", [2, 3, 4, 5, 6], { globalPool: true, poolType: "avg" });
  assert.deepEqual(
    [g.kernel, g.stride, g.pad, g.outputShape],
    [
      [4, 5, 6],
      [1, 1, 1],
      [0, 0, 0],
      [2, 3, 1, 1, 1],
    ],
  );
});

test("errors name the caller", () => {
  assert.throws(() => resolvePooling("MaxPool2D", [1, 1, 3, 3], { kernel: 4 }), /MaxPool2D: window 4 on spatial axis 0 is larger than the input 3 padded to 3/);
  assert.throws(() => resolvePooling("p", [1, 1, 0], { kernel: 1 }), /p: input shape \[1,1,0\] has an empty spatial axis/);
  assert.throws(() => resolvePooling("p", [1, 1, 3], { kernel: 1, stride: 0 }), /p: stride=0 must be an integer >= 1/);
  assert.throws(() => resolvePooling("p", [1, 1, 3], { kernel: 1, pool_type: "max" }), /p: unknown option 'pool_type' \(did you mean 'poolType'\?\)/);
});

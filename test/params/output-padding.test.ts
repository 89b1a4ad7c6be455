// outputPaddingFor: the outputPadding that restores a conv's input size, against the shape formulas, and its reason.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { np, npx, outputPaddingFor } from "../../src/index.js";

test("outputPaddingFor: a stride-2 k3 p1 conv maps 7 and 8 to 4; 8 needs outputPadding 1", () => {
  const a = outputPaddingFor({ kernelSize: 3, strides: 2, padding: 1 }, [8, 7]);
  assert.deepEqual(a.outputPadding, [1, 0]);
  assert.deepEqual(a.convOutputShape, [4, 4]);
  assert.equal(
    a.reason,
    "On axis 0 the stride-2 convolution maps every input size from 7 to 8 to 4 outputs and its transpose rebuilds (4 − 1)·2 − 2 + 3 = 7, so outputPadding 1 adds the missing position to reach 8.",
  );
  assert.match(outputPaddingFor({ kernelSize: 2, strides: 2 }, [8]).reason, /^outputPadding 0 suffices/);
});

test("outputPaddingFor restores the size through npx.deconvolution for random geometries", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 12 }),
      (k, s, d, p, extra) => {
        const n = Math.max(1, d * (k - 1) + 1 - 2 * p) + extra;
        const { outputPadding, convOutputShape } = outputPaddingFor({ kernelSize: k, strides: s, dilation: d, padding: p }, [n]);
        const y = npx.convolution(np.ones([1, 1, n]), np.ones([1, 1, k]), { strides: s, dilation: d, padding: p });
        assert.deepEqual(y.shape.slice(2), convOutputShape);
        assert.ok(outputPadding[0]! >= 0 && outputPadding[0]! < s);
        const back = npx.deconvolution(y, np.ones([1, 1, k]), { strides: s, dilation: d, padding: p, outputPadding });
        assert.deepEqual(back.shape.slice(2), [n]);
      },
    ),
    { numRuns: 300, seed: 2 },
  );
});

test("outputPaddingFor errors name the function and the argument", () => {
  assert.throws(
    () => outputPaddingFor({ kernelSize: 3 }, [] as number[]),
    /outputPaddingFor: inputShape must be the convolution's 1 to 3 spatial sizes, got \[\]/,
  );
  assert.throws(() => outputPaddingFor({ kernelSize: [3, 3] }, [5]), /outputPaddingFor: kernelSize=\[3,3\] must be a number or 1 numbers/);
  assert.throws(
    () => outputPaddingFor({ kernelSize: 3, padding: 3, paddingMode: "reflect" }, [3]),
    /convolution: paddingMode "reflect" needs padding < the input size/,
  );
});

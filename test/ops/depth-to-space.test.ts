// npx.depthToSpace / npx.spaceToDepth: ONNX's reshape–transpose definition in both modes, inverse property, errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { type NDArray, np, npx } from "../../src/index.js";

/** ONNX DepthToSpace by its specification: reshape, transpose, reshape (DCR or CRD). */
function onnxDepthToSpace(x: NDArray, bs: number, mode: "DCR" | "CRD"): NDArray {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  const t =
    mode === "DCR"
      ? x.reshape(b, bs, bs, c / (bs * bs), h, w).transpose(0, 3, 4, 1, 5, 2)
      : x.reshape(b, c / (bs * bs), bs, bs, h, w).transpose(0, 1, 4, 2, 5, 3);
  return t.copy().reshape(b, c / (bs * bs), h * bs, w * bs);
}

test("depthToSpace equals ONNX's reshape–transpose definition in DCR (MXNet's) and CRD (PyTorch's) modes", () => {
  const x = np.arange(2 * 12 * 2 * 3).reshape(2, 12, 2, 3);
  for (const mode of ["DCR", "CRD"] as const) assert.deepEqual(npx.depthToSpace(x, 2, { mode }).tolist(), onnxDepthToSpace(x, 2, mode).tolist(), mode);
  assert.deepEqual(npx.depthToSpace(x, 2).tolist(), onnxDepthToSpace(x, 2, "DCR").tolist(), "DCR by default");
});

test("the ONNX DepthToSpace example (CRD, blocksize 2)", () => {
  // onnx/docs/Operators.md, DepthToSpace "crd_mode_example": x = arange(16).reshape(1, 8, 1, 2)... checked by hand:
  // out[0, c, i, 2w + j] = x[0, c·4 + i·2 + j, 0, w]
  const x = np.arange(16).reshape(1, 8, 1, 2);
  assert.deepEqual(npx.depthToSpace(x, 2, { mode: "CRD" }).tolist(), [
    [
      [
        [0, 2, 1, 3],
        [4, 6, 5, 7],
      ],
      [
        [8, 10, 9, 11],
        [12, 14, 13, 15],
      ],
    ],
  ]);
});

test("property: spaceToDepth inverts depthToSpace (and the other way round) in both modes", () => {
  fc.assert(
    fc.property(
      fc.record({
        n: fc.integer({ min: 1, max: 2 }),
        c: fc.integer({ min: 1, max: 3 }),
        b: fc.integer({ min: 1, max: 3 }),
        h: fc.integer({ min: 1, max: 3 }),
        w: fc.integer({ min: 1, max: 3 }),
        mode: fc.constantFrom("DCR" as const, "CRD" as const),
      }),
      ({ n, c, b, h, w, mode }) => {
        const x = np.random.normal({ size: [n, c * b * b, h, w], dtype: "float64" });
        const y = npx.depthToSpace(x, b, { mode });
        assert.deepEqual(y.shape, [n, c, h * b, w * b]);
        assert.deepEqual(npx.spaceToDepth(y, b, { mode }).tolist(), x.tolist());
        assert.deepEqual(y.tolist(), onnxDepthToSpace(x, b, mode).tolist());
        const s = np.random.normal({ size: [n, c, h * b, w * b], dtype: "float64" });
        assert.deepEqual(npx.depthToSpace(npx.spaceToDepth(s, b, { mode }), b, { mode }).tolist(), s.tolist());
      },
    ),
    { numRuns: 60, seed: 9 },
  );
});

test("depthToSpace / spaceToDepth errors", () => {
  assert.throws(() => npx.depthToSpace(np.ones([1, 12, 2, 2]), 3), /depthToSpace: channels 12 must be divisible by blockSize² = 9/);
  assert.throws(() => npx.depthToSpace(np.ones([12, 2, 2]), 2), /depthToSpace: expects a 4-D input \(N, C, 2 spatial axes\), got shape \[12,2,2\]/);
  assert.throws(() => npx.depthToSpace(np.ones([1, 4, 2, 2]), 0), /depthToSpace: blockSize=0 must be an integer >= 1/);
  assert.throws(() => npx.depthToSpace(np.ones([1, 4, 2, 2]), 2, { mode: "dcr" as never }), /depthToSpace: mode="dcr" is not one of "DCR", "CRD"/);
  assert.throws(
    () => npx.spaceToDepth(np.ones([1, 1, 3, 4]), 2),
    /spaceToDepth: spatial size 3 \(axis 2 of shape \[1,1,3,4\]\) must be divisible by the block size 2/,
  );
});

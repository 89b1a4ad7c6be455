// ONNX Resize in the importer: a two-axis linear resize gives its first pass's array back to the forward's recycling
// scope, and reusing it changes no result.
import { test } from "node:test";
import assert from "node:assert/strict";
import { autograd, type NDArray, np } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import type { RecycleScope } from "../../src/ndarray/recycle.js";
import { againstOrt, attr, buildModel } from "../helpers/onnx-models.js";

/** x [1, 2, 4, 5] → two bilinear Resizes of the same sizes (their first passes are the same length) → Add. */
function twoResizes(): Uint8Array {
  return buildModel({
    nodes: [
      { op: "Resize", inputs: ["x", "", "", "sizes"], outputs: ["a"], attrs: [attr.str("mode", "linear")] },
      {
        op: "Resize",
        inputs: ["x", "", "", "sizes"],
        outputs: ["b"],
        attrs: [attr.str("mode", "linear"), attr.str("coordinate_transformation_mode", "align_corners")],
      },
      { op: "Add", inputs: ["a", "b"], outputs: ["y"] },
    ],
    inputs: [{ name: "x", shape: [1, 2, 4, 5] }],
    outputs: ["y"],
    initializers: [{ name: "sizes", shape: [4], data: [1, 2, 9, 13], type: 7 }],
  });
}

test("Resize (two axes, unobserved): the first pass's array goes back to the recycling scope, and the results equal onnxruntime's and the recorded run's bit for bit on every forward", async () => {
  const bytes = twoResizes();
  await againstOrt(bytes, [1, 2, 4, 5], "two bilinear Resizes");
  const net = onnx.importToGluon(bytes);
  const scope = (net as unknown as { recycler: RecycleScope }).recycler;
  np.random.seed(3);
  const x = np.random.uniform({ low: -2, high: 2, size: [1, 2, 4, 5] });
  const recorded = autograd.record(() => net.forward(x) as NDArray).asTypedArray();
  const before = scope.reused;
  for (let k = 0; k < 3; k++) {
    const y = (net.forward(x) as NDArray).asTypedArray();
    for (let i = 0; i < recorded.length; i++) assert.ok(Object.is(y[i], recorded[i]), `forward ${k}, [${i}]: ${y[i]} vs ${recorded[i]}`);
  }
  // the Resizes' outputs a and b, from the second forward on: 2·2; their first passes: the second Resize's in the first
  // forward takes the first's array, both in each later forward: 1 + 2·2 (without giving them back: 4 in all)
  assert.ok(scope.reused - before >= 9, `arrays reused: ${scope.reused - before}`);
});

// The importer's Conv / ConvTranspose step: options and the output-size check built once per input and weight shapes,
// and built again (checks included) whenever a shape changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np, npx } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { attr, buildModel } from "../helpers/onnx-models.js";

test("imported Conv on alternating input shapes (symbolic dims): each forward equals npx.convolution on that shape, and a shape the node cannot take still throws after good calls", () => {
  const w = Array.from({ length: 4 * 2 * 3 * 3 }, (_, i) => Math.sin(i) * 0.5);
  const bytes = buildModel({
    nodes: [{ op: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attrs: [attr.ints("strides", [2, 1]), attr.ints("pads", [1, 0, 1, 2])] }],
    inputs: [{ name: "x", shape: [null, null, null, null] }],
    outputs: ["y"],
    initializers: [
      { name: "w", shape: [4, 2, 3, 3], data: w },
      { name: "b", shape: [4], data: [0.5, -1, 0.25, 2] },
    ],
  });
  const net = onnx.importToGluon(bytes);
  const wArr = np.array(w).reshape([4, 2, 3, 3]).astype("float32"),
    bArr = np.array([0.5, -1, 0.25, 2]).astype("float32");
  np.random.seed(9);
  const shapes = [
    [1, 2, 7, 6],
    [2, 2, 5, 9],
    [1, 2, 7, 6],
    [1, 2, 7, 6],
    [2, 2, 5, 9],
  ];
  for (const s of shapes) {
    const x = np.random.uniform({ low: -1, high: 1, size: s });
    const got = net.forward(x) as NDArray;
    const want = npx.convolution(x, wArr, {
      strides: [2, 1],
      padding: [
        [1, 1],
        [0, 2],
      ],
      bias: bArr,
    });
    assert.deepEqual(got.shape, want.shape, `shape for input [${s.join(",")}]`);
    const g = got.asTypedArray(),
      e = want.asTypedArray();
    for (let i = 0; i < e.length; i++) assert.ok(Object.is(g[i], e[i]), `input [${s.join(",")}] [${i}]: ${g[i]} vs ${e[i]}`);
  }
  // shapes the node cannot take, after good calls: the node's own errors, not a result from the remembered options
  assert.throws(() => net.forward(np.zeros([1, 3, 7, 6])), /Conv.*channel/);
  assert.ok((net.forward(np.zeros([1, 2, 7, 6])) as NDArray).shape.join() === "1,4,4,6");
});

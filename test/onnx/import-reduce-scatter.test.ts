// ONNX ReduceProd (import and export) and ScatterND (import) against onnxruntime-node, with gradients through both;
// Split and ReduceProd of int64 shape tensors stay int64; Pad beyond one reflection is refused both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np } from "../../src/index.js";
import { Block } from "../../src/gluon/block.js";
import { onnx } from "../../src/onnx/index.js";
import { againstOrt, attr, buildModel, checkGradients, type InitSpec, type NodeSpec } from "../helpers/onnx-models.js";

const rows = (shape: number[], data: number[]): InitSpec => ({ name: "i", shape, data, type: 7 });

test("ReduceProd: axes attribute (opset 13) and input (opset 18), keepdims, noop_with_empty_axes, int64 shape arithmetic (ReduceSum too) equal onnxruntime; re-exported too", async () => {
  const cases: [number, NodeSpec, InitSpec[]][] = [
    [13, { op: "ReduceProd", inputs: ["x"], outputs: ["y"], attrs: [attr.ints("axes", [1, -1]), attr.int("keepdims", 0)] }, []],
    [13, { op: "ReduceProd", inputs: ["x"], outputs: ["y"] }, []],
    [18, { op: "ReduceProd", inputs: ["x", "axes"], outputs: ["y"] }, [{ name: "axes", shape: [1], data: [0], type: 7 }]],
    [18, { op: "ReduceProd", inputs: ["x"], outputs: ["y"], attrs: [attr.int("noop_with_empty_axes", 1)] }, []],
    [18, { op: "ReduceProd", inputs: ["x"], outputs: ["y"], attrs: [attr.int("keepdims", 0)] }, []],
  ];
  for (const [opset, node, initializers] of cases) {
    const bytes = buildModel({ opset, nodes: [node], inputs: [{ name: "x", shape: [2, 3, 2] }], outputs: ["y"], initializers });
    const what = `ReduceProd opset ${opset} ${JSON.stringify(node.attrs?.map((a) => a.name) ?? [])}`;
    await againstOrt(bytes, [2, 3, 2], what);
    await againstOrt(onnx.exportModel(onnx.importToGluon(bytes), [[2, 3, 2]], { dynamicBatch: false }), [2, 3, 2], `${what} re-exported`);
  }
  // an element count from Shape (int64) stays an integer: x · (2·3·2), and ReduceSum's x · (2 + 3 + 2)
  for (const [op, factor] of [
    ["ReduceProd", 12],
    ["ReduceSum", 7],
  ] as const) {
    const count = buildModel({
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["s"] },
        { op, inputs: ["s"], outputs: ["n"], attrs: [attr.int("keepdims", 1)] },
        { op: "Cast", inputs: ["n"], outputs: ["nf"], attrs: [attr.int("to", 1)] },
        { op: "Mul", inputs: ["x", "nf"], outputs: ["y"] },
      ],
      inputs: [{ name: "x", shape: [2, 3, 2] }],
      outputs: ["y"],
    });
    await againstOrt(count, [2, 3, 2], `${op} of a Shape`);
    assert.deepEqual(
      (
        onnx
          .importToGluon(count)
          .run(np.ones([2, 3, 2]))[0]!
          .tolist() as number[][][]
      )[1],
      [
        [factor, factor],
        [factor, factor],
        [factor, factor],
      ],
    );
  }
});

test("gradcheck: Mul by a parameter holding zeros → ReduceProd over the slices that hold one and two zeros", () => {
  const bytes = buildModel({
    nodes: [
      { op: "Mul", inputs: ["x", "w"], outputs: ["m"] },
      { op: "ReduceProd", inputs: ["m"], outputs: ["y"], attrs: [attr.ints("axes", [1])] },
    ],
    inputs: [{ name: "x", shape: [3, 4] }],
    outputs: ["y"],
    // row 0 no zero, row 1 one zero, row 2 two zeros
    initializers: [{ name: "w", shape: [3, 4], data: [1.5, -0.5, 2, 0.75, 1, 0, -1.25, 2, 0, 1.5, 0, -2] }],
    opset: 13,
  });
  checkGradients(bytes, [3, 4], ["w"]);
});

test("ScatterND: reduction none (slices and elements), add and mul with repeated indices (opset 16), negative indices equal onnxruntime", async () => {
  const cases: [number, string, number[], number[], InitSpec[]][] = [
    // data [4,3,2]; indices [2,1] pick whole [3,2] slices (rows 3 and 0)
    [13, "none", [4, 3, 2], [2, 1], [rows([2, 1], [3, 0])]],
    // indices [3,2]: three [2]-rows of data, one by a negative index
    [13, "none", [4, 3, 2], [3, 2], [rows([3, 2], [0, 1, 2, -1, 3, 0])]],
    // a full index: single elements, one written twice
    [16, "add", [4, 3, 2], [2, 2, 3], [rows([2, 2, 3], [1, 2, 0, 3, 0, 1, 1, 2, 0, 2, 2, 1])]],
    [16, "mul", [4, 3, 2], [4, 2], [rows([4, 2], [1, 2, 1, 2, 0, 0, 1, 2])]],
  ];
  for (const [opset, reduction, dataShape, idxShape, inits] of cases) {
    const k = idxShape[idxShape.length - 1]!;
    const updShape = [...idxShape.slice(0, -1), ...dataShape.slice(k)];
    const n = updShape.reduce((p, d) => p * d, 1);
    const bytes = buildModel({
      opset,
      nodes: [{ op: "ScatterND", inputs: ["x", "i", "u"], outputs: ["y"], attrs: reduction === "none" ? [] : [attr.str("reduction", reduction)] }],
      inputs: [{ name: "x", shape: dataShape }],
      outputs: ["y"],
      initializers: [...inits, { name: "u", shape: updShape, data: Array.from({ length: n }, (_, j) => 0.5 + ((j * 7) % 5) * 0.3 - (j % 2)) }],
    });
    await againstOrt(bytes, dataShape, `ScatterND ${reduction} indices [${idxShape.join(",")}]`);
    checkGradients(bytes, dataShape, ["u"]);
  }
});

test("ScatterND refuses repeated indices with reduction none, max/min, bad shapes and out-of-range indices, naming the node", () => {
  const model = (idx: InitSpec, updShape: number[], attrs = [] as NodeSpec["attrs"], opset = 16) =>
    buildModel({
      opset,
      nodes: [{ op: "ScatterND", inputs: ["x", "i", "u"], outputs: ["y"], attrs, name: "sc" }],
      inputs: [{ name: "x", shape: [4, 3] }],
      outputs: ["y"],
      initializers: [idx, { name: "u", shape: updShape, data: new Array<number>(updShape.reduce((p, d) => p * d, 1)).fill(1) }],
    });
  const run = (bytes: Uint8Array) => onnx.importToGluon(bytes).run(np.zeros([4, 3]));
  assert.throws(
    () => run(model(rows([3, 1], [2, 0, 2]), [3, 3])),
    /onnx node 'sc' \(ScatterND\): indices entries 0 and 2 name the same slice; with reduction "none" ONNX leaves the result undefined, so tconv refuses/,
  );
  assert.throws(
    () => run(model(rows([1, 1], [0]), [1, 3], [attr.str("reduction", "max")], 18)),
    /'sc' \(ScatterND\): attribute reduction="max" is not supported/,
  );
  assert.throws(() => run(model(rows([1, 1], [4]), [1, 3])), /'sc' \(ScatterND\): index 4 of indices entry 0 is out of range for axis 0 of length 4/);
  assert.throws(() => run(model(rows([1, 1], [0]), [1, 2])), /'sc' \(ScatterND\): updates have shape \[1,2\]; indices \[1,1\] and data \[4,3\] need \[1,3\]/);
  assert.throws(() => run(model(rows([1, 3], [0, 0, 0]), [1])), /'sc' \(ScatterND\): indices of shape \[1,3\] must end in an axis of length 1 to 2/);
});

test("Split of an int64 shape tensor keeps int64 pieces: Shape → Split → Concat → Reshape equals onnxruntime", async () => {
  for (const [opset, node, inits] of [
    [13, { op: "Split", inputs: ["s", "sizes"], outputs: ["lead", "rest"] }, [{ name: "sizes", shape: [2], data: [1, 2], type: 7 }]],
    [11, { op: "Split", inputs: ["s"], outputs: ["lead", "rest"], attrs: [attr.ints("split", [1, 2])] }, []],
  ] as [number, NodeSpec, InitSpec[]][]) {
    // [2,3,4] → Shape [2,3,4] → [2] and [3,4] → ReduceProd [12] → Concat [2,12] → Reshape: a reshape needs int64 pieces
    const bytes = buildModel({
      opset,
      nodes: [
        { op: "Shape", inputs: ["x"], outputs: ["s"] },
        node,
        { op: "ReduceProd", inputs: ["rest"], outputs: ["n"], attrs: [attr.int("keepdims", 1)] },
        { op: "Concat", inputs: ["lead", "n"], outputs: ["shape"], attrs: [attr.int("axis", 0)] },
        { op: "Reshape", inputs: ["x", "shape"], outputs: ["y"] },
      ],
      inputs: [{ name: "x", shape: [2, 3, 4] }],
      outputs: ["y"],
      initializers: inits,
    });
    await againstOrt(bytes, [2, 3, 4], `Split int64 opset ${opset}`);
    assert.deepEqual(onnx.importToGluon(bytes).run(np.zeros([2, 3, 4]))[0]!.shape, [2, 12]);
  }
});

test("Pad reflect / wrap beyond one reflection or wrap: import refuses (onnxruntime refuses or fills it wrongly) and export of np.pad's repetition refuses", () => {
  for (const [mode, opset, pads] of [
    ["reflect", 17, [0, 3, 0, 1]],
    ["wrap", 19, [0, 1, 0, 4]],
  ] as const) {
    const bytes = buildModel({
      opset,
      nodes: [{ op: "Pad", inputs: ["x", "pads"], outputs: ["y"], attrs: [attr.str("mode", mode)], name: "p" }],
      inputs: [{ name: "x", shape: [1, 3] }],
      outputs: ["y"],
      initializers: [{ name: "pads", shape: [4], data: [...pads], type: 7 }],
    });
    assert.throws(
      () => onnx.importToGluon(bytes).run(np.ones([1, 3])),
      new RegExp(`onnx node 'p' \\(Pad\\): mode="${mode}" pads \\[${pads[1]}, ${pads[3]}\\] on axis 1 of length 3 go beyond one`),
    );
  }
  class LongReflect extends Block {
    constructor() {
      super("longreflect");
    }
    forward(x: NDArray): NDArray {
      return np.pad(
        x,
        [
          [0, 0],
          [4, 1],
        ],
        { mode: "reflect" },
      );
    }
  }
  const net = new LongReflect();
  assert.throws(
    () => onnx.exportModel(net, [[1, 3]]),
    /reflect pads \[4, 1\] on axis 1 of length 3 repeat the reflection, which ONNX Pad \(onnxruntime\) does not run/,
  );
});

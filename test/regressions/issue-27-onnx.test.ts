// Regression tests of issue 27 item 1 (ONNX import that cannot abort, validated like onnxruntime, ONNX semantics).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs";
import { type NDArray, nn, np } from "../../src/index.js";
import { onnx } from "../../src/onnx/index.js";
import { decodeModel, encodeModel, writeTensor, type AttributeRecord } from "../../src/onnx/proto.js";
import { attr, buildModel, compare, type InitSpec, type NodeSpec, runOrt } from "../helpers/onnx-models.js";
import { describe, runChild } from "../helpers/child.js";

/** The built tconv/onnx entry, for children (ONNX is its own entry, apart from dist/index.js). */
const DIST_ONNX = JSON.stringify(new URL("../../dist/onnx/index.js", import.meta.url).href);

/** An OnnxBlock's forward gives one array for one graph output; these tests have one. */
const single = (r: NDArray | NDArray[]): NDArray => {
  assert.ok(!Array.isArray(r), "one graph output expected");
  return r;
};
const values = (a: NDArray | NDArray[]) => Array.from(single(a).asTypedArray());

/** Imports `bytes` and runs forward on zeros of `shape` in a child with a 256 MB heap and a watchdog; prints the outcome. */
async function importInChild(bytes: Uint8Array, shape: number[], timeoutMs = 30000) {
  const dir = mkdtempSync(join(tmpdir(), "tconv-27-onnx-"));
  const file = join(dir, "m.onnx");
  writeFileSync(file, bytes);
  try {
    const r = await runChild(
      `import { readFileSync } from "node:fs";
const { onnx } = await import(${DIST_ONNX});
try {
  const b = onnx.importToGluon(new Uint8Array(readFileSync(${JSON.stringify(file)})));
  b.forward(tconv.np.zeros(${JSON.stringify(shape)}));
  console.log("OK");
} catch (e) { console.log("ERR " + e.message); }`,
      { heapMb: 256, timeoutMs },
    );
    assert.equal(r.status, 0, describe(r));
    return r.stdout.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Does onnxruntime-node refuse the model (at session creation or on a run with zeros of `shape`)? */
async function ortRefuses(bytes: Uint8Array, shape: number[]): Promise<boolean> {
  try {
    await runOrt(bytes, [np.zeros(shape)]);
    return false;
  } catch {
    return true;
  }
}

const x4 = { name: "x", shape: [1, 1, 4, 4] };
const model = (nodes: NodeSpec[], initializers: InitSpec[] = [], opset = 17) =>
  buildModel({ nodes, inputs: [x4], outputs: [nodes[nodes.length - 1]!.outputs[0]!], initializers, opset });

test("1a: an int64 broadcast Add to 16384×16384 is refused naming the node (was: V8 heap out of memory, a process abort)", async () => {
  const bytes = model(
    [
      { op: "Add", name: "big_add", inputs: ["a", "b"], outputs: ["c"] },
      { op: "Cast", name: "cast", inputs: ["c"], outputs: ["d"], attrs: [attr.int("to", 1)] },
      { op: "Add", name: "out", inputs: ["x", "d"], outputs: ["y"] },
    ],
    [
      { name: "a", shape: [16384, 1], data: new Array(16384).fill(1), type: 7 },
      { name: "b", shape: [1, 16384], data: new Array(16384).fill(2), type: 7 },
    ],
  );
  const out = await importInChild(bytes, [1, 1, 4, 4]);
  assert.match(out, /^ERR .*node 'big_add' \(Add\).*int64 result \[16384,16384\] would have 268435456 elements, more than the 1048576/);
});

test("1b: a Concat of one int64 tensor listed 5,000 times is refused naming the node (was: heap out of memory)", async () => {
  const bytes = model(
    [
      { op: "Concat", name: "cat", inputs: new Array<string>(5000).fill("a"), outputs: ["c"], attrs: [attr.int("axis", 0)] },
      { op: "Cast", name: "cast", inputs: ["c"], outputs: ["d"], attrs: [attr.int("to", 1)] },
      { op: "Add", name: "out", inputs: ["x", "d"], outputs: ["y"] },
    ],
    [{ name: "a", shape: [1000], data: new Array(1000).fill(3), type: 7 }],
  );
  const out = await importInChild(bytes, [1, 1, 4, 4]);
  assert.match(out, /^ERR .*node 'cat' \(Concat\).*int64 Concat result \[5000000\] would have 5000000 elements/);
});

test("1c: a float broadcast to 2^32 elements is refused naming the node (was: Array buffer allocation failed)", async () => {
  const bytes = model(
    [
      { op: "Mul", name: "huge", inputs: ["a", "b"], outputs: ["c"] },
      { op: "Add", name: "out", inputs: ["x", "c"], outputs: ["y"] },
    ],
    [
      { name: "a", shape: [65536, 1], data: new Float32Array(65536) },
      { name: "b", shape: [1, 65536], data: new Float32Array(65536) },
    ],
  );
  const out = await importInChild(bytes, [1, 1, 4, 4]);
  assert.match(out, /^ERR .*node 'huge' \(Mul\): the broadcast result \[65536,65536\] has 4294967296 elements, more than the 268435456/);
});

test("1d: 20,000 initializers with dotted names import in linear time (was: 27–93 s), each keyed by its own name", async () => {
  // watchdog, not a timing claim: quadratic sibling search took ≥ 27 s here; linear work is well under a second
  const r = await runChild(
    `const { encodeModel, writeTensor } = await import(${JSON.stringify(new URL("../../dist/onnx/proto.js", import.meta.url).href)});
const init = [], nodes = [];
for (let i = 0; i < 20000; i++) init.push(writeTensor("blocks." + i + ".bias", [1], [i], 1));
const bytes = encodeModel({ ir_version: 8, opset_import: [{ domain: "", version: 17 }], graph: { name: "g",
  node: [{ name: "n", op_type: "Add", input: ["x", "blocks.19999.bias"], output: ["y"], attribute: [] }], initializer: init,
  input: [{ name: "x", type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 1 }] } } } }],
  output: [{ name: "y", type: { tensor_type: { elem_type: 1 } } }] } });
const { onnx } = await import(${DIST_ONNX});
const b = onnx.importToGluon(bytes);
const keys = b.collectParams().keys();
console.log(keys.length, keys.includes("blocks.123.bias"), b.forward(tconv.np.array([1])).item());`,
    { heapMb: 512, timeoutMs: 20000 },
  );
  assert.equal(r.status, 0, describe(r));
  assert.equal(r.stdout.trim(), "20000 true 20000");
});

test("1e: a 5,000-level dotted initializer name imports and is collected without overflowing the stack", async () => {
  const name = Array.from({ length: 5000 }, (_, i) => `s${i}`).join(".");
  const bytes = model([{ op: "Add", name: "add", inputs: ["x", name], outputs: ["y"] }], [{ name, shape: [1], data: [2] }]);
  const out = await importInChild(bytes, [1, 1, 4, 4]);
  assert.equal(out, "OK");
  const b = onnx.importToGluon(bytes);
  const keys = b.collectParams().keys();
  assert.equal(keys.length, 1);
  assert.deepEqual(values(b.forward(np.zeros([1, 1, 4, 4]))), new Array(16).fill(2));
});

test("1f: an initializer with dims [0] and no data is an empty tensor (was: TypeError: Cannot convert undefined or null)", async () => {
  const bytes = encodeModel({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: {
      name: "g",
      node: [{ name: "cat", op_type: "Concat", input: ["x", "e"], output: ["y"], attribute: [attr.int("axis", 0)] }],
      initializer: [{ name: "e", dims: [0], data_type: 1 }],
      input: [{ name: "x", type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_value: 3 }] } } } }],
      output: [{ name: "y", type: { tensor_type: { elem_type: 1 } } }],
    },
  });
  const want = await runOrt(bytes, [np.array([1, 2, 3])]);
  // kept as an empty constant (a Parameter of shape [0] would read as deferred)
  const got = values(onnx.importToGluon(bytes).forward(np.array([1, 2, 3])));
  assert.deepEqual(got, Array.from(want[0]!.data));
});

test("1g: distinct ONNX names a..b and a__b stay two parameters (was: registerParameter: already registered)", () => {
  const bytes = model(
    [
      { op: "Add", name: "p", inputs: ["x", "a..b"], outputs: ["t"] },
      { op: "Add", name: "q", inputs: ["t", "a__b"], outputs: ["y"] },
    ],
    [
      { name: "a..b", shape: [1], data: [1] },
      { name: "a__b", shape: [1], data: [10] },
    ],
  );
  const b = onnx.importToGluon(bytes);
  const own = b
    .collectParams()
    .values()
    .map((p: { name: string }) => p.name);
  assert.equal(new Set(own).size, 2, `own names ${own.join(", ")}`);
  assert.deepEqual(values(b.forward(np.zeros([1, 1, 4, 4]))), new Array(16).fill(11));
});

test("1h: models onnxruntime refuses are refused too: node inputs/outputs, attributes, node names, ir_version, opset", async () => {
  const w = { name: "w", shape: [1, 1, 3, 3], data: new Float32Array(9).fill(1) };
  const raw = (
    graphNodes: { name: string; op_type: string; input: string[]; output: string[]; attribute: AttributeRecord[] }[],
    extra: { ir_version?: number; opset?: number | null } = {},
  ) =>
    encodeModel({
      ...(extra.ir_version === undefined ? { ir_version: 8 } : extra.ir_version < 0 ? {} : { ir_version: extra.ir_version }),
      opset_import: extra.opset === null ? [] : [{ domain: "", version: extra.opset ?? 17 }],
      graph: {
        name: "g",
        node: graphNodes,
        initializer: [writeTensor("w", w.shape, w.data, 1)],
        input: [{ name: "x", type: { tensor_type: { elem_type: 1, shape: { dim: x4.shape.map((d) => ({ dim_value: d })) } } } }],
        output: [{ name: "y", type: { tensor_type: { elem_type: 1 } } }],
      },
    });
  const relu = (extraAttrs: AttributeRecord[] = [], inputs = ["x"], outputs = ["y"]) => [
    { name: "r", op_type: "Relu", input: inputs, output: outputs, attribute: extraAttrs },
  ];
  const cases: [string, Uint8Array, RegExp][] = [
    ["an extra node input", raw(relu([], ["x", "w"])), /node 'r' \(Relu\) has 2 input\(s\); Relu at opset 17 takes 1/],
    ["an extra node output", raw(relu([], ["x"], ["y", "z"])), /node 'r' \(Relu\) has 2 output\(s\)/],
    [
      "a repeated attribute",
      raw([{ name: "l", op_type: "LeakyRelu", input: ["x"], output: ["y"], attribute: [attr.float("alpha", 0.1), attr.float("alpha", 0.2)] }]),
      /node 'l' \(LeakyRelu\): attribute 'alpha' is given twice/,
    ],
    [
      "an attribute of the wrong type",
      raw([{ name: "l", op_type: "LeakyRelu", input: ["x"], output: ["y"], attribute: [attr.int("alpha", 1)] }]),
      /node 'l' \(LeakyRelu\): attribute 'alpha'/,
    ],
    [
      "an attribute with no type",
      raw([{ name: "l", op_type: "LeakyRelu", input: ["x"], output: ["y"], attribute: [{ name: "alpha", f: 0.5 }] }]),
      /attribute 'alpha' has no type/,
    ],
    [
      "two nodes of one name",
      raw([
        { name: "r", op_type: "Relu", input: ["x"], output: ["t"], attribute: [] },
        { name: "r", op_type: "Relu", input: ["t"], output: ["y"], attribute: [] },
      ]),
      /node name 'r' is used by two nodes/,
    ],
    ["no ir_version", raw(relu(), { ir_version: -1 }), /ir_version is missing/],
    ["no opset_import", raw(relu(), { opset: null }), /imports no default-domain opset/],
    [
      "a Conv without its weight",
      raw([{ name: "c", op_type: "Conv", input: ["x"], output: ["y"], attribute: [] }]),
      /node 'c' \(Conv\) has 1 input\(s\); Conv at opset 17 takes 2 to 3/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    assert.ok(await ortRefuses(bytes, x4.shape), `onnxruntime accepts the model with ${what}: not an invalid case`);
    assert.throws(() => onnx.importToGluon(bytes).forward(np.zeros(x4.shape)), message, what);
  }
  // the valid model these mutate is accepted by both
  assert.ok(!(await ortRefuses(raw(relu()), x4.shape)));
  assert.deepEqual(values(onnx.importToGluon(raw(relu())).forward(np.ones(x4.shape))), new Array(16).fill(1));
});

test("1i: PyTorch's opset-9 Slice with ends = INT64_MAX takes to the end, as onnxruntime (was: refused)", async () => {
  const INT64_MAX = (protobuf.util.Long as unknown as { MAX_VALUE: number }).MAX_VALUE; // 2^63 − 1, which a JS number cannot hold
  const bytes = encodeModel({
    ir_version: 4,
    opset_import: [{ domain: "", version: 9 }],
    graph: {
      name: "g",
      node: [
        {
          name: "s",
          op_type: "Slice",
          input: ["x"],
          output: ["y"],
          attribute: [
            { name: "starts", type: 7, ints: [1, -3] },
            { name: "ends", type: 7, ints: [INT64_MAX, INT64_MAX] },
            { name: "axes", type: 7, ints: [2, 3] },
          ],
        },
      ],
      input: [{ name: "x", type: { tensor_type: { elem_type: 1, shape: { dim: x4.shape.map((d) => ({ dim_value: d })) } } } }],
      output: [{ name: "y", type: { tensor_type: { elem_type: 1 } } }],
    },
  });
  const x = np.arange(16).reshape([1, 1, 4, 4]);
  const want = await runOrt(bytes, [x]);
  const got = single(onnx.importToGluon(bytes).forward(x));
  assert.deepEqual(got.shape, want[0]!.shape);
  assert.deepEqual(values(got), Array.from(want[0]!.data));
  assert.deepEqual(want[0]!.shape, [1, 1, 3, 3]);
});

test("1j: float → int64 Cast truncates toward zero as ONNX (was: refused fractions); NaN is refused by name", async () => {
  const bytes = model([
    { op: "Cast", name: "to_int", inputs: ["x"], outputs: ["i"], attrs: [attr.int("to", 7)] },
    { op: "Cast", name: "to_float", inputs: ["i"], outputs: ["y"], attrs: [attr.int("to", 1)] },
  ]);
  const x = np.array([1.7, -1.7, 2.5, -2.5, 0.2, -0.9, 3, 1e6 + 0.5, 7.99, -7.99, 0, 4, 5.5, -5.5, 100.1, -100.1]).reshape([1, 1, 4, 4]);
  const want = await runOrt(bytes, [x]);
  assert.deepEqual(values(onnx.importToGluon(bytes).forward(x)), Array.from(want[0]!.data));
  const nan = np.full([1, 1, 4, 4], NaN);
  assert.throws(() => onnx.importToGluon(bytes).forward(nan), /node 'to_int' \(Cast\): cannot cast NaN to INT64/);
});

/**
 * Exports `net` traced at `shape`, then checks onnxruntime and tconv's own importer against `net.forward` at the traced
 * batch size and at `otherBatch` (item 2: every export round-tripped at two batch sizes).
 */
async function roundTrip(net: nn.Block, shape: number[], otherBatch: number, tol = 1e-5) {
  const bytes = onnx.exportModel(net, shape);
  const back = onnx.importToGluon(bytes);
  for (const n of [shape[0]!, otherBatch]) {
    const x = np.random.uniform({ low: -2, high: 2, size: [n, ...shape.slice(1)] });
    const r = net.forward(x) as NDArray | NDArray[];
    const want = Array.isArray(r) ? r : [r];
    const ort = await runOrt(bytes, [x]);
    const b = back.forward(x) as NDArray | NDArray[];
    const mine = Array.isArray(b) ? b : [b];
    want.forEach((w, k) => {
      assert.deepEqual(ort[k]!.shape, w.shape, `onnxruntime output ${k} at batch ${n}`);
      assert.deepEqual(mine[k]!.shape, w.shape, `re-imported output ${k} at batch ${n}`);
      const e1 = compare(ort[k]!.data, w.asTypedArray());
      const e2 = compare(mine[k]!.asTypedArray(), w.asTypedArray());
      assert.ok(e1.maxErr <= tol * e1.scale, `onnxruntime output ${k} at batch ${n}: max error ${e1.maxErr}`);
      assert.ok(e2.maxErr <= tol * e2.scale, `re-imported output ${k} at batch ${n}: max error ${e2.maxErr}`);
    });
  }
  return bytes;
}

test("2a: in-place writes (set, iadd, out=) inside a traced forward are refused with a clear error (was: dropped, off by 0.28–1.0)", () => {
  class SetInto extends nn.Block {
    readonly dense = new nn.Dense(4, { inUnits: 4 });
    forward(x: NDArray): NDArray {
      const y = this.dense.forward(x);
      y.at(":", "0:2").set(x.at(":", "0:2"));
      return y;
    }
  }
  class AddInto extends nn.Block {
    forward(x: NDArray): NDArray {
      const y = x.mul(2);
      y.iadd(x);
      return y;
    }
  }
  class OutInto extends nn.Block {
    forward(x: NDArray): NDArray {
      const y = np.zeros(x.shape);
      np.add(x, 1, { out: y });
      return y.mul(3);
    }
  }
  for (const Net of [SetInto, AddInto, OutInto]) {
    const net = new Net();
    net.initialize();
    assert.throws(
      () => onnx.exportModel(net, [2, 4]),
      /onnx\.exportModel: the forward writes in place \((set|iadd|add\(…, \{ out \}\))\) .*ONNX graphs have no in-place writes/,
      Net.name,
    );
  }
  // an in-place write building a constant that no traced op has touched yet stays allowed, and exact
  class Mask extends nn.Block {
    forward(x: NDArray): NDArray {
      const m = np.zeros([4]);
      m.at("1:3").set(1);
      return x.mul(m);
    }
  }
  const net = new Mask();
  const back = onnx.importToGluon(onnx.exportModel(net, [2, 4]));
  const x = np.array([
    [1, 2, 3, 4],
    [5, 6, 7, 8],
  ]);
  assert.deepEqual(values(back.forward(x) as NDArray), [0, 2, 3, 0, 0, 6, 7, 0]);
});

test("2b: a forward returning the same array twice writes a valid model with an Identity (was: output produced by no node)", async () => {
  class Twice extends nn.Block {
    readonly dense = new nn.Dense(3, { inUnits: 4 });
    forward(x: NDArray): NDArray[] {
      const y = this.dense.forward(x).exp();
      return [y, y, x];
    }
  }
  const net = new Twice();
  net.initialize();
  await roundTrip(net, [2, 4], 5);
});

test("2c: x.at(-1) and negative slices with dynamicBatch pick the right sample at another batch size (was: the traced one)", async () => {
  class Last extends nn.Block {
    forward(x: NDArray): NDArray[] {
      return [x.at(-1), x.at(-2).mul(2), x.at("-2:").sum({ axis: 0 })];
    }
  }
  await roundTrip(new Last(), [3, 4], 6);
});

test("2d: an imported MatMul model with a symbolic batch exports and runs at another batch size (was: cannot reshape [5,4,5,4] to [40,4])", async () => {
  const bytes = buildModel({
    nodes: [{ op: "MatMul", name: "mm", inputs: ["x", "w"], outputs: ["y"] }],
    inputs: [{ name: "x", shape: [null, 4, 5, 4] }],
    outputs: ["y"],
    initializers: [{ name: "w", shape: [4, 3], data: Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)) }],
  });
  const imported = onnx.importToGluon(bytes);
  for (const n of [2, 5]) {
    const x = np.random.uniform({ low: -1, high: 1, size: [n, 4, 5, 4] });
    const want = await runOrt(bytes, [x]);
    const e = compare((imported.forward(x) as NDArray).asTypedArray(), want[0]!.data);
    assert.ok(e.maxErr <= 1e-5 * e.scale, `imported MatMul at batch ${n}: ${e.maxErr}`);
  }
  await roundTrip(imported, [5, 4, 5, 4], 2);
});

test("2e: a concat with a zero-size constant exports a model tconv re-imports (was: refused on re-import)", async () => {
  class CatEmpty extends nn.Block {
    forward(x: NDArray): NDArray {
      return np.concatenate([x, np.zeros([x.shape[0]!, 0])], { axis: 1 }).mul(2);
    }
  }
  // the zero-size constant is [batch, 0], fixed at the traced batch: a symbolic batch is refused (it would fail at
  // another batch), and the export at the traced batch re-imports and runs
  assert.throws(() => onnx.exportModel(new CatEmpty(), [2, 3]), /the graph traced at batch 2 differs from the one traced at batch 4/);
  const bytes = onnx.exportModel(new CatEmpty(), [2, 3], { dynamicBatch: false });
  const x = np.random.uniform({ low: -2, high: 2, size: [2, 3] });
  const want = new CatEmpty().forward(x);
  assert.deepEqual(Array.from((onnx.importToGluon(bytes).forward(x) as NDArray).asTypedArray()), Array.from(want.asTypedArray()));
  const [ort] = await runOrt(bytes, [x]);
  assert.ok(compare(ort!.data, want.asTypedArray()).maxErr <= 1e-6);
});

test("2f: a forward that builds a constant from the batch size is refused with dynamicBatch (was: exported fixed, wrong at another batch)", () => {
  class BatchOnes extends nn.Block {
    forward(x: NDArray): NDArray {
      return x.add(np.ones([x.shape[0]!, 1]).mul(3));
    }
  }
  assert.throws(
    () => onnx.exportModel(new BatchOnes(), [4, 3]),
    /onnx\.exportModel: the graph traced at batch 4 differs from the one traced at batch 5: the forward uses the batch size/,
  );
  // an output that only looks like it has a batch axis (its size equals the batch by chance) is not declared symbolic
  class Row extends nn.Block {
    forward(x: NDArray): NDArray {
      return x.at(0);
    }
  }
  const m = decodeModel(onnx.exportModel(new Row(), [3, 3]), "test");
  assert.equal(m.graph!.output![0]!.type!.tensor_type!.shape!.dim![0]!.dim_value, 3);
});

test("1k: found by the fuzz: count_include_pad=2 reads as true like onnxruntime (was: a wrong value), int8 pads refused", async () => {
  const pool = model([
    {
      op: "AveragePool",
      name: "ap",
      inputs: ["x"],
      outputs: ["y"],
      attrs: [attr.int("count_include_pad", 2), attr.ints("kernel_shape", [3, 3]), attr.ints("pads", [1, 1, 1, 1])],
    },
  ]);
  const x = np.arange(16).reshape([1, 1, 4, 4]).add(1);
  const want = await runOrt(pool, [x]);
  assert.deepEqual(values(onnx.importToGluon(pool).forward(x)), Array.from(want[0]!.data));
  const pads = model(
    [
      { op: "Cast", name: "c", inputs: ["p"], outputs: ["p8"], attrs: [attr.int("to", 3)] },
      { op: "Pad", name: "pad", inputs: ["x", "p8"], outputs: ["y"] },
    ],
    [{ name: "p", shape: [8], data: [0, 0, 1, 1, 0, 0, 1, 1], type: 7 }],
  );
  assert.ok(await ortRefuses(pads, x4.shape));
  assert.throws(() => onnx.importToGluon(pads).forward(np.zeros(x4.shape)), /node 'pad' \(Pad\): pads must be an int64 tensor, got INT8/);
});

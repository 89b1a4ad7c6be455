// Test helpers for ONNX: build small ModelProtos from node lists, read the committed fixtures, run onnxruntime-node.
import { readFileSync, readdirSync } from "node:fs";
import ort from "onnxruntime-node";
import assert from "node:assert/strict";
import { autograd, NDArray, np } from "../../src/index.js";
import { gradcheck } from "./gradcheck.js";
import { onnx } from "../../src/onnx/index.js";
import { encodeModel, writeTensor, type AttributeRecord } from "../../src/onnx/proto.js";

export const attr = {
  int: (name: string, i: number): AttributeRecord => ({ name, type: 2, i }),
  float: (name: string, f: number): AttributeRecord => ({ name, type: 1, f }),
  ints: (name: string, ints: number[]): AttributeRecord => ({ name, type: 7, ints }),
  floats: (name: string, floats: number[]): AttributeRecord => ({ name, type: 6, floats }),
  str: (name: string, s: string): AttributeRecord => ({ name, type: 3, s: new TextEncoder().encode(s) }),
};

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: AttributeRecord[];
  name?: string;
}
export interface InitSpec {
  name: string;
  shape: number[];
  data: ArrayLike<number>;
  /** 1 FLOAT (default), 7 INT64, 11 DOUBLE */
  type?: 1 | 7 | 11;
}

/** A ModelProto with one graph: inputs are FLOAT of the given shapes (null dims symbolic), outputs untyped-shape FLOAT. */
export function buildModel(spec: {
  nodes: NodeSpec[];
  inputs: { name: string; shape: (number | null)[] }[];
  outputs: string[];
  initializers?: InitSpec[];
  opset?: number;
}): Uint8Array {
  return encodeModel({
    ir_version: 8,
    producer_name: "tconv-tests",
    opset_import: [{ domain: "", version: spec.opset ?? 17 }],
    graph: {
      name: "test",
      node: spec.nodes.map((n, i) => ({ name: n.name ?? `${n.op}_${i}`, op_type: n.op, input: n.inputs, output: n.outputs, attribute: n.attrs ?? [] })),
      initializer: (spec.initializers ?? []).map((t) => writeTensor(t.name, t.shape, t.data, t.type ?? 1)),
      input: spec.inputs.map((v) => ({
        name: v.name,
        type: { tensor_type: { elem_type: 1, shape: { dim: v.shape.map((d) => (d === null ? { dim_param: "N" } : { dim_value: d })) } } },
      })),
      output: spec.outputs.map((name) => ({ name, type: { tensor_type: { elem_type: 1 } } })),
    },
  });
}

export interface FixtureTensor {
  name: string;
  shape: number[];
  data: number[];
}
export interface ModelFixture {
  name: string;
  source: string;
  notes: string;
  ops: string[];
  inputs: FixtureTensor[];
  outputs: FixtureTensor[];
  bytes: Uint8Array;
}

const dir = new URL("../fixtures/onnx/models/", import.meta.url);

/** Every committed model fixture: the .onnx bytes, inputs and (for torch exports) PyTorch's outputs. */
export function modelFixtures(): ModelFixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => {
      const c = JSON.parse(readFileSync(new URL(f, dir), "utf8")) as Omit<ModelFixture, "bytes">;
      return { ...c, bytes: new Uint8Array(readFileSync(new URL(`${c.name}.onnx`, dir))) };
    });
}

export const toArray = (t: FixtureTensor, dtype: "float32" | "float64" = "float32"): NDArray =>
  new NDArray(dtype === "float32" ? Float32Array.from(t.data) : Float64Array.from(t.data), t.shape);

/** Runs a model in onnxruntime-node (CPU) on float32 inputs in graph-input order. */
export async function runOrt(bytes: Uint8Array, inputs: readonly NDArray[]): Promise<{ shape: number[]; data: Float32Array }[]> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  session.inputNames.forEach((n, i) => {
    const x = inputs[i]!;
    feeds[n] = new ort.Tensor("float32", Float32Array.from(x.asTypedArray()), [...x.shape]);
  });
  const out = await session.run(feeds);
  const res = session.outputNames.map((n) => ({ shape: [...out[n]!.dims], data: out[n]!.data as Float32Array }));
  await session.release();
  return res;
}

/** max |a − b| and the largest |b| (for a tolerance relative to the data's scale). */
export function compare(got: ArrayLike<number>, want: ArrayLike<number>): { maxErr: number; scale: number } {
  if (got.length !== want.length) throw new Error(`compare: lengths ${got.length} and ${want.length} differ`);
  let maxErr = 0;
  let scale = 1;
  for (let i = 0; i < got.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { maxErr, scale };
}

/** Imports `bytes`, runs it on a seeded uniform input of `xShape` and compares every output with onnxruntime-node (1e-5 of the data's scale). */
export async function againstOrt(bytes: Uint8Array, xShape: number[], what: string): Promise<void> {
  np.random.seed(11);
  const x = np.random.uniform({ low: -2, high: 3, size: xShape });
  const outs = onnx.importToGluon(bytes).run(x);
  const ref = await runOrt(bytes, [x]);
  assert.equal(outs.length, ref.length);
  ref.forEach((r, k) => {
    assert.deepEqual(outs[k]!.shape, r.shape, `${what} output ${k} shape`);
    const { maxErr, scale } = compare(outs[k]!.asTypedArray(), r.data);
    assert.ok(maxErr <= 1e-5 * scale, `${what} output ${k}: max error ${maxErr}`);
  });
}

/** The imported net in float64: gradcheck w.r.t. its input, then each named parameter against central differences of Σ v·f. */
export function checkGradients(bytes: Uint8Array, xShape: number[], paramNames: string[]) {
  const net = onnx.importToGluon(bytes, { dtype: "float64" });
  np.random.seed(7);
  const x = np.random.uniform({ low: -1, high: 1, size: xShape, dtype: "float64" });
  gradcheck((xx) => net.forward(xx) as NDArray, [x], { rtol: 1e-5, atol: 1e-6 });
  if (paramNames.length === 0) return;
  // weights: autograd vs central differences of Σ v·f over each element of the parameter
  const v = np.random.uniform({ low: -1, high: 1, size: (net.forward(x) as NDArray).shape, dtype: "float64" });
  const objective = () => (net.forward(x) as NDArray).mul(v).sum().item();
  autograd.record(() => (net.forward(x) as NDArray).mul(v).sum()).backward();
  for (const name of paramNames) {
    const p = net.collectParams().get(name);
    const data = p.data().hostData;
    const grad = p.grad()!.asTypedArray();
    for (let i = 0; i < data.length; i++) {
      const keep = data[i]!;
      data[i] = keep + 1e-6;
      const up = objective();
      data[i] = keep - 1e-6;
      const down = objective();
      data[i] = keep;
      const numeric = (up - down) / 2e-6;
      assert.ok(Math.abs(grad[i]! - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric), `${name}[${i}]: autograd ${grad[i]}, numeric ${numeric}`);
    }
  }
}

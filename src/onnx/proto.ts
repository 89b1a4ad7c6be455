// ONNX ModelProto bytes ↔ plain records, through protobufjs and the official onnx.proto schema; tensors ↔ typed arrays.
import protobuf from "protobufjs/light.js";
import { onnxSchema } from "./onnx-schema.generated.js";

/** ONNX TensorProto.DataType numbers tconv reads or writes. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;
const TYPE_NAMES: Record<number, string> = {
  0: "UNDEFINED",
  1: "FLOAT",
  2: "UINT8",
  3: "INT8",
  4: "UINT16",
  5: "INT16",
  6: "INT32",
  7: "INT64",
  8: "STRING",
  9: "BOOL",
  10: "FLOAT16",
  11: "DOUBLE",
  12: "UINT32",
  13: "UINT64",
  14: "COMPLEX64",
  15: "COMPLEX128",
  16: "BFLOAT16",
};
export const dataTypeName = (t: number): string => TYPE_NAMES[t] ?? `type ${t}`;

/** Largest tensor the importer materializes (elements); a header claiming more is rejected before allocating. */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;
/**
 * Largest integer tensor (shape arithmetic: int64/int32/bool, held as plain JS numbers at ~8 bytes plus array
 * overhead each): a broadcast Add to 16384² or a Concat of one tensor 5,000 times is refused before a number is
 * stored, instead of exhausting the V8 heap (a process abort, not an exception).
 */
export const MAX_INT_ELEMENTS = 2 ** 20;

/** Throws, naming the op, when an integer tensor of `dims` (n elements) exceeds MAX_INT_ELEMENTS. */
export function checkIntSize(n: number, dims: readonly number[], what: string, op: string): void {
  if (!(n <= MAX_INT_ELEMENTS))
    throw new Error(
      `${op}: ${what} [${dims.join(",")}] would have ${n} elements, more than the ${MAX_INT_ELEMENTS} tconv evaluates in integer (shape) arithmetic`,
    );
}

let modelType: protobuf.Type | null = null;
function model(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxSchema as protobuf.INamespace).lookupType("onnx.ModelProto");
  return modelType;
}

// Plain shapes of the decoded messages (only the fields tconv uses; protobufjs's toObject gives these names).
export interface TensorRecord {
  name?: string;
  dims?: number[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
  raw_data?: Uint8Array;
  data_location?: number;
  external_data?: { key?: string; value?: string }[];
  segment?: unknown;
}
export interface AttributeRecord {
  name?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorRecord;
  g?: unknown;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  ref_attr_name?: string;
}
export interface NodeRecord {
  name?: string;
  op_type?: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: AttributeRecord[];
}
export interface ValueInfoRecord {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: number; dim_param?: string }[] } } };
}
export interface GraphRecord {
  name?: string;
  node?: NodeRecord[];
  initializer?: TensorRecord[];
  input?: ValueInfoRecord[];
  output?: ValueInfoRecord[];
  value_info?: ValueInfoRecord[];
}
export interface ModelRecord {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  opset_import?: { domain?: string; version?: number }[];
  graph?: GraphRecord;
  functions?: unknown[];
}

/** Decodes ModelProto bytes; malformed or truncated input gives an Error naming the problem. */
export function decodeModel(bytes: Uint8Array, op: string): ModelRecord {
  if (!(bytes instanceof Uint8Array))
    throw new Error(`${op}: bytes must be a Uint8Array (the contents of a .onnx file), got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.length === 0) throw new Error(`${op}: bytes are empty; expected an ONNX ModelProto`);
  const t = model();
  let msg: protobuf.Message;
  try {
    msg = t.decode(bytes);
  } catch (e) {
    throw new Error(`${op}: the bytes are not a valid ONNX ModelProto (malformed or truncated protobuf, ${bytes.length} bytes): ${(e as Error).message}`);
  }
  // int64 → number (exact below 2^53; larger values only occur as "until the end" sentinels, which stay huge)
  return t.toObject(msg, { longs: Number, enums: Number, arrays: false, defaults: false }) as ModelRecord;
}

/** Encodes a plain ModelProto record (as built by the exporter). */
export function encodeModel(record: ModelRecord): Uint8Array {
  const t = model();
  const err = t.verify(record);
  if (err) throw new Error(`onnx.exportModel: internal error, ModelProto does not verify: ${err}`);
  return t.encode(t.fromObject(record)).finish();
}

const ELEMENT_BYTES: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 9: 1, 11: 8 };

/** The element count of `dims`, checked to be a safe bounded size before anything is allocated. */
export function checkedSize(dims: readonly number[], what: string, op: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${op}: ${what} has an invalid dimension ${d} in dims [${dims.join(",")}]`);
    n *= d;
    if (n > MAX_TENSOR_ELEMENTS) throw new Error(`${op}: ${what} has dims [${dims.join(",")}], more than ${MAX_TENSOR_ELEMENTS} elements`);
  }
  return n;
}

/** A decoded tensor: float data as Float32Array/Float64Array, integral data as plain numbers. */
export type TensorValue =
  | { kind: "float"; dtype: "float32" | "float64"; dims: number[]; data: Float32Array | Float64Array }
  | { kind: "int"; dims: number[]; data: number[]; type: number };

/** Reads a TensorProto (raw_data or typed fields); checks counts against dims before allocating. */
export function readTensor(t: TensorRecord, op: string): TensorValue {
  const what = `tensor '${t.name ?? ""}'`;
  if (t.data_location === 1 || (t.external_data && t.external_data.length > 0))
    throw new Error(
      `${op}: ${what} keeps its data in an external file (${t.external_data?.find((e) => e.key === "location")?.value ?? "?"}); tconv reads only self-contained models — re-save with onnx.save_model(m, path, save_as_external_data=False)`,
    );
  if (t.segment) throw new Error(`${op}: ${what} is segmented, which tconv does not read`);
  const dims = (t.dims ?? []).map(Number);
  const n = checkedSize(dims, what, op);
  const type = t.data_type ?? 0;
  const bytesPer = ELEMENT_BYTES[type];
  if (bytesPer === undefined)
    throw new Error(`${op}: ${what} has data type ${dataTypeName(type)}; tconv reads FLOAT, DOUBLE, INT64, INT32, INT8, UINT8 and BOOL`);
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  if (raw && raw.length !== n * bytesPer)
    throw new Error(`${op}: ${what} has dims [${dims.join(",")}] (${n} × ${bytesPer} bytes) but raw_data holds ${raw.length} bytes`);
  const typed = type === 1 ? t.float_data : type === 11 ? t.double_data : type === 7 ? t.int64_data : t.int32_data;
  if (!raw && (typed?.length ?? 0) !== n) throw new Error(`${op}: ${what} has dims [${dims.join(",")}] (${n} elements) but holds ${typed?.length ?? 0} values`);
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  if (type === DataType.FLOAT || type === DataType.DOUBLE) {
    const data = type === 1 ? new Float32Array(n) : new Float64Array(n);
    if (view) for (let i = 0; i < n; i++) data[i] = type === 1 ? view.getFloat32(i * 4, true) : view.getFloat64(i * 8, true);
    else if (n > 0) data.set(typed!);
    return { kind: "float", dtype: type === 1 ? "float32" : "float64", dims, data };
  }
  checkIntSize(n, dims, `integer ${what}`, op);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    if (!view) data[i] = Number(typed![i]);
    else if (type === DataType.INT64) data[i] = Number(view.getBigInt64(i * 8, true));
    else if (type === DataType.INT32) data[i] = view.getInt32(i * 4, true);
    else if (type === DataType.INT8) data[i] = view.getInt8(i);
    else data[i] = view.getUint8(i);
  }
  return { kind: "int", dims, data, type };
}

/** A FLOAT/DOUBLE/INT64 TensorProto record with raw_data (what exporters write). */
export function writeTensor(name: string, dims: readonly number[], data: ArrayLike<number>, type: 1 | 7 | 11): TensorRecord {
  const bytesPer = ELEMENT_BYTES[type]!;
  const raw = new Uint8Array(data.length * bytesPer);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) {
    if (type === 1) view.setFloat32(i * 4, data[i]!, true);
    else if (type === 11) view.setFloat64(i * 8, data[i]!, true);
    else view.setBigInt64(i * 8, BigInt(Math.trunc(data[i]!)), true);
  }
  return { name, dims: [...dims], data_type: type, raw_data: raw };
}

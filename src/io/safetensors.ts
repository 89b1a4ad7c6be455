// The safetensors format: checks a file's bytes completely before anything is read from it, decodes tensors, writes files.
//
// Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data section. The JSON maps each
// tensor name to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the data section) and may
// hold "__metadata__": {string: string}. Tensors are little-endian, row-major, and tile the data section exactly
// (no gap, no overlap, nothing after the last one), as the reference implementation requires.
import type { Dtype, FloatArray } from "../ndarray/strided.js";
import { allocate } from "../ndarray/strided.js";
import { formatShape } from "../ndarray/strided.js";

/** The reference implementation's limit on the JSON header. */
export const MAX_HEADER_BYTES = 100_000_000;
/** More dimensions than any tensor of a network has; bounds the work spent on a hostile shape list. */
const MAX_RANK = 64;

/** Every dtype of the safetensors specification, with its size in bytes. Only the float ones can become parameters. */
const ITEM_BYTES: ReadonlyMap<string, number> = new Map([
  ["BOOL", 1],
  ["U8", 1],
  ["I8", 1],
  ["F8_E5M2", 1],
  ["F8_E4M3", 1],
  ["I16", 2],
  ["U16", 2],
  ["F16", 2],
  ["BF16", 2],
  ["I32", 4],
  ["U32", 4],
  ["F32", 4],
  ["I64", 8],
  ["U64", 8],
  ["F64", 8],
]);
const FLOAT_DTYPES: ReadonlySet<string> = new Set(["F64", "F32", "F16", "BF16"]);
/** Names that would reach Object.prototype if someone indexed a plain object with them. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);
const ENTRY_FIELDS: ReadonlySet<string> = new Set(["dtype", "shape", "data_offsets"]);

export interface TensorEntry {
  readonly name: string;
  /** safetensors dtype string, e.g. "F32" */
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly size: number;
  /** byte range inside the data section */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsFile {
  readonly bytes: Uint8Array;
  /** byte offset of the data section inside `bytes` */
  readonly dataStart: number;
  readonly dataBytes: number;
  /** in header order */
  readonly entries: ReadonlyMap<string, TensorEntry>;
  readonly metadata: ReadonlyMap<string, string>;
}

export interface TensorToWrite {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: FloatArray;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** "F32" for float32, "F64" for float64. */
export function safetensorsDtype(dtype: Dtype): "F32" | "F64" {
  return dtype === "float32" ? "F32" : "F64";
}

export function isFloatDtype(dtype: string): boolean {
  return FLOAT_DTYPES.has(dtype);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkKey(key: string, where: string, what: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw new Error(`${where}: ${what} ${JSON.stringify(key)} is not allowed in a safetensors header`);
}

/**
 * Parses and checks the whole header and every entry against the file's size. Throws `${where}: …` on anything
 * malformed; allocates nothing sized from the file's numbers except after they are checked against its length.
 */
export function parseSafetensors(bytes: Uint8Array, where: string): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw new Error(`${where}: expected a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  if (bytes.length < 8) throw new Error(`${where}: truncated: the file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES))
    throw new Error(`${where}: header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file, or a corrupted one)`);
  const n = Number(headerLength);
  if (8 + n > bytes.length) throw new Error(`${where}: truncated: header length ${n} goes beyond the ${bytes.length}-byte file`);
  if (n < 2) throw new Error(`${where}: header length ${n} is too short for a JSON object`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new Error(`${where}: the header is not valid UTF-8`);
  }
  if (text[0] !== "{") throw new Error(`${where}: the header does not start with '{' (not a safetensors file, or a corrupted one)`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new Error(`${where}: the header must be a JSON object`);
  const dataStart = 8 + n;
  const dataBytes = bytes.length - dataStart;
  const entries = new Map<string, TensorEntry>();
  const metadata = new Map<string, string>();
  for (const key of Object.keys(header)) {
    checkKey(key, where, "key");
    const value = header[key];
    if (key === "__metadata__") {
      if (!isPlainObject(value)) throw new Error(`${where}: __metadata__ must be an object of strings`);
      for (const mk of Object.keys(value)) {
        checkKey(mk, where, "__metadata__ key");
        const mv = value[mk];
        if (typeof mv !== "string") throw new Error(`${where}: __metadata__ ${JSON.stringify(mk)} must be a string, got ${JSON.stringify(mv)}`);
        metadata.set(mk, mv);
      }
      continue;
    }
    if (key.length === 0) throw new Error(`${where}: a tensor has an empty name`);
    entries.set(key, checkEntry(key, value, dataBytes, where));
  }
  // the tensors must tile [0, dataBytes) exactly: sorted by offset, each begins where the previous ended
  const sorted = [...entries.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev: TensorEntry | null = null;
  for (const e of sorted) {
    if (e.begin < at) throw new Error(`${where}: ${prev!.name} (bytes ${prev!.begin}–${prev!.end}) and ${e.name} (bytes ${e.begin}–${e.end}) overlap`);
    if (e.begin > at) throw new Error(`${where}: bytes ${at}–${e.begin} of the data section belong to no tensor (before ${e.name})`);
    at = e.end;
    prev = e;
  }
  if (at !== dataBytes) throw new Error(`${where}: the data section is ${dataBytes} bytes but the tensors end at byte ${at}`);
  return { bytes, dataStart, dataBytes, entries, metadata };
}

function checkEntry(name: string, value: unknown, dataBytes: number, where: string): TensorEntry {
  const at = `${where}: ${name}`;
  if (!isPlainObject(value)) throw new Error(`${at}: the entry must be an object with dtype, shape and data_offsets`);
  for (const field of Object.keys(value)) if (!ENTRY_FIELDS.has(field)) throw new Error(`${at}: unexpected field ${JSON.stringify(field)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  const itemBytes = typeof dtype === "string" ? ITEM_BYTES.get(dtype) : undefined;
  if (itemBytes === undefined) throw new Error(`${at}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || shape.length > MAX_RANK)
    throw new Error(`${at}: shape must be a list of at most ${MAX_RANK} non-negative integers, got ${JSON.stringify(shape)?.slice(0, 80)}`);
  for (const d of shape) if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${at}: shape ${JSON.stringify(shape)} must hold non-negative integers`);
  let size = shape.includes(0) ? 0 : 1;
  let tooBig = false;
  for (let i = 0; i < shape.length && size > 0 && !tooBig; i++) {
    size *= shape[i] as number;
    // stop before the product can lose precision: no tensor may need more bytes than the data section has
    tooBig = size * itemBytes > dataBytes && i < shape.length - 1;
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
    throw new Error(`${at}: data_offsets must be two non-negative integers, got ${JSON.stringify(offsets)?.slice(0, 80)}`);
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw new Error(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataBytes) throw new Error(`${where}: truncated: ${name} needs bytes ${begin}–${end} of a ${dataBytes}-byte data section`);
  const need = size * itemBytes;
  if (need !== end - begin)
    throw new Error(
      `${at}: shape ${formatShape(shape as number[])} of ${dtype} needs ${tooBig ? `more than ${dataBytes}` : need} bytes, data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  return { name, dtype: dtype as string, shape: [...(shape as number[])], size, begin, end };
}

/**
 * The entry's values as `dtype`: F32 and F64 are copied or rounded, F16 and BF16 widened exactly.
 * The entry must come from `parseSafetensors` on the same file (so its size fits the data section).
 */
export function readTensor(file: SafetensorsFile, entry: TensorEntry, dtype: Dtype, where: string): FloatArray {
  if (!FLOAT_DTYPES.has(entry.dtype))
    throw new Error(`${where}: ${entry.name} has dtype ${entry.dtype}; only F32, F64, F16 and BF16 can be loaded into a ${dtype} parameter`);
  const src = file.bytes;
  const base = file.dataStart + entry.begin;
  const n = entry.size;
  if (entry.dtype === "F32" || entry.dtype === "F64") {
    const wide = entry.dtype === "F64";
    if (LITTLE_ENDIAN_HOST) {
      // copy into a fresh aligned buffer, then view it: offsets inside the file need not be aligned
      // (a fresh Uint8Array, not src.slice: on a Node Buffer slice is a view into a shared pool)
      const raw = new Uint8Array(entry.end - entry.begin);
      raw.set(src.subarray(base, base + raw.length));
      const typed = wide ? new Float64Array(raw.buffer, 0, n) : new Float32Array(raw.buffer, 0, n);
      if (wide === (dtype === "float64")) return typed;
      const out = allocate(dtype, n);
      out.set(typed);
      return out;
    }
    const out = allocate(dtype, n);
    {
      const view = new DataView(src.buffer, src.byteOffset + base, entry.end - entry.begin);
      if (wide) for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
    }
    return out;
  }
  const out = allocate(dtype, n);
  if (entry.dtype === "BF16") {
    // bfloat16 is the upper half of a float32
    const bits = new Uint32Array(1);
    const f = new Float32Array(bits.buffer);
    for (let i = 0; i < n; i++) {
      bits[0] = (src[base + 2 * i]! | (src[base + 2 * i + 1]! << 8)) << 16;
      out[i] = f[0]!;
    }
    return out;
  }
  // F16: sign, 5-bit exponent (bias 15), 10-bit fraction; subnormals are f·2⁻²⁴
  for (let i = 0; i < n; i++) {
    const h = src[base + 2 * i]! | (src[base + 2 * i + 1]! << 8);
    const e = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    const mag = e === 0 ? frac * 2 ** -24 : e === 31 ? (frac === 0 ? Infinity : NaN) : (1024 + frac) * 2 ** (e - 25);
    out[i] = h & 0x8000 ? -mag : mag;
  }
  return out;
}

/**
 * A safetensors file of these tensors in this order, each in its own dtype (F32 or F64), little-endian on every
 * host. The header is padded with spaces to a multiple of 8 bytes, as the reference writer does.
 */
export function serializeSafetensors(tensors: readonly TensorToWrite[], metadata: ReadonlyMap<string, string> = new Map()): Uint8Array {
  const parts: string[] = [];
  if (metadata.size > 0) {
    const meta = [...metadata].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    parts.push(`"__metadata__":{${meta.join(",")}}`);
  }
  let offset = 0;
  const seen = new Set<string>();
  for (const t of tensors) {
    if (seen.has(t.name) || t.name === "__metadata__" || FORBIDDEN_KEYS.has(t.name) || t.name.length === 0)
      throw new Error(`safetensors: cannot write a tensor named ${JSON.stringify(t.name)} (empty, reserved or repeated)`);
    seen.add(t.name);
    const dtype = t.data instanceof Float32Array ? "F32" : "F64";
    const bytes = t.data.length * t.data.BYTES_PER_ELEMENT;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${offset + bytes}]}`);
    offset += bytes;
  }
  let header = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const h = new Uint8Array(padded).fill(0x20);
    h.set(header);
    header = h;
  }
  const out = new Uint8Array(8 + header.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  let at = 8 + header.length;
  for (const t of tensors) {
    const d = t.data;
    if (LITTLE_ENDIAN_HOST) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), at);
    else {
      const view = new DataView(out.buffer, at, d.byteLength);
      if (d instanceof Float64Array) for (let i = 0; i < d.length; i++) view.setFloat64(8 * i, d[i]!, true);
      else for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i]!, true);
    }
    at += d.byteLength;
  }
  return out;
}

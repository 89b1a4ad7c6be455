// Integer tensors of shape arithmetic (Shape, Gather, Concat, Slice, … on int64), evaluated on plain numbers.
import { checkedSize, checkIntSize, DataType, dataTypeName } from "./proto.js";

/** An int64/int32/bool tensor as exporters use it for shapes and indices: small, row-major, plain numbers. */
export interface IntTensor {
  readonly kind: "int";
  readonly dims: readonly number[];
  readonly data: readonly number[];
  /** the ONNX element type (INT64, INT32, INT8, UINT8, BOOL): ops that bind one type T refuse a mix, as onnxruntime */
  readonly type: number;
}

export const intTensor = (dims: readonly number[], data: readonly number[], type: number = DataType.INT64): IntTensor => ({
  kind: "int",
  dims: [...dims],
  data: [...data],
  type,
});

/** The one element type of `parts`; throws naming the op when they differ. */
function oneType(parts: readonly IntTensor[], op: string): number {
  const t = parts[0]!.type;
  if (parts.some((p) => p.type !== t))
    throw new Error(`${op}: integer inputs of types ${parts.map((p) => dataTypeName(p.type)).join(", ")} must share one type`);
  return t;
}

const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

const stridesOf = (dims: readonly number[]): number[] => {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
};

/** numpy broadcasting of two int tensors under an elementwise function. */
export function intBinary(a: IntTensor, b: IntTensor, f: (x: number, y: number) => number, op: string): IntTensor {
  const type = oneType([a, b], op);
  const nd = Math.max(a.dims.length, b.dims.length);
  const da = [...Array(nd - a.dims.length).fill(1), ...a.dims];
  const db = [...Array(nd - b.dims.length).fill(1), ...b.dims];
  const dims = da.map((d, i) => {
    const e = db[i]!;
    if (d !== e && d !== 1 && e !== 1) throw new Error(`${op}: int64 operands of shapes [${a.dims.join(",")}] and [${b.dims.join(",")}] do not broadcast`);
    return d === 1 ? e : d;
  });
  const n = checkedSize(dims, "int64 result", op);
  checkIntSize(n, dims, "the int64 result", op);
  const sa = stridesOf(da).map((s, i) => (da[i] === 1 ? 0 : s));
  const sb = stridesOf(db).map((s, i) => (db[i] === 1 ? 0 : s));
  const so = stridesOf(dims);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let ia = 0;
    let ib = 0;
    for (let k = 0; k < nd; k++) {
      const c = Math.floor(i / so[k]!) % dims[k]!;
      ia += c * sa[k]!;
      ib += c * sb[k]!;
    }
    data[i] = f(a.data[ia]!, b.data[ib]!);
  }
  return { kind: "int", dims, data, type };
}

/** Gather along `axis` with (possibly negative) indices. */
export function intGather(x: IntTensor, idx: IntTensor, axis: number, op: string): IntTensor {
  const r = x.dims.length;
  const ax = axis < 0 ? axis + r : axis;
  if (ax < 0 || ax >= r) throw new Error(`${op}: axis ${axis} is out of range for rank ${r}`);
  const n = x.dims[ax]!;
  const outer = x.dims.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = x.dims.slice(ax + 1).reduce((p, d) => p * d, 1);
  const outDims = [...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)];
  checkIntSize(product(outDims), outDims, "the int64 Gather result", op);
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const raw of idx.data) {
      const j = raw < 0 ? raw + n : raw;
      if (j < 0 || j >= n) throw new Error(`${op}: index ${raw} is out of range for axis ${ax} of size ${n}`);
      for (let i = 0; i < inner; i++) data.push(x.data[(o * n + j) * inner + i]!);
    }
  return { kind: "int", dims: [...x.dims.slice(0, ax), ...idx.dims, ...x.dims.slice(ax + 1)], data, type: x.type };
}

/** Concat along `axis`. */
export function intConcat(parts: readonly IntTensor[], axis: number, op: string): IntTensor {
  const r = parts[0]!.dims.length;
  const ax = axis < 0 ? axis + r : axis;
  if (ax < 0 || ax >= r) throw new Error(`${op}: axis ${axis} is out of range for rank ${r}`);
  for (const p of parts)
    if (p.dims.length !== r || p.dims.some((d, i) => i !== ax && d !== parts[0]!.dims[i]))
      throw new Error(`${op}: int64 inputs of shapes ${parts.map((q) => `[${q.dims.join(",")}]`).join(", ")} differ outside axis ${ax}`);
  const type = oneType(parts, op);
  const outer = parts[0]!.dims.slice(0, ax).reduce((p, d) => p * d, 1);
  const total = parts.reduce((s, p) => s + p.data.length, 0);
  const outDims = [...parts[0]!.dims];
  outDims[ax] = parts.reduce((s, p) => s + p.dims[ax]!, 0);
  checkIntSize(total, outDims, "the int64 Concat result", op);
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const p of parts) {
      const chunk = p.dims.slice(ax).reduce((q, d) => q * d, 1);
      for (let i = 0; i < chunk; i++) data.push(p.data[o * chunk + i]!);
    }
  const dims = [...parts[0]!.dims];
  dims[ax] = parts.reduce((s, p) => s + p.dims[ax]!, 0);
  return { kind: "int", dims, data, type };
}

/**
 * ONNX Slice normalization of one axis without listing positions: the first index, the step and the count. Starts and
 * ends may be anything int64 holds (PyTorch writes INT64_MAX for "to the end"); they are clamped as ONNX says.
 */
export function sliceRange(n: number, start: number, end: number, step: number, op: string): { first: number; step: number; count: number } {
  if (step === 0 || !Number.isFinite(step) || !Number.isInteger(step)) throw new Error(`${op}: slice step must be a non-zero integer, got ${step}`);
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, 0), n);
  } else {
    s = Math.min(Math.max(s, -1), n - 1);
    e = Math.min(Math.max(e, -1), n - 1);
  }
  const count = step > 0 ? Math.max(0, Math.ceil((e - s) / step)) : Math.max(0, Math.ceil((s - e) / -step));
  return { first: s, step, count };
}

/** Slice with per-axis position lists (from sliceRange). */
export function intSlice(x: IntTensor, positions: readonly (readonly number[])[]): IntTensor {
  const dims = positions.map((p) => p.length); // a slice is never larger than x, already within MAX_INT_ELEMENTS
  const st = stridesOf(x.dims);
  const n = dims.reduce((p, d) => p * d, 1);
  const so = stridesOf(dims);
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += positions[k]![Math.floor(i / so[k]!) % dims[k]!]! * st[k]!;
    data[i] = x.data[src]!;
  }
  return { kind: "int", dims, data, type: x.type };
}

/** Transpose by `perm`. */
export function intTranspose(x: IntTensor, perm: readonly number[]): IntTensor {
  const dims = perm.map((p) => x.dims[p]!);
  const st = stridesOf(x.dims);
  const so = stridesOf(dims);
  const n = x.data.length;
  const data = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += (Math.floor(i / so[k]!) % dims[k]!) * st[perm[k]!]!;
    data[i] = x.data[src]!;
  }
  return { kind: "int", dims, data, type: x.type };
}

/**
 * ReduceSum / ReduceProd of an integer tensor (a shape's element count, say) over sorted distinct `axes`; a result
 * beyond 2^53 cannot be held exactly in a number and is refused.
 */
export function intReduce(x: IntTensor, axes: readonly number[], keepdims: boolean, kind: "sum" | "prod", op: string): IntTensor {
  if (x.type !== DataType.INT64 && x.type !== DataType.INT32) throw new Error(`${op}: a ${kind} of a ${dataTypeName(x.type)} tensor is not supported`);
  const nd = x.dims.length;
  const keptDims = x.dims.filter((_, i) => !axes.includes(i));
  const outStrides = stridesOf(keptDims);
  const data = new Array<number>(product(keptDims)).fill(kind === "prod" ? 1 : 0);
  const inStrides = stridesOf(x.dims);
  for (let i = 0; i < x.data.length; i++) {
    let o = 0;
    for (let k = 0, j = 0; k < nd; k++) {
      if (axes.includes(k)) continue;
      o += (Math.floor(i / inStrides[k]!) % x.dims[k]!) * outStrides[j++]!;
    }
    data[o] = kind === "prod" ? data[o]! * x.data[i]! : data[o]! + x.data[i]!;
    if (!Number.isSafeInteger(data[o])) throw new Error(`${op}: the integer ${kind} leaves the range of exactly held integers (±2^53)`);
  }
  return { kind: "int", dims: keepdims ? x.dims.map((d, i) => (axes.includes(i) ? 1 : d)) : keptDims, data, type: x.type };
}

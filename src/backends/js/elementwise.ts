// Fast elementwise, reduction and copy kernels: merge the axes every operand steps through densely, then run one
// generated typed-array loop per innermost run (a channel of NCHW broadcasting is one run with a scalar operand).
import { binaryRuns, type FloatArray, unaryRuns } from "./elementwise-loops.generated.js";

export type { FloatArray } from "./elementwise-loops.generated.js";
export type BinaryKernelOp = keyof typeof binaryRuns;
export type UnaryKernelOp = keyof typeof unaryRuns;
export type ReduceKernelOp = "sum" | "mean" | "max" | "min" | "prod";

/** An operand read (or the result written) through strides already broadcast to the call's shape (0 = repeated). */
export interface StridedView {
  readonly data: FloatArray;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** A number as a view that repeats it over any shape (kept in float64: the reference computes with the JS number). */
export function scalarView(v: number, ndim: number): StridedView {
  return { data: Float64Array.of(v), strides: new Array<number>(ndim).fill(0), offset: 0 };
}

export interface Collapsed {
  shape: number[];
  strides: number[][];
}

/**
 * Drops size-1 axes and merges neighbours that every operand steps through as one (outer stride = inner stride ×
 * inner size); the element order stays row-major. Zero-size shapes are the caller's business.
 */
export function collapse(shape: readonly number[], views: readonly (readonly number[])[]): Collapsed {
  const sh: number[] = [];
  const st: number[][] = views.map(() => []);
  for (let ax = 0; ax < shape.length; ax++) {
    const d = shape[ax]!;
    if (d === 1) continue;
    const last = sh.length - 1;
    let merge = last >= 0;
    for (let v = 0; v < views.length && merge; v++) merge = st[v]![last] === views[v]![ax]! * d;
    if (merge) {
      sh[last] = sh[last]! * d;
      for (let v = 0; v < views.length; v++) st[v]![last] = views[v]![ax]!;
    } else {
      sh.push(d);
      for (let v = 0; v < views.length; v++) st[v]!.push(views[v]![ax]!);
    }
  }
  return { shape: sh, strides: st };
}

/** Picks the loop copy compiled for this dtype (one copy per dtype combination keeps element access monomorphic). */
const isF64 = (x: FloatArray): boolean => x instanceof Float64Array;

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** o ← op(a, b) elementwise over `shape` (every view already broadcast to it). */
export function binaryInto(op: BinaryKernelOp, shape: readonly number[], o: StridedView, a: StridedView, b: StridedView): void {
  if (size(shape) === 0) return;
  const od = o.data,
    ad = a.data,
    bd = b.data;
  const run = binaryRuns[op][(isF64(od) ? 4 : 0) + (isF64(ad) ? 2 : 0) + (isF64(bd) ? 1 : 0)]!;
  const { shape: sh, strides } = collapse(shape, [o.strides, a.strides, b.strides]);
  const so = strides[0]!,
    sa = strides[1]!,
    sb = strides[2]!;
  const nd = sh.length;
  let oi = o.offset,
    ai = a.offset,
    bi = b.offset;
  if (nd <= 1) {
    run(od, oi, nd ? so[0]! : 1, ad, ai, nd ? sa[0]! : 0, bd, bi, nd ? sb[0]! : 0, nd ? sh[0]! : 1);
    return;
  }
  const inner = sh[nd - 1]!,
    os = so[nd - 1]!,
    as = sa[nd - 1]!,
    bs = sb[nd - 1]!;
  const outer = size(sh) / inner;
  const idx = new Int32Array(nd - 1);
  for (let r = 0; r < outer; r++) {
    run(od, oi, os, ad, ai, as, bd, bi, bs, inner);
    for (let ax = nd - 2; ax >= 0; ax--) {
      oi += so[ax]!;
      ai += sa[ax]!;
      bi += sb[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      oi -= so[ax]! * sh[ax]!;
      ai -= sa[ax]! * sh[ax]!;
      bi -= sb[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
  }
}

/** o ← op(a) elementwise over `shape`; `identity` is a strided copy (and a cast when the dtypes differ). */
export function unaryInto(op: UnaryKernelOp, shape: readonly number[], o: StridedView, a: StridedView): void {
  const n = size(shape);
  if (n === 0) return;
  const od = o.data,
    ad = a.data;
  const run = unaryRuns[op][(isF64(od) ? 2 : 0) + (isF64(ad) ? 1 : 0)]!;
  const { shape: sh, strides } = collapse(shape, [o.strides, a.strides]);
  const so = strides[0]!,
    sa = strides[1]!;
  const nd = sh.length;
  let oi = o.offset,
    ai = a.offset;
  if (nd <= 1) {
    const os = nd ? so[0]! : 1,
      as = nd ? sa[0]! : 0;
    // a dense copy between arrays of one dtype is a memcpy
    if (op === "identity" && os === 1 && as === 1 && od.constructor === ad.constructor) od.set(ad.subarray(ai, ai + n), oi);
    else run(od, oi, os, ad, ai, as, nd ? sh[0]! : 1);
    return;
  }
  const inner = sh[nd - 1]!,
    os = so[nd - 1]!,
    as = sa[nd - 1]!;
  const outer = n / inner;
  const idx = new Int32Array(nd - 1);
  for (let r = 0; r < outer; r++) {
    run(od, oi, os, ad, ai, as, inner);
    for (let ax = nd - 2; ax >= 0; ax--) {
      oi += so[ax]!;
      ai += sa[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      oi -= so[ax]! * sh[ax]!;
      ai -= sa[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
  }
}

/** o ← cond ≠ 0 ? a : b elementwise over `shape` (numpy's where; NaN counts as true, as numpy). */
export function whereInto(shape: readonly number[], o: StridedView, c: StridedView, a: StridedView, b: StridedView): void {
  const n = size(shape);
  if (n === 0) return;
  const { shape: sh, strides } = collapse(shape, [o.strides, c.strides, a.strides, b.strides]);
  const nd = sh.length;
  const so = strides[0]!,
    sc = strides[1]!,
    sa = strides[2]!,
    sb = strides[3]!;
  const od = o.data,
    cd = c.data,
    ad = a.data,
    bd = b.data;
  const inner = nd ? sh[nd - 1]! : 1;
  const os = nd ? so[nd - 1]! : 1,
    cs = nd ? sc[nd - 1]! : 0,
    as = nd ? sa[nd - 1]! : 0,
    bs = nd ? sb[nd - 1]! : 0;
  let oi = o.offset,
    ci = c.offset,
    ai = a.offset,
    bi = b.offset;
  const outer = n / inner;
  const idx = new Int32Array(Math.max(0, nd - 1));
  for (let r = 0; r < outer; r++) {
    for (let i = 0, p = oi, q = ci, s = ai, t = bi; i < inner; i++, p += os, q += cs, s += as, t += bs) od[p] = cd[q] !== 0 ? ad[s]! : bd[t]!;
    for (let ax = nd - 2; ax >= 0; ax--) {
      oi += so[ax]!;
      ci += sc[ax]!;
      ai += sa[ax]!;
      bi += sb[ax]!;
      if (++idx[ax]! < sh[ax]!) break;
      oi -= so[ax]! * sh[ax]!;
      ci -= sc[ax]! * sh[ax]!;
      ai -= sa[ax]! * sh[ax]!;
      bi -= sb[ax]! * sh[ax]!;
      idx[ax] = 0;
    }
  }
}

function sumRun(x: FloatArray, i: number, s: number, n: number, acc: number): number {
  if (s === 1) for (let k = 0; k < n; k++) acc += x[i + k]!;
  else for (let k = 0; k < n; k++, i += s) acc += x[i]!;
  return acc;
}
function prodRun(x: FloatArray, i: number, s: number, n: number, acc: number): number {
  for (let k = 0; k < n; k++, i += s) acc *= x[i]!;
  return acc;
}
function maxRun(x: FloatArray, i: number, s: number, n: number, acc: number): number {
  for (let k = 0; k < n; k++, i += s) {
    const v = x[i]!;
    // biome-ignore lint/suspicious/noSelfCompare: v !== v is the NaN test that keeps this hot loop free of calls
    acc = v > acc || v !== v ? v : acc;
  }
  return acc;
}
function minRun(x: FloatArray, i: number, s: number, n: number, acc: number): number {
  for (let k = 0; k < n; k++, i += s) {
    const v = x[i]!;
    // biome-ignore lint/suspicious/noSelfCompare: the NaN test, as in maxRun
    acc = v < acc || v !== v ? v : acc;
  }
  return acc;
}

/**
 * out[k] ← op over the `axes` (sorted, distinct) of x, for each position k of the kept axes in row-major order.
 * Sums and products accumulate in float64 in row-major order of the reduced axes, as the reference does.
 */
export function reduceInto(op: ReduceKernelOp, shape: readonly number[], x: StridedView, axes: readonly number[], out: FloatArray): void {
  const keptAxes: number[] = [];
  for (let i = 0; i < shape.length; i++) if (!axes.includes(i)) keptAxes.push(i);
  const kept = collapse(
    keptAxes.map((a) => shape[a]!),
    [keptAxes.map((a) => x.strides[a]!)],
  );
  const red = collapse(
    axes.map((a) => shape[a]!),
    [axes.map((a) => x.strides[a]!)],
  );
  const nOut = size(kept.shape);
  const count = size(axes.map((a) => shape[a]!));
  const run = op === "max" ? maxRun : op === "min" ? minRun : op === "prod" ? prodRun : sumRun;
  const init = op === "max" ? -Infinity : op === "min" ? Infinity : op === "prod" ? 1 : 0;
  const xd = x.data;
  const kd = kept.shape.length,
    ks = kept.strides[0]!;
  const rd = red.shape.length,
    rs = red.strides[0]!;
  const inner = rd ? red.shape[rd - 1]! : 1,
    is = rd ? rs[rd - 1]! : 0;
  const rOuter = count === 0 ? 0 : count / inner;
  const kIdx = new Int32Array(kd);
  const rIdx = new Int32Array(Math.max(0, rd - 1));
  let base = x.offset;
  for (let o = 0; o < nOut; o++) {
    let acc = init;
    let xi = base;
    for (let r = 0; r < rOuter; r++) {
      acc = run(xd, xi, is, inner, acc);
      for (let ax = rd - 2; ax >= 0; ax--) {
        xi += rs[ax]!;
        if (++rIdx[ax]! < red.shape[ax]!) break;
        xi -= rs[ax]! * red.shape[ax]!;
        rIdx[ax] = 0;
      }
    }
    out[o] = op === "mean" ? acc / count : acc;
    for (let ax = kd - 1; ax >= 0; ax--) {
      base += ks[ax]!;
      if (++kIdx[ax]! < kept.shape[ax]!) break;
      base -= ks[ax]! * kept.shape[ax]!;
      kIdx[ax] = 0;
    }
  }
}

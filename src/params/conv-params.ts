// THE shape arithmetic of convolution and transposed convolution: user options → validated ConvGeometry.
import type { ConvGeometry, Layout } from "./geometry.js";
import { type OptionSnapshot, showValue, snapshotOptions } from "./options.js";
import { type PaddingMode, checkPaddingMode, readPaddingMode } from "./padding-mode.js";

export type ConvOp = "convolution" | "deconvolution";

/** Padding: a number (all axes), one number per axis (symmetric), one [begin, end] pair per axis, or a mode. */
export type Padding = number | readonly number[] | readonly (readonly [number, number])[] | "valid" | "same" | "same-lower";

export interface ConvOptions {
  /** step of the kernel over the image side (number or one per axis); default 1 */
  strides?: number | readonly number[];
  /** default 0; "same" = ONNX SAME_UPPER (extra padding at the end), "same-lower" = SAME_LOWER */
  padding?: Padding;
  /** spacing between kernel taps; default 1 */
  dilation?: number | readonly number[];
  /** channel groups; default 1 */
  groups?: number;
  /** default channels-first for the input's rank (NCW, NCHW, NCDHW) */
  layout?: Layout;
  /** deconvolution only: extra output positions at the end of each axis, each < max(stride, dilation) */
  outputPadding?: number | readonly number[];
  /** deconvolution only: the spatial output size wanted; the resolver derives outputPadding (or SAME padding) */
  outputShape?: readonly number[];
  /** what the padding holds: "zeros" (default), "reflect", "replicate" or "circular" (PyTorch's padding_mode);
   *  deconvolution with a mode is the adjoint of convolution with that mode */
  paddingMode?: PaddingMode;
}

export interface ResolvedConv {
  readonly op: ConvOp;
  readonly layout: Layout;
  readonly geometry: ConvGeometry;
  /** full shape of the op's result, in its layout */
  readonly outputShape: readonly number[];
  /** the geometry's padding holds this (see params/padding-mode.ts); kernels run "zeros" on paddedGeometry otherwise */
  readonly paddingMode: PaddingMode;
}

const LAYOUTS: Record<number, readonly [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };
/** The option names of npx.convolution / npx.deconvolution (bias is read by ops/conv.ts, the rest here). */
export const CONV_OPTIONS: readonly string[] = ["strides", "padding", "dilation", "groups", "layout", "outputPadding", "outputShape", "bias", "paddingMode"];

const fmt = (v: readonly unknown[]): string => `[${v.map((x) => (Array.isArray(x) ? fmt(x) : showValue(x))).join(",")}]`;

/**
 * Coordinates (q·s − padBegin + a·d, output sizes) are computed in doubles: every per-axis quantity must stay an exact
 * integer, so each option value and each axis' span is limited to 2^53 − 1.
 */
const MAX_COORD = Number.MAX_SAFE_INTEGER;

/** nd copies of a value; a plain loop, since Array.from({ length }) is slow on this per-call path. */
function filled(nd: number, v: number): number[] {
  const out = axes(nd);
  for (let i = 0; i < nd; i++) out[i] = v;
  return out;
}

/** A per-axis list to fill by index: sized once, half the cost of growing [] by push on this per-call path. */
function axes(nd: number): number[] {
  return new Array<number>(nd);
}

/** " (at most 2^53 − 1)" when a value is an integer too large to compute with exactly, else "". */
function tooBig(list: readonly unknown[]): string {
  return list.some((x) => typeof x === "number" && Number.isInteger(x) && !Number.isSafeInteger(x) && x > 0) ? " (at most 2^53 − 1)" : "";
}

/** Number.isSafeInteger's test; spelled out since isSafeInteger is not inlined by V8 and this runs per shape entry. */
function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v <= MAX_COORD && v >= -MAX_COORD;
}

/** A fresh per-axis list from a scalar or a list of length nd, each an integer in [min, 2^53 − 1]. */
function perAxis(op: ConvOp, name: string, v: unknown, nd: number, dflt: number, min: number): number[] {
  if (v === undefined || v === null) return filled(nd, dflt);
  if (typeof v === "number") {
    if (!isInt(v) || v < min) throw new Error(`${op}: ${name}=${fmt(filled(nd, v))} must be integers >= ${min}${tooBig([v])}`);
    return filled(nd, v);
  }
  if (!Array.isArray(v)) throw new Error(`${op}: ${name}=${showValue(v)} must be a number or a list of ${nd} numbers`);
  const list = v as readonly unknown[];
  if (list.length !== nd) throw new Error(`${op}: ${name}=${fmt(list)} must have ${nd} entries, one per spatial axis`);
  // a loop, not every/slice with a closure: this runs on every call, on the snapshot's frozen arrays
  const out = axes(nd);
  for (let i = 0; i < nd; i++) {
    const x = list[i];
    if (!isInt(x) || x < min) throw new Error(`${op}: ${name}=${fmt(list)} must be integers >= ${min}${tooBig(list)}`);
    out[i] = x;
  }
  return out;
}

/** A caller's shape as a fresh list of non-negative safe integers (a dense array; anything else is an error). */
function readShape(op: ConvOp, what: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new Error(`${op}: ${what} shape ${showValue(shape)} must be a list of sizes`);
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = Object.hasOwn(shape, i) ? shape[i] : undefined;
    if (!isInt(d) || d < 0) throw new Error(`${op}: ${what} shape ${fmt(Array.from(shape, (x) => x))} must hold non-negative integers`);
    out.push(d);
  }
  return out;
}

/** SAME padding split (ONNX auto_pad): SAME_UPPER puts the odd unit at the end, SAME_LOWER at the beginning. */
function sameBegin(total: number, lower: boolean): number {
  const small = Math.trunc(total / 2); // ONNX integer division truncates towards zero
  return lower ? total - small : small;
}

/**
 * Explicit padding written into per-axis `begin` and `end` (length nd, filled here); false for "same"/"same-lower", whose
 * padding depends on the output size. Loops, not map with pair arrays: this runs on every call.
 */
function explicitPadding(op: ConvOp, padding: unknown, nd: number, begin: number[], end: number[]): boolean {
  if (padding === undefined || padding === null || padding === "valid") {
    for (let i = 0; i < nd; i++) (begin[i] = 0), (end[i] = 0);
    return true;
  }
  if (padding === "same" || padding === "same-lower") return false;
  if (typeof padding === "string")
    throw new Error(`${op}: padding="${padding}" is not one of "valid", "same", "same-lower", a number, per-axis numbers or [begin, end] pairs`);
  if (typeof padding === "number") {
    if (!isInt(padding) || padding < 0) throw new Error(`${op}: padding=${padding} must be an integer >= 0${tooBig([padding])}`);
    for (let i = 0; i < nd; i++) (begin[i] = padding), (end[i] = padding);
    return true;
  }
  if (!Array.isArray(padding) || padding.length !== nd)
    throw new Error(`${op}: padding=${showValue(padding)} must have ${nd} entries, one per spatial axis (a number or a [begin, end] pair each)`);
  for (let i = 0; i < nd; i++) {
    const p: unknown = padding[i];
    if (typeof p === "number" && isInt(p) && p >= 0) {
      (begin[i] = p), (end[i] = p);
      continue;
    }
    const pair = typeof p === "number" ? [p, p] : p;
    if (!Array.isArray(pair) || pair.length !== 2 || !isInt(pair[0]) || pair[0] < 0 || !isInt(pair[1]) || pair[1] < 0)
      throw new Error(`${op}: padding=${fmt(padding)} must hold integers >= 0 or [begin, end] pairs of them${tooBig(Array.isArray(pair) ? pair : [])}`);
    (begin[i] = pair[0]), (end[i] = pair[1]);
  }
  return true;
}

/**
 * Resolves `op(x, w, options)` into a ConvGeometry and the result's shape, validating everything first.
 *
 * convolution, per axis:   out = ⌊(in + padBegin + padEnd − d·(k − 1) − 1) / s⌋ + 1
 * deconvolution, per axis: out = (in − 1)·s − padBegin − padEnd + d·(k − 1) + outputPadding + 1
 * SAME (ONNX auto_pad):    conv out = ⌈in / s⌉, total = max(0, (out − 1)·s + d·(k − 1) + 1 − in);
 *                          deconv out = in·s (or outputShape), total = s·(in − 1) + outputPadding + d·(k − 1) + 1 − out
 */
export function resolveConv(op: ConvOp, xShape: readonly number[], wShape: readonly number[], options?: ConvOptions): ResolvedConv {
  if (op !== "convolution" && op !== "deconvolution") throw new Error(`resolveConv: op=${showValue(op)} is not "convolution" or "deconvolution"`);
  return resolveConvSnapshot(op, readShape(op, "input", xShape), readShape(op, "weight", wShape), snapshotOptions(op, options, CONV_OPTIONS));
}

/**
 * resolveConv on an options snapshot (params/options.ts) and shapes already copied: the ops snapshot once at their
 * entry and pass the copy here, so nothing the caller changes later (or a Proxy answers twice) can reach the geometry.
 */
export function resolveConvSnapshot(op: ConvOp, xShape: readonly number[], wShape: readonly number[], options: OptionSnapshot): ResolvedConv {
  const rank = xShape.length;
  if (rank < 3 || rank > 5) throw new Error(`${op}: input must be 3-D, 4-D or 5-D (batch, channels, 1 to 3 spatial axes), got shape ${fmt(xShape)}`);
  const nd = rank - 2;
  if (wShape.length !== rank) throw new Error(`${op}: weight rank ${wShape.length} (shape ${fmt(wShape)}) != input rank ${rank} (shape ${fmt(xShape)})`);
  const layouts = LAYOUTS[nd]!;
  const layout = (options.layout ?? layouts[0]) as Layout;
  if (!layouts.includes(layout)) {
    const all = Object.values(LAYOUTS).flat();
    if (!all.includes(layout))
      throw new Error(`${op}: unknown layout ${typeof layout === "string" ? `"${layout}"` : showValue(layout)}; use one of ${all.join(", ")}`);
    throw new Error(
      `${op}: layout "${layout}" is for ${layout.length - 2}-D convolution, but the input ${fmt(xShape)} has ${nd} spatial axes (use ${layouts.join(" or ")})`,
    );
  }
  const channelsLast = layout === layouts[1];
  for (let i = 0; i < rank; i++) {
    if (!isInt(xShape[i]) || xShape[i]! < 0) throw new Error(`${op}: input shape ${fmt(xShape)} must hold non-negative integers`);
    if (!isInt(wShape[i]) || wShape[i]! < 0) throw new Error(`${op}: weight shape ${fmt(wShape)} must hold non-negative integers`);
  }

  const batch = xShape[0]!;
  const xChannels = channelsLast ? xShape[rank - 1]! : xShape[1]!;
  const wGrid = wShape[0]!;
  const wImagePerGroup = channelsLast ? wShape[rank - 1]! : wShape[1]!;
  const strides = perAxis(op, "strides", options.strides, nd, 1, 1);
  const dilation = perAxis(op, "dilation", options.dilation, nd, 1, 1);
  const groups = (options.groups ?? 1) as number;
  if (!isInt(groups) || groups < 1) throw new Error(`${op}: groups=${showValue(groups)} must be an integer >= 1`);
  // spatial axes start at 1 (channels-last) or 2 (channels-first); plain loops, no map/closures: this runs on every call
  const first = channelsLast ? 1 : 2;
  const inSize = axes(nd);
  const kernel = axes(nd);
  const dk = axes(nd);
  for (let i = 0; i < nd; i++) {
    inSize[i] = xShape[first + i]!;
    kernel[i] = wShape[first + i]!;
    dk[i] = dilation[i]! * (wShape[first + i]! - 1) + 1;
  }
  for (let i = 0; i < nd; i++) {
    if (kernel[i]! < 1) throw new Error(`${op}: kernel size ${fmt(kernel)} (from weight shape ${fmt(wShape)}) must be >= 1 on every axis`);
    if (inSize[i]! < 1) throw new Error(`${op}: input spatial size ${fmt(inSize)} must be >= 1 on every axis`);
  }
  if (xChannels < 1) throw new Error(`${op}: input has ${xChannels} channels; at least 1 is needed`);

  // channels: the weight's first axis is always the grid side (conv: Cout; deconv: Cin)
  const isConv = op === "convolution";
  const imageChannels = isConv ? xChannels : wImagePerGroup * groups;
  const gridChannels = isConv ? wGrid : xChannels;
  if (xChannels % groups !== 0) throw new Error(`${op}: groups=${groups} must divide input channels ${xChannels}`);
  if (isConv) {
    if (wGrid % groups !== 0) throw new Error(`${op}: groups=${groups} must divide output channels ${wGrid} (weight axis 0)`);
    if (wImagePerGroup * groups !== xChannels)
      throw new Error(`${op}: input has ${xChannels} channels, weight expects ${wImagePerGroup * groups} (weight shape ${fmt(wShape)}, groups=${groups})`);
  } else if (wGrid !== xChannels)
    throw new Error(`${op}: input has ${xChannels} channels, weight expects ${wGrid} (weight shape ${fmt(wShape)}, axis 0 is input channels)`);
  if (wImagePerGroup < 1) throw new Error(`${op}: weight shape ${fmt(wShape)} has no ${isConv ? "input" : "output"} channels`);

  const padBegin = axes(nd);
  const padEnd = axes(nd);
  let outputPadding: number[], imageSize: number[], gridSize: number[];
  const explicit = explicitPadding(op, options.padding, nd, padBegin, padEnd);
  const lower = options.padding === "same-lower";

  if (isConv) {
    if (options.outputPadding != null) throw new Error(`${op}: outputPadding applies to deconvolution only`);
    if (options.outputShape != null) throw new Error(`${op}: outputShape applies to deconvolution only`);
    if (!explicit)
      for (let i = 0; i < nd; i++) {
        const n = inSize[i]!,
          s = strides[i]!;
        const total = Math.max(0, (Math.ceil(n / s) - 1) * s + dk[i]! - n);
        padBegin[i] = sameBegin(total, lower);
        padEnd[i] = total - padBegin[i]!;
      }
    outputPadding = filled(nd, 0);
    imageSize = inSize;
    gridSize = axes(nd);
    for (let i = 0; i < nd; i++) {
      const padded = inSize[i]! + padBegin[i]! + padEnd[i]!;
      if (padded < dk[i]!) throw new Error(`${op}: padded input ${padded} is smaller than the dilated kernel ${dk[i]} on axis ${i}`);
      gridSize[i] = Math.floor((padded - dk[i]!) / strides[i]!) + 1;
    }
  } else {
    const limit = axes(nd);
    for (let i = 0; i < nd; i++) limit[i] = Math.max(strides[i]!, dilation[i]!);
    const givenOpad = options.outputPadding == null ? null : perAxis(op, "outputPadding", options.outputPadding, nd, 0, 0);
    if (givenOpad)
      for (let i = 0; i < nd; i++)
        if (givenOpad[i]! >= limit[i]!) throw new Error(`${op}: outputPadding=${fmt(givenOpad)} must be < max(strides, dilation)=${fmt(limit)} on every axis`);
    gridSize = inSize;
    const want = options.outputShape === undefined || options.outputShape === null ? null : (options.outputShape as readonly number[]);
    if (want !== null) {
      let ok = Array.isArray(want) && want.length === nd;
      for (let i = 0; ok && i < nd; i++) ok = isInt(want[i]) && want[i]! >= 1;
      if (!ok) throw new Error(`${op}: outputShape=${showValue(want)} must be ${nd} positive integers (the spatial output size)`);
    }
    if (explicit) {
      if (want) {
        const base: number[] = [];
        outputPadding = [];
        let bad = -1;
        for (let i = 0; i < nd; i++) {
          base.push((inSize[i]! - 1) * strides[i]! - padBegin[i]! - padEnd[i]! + dk[i]!);
          outputPadding.push(want[i]! - base[i]!);
          if (bad < 0 && (outputPadding[i]! < 0 || outputPadding[i]! >= limit[i]!)) bad = i;
        }
        if (bad >= 0)
          throw new Error(`${op}: outputShape ${fmt(want)} is unreachable; reachable range on axis ${bad} is ${base[bad]}..${base[bad]! + limit[bad]! - 1}`);
        if (givenOpad?.some((p, i) => p !== outputPadding[i]))
          throw new Error(`${op}: outputPadding=${fmt(givenOpad)} disagrees with outputShape ${fmt(want)}, which needs outputPadding=${fmt(outputPadding)}`);
      } else outputPadding = givenOpad ?? filled(nd, 0);
    } else {
      // SAME: the output is in·s (or outputShape) and the padding is whatever gives it. A negative total (kernel
      // shorter than the stride) extends the output at the end: that is output padding, so, as with explicit padding,
      // it must stay < max(s, d): outputShape reaches 1 .. s·(in − 1) + d·(k − 1) + max(s, d) on each axis.
      outputPadding = [];
      for (let i = 0; i < nd; i++) {
        const n = inSize[i]!,
          s = strides[i]!,
          opad = givenOpad ? givenOpad[i]! : 0;
        const target = want ? want[i]! : n * s;
        const total = s * (n - 1) + opad + dk[i]! - target;
        const extended = total < 0 ? opad - total : opad;
        if (extended >= limit[i]!) {
          const top = s * (n - 1) + dk[i]! + limit[i]! - 1;
          const shown = want ?? inSize.map((m, j) => m * strides[j]!);
          throw new Error(
            `${op}: outputShape ${fmt(shown)} is unreachable with padding "${String(options.padding)}"; reachable range on axis ${i} is 1..${top}`,
          );
        }
        outputPadding.push(extended);
        padBegin[i] = sameBegin(Math.max(0, total), lower);
        padEnd[i] = Math.max(0, total) - padBegin[i]!;
      }
    }
    imageSize = axes(nd);
    let bad = -1;
    for (let i = 0; i < nd; i++) {
      imageSize[i] = (inSize[i]! - 1) * strides[i]! - padBegin[i]! - padEnd[i]! + dk[i]! + outputPadding[i]!;
      if (bad < 0 && imageSize[i]! < 1) bad = i;
    }
    if (bad >= 0)
      throw new Error(
        `${op}: output size ${imageSize[bad]} on axis ${bad} is not positive: (in − 1)·s − padBegin − padEnd + d·(k − 1) + outputPadding + 1 = ` +
          `(${inSize[bad]} − 1)·${strides[bad]} − ${padBegin[bad]} − ${padEnd[bad]} + ${dilation[bad]}·(${kernel[bad]} − 1) + ${outputPadding[bad]} + 1`,
      );
  }

  for (let i = 0; i < nd; i++) {
    // the largest coordinate any loop computes on this axis: q·s + a·d over the grid and taps, or the padded image
    const span = Math.max((gridSize[i]! - 1) * strides[i]! + dk[i]!, imageSize[i]! + padBegin[i]! + padEnd[i]! + outputPadding[i]!);
    if (!(span <= MAX_COORD))
      throw new Error(
        `${op}: axis ${i} spans ${span} positions (sizes, strides, padding and dilation together), beyond 2^53 − 1 where coordinates stay exact integers`,
      );
  }

  const paddingMode = readPaddingMode(op, options.paddingMode);
  checkPaddingMode(op, paddingMode, imageSize, padBegin, padEnd);

  const geometry: ConvGeometry = {
    nd,
    batch,
    groups,
    imageChannels,
    gridChannels,
    imageSize,
    gridSize,
    kernel,
    strides,
    dilation,
    padBegin,
    padEnd,
    outputPadding,
    channelsLast,
  };
  const outChannels = isConv ? gridChannels : imageChannels;
  const outSize = isConv ? gridSize : imageSize;
  // filled by index, not spread: this runs on every call
  const outputShape = axes(rank);
  outputShape[0] = batch;
  outputShape[channelsLast ? rank - 1 : 1] = outChannels;
  for (let i = 0; i < nd; i++) outputShape[first + i] = outSize[i]!;
  return { op, layout, geometry, outputShape, paddingMode };
}

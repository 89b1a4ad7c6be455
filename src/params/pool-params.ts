// The shape arithmetic of pooling: npx.pooling options → validated PoolGeometry (folded to three spatial axes).
import type { Layout } from "./geometry.js";
import { readBoolean, readEnum, readIntList, showValue, snapshotOptions } from "./options.js";

export type PoolType = "max" | "avg" | "sum";
/** "valid": ⌊(in + 2p − k)/s⌋ + 1 windows; "full": ⌈(in + 2p − k)/s⌉ + 1 (Gluon's ceilMode), as MXNet */
export type PoolingConvention = "valid" | "full";

export interface PoolingOptions {
  /** window size per spatial axis (a number for all); required unless globalPool */
  kernel?: number | readonly number[];
  /** default 1 per axis (MXNet's op; Gluon's layers default to the window size) */
  stride?: number | readonly number[];
  /** zero padding at both ends of each axis; default 0; must be smaller than the window */
  pad?: number | readonly number[];
  /** default "max" */
  poolType?: PoolType;
  /** pool over the whole spatial extent (kernel = input size, stride 1, pad 0); default false */
  globalPool?: boolean;
  /** avg: divide by the window size including padding (true, MXNet's default) or by the real elements only */
  countIncludePad?: boolean;
  /** default channels-first for the input's rank */
  layout?: Layout;
  /** default "valid" */
  poolingConvention?: PoolingConvention;
}

export const POOLING_OPTIONS = ["kernel", "stride", "pad", "poolType", "globalPool", "countIncludePad", "layout", "poolingConvention"] as const;

/**
 * Resolved pooling, with the spatial axes folded to three (leading axes of size 1 for 1-D and 2-D) so one kernel
 * serves every rank. Window o along an axis covers input positions [o·stride − pad, o·stride − pad + kernel).
 */
export interface PoolGeometry {
  readonly nd: number;
  readonly batch: number;
  readonly channels: number;
  readonly channelsLast: boolean;
  readonly poolType: PoolType;
  readonly countIncludePad: boolean;
  /** the folded [D, H, W] input and output sizes, window, stride and padding */
  readonly inSize: readonly [number, number, number];
  readonly outSize: readonly [number, number, number];
  readonly kernel: readonly [number, number, number];
  readonly stride: readonly [number, number, number];
  readonly pad: readonly [number, number, number];
  readonly layout: Layout;
  readonly outputShape: readonly number[];
}

const LAYOUTS: Record<number, readonly [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };

const fold = (v: readonly number[], fill: number): [number, number, number] => {
  const out: [number, number, number] = [fill, fill, fill];
  for (let i = 0; i < v.length; i++) out[3 - v.length + i] = v[i]!;
  return out;
};

/** Checks `x`'s shape and the options of `where` (npx.pooling or a layer name); throws before any work. */
export function resolvePooling(where: string, xShape: readonly number[], options: unknown): PoolGeometry {
  const o = snapshotOptions(where, options, POOLING_OPTIONS);
  const rank = xShape.length;
  if (rank < 3 || rank > 5)
    throw new Error(`${where}: expects a 3-D, 4-D or 5-D input (batch, channels and 1 to 3 spatial axes), got shape [${xShape.join(",")}]`);
  const nd = rank - 2;
  const layout = readEnum<Layout>(where, "layout", o.layout, LAYOUTS[nd]!, LAYOUTS[nd]![0]);
  const channelsLast = layout === LAYOUTS[nd]![1];
  const spatial = channelsLast ? xShape.slice(1, -1) : xShape.slice(2);
  const channels = channelsLast ? xShape[rank - 1]! : xShape[1]!;
  const poolType = readEnum<PoolType>(where, "poolType", o.poolType, ["max", "avg", "sum"], "max");
  const globalPool = readBoolean(where, "globalPool", o.globalPool, false);
  const countIncludePad = readBoolean(where, "countIncludePad", o.countIncludePad, true);
  const convention = readEnum<PoolingConvention>(where, "poolingConvention", o.poolingConvention, ["valid", "full"], "valid");
  if (spatial.some((d) => d < 1)) throw new Error(`${where}: input shape [${xShape.join(",")}] has an empty spatial axis`);
  let kernel: number[], stride: number[], pad: number[];
  if (globalPool) {
    kernel = [...spatial];
    stride = spatial.map(() => 1);
    pad = spatial.map(() => 0);
  } else {
    if (o.kernel === undefined || o.kernel === null) throw new Error(`${where}: kernel is required (or globalPool: true), e.g. { kernel: 2 }`);
    kernel = readIntList(where, "kernel", o.kernel, nd, 1, 1);
    stride = readIntList(where, "stride", o.stride, nd, 1, 1);
    pad = readIntList(where, "pad", o.pad, nd, 0, 0);
  }
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    const [n, k, s, p] = [spatial[i]!, kernel[i]!, stride[i]!, pad[i]!];
    if (p >= k)
      throw new Error(
        `${where}: pad=${showValue(o.pad)} must be smaller than the window kernel=${showValue(o.kernel)} on every axis (axis ${i}: ${p} >= ${k})`,
      );
    if (k > n + 2 * p)
      throw new Error(
        `${where}: window ${k} on spatial axis ${i} is larger than the input ${n} padded to ${n + 2 * p} (kernel=${showValue(o.kernel)}, pad=${showValue(o.pad ?? 0)}, input shape [${xShape.join(",")}])`,
      );
    let q = convention === "valid" ? Math.floor((n + 2 * p - k) / s) + 1 : Math.ceil((n + 2 * p - k) / s) + 1;
    // "full": drop a last window that would start inside the end padding (PyTorch's ceil_mode rule), so every window sees input
    if (convention === "full" && (q - 1) * s >= n + p) q--;
    out.push(q);
  }
  const batch = xShape[0]!;
  return {
    nd,
    batch,
    channels,
    channelsLast,
    poolType,
    countIncludePad,
    inSize: fold(spatial, 1),
    outSize: fold(out, 1),
    kernel: fold(kernel, 1),
    stride: fold(stride, 1),
    pad: fold(pad, 0),
    layout,
    outputShape: channelsLast ? [batch, ...out, channels] : [batch, channels, ...out],
  };
}

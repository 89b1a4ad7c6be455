// Gluon's pooling layers: MaxPool1D/2D/3D, AvgPool1D/2D/3D, GlobalMaxPool1D/2D/3D, GlobalAvgPool1D/2D/3D.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Layout } from "../params/geometry.js";
import { pooling } from "../ops/pooling.js";
import { type PoolingOptions, resolvePooling } from "../params/pool-params.js";
import { readBoolean, readEnum, readIntList, showValue, snapshotOptions } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";

export interface PoolLayerOptions {
  /** window size; default 2 per axis */
  poolSize?: number | readonly number[];
  /** default: poolSize (Gluon's strides=None) */
  strides?: number | readonly number[] | null;
  /** zero padding at both ends; default 0 */
  padding?: number | readonly number[];
  /** ⌈⌉ instead of ⌊⌋ in the output size (MXNet's "full" convention); default false */
  ceilMode?: boolean;
  /** default channels-first */
  layout?: Layout;
}

export interface AvgPoolLayerOptions extends PoolLayerOptions {
  /** divide by the whole window including padding (default true, as Gluon) or by the real elements */
  countIncludePad?: boolean;
}

export interface GlobalPoolLayerOptions {
  layout?: Layout;
}

const LAYOUTS: Record<number, readonly [Layout, Layout]> = { 1: ["NCW", "NWC"], 2: ["NCHW", "NHWC"], 3: ["NCDHW", "NDHWC"] };

abstract class PoolLayer extends Block {
  protected readonly opOptions: PoolingOptions;

  constructor(
    readonly className: string,
    readonly nd: number,
    poolType: "max" | "avg",
    global: boolean,
    options: unknown,
  ) {
    super(className.toLowerCase());
    const where = className;
    const known = global
      ? ["layout"]
      : poolType === "avg"
        ? ["poolSize", "strides", "padding", "ceilMode", "layout", "countIncludePad"]
        : ["poolSize", "strides", "padding", "ceilMode", "layout"];
    const o = snapshotOptions(where, options, known);
    const layout = readEnum<Layout>(where, "layout", o.layout, LAYOUTS[nd]!, LAYOUTS[nd]![0]);
    if (global) {
      this.opOptions = { globalPool: true, poolType, layout };
      return;
    }
    const kernel = readIntList(where, "poolSize", o.poolSize, nd, 2, 1);
    const stride = o.strides === undefined || o.strides === null ? kernel : readIntList(where, "strides", o.strides, nd, 1, 1);
    const pad = readIntList(where, "padding", o.padding, nd, 0, 0);
    pad.forEach((p, i) => {
      if (p >= kernel[i]!)
        throw new Error(
          `${where}: padding=${showValue(o.padding)} must be smaller than poolSize=${showValue(o.poolSize ?? 2)} on every axis (axis ${i}: ${p} >= ${kernel[i]})`,
        );
    });
    const ceilMode = readBoolean(where, "ceilMode", o.ceilMode, false);
    this.opOptions = {
      kernel,
      stride,
      pad,
      poolType,
      layout,
      poolingConvention: ceilMode ? "full" : "valid",
      ...(poolType === "avg" ? { countIncludePad: readBoolean(where, "countIncludePad", o.countIncludePad, true) } : {}),
    };
  }

  protected override describe(): string {
    const o = this.opOptions;
    if (o.globalPool) return `layout=${o.layout}`;
    const parts = [
      `size=${showValue(o.kernel)}`,
      `stride=${showValue(o.stride)}`,
      `padding=${showValue(o.pad)}`,
      `ceil_mode=${o.poolingConvention === "full"}`,
    ];
    if (o.layout !== LAYOUTS[this.nd]![0]) parts.push(`layout=${o.layout}`);
    if (o.countIncludePad === false) parts.push("count_include_pad=false");
    return parts.join(", ");
  }

  forward(x: NDArray): NDArray {
    if (!(x instanceof NDArray)) throw new Error(`${this.className}: input must be an NDArray, got ${showValue(x)}`);
    if (x.ndim !== this.nd + 2)
      throw new Error(`${this.className}: expects a ${this.nd + 2}-D input (${this.opOptions.layout}), got shape ${formatShape(x.shape)}`);
    resolvePooling(this.className, x.shape, this.opOptions); // errors name the layer
    return pooling(x, this.opOptions);
  }
}

/** Gluon's 1-D max pooling: `new nn.MaxPool1D({ poolSize, strides, padding, ceilMode, layout })` (poolSize default 2, strides default poolSize). */
export class MaxPool1D extends PoolLayer {
  constructor(options?: PoolLayerOptions) {
    super("MaxPool1D", 1, "max", false, options);
  }
}
/** Gluon's 2-D max pooling: `new nn.MaxPool2D({ poolSize, strides, padding, ceilMode, layout })` (poolSize default 2, strides default poolSize). */
export class MaxPool2D extends PoolLayer {
  constructor(options?: PoolLayerOptions) {
    super("MaxPool2D", 2, "max", false, options);
  }
}
/** Gluon's 3-D max pooling: `new nn.MaxPool3D({ poolSize, strides, padding, ceilMode, layout })` (poolSize default 2, strides default poolSize). */
export class MaxPool3D extends PoolLayer {
  constructor(options?: PoolLayerOptions) {
    super("MaxPool3D", 3, "max", false, options);
  }
}
/** Gluon's 1-D average pooling: `new nn.AvgPool1D({ poolSize, strides, padding, ceilMode, layout, countIncludePad })`. */
export class AvgPool1D extends PoolLayer {
  constructor(options?: AvgPoolLayerOptions) {
    super("AvgPool1D", 1, "avg", false, options);
  }
}
/** Gluon's 2-D average pooling: `new nn.AvgPool2D({ poolSize, strides, padding, ceilMode, layout, countIncludePad })`. */
export class AvgPool2D extends PoolLayer {
  constructor(options?: AvgPoolLayerOptions) {
    super("AvgPool2D", 2, "avg", false, options);
  }
}
/** Gluon's 3-D average pooling: `new nn.AvgPool3D({ poolSize, strides, padding, ceilMode, layout, countIncludePad })`. */
export class AvgPool3D extends PoolLayer {
  constructor(options?: AvgPoolLayerOptions) {
    super("AvgPool3D", 3, "avg", false, options);
  }
}
/** Gluon's 1-D global max pooling: the maximum over every spatial position, keeping size-1 spatial axes. */
export class GlobalMaxPool1D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalMaxPool1D", 1, "max", true, options);
  }
}
/** Gluon's 2-D global max pooling: the maximum over every spatial position, keeping size-1 spatial axes. */
export class GlobalMaxPool2D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalMaxPool2D", 2, "max", true, options);
  }
}
/** Gluon's 3-D global max pooling: the maximum over every spatial position, keeping size-1 spatial axes. */
export class GlobalMaxPool3D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalMaxPool3D", 3, "max", true, options);
  }
}
/** Gluon's 1-D global average pooling: the mean over every spatial position, keeping size-1 spatial axes. */
export class GlobalAvgPool1D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalAvgPool1D", 1, "avg", true, options);
  }
}
/** Gluon's 2-D global average pooling: the mean over every spatial position, keeping size-1 spatial axes. */
export class GlobalAvgPool2D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalAvgPool2D", 2, "avg", true, options);
  }
}
/** Gluon's 3-D global average pooling: the mean over every spatial position, keeping size-1 spatial axes. */
export class GlobalAvgPool3D extends PoolLayer {
  constructor(options?: GlobalPoolLayerOptions) {
    super("GlobalAvgPool3D", 3, "avg", true, options);
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(PoolLayer);

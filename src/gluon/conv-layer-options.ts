// The options of the convolution layers (Conv1D…3D and their transposes), shared by the layers and their tools.
import type { Dtype } from "../ndarray/dtype.js";
import type { Layout } from "../params/geometry.js";
import type { Padding } from "../params/conv-params.js";
import type { PaddingMode } from "../params/padding-mode.js";
import type { Initializer } from "../init/initializers.js";
import type { Activation } from "../ops/activation.js";

export interface ConvLayerOptions {
  kernelSize: number | readonly number[];
  strides?: number | readonly number[];
  padding?: Padding;
  dilation?: number | readonly number[];
  groups?: number;
  /** default channels-first (NCW / NCHW / NCDHW) */
  layout?: Layout;
  activation?: Activation | null;
  useBias?: boolean;
  /** default: the initializer given to initialize(), or Uniform(0.07) */
  weightInitializer?: Initializer | null;
  /** default: zeros */
  biasInitializer?: Initializer;
  /** 0 (default): inferred from the first input (deferred initialization) */
  inChannels?: number;
  dtype?: Dtype;
  /** what the padding holds: "zeros" (default), "reflect", "replicate", "circular" (see params/padding-mode.ts) */
  paddingMode?: PaddingMode;
}

export interface ConvTransposeLayerOptions extends ConvLayerOptions {
  outputPadding?: number | readonly number[];
}

// The resolved records kernels receive besides ConvGeometry and PoolGeometry: layouts, plans and option vocabularies
// that the ops compute once and every backend (and the tape, and the ONNX writers) reads as they are.
import type { PaddingMode } from "./padding-mode.js";

/** The pointwise nonlinearities of LeakyReLU-style layers (MXNet's act_type). */
export type LeakyActType = "leaky" | "elu" | "selu" | "gelu";

/**
 * The activation a convolution kernel applies as it stores each result (predict mode only, where nobody observes the
 * pre-activation): ReLU max(·, 0) (NaN kept, −0 → +0), or leaky v > 0 ? v : slope·v (LeakyReLU, or a PReLU whose one
 * slope is shared by every channel). Bit for bit the separate op's result.
 */
export type ConvActivation = { readonly kind: "relu" } | { readonly kind: "hardswish" } | { readonly kind: "leaky"; readonly slope: number };

/** The activations a predict-mode BatchNorm can apply in its own pass. */
export type AffineActivation = "relu" | "leaky";

/**
 * x viewed as [batch, groups·channelsPerGroup, inner] for a group normalisation: each sample's group of consecutive
 * channels is normalised over its channels and positions.
 */
export interface GroupNormView {
  readonly batch: number;
  readonly groups: number;
  readonly channelsPerGroup: number;
  readonly inner: number;
}

/** x viewed as [outer, channels, inner]: the channel axis splits the shape into the axes before and after it. */
export interface ChannelView {
  readonly outer: number;
  readonly channels: number;
  readonly inner: number;
}

/**
 * Depth [N, C·R, D, H, W] ↔ space [N, C, D·rd, H·rh, W·rw] with R = rd·rh·rw and offset (a, b, e) inside a block:
 * CRD (PyTorch's PixelShuffle, ONNX CRD): depth channel = c·R + (a·rh + b)·rw + e;
 * DCR (MXNet's depth_to_space, ONNX's default): depth channel = ((a·rh + b)·rw + e)·C + c.
 */
export interface ShuffleGeometry {
  readonly batch: number;
  /** C: channels on the space side */
  readonly channels: number;
  /** [D, H, W] on the depth side (1 for missing axes) */
  readonly size: readonly [number, number, number];
  /** [rd, rh, rw] (1 for missing axes) */
  readonly factors: readonly [number, number, number];
  readonly mode: "DCR" | "CRD";
}

/** Per output index o of one axis: the two source indices and their weights (l1 = 0: a single source, nearest). */
export interface AxisTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly l0: Float64Array;
  readonly l1: Float64Array;
}

/** Resampling of one axis of an array: which axis, and its taps. */
export interface AxisPlan {
  readonly axis: number;
  readonly taps: AxisTaps;
}

/** Which axes get how much of which padding; `smallShape` is the unpadded (image) shape. */
export interface BorderSpec {
  readonly mode: PaddingMode;
  /** the spatial axes of the full tensor, in order */
  readonly axes: readonly number[];
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
  readonly smallShape: readonly number[];
}

/** How each gradient element is prepared before an optimizer step: g ← clip(rescale·grad, ±clip) + wd·w. */
export interface GradPrep {
  rescale: number;
  /** clip bound, or Infinity for none */
  clip: number;
  wd: number;
}

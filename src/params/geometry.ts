// The fully resolved record every convolution kernel receives; kernels trust it and never validate.

/** Array layouts: channels-first (default) or channels-last, for 1, 2 or 3 spatial axes. */
export type Layout = "NCW" | "NWC" | "NCHW" | "NHWC" | "NCDHW" | "NDHWC";

/**
 * One geometry serves convolution, transposed convolution and both gradients.
 *
 * The *image* side is where padding applies (convolution's input, transposed convolution's output);
 * the *grid* side is the strided side (convolution's output, transposed convolution's input).
 * Along every spatial axis, grid index q and kernel tap a meet image position
 *
 *     p = q·strides − padBegin + a·dilation        (taps with p outside [0, imageSize) read/write zero)
 *
 * so convolution is  grid[q]  = Σ_a image[p]·w[a]   (conv),
 * transposed conv is image[p] += grid[q]·w[a]       (convTransposeData, = conv's input gradient),
 * and the filter gradient is dw[a] = Σ_q image[p]·grid[q]   (convFilterGrad).
 *
 * Weight layout (both ops): channels-first `[gridChannels, imageChannels/groups, ...kernel]`
 * (conv: `[Cout, Cin/g, ...k]`; deconvolution: `[Cin, Cout/g, ...k]`, as MXNet, PyTorch and ONNX);
 * channels-last `[gridChannels, ...kernel, imageChannels/groups]` (MXNet's OHWI for NHWC).
 * Channel c of the grid belongs to group ⌊c / (gridChannels/groups)⌋, and so does image channel
 * ⌊c / (imageChannels/groups)⌋.
 */
export interface ConvGeometry {
  /** number of spatial axes: 1, 2 or 3 */
  readonly nd: number;
  readonly batch: number;
  readonly groups: number;
  readonly imageChannels: number;
  readonly gridChannels: number;
  readonly imageSize: readonly number[];
  readonly gridSize: readonly number[];
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilation: readonly number[];
  readonly padBegin: readonly number[];
  /** the crop at the end of the image side; image = (grid−1)·s − padBegin − padEnd + d·(k−1) + outputPadding + 1 */
  readonly padEnd: readonly number[];
  /** transposed convolution only (zeros for convolution): extra image positions at the end */
  readonly outputPadding: readonly number[];
  /** true for NWC / NHWC / NDHWC: channels are the innermost axis of data and weights */
  readonly channelsLast: boolean;
}

/** Full tensor shapes implied by a geometry, in its layout. */
export function imageShape(g: ConvGeometry): number[] {
  return g.channelsLast ? [g.batch, ...g.imageSize, g.imageChannels] : [g.batch, g.imageChannels, ...g.imageSize];
}

export function gridShape(g: ConvGeometry): number[] {
  return g.channelsLast ? [g.batch, ...g.gridSize, g.gridChannels] : [g.batch, g.gridChannels, ...g.gridSize];
}

export function weightShape(g: ConvGeometry): number[] {
  const perGroup = g.imageChannels / g.groups;
  return g.channelsLast ? [g.gridChannels, ...g.kernel, perGroup] : [g.gridChannels, perGroup, ...g.kernel];
}

/** Multiply–adds of one conv/transposed-conv call (the same count for both): batch·gridC·∏grid·(imageC/g)·∏k. */
export function macCount(g: ConvGeometry): number {
  const prod = (a: readonly number[]) => a.reduce((p, v) => p * v, 1);
  return g.batch * g.gridChannels * prod(g.gridSize) * (g.imageChannels / g.groups) * prod(g.kernel);
}

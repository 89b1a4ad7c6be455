// The Backend interface: every kernel an op, a gradient rule or an optimizer needs, over one device's storage S.
// Ops, rules and layers see only this interface (through dispatch.ts); the CPU backend (backends/cpu/) implements it,
// and a device backend implements it again over its own buffers. A kernel added here and missing from a backend fails
// to compile, because each backend is declared as a `Backend<…>` object literal.
import type { Dtype, FloatArray } from "../ndarray/dtype.js";
import type { IndexStorage } from "../ndarray/storage.js";
import type { ConvGeometry } from "../params/geometry.js";
import type { PoolGeometry } from "../params/pool-params.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../params/elementwise-names.js";
import type {
  AffineActivation,
  AxisTaps,
  ConvActivation,
  ChannelView,
  GradPrep,
  GroupNormView,
  LeakyActType,
  ShuffleGeometry,
} from "../params/kernel-records.js";

/** Elementwise kernels of one operand ("identity" copies: copy, astype, contiguous and in-place assignment use it). */
export type UnaryKernelOp = "identity" | UnaryOp;
/** Elementwise kernels of two operands; comparisons give 1 or 0. */
export type BinaryKernelOp = BinaryOp;
/** Reductions over chosen axes. */
export type ReduceKernelOp = ReduceOp;

/** An operand read (or a result written) through strides already broadcast to the call's shape (0 = repeated). */
export interface StridedView<S = FloatArray> {
  readonly data: S;
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Integer indices a kernel keeps for its backward (max pooling's argmax, dropout's mask map), on the CPU. */
export type IndexArray = Int32Array | Float64Array;

export type { IndexStorage };

/** The gradients a predict-mode batch norm's backward writes; null where no gradient is needed. */
export interface BatchNormPredictGrads<S = FloatArray> {
  dgamma: S | null;
  dbeta: S | null;
  dmean: S | null;
  dvar: S | null;
}

/**
 * One device's kernels. Operands are dense in the layout the record describes unless a StridedView says otherwise;
 * kernels trust the record (params/ validated it) and never validate user input.
 */
export interface Backend<S = FloatArray, I = IndexArray> {
  readonly name: string;
  readonly dtypes: readonly Dtype[];

  // ---- storage ----
  /**
   * A fresh zeroed buffer of n elements; with `overwritten`, the caller writes every element before anything reads
   * it, so a backend may skip the zeroing (a reused CPU array inside a recycling scope is then not cleared first).
   */
  allocate(dtype: Dtype, n: number, overwritten?: boolean): S;
  /** A buffer for n indices into an array of `range` elements (max pooling's argmax); its contents are undefined. */
  allocateIndices(n: number, range: number): I;
  /** A number as a view that repeats it over any shape of `ndim` axes. */
  scalar(v: number, ndim: number): StridedView<S>;

  // ---- elementwise, where, reductions ----
  /** o ← op(x) over `shape`. */
  unaryInto(op: UnaryKernelOp, shape: readonly number[], o: StridedView<S>, x: StridedView<S>): void;
  /** o ← op(a, b) over `shape` (every view already broadcast to it). */
  binaryInto(op: BinaryKernelOp, shape: readonly number[], o: StridedView<S>, a: StridedView<S>, b: StridedView<S>): void;
  /** o ← c ≠ 0 ? a : b. */
  whereInto(shape: readonly number[], o: StridedView<S>, c: StridedView<S>, a: StridedView<S>, b: StridedView<S>): void;
  /** out[k] ← op over `axes` of x, for each position k of the kept axes in row-major order. */
  reduceInto(op: ReduceKernelOp, shape: readonly number[], x: StridedView<S>, axes: readonly number[], out: S): void;

  // ---- convolution family (see params/geometry.ts for image and grid sides) ----
  /** Convolution forward, and transposed convolution's input gradient; `act`: the result goes through it. */
  imageToGrid(g: ConvGeometry, dtype: Dtype, image: S, w: S, bias: S | null, act?: ConvActivation | null): S;
  /**
   * imageToGrid(…) plus `residual` (dense, the result's shape and dtype), each element rounded as the two results'
   * elementwise add would be: a convolution fused with the residual Add after it. Optional: where a backend lacks it,
   * the op runs imageToGrid and the add.
   */
  imageToGridAdd?(g: ConvGeometry, dtype: Dtype, image: S, w: S, bias: S | null, residual: S): S;
  /** Transposed convolution forward, and convolution's input gradient; `act` as in imageToGrid. */
  gridToImage(g: ConvGeometry, dtype: Dtype, grid: S, w: S, bias: S | null, act?: ConvActivation | null): S;
  /** The weight gradient of either op. */
  weightGrad(g: ConvGeometry, dtype: Dtype, image: S, grid: S): S;
  /** C (M × N) = A (M × K) · B (K × N), row-major. */
  matmul(dtype: Dtype, M: number, N: number, K: number, a: S, b: S): S;
  /** C[i] = A[i]·B[i] for i < batch: dense stacks of M × K and K × N matrices (np.matmul of 3-D and more). */
  matmulBatched(dtype: Dtype, batch: number, M: number, N: number, K: number, a: S, b: S): S;
  /**
   * out[o, i] = x[o, c, i] with c = ids[o, i] rounded, then clipped to [0, n) or wrapped (numpy's mod) by `mode`;
   * chosen[o, i] ← c (x viewed as [outer, n, inner]). A non-finite id throws on the CPU; a device throws at once when
   * it holds the ids' values on the host, and otherwise writes NaN to out and chosen and reports an Error naming
   * npx.pick at the next wait() / data() / npx.waitAll().
   */
  pickAxis(x: S, ids: S, outer: number, n: number, inner: number, mode: "clip" | "wrap", out: S, chosen: S): void;

  // ---- padding modes: gather into the padded array, and its adjoint ----
  padGather(small: S, smallShape: readonly number[], tables: readonly (Int32Array | null)[], big: S, bigShape: readonly number[]): void;
  foldScatter(big: S, bigShape: readonly number[], tables: readonly (Int32Array | null)[], small: S, smallShape: readonly number[]): void;
  /** out[…, c, …] = bias[c] along `axis`. */
  fillChannels(out: S, shape: readonly number[], axis: number, bias: S): void;

  // ---- resampling along one axis, and its adjoint ----
  resampleAxis(x: S, outer: number, inSize: number, inner: number, taps: AxisTaps, out: S): void;
  resampleAxisAdjoint(g: S, outer: number, inSize: number, inner: number, taps: AxisTaps, dx: S): void;

  // ---- pooling ----
  /** y ← pooling of x; for max with `argmax`, argmax[o] ← the index in x of window o's first maximum (row-major). */
  poolForward(g: PoolGeometry, x: S, y: S, argmax: I | null): void;
  /** dx (zeroed) ← the adjoint of poolForward applied to dy: max sends dy[o] to argmax[o]; avg/sum spread it. */
  poolBackward(g: PoolGeometry, dy: S, dx: S, argmax: I | null): void;
  /** y[o] = x[argmax[o]]: max pooling with the forward's winners fixed (the adjoint of max's poolBackward). */
  poolGather(x: S, argmax: I, y: S): void;

  // ---- batch normalization (per-channel statistics in allocateStats buffers: float64 on the CPU, float32 on a GPU) ----
  /** A buffer for n per-channel statistics (batch mean, variance, invstd, predict mode's affine map). */
  allocateStats(n: number): S;
  batchNormTrainForward(v: ChannelView, x: S, gamma: S, beta: S, eps: number, y: S, mean: S, variance: S, invstd: S): void;
  /** Predict mode's affine map per channel: a = γ/√(σ²_run + eps), shift = β − μ_run·a. */
  batchNormPredictAffine(C: number, gamma: S, beta: S, runMean: S, runVar: S, eps: number, a: S, shift: S): void;
  /** y = a[c]·x + b[c] (predict mode folded into one affine map per channel). */
  batchNormAffineForward(v: ChannelView, x: S, a: S, b: S, y: S): void;
  /** The affine map and a ReLU / LeakyReLU in one pass. */
  batchNormAffineActForward(v: ChannelView, x: S, a: S, b: S, act: AffineActivation, slope: number, y: S): void;
  batchNormTrainBackward(v: ChannelView, x: S, dy: S, gamma: S, mean: S, invstd: S, dx: S | null, dgamma: S | null, dbeta: S | null): void;
  batchNormPredictBackward(v: ChannelView, x: S, dy: S, gamma: S, runMean: S, runVar: S, eps: number, dx: S | null, grads: BatchNormPredictGrads<S>): void;
  /**
   * Group normalisation's forward (instance norm is one channel per group): per sample n and group g, μ and the biased
   * σ² over the group's channels and positions, then y = γ[c]·(x − μ)·invstd + β[c] per channel c, one pass. Writes μ and
   * invstd = 1/√(σ² + eps) per (n, g), n-major.
   */
  groupNormForward(v: GroupNormView, x: S, gamma: S, beta: S, eps: number, y: S, mean: S, invstd: S): void;
  /** run[c] ← momentum·run[c] + (1 − momentum)·batch[c] for c < n, in place through the view (running statistics). */
  batchNormRunningUpdate(run: StridedView<S>, batch: S, n: number, momentum: number): void;

  // ---- activations beyond the elementwise table ----
  leakyForward(act: LeakyActType, slope: number, x: S, y: S): void;
  leakyBackward(act: LeakyActType, slope: number, x: S, dy: S, dx: S): void;
  softsignForward(x: S, y: S): void;
  softsignBackward(x: S, dy: S, dx: S): void;
  /** x viewed as [outer, C, inner], one slope per channel. */
  preluForward(outer: number, C: number, inner: number, x: S, alpha: S, y: S): void;
  preluBackward(outer: number, C: number, inner: number, x: S, alpha: S, dy: S, dx: S | null, dalpha: S | null): void;

  // ---- concat and split along an axis (rows of `blocks[i]` elements, `outer` times) ----
  concatRows(parts: readonly S[], blocks: readonly number[], outer: number, out: S): void;
  splitRows(src: S, blocks: readonly number[], outer: number, parts: readonly (S | null)[]): void;

  // ---- depth ↔ space ----
  pixelShuffle(g: ShuffleGeometry, depth: S, space: S, toSpace: boolean): void;

  // ---- dropout ----
  /**
   * A keep mask scaled by 1/(1 − p) on this backend, drawn with `uniform` (np.random, so np.random.seed repeats it): the
   * CPU draws every element from it, a device draws a seed from it and hashes element indices on the device.
   */
  dropoutMask(n: number, p: number, uniform: () => number): S;
  /** y = x · mask (through `map`, a CPU table, when one mask element serves several). */
  applyMask(x: S, mask: S, map: IndexArray | null, y: S): void;

  // ---- optimizer updates, in place over the first n elements ----
  sgdUpdate(w: S, grad: S, v: S | null, n: number, p: GradPrep, lr: number, momentum: number): void;
  adamUpdate(w: S, grad: S, m: S, v: S, n: number, p: GradPrep, lrT: number, beta1: number, beta2: number, epsilon: number): void;
}

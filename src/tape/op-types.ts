// The op catalogue: every op that records on the tape, by name, with the attributes its gradient rule and its ONNX
// writer read. The tape, the gradient table and the exporter's table are all typed from it, so an op added here
// without a gradient rule or an export rule (or an explicit null) fails to compile.
import type { NDArray, Operand } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/dtype.js";
import type { IndexStorage, Storage } from "../ndarray/storage.js";
import type { Index } from "../ndarray/indexing.js";
import type { ConvGeometry } from "../params/geometry.js";
import type { PoolGeometry } from "../params/pool-params.js";
import type { AxisPlan, BorderSpec, ChannelView, LeakyActType, ShuffleGeometry } from "../params/kernel-records.js";

import type { BinaryOp, ReduceOp, UnaryOp } from "../params/elementwise-names.js";

export { BINARY_OPS, UNARY_OPS } from "../params/elementwise-names.js";
export type { BinaryOp, ReduceOp, UnaryOp } from "../params/elementwise-names.js";

interface BinaryAttrs {
  readonly a: Operand;
  readonly b: Operand;
}
type NoAttrs = Readonly<Record<never, never>>;
/** gather_axis / scatter_axis: source index along `axis` (length n) per position, −1 for a zero; fromData: from a grid's values */
interface AxisTableAttrs {
  readonly axis: number;
  readonly table: Int32Array;
  readonly n: number;
  readonly fromData: boolean;
}
interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepdims: boolean;
}
interface ConvAttrs {
  readonly geometry: ConvGeometry;
  readonly hasBias: boolean;
}

/** Batch norm in training mode keeps the batch statistics; in predict mode the running ones it used (allocateStats buffers on the op's device). */
export type BatchNormAttrs =
  | { readonly mode: "train"; readonly view: ChannelView; readonly mean: Storage; readonly invstd: Storage; readonly eps: number }
  | { readonly mode: "predict"; readonly view: ChannelView; readonly eps: number; readonly runMean: Storage; readonly runVar: Storage };

/** Op name → the attributes recorded with it. */
export type OpAttrs = { readonly [K in BinaryOp]: BinaryAttrs } & { readonly [K in UnaryOp]: NoAttrs } & { readonly [K in ReduceOp]: ReduceAttrs } & {
  readonly where: { readonly cond: Operand; readonly a: Operand; readonly b: Operand };
  readonly index: { readonly index: readonly Index[] };
  readonly reshape: { readonly shape: readonly number[] };
  readonly transpose: { readonly axes: readonly number[] };
  readonly copy: NoAttrs;
  readonly astype: { readonly dtype: Dtype };
  readonly dot: NoAttrs;
  readonly matmul: NoAttrs;
  readonly convolution: ConvAttrs;
  readonly deconvolution: ConvAttrs;
  readonly softmax: { readonly axis: number };
  readonly log_softmax: { readonly axis: number };
  readonly pick: { readonly axis: number; readonly ids: NDArray };
  readonly batch_norm: BatchNormAttrs;
  readonly pooling: { readonly geometry: PoolGeometry; readonly argmax: IndexStorage | null };
  readonly leaky_relu: { readonly actType: LeakyActType; readonly slope: number };
  readonly softsign: NoAttrs;
  readonly prelu: { readonly outer: number; readonly channels: number; readonly inner: number };
  readonly concatenate: { readonly axis: number; readonly outer: number; readonly blocks: readonly number[] };
  readonly depth_to_space: { readonly geometry: ShuffleGeometry };
  readonly space_to_depth: { readonly geometry: ShuffleGeometry };
  readonly dropout: { readonly mask: Storage; readonly map: Int32Array | Float64Array | null };
  readonly pad: { readonly pads: readonly (readonly [number, number])[]; readonly constantValues: number };
  readonly padBorder: { readonly spec: BorderSpec };
  readonly foldBorder: { readonly spec: BorderSpec; readonly biasAxis: number };
  readonly resampleAxis: { readonly plan: AxisPlan; readonly inShape: readonly number[] };
  readonly resampleAxisTranspose: { readonly plan: AxisPlan; readonly outShape: readonly number[] };
  // the ops gradient rules are written in, so a gradient can be differentiated again (autograd.grad's createGraph)
  readonly conv_weight_grad: { readonly geometry: ConvGeometry };
  readonly pooling_backward: { readonly geometry: PoolGeometry; readonly argmax: IndexStorage | null; readonly inShape: readonly number[] };
  readonly pooling_gather: { readonly geometry: PoolGeometry; readonly argmax: IndexStorage; readonly inShape: readonly number[] };
  readonly index_scatter: { readonly index: readonly Index[]; readonly shape: readonly number[] };
  readonly leaky_relu_derivative: { readonly actType: LeakyActType; readonly slope: number };
  readonly gather_axis: AxisTableAttrs;
  readonly scatter_axis: AxisTableAttrs;
  // traced for export only (tape.ts traceOp): its gradients flow through the gathers it is recorded as
  readonly grid_sample: { readonly paddingMode: "zeros" | "border"; readonly alignCorners: boolean };
  // traced for export only: one layer of rnn.LSTM / rnn.GRU (both directions) as one ONNX LSTM / GRU node; inputs
  // [x, then per direction i2h weight, h2h weight, i2h bias, h2h bias] in Gluon's gate order; recorded as its steps
  readonly rnn_layer: { readonly mode: "lstm" | "gru"; readonly timeAxis: 0 | 1; readonly hidden: number; readonly directions: 1 | 2 };
};

/** Every op name that records on the tape. */
export type OpName = keyof OpAttrs;

/** One recorded op of kind K: what it left on its output for its gradient rule (and the exporter) to read. */
export interface TapeNodeOf<K extends OpName> {
  readonly op: K;
  readonly inputs: readonly NDArray[];
  readonly attrs: OpAttrs[K];
}

/** Any recorded op: a union discriminated by `op`, so `switch (node.op)` narrows `attrs`. */
export type TapeNode = { [K in OpName]: TapeNodeOf<K> }[OpName];

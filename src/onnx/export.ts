// onnx.exportModel: traces a Block's forward for given input shapes and writes one ONNX node per tconv op that ran.
import { NDArray, type Operand } from "../ndarray/ndarray.js";
import type { Index } from "../ndarray/indexing.js";
import { BINARY_OPS, type BinaryOp, type OpName, type ReduceOp, type TapeNodeOf, UNARY_OPS, type UnaryOp } from "../tape/op-types.js";
import { ONNX_ELEMENTWISE } from "../params/elementwise-names.js";
import { Block } from "../gluon/block.js";
import { pause, withTracer } from "../tape/tape.js";
import { matchResize } from "./resize.js";
import { showValue, snapshotOptions } from "../params/options.js";
import { DataType, encodeModel, type AttributeRecord, type NodeRecord, type TensorRecord, type ValueInfoRecord, writeTensor } from "./proto.js";

const OP = "onnx.exportModel";

export interface ExportOptions {
  /** default-domain opset of the written model, 13 to 17; default 17 */
  opset?: number;
  /**
   * write the first axis as a symbolic "N" for the inputs whose first axis is the first input's and the outputs whose
   * first axis follows it; reshapes keep it with a 0 entry. The forward is traced again at another batch size, and a
   * graph that changes with the batch size is refused. Default true.
   */
  dynamicBatch?: boolean;
}

/** One op the traced forward ran: its catalogued node and the array it produced. */
type Traced<K extends OpName = OpName> = TapeNodeOf<K> & { readonly output: NDArray };

// AttributeProto.AttributeType
const attrInt = (name: string, i: number): AttributeRecord => ({ name, type: 2, i });
const attrInts = (name: string, ints: readonly number[]): AttributeRecord => ({ name, type: 7, ints: [...ints] });
const attrFloat = (name: string, f: number): AttributeRecord => ({ name, type: 1, f });

const REDUCE: { readonly [K in ReduceOp]: string } = { sum: "ReduceSum", mean: "ReduceMean", max: "ReduceMax", min: "ReduceMin", prod: "ReduceProd" };

const BIG = 2 ** 62;

/** A basic-index list → ONNX Slice starts/ends/axes/steps plus the axes integer indices drop. */
function sliceOf(index: readonly Index[]) {
  const starts: number[] = [];
  const ends: number[] = [];
  const axes: number[] = [];
  const steps: number[] = [];
  const squeeze: number[] = [];
  index.forEach((ix, axis) => {
    let start: number | null = null;
    let stop: number | null = null;
    let step: number | null = null;
    if (ix === null || ix === ":") return;
    if (typeof ix === "number" || (typeof ix === "string" && /^\s*-?\d+\s*$/.test(ix))) {
      // a negative index stays negative (Slice counts it from the end at run time, so x.at(-1) holds at every batch size)
      const i = Number(ix);
      starts.push(i), ends.push(i === -1 ? BIG : i + 1), axes.push(axis), steps.push(1), squeeze.push(axis);
      return;
    }
    if (typeof ix === "string") {
      const p = ix.split(":").map((s) => (s.trim() === "" ? null : Number(s)));
      [start, stop, step] = [p[0] ?? null, p[1] ?? null, p[2] ?? null];
    } else [start, stop, step] = [ix[0] ?? null, ix[1] ?? null, ix[2] ?? null];
    const s = step ?? 1;
    starts.push(start ?? (s > 0 ? 0 : BIG));
    ends.push(stop ?? (s > 0 ? BIG : -BIG));
    axes.push(axis);
    steps.push(s);
  });
  return { starts, ends, axes, steps, squeeze };
}

class GraphWriter {
  readonly nodes: NodeRecord[] = [];
  private readonly names = new Map<NDArray, string>();
  private count = 0;

  constructor(
    private readonly opset: number,
    private readonly constantOf: (x: NDArray) => boolean,
  ) {}

  fresh(base: string): string {
    return `${base}_${this.count++}`;
  }
  setName(x: NDArray, name: string): void {
    this.names.set(x, name);
  }
  has(x: NDArray): boolean {
    return this.names.has(x);
  }
  /** The tensor name of x; arrays no traced op produced become initializers holding their values. */
  nameOf(x: NDArray): string {
    const known = this.names.get(x);
    if (known) return known;
    if (!this.constantOf(x)) throw new Error(`${OP}: internal error, an array of shape [${x.shape.join(",")}] has no producer`);
    const name = this.constant("const", x.shape, x.asTypedArray(), x.dtype === "float64" ? DataType.DOUBLE : DataType.FLOAT);
    this.names.set(x, name);
    return name;
  }
  /** A Constant node (not an initializer: importers would take float initializers for trainable parameters). */
  constant(base: string, dims: readonly number[], data: ArrayLike<number>, type: 1 | 7 | 11): string {
    const name = this.fresh(base);
    this.node("Constant", [], [{ name: "value", type: 4, t: writeTensor(name, dims, data, type) }], name);
    return name;
  }
  scalar(v: number, dtype: NDArray["dtype"]): string {
    return this.constant("scalar", [], [v], dtype === "float64" ? DataType.DOUBLE : DataType.FLOAT);
  }
  int64(values: readonly number[]): string {
    return this.constant("ints", [values.length], values, DataType.INT64);
  }
  node(opType: string, inputs: string[], attrs: AttributeRecord[] = [], output?: string): string {
    const out = output ?? this.fresh(opType);
    this.nodes.push({ name: `${opType}_${this.nodes.length}`, op_type: opType, input: inputs, output: [out], attribute: attrs });
    return out;
  }

  /** The tensor names of a traced op's inputs. */
  ins(t: Traced): string[] {
    return t.inputs.map((x) => this.nameOf(x));
  }
  /** The default opset this model declares. */
  get version(): number {
    return this.opset;
  }

  /** Writes the nodes of one traced op by its rule in WRITERS; returns the name of its output. */
  write<K extends OpName>(t: Traced<K>, batch: number | null): string {
    const rule: ExportRule<K> = WRITERS[t.op];
    if (typeof rule === "string") throw new Error(`${OP}: the forward ran op "${t.op}", which has no ONNX form: ${rule}`);
    return rule(this, t, batch);
  }
}

/** Writes one traced op of kind K as ONNX nodes; returns its output's tensor name. */
type Writer<K extends OpName> = (w: GraphWriter, t: Traced<K>, batch: number | null) => string;
/** A writer, or the reason the op has no ONNX form (the export then fails naming the op). */
type ExportRule<K extends OpName> = Writer<K> | string;

const floatType = (dt: NDArray["dtype"]) => (dt === "float64" ? DataType.DOUBLE : DataType.FLOAT);
const text = (name: string, value: string): AttributeRecord => ({ name, type: 3, s: new TextEncoder().encode(value) });

/**
 * An elementwise op's ONNX chain (declared in params/elementwise-ops.json): the first node takes the operands (a number
 * becomes a scalar initializer), each next node the previous output; a boolean result is cast back to the float type.
 */
const elementwiseWriter: Writer<UnaryOp | BinaryOp> = (w, t) => {
  const form = ONNX_ELEMENTWISE[t.op];
  if (typeof form === "string") throw new Error(`${OP}: ${t.op}: ${form}`);
  const operand = (v: Operand) => (v instanceof NDArray ? w.nameOf(v) : w.scalar(v, t.output.dtype));
  let out = "";
  form.nodes.forEach((opType, i) => {
    out = w.node(opType, i > 0 ? [out] : "a" in t.attrs ? [operand(t.attrs.a), operand(t.attrs.b)] : w.ins(t));
  });
  return form.boolean ? w.node("Cast", [out], [attrInt("to", floatType(t.output.dtype))]) : out;
};
/** Every elementwise name → its writer. The loop runs over the generated list the names' type comes from, so the
 * one cast (Partial → complete) cannot hide a missing entry. */
function elementwiseWriters(): { readonly [K in UnaryOp | BinaryOp]: ExportRule<K> } {
  const table: Partial<Record<UnaryOp | BinaryOp, ExportRule<UnaryOp | BinaryOp>>> = {};
  for (const op of [...UNARY_OPS, ...BINARY_OPS]) {
    const form = ONNX_ELEMENTWISE[op];
    table[op] = typeof form === "string" ? form : elementwiseWriter;
  }
  return table as Record<UnaryOp | BinaryOp, ExportRule<UnaryOp | BinaryOp>>;
}
const reduceWriter: Writer<ReduceOp> = (w, t) => {
  const keep = attrInt("keepdims", t.attrs.keepdims ? 1 : 0);
  const opType = REDUCE[t.op];
  if (t.op === "sum" || w.version >= 18) return w.node(opType, [...w.ins(t), w.int64(t.attrs.axes)], [keep]);
  return w.node(opType, w.ins(t), [attrInts("axes", t.attrs.axes), keep]);
};
const convWriter: Writer<"convolution" | "deconvolution"> = (w, t) => {
  const g = t.attrs.geometry;
  if (g.channelsLast) throw new Error(`${OP}: a ${t.op} with a channels-last layout cannot be written as ONNX (ONNX convolutions are channels-first)`);
  const a = [
    attrInts("kernel_shape", g.kernel),
    attrInts("strides", g.strides),
    attrInts("dilations", g.dilation),
    attrInts("pads", [...g.padBegin, ...g.padEnd]),
    attrInt("group", g.groups),
  ];
  if (t.op === "deconvolution" && g.outputPadding.some((p) => p !== 0)) a.push(attrInts("output_padding", g.outputPadding));
  return w.node(t.op === "convolution" ? "Conv" : "ConvTranspose", w.ins(t), a);
};
const shuffleWriter: Writer<"depth_to_space" | "space_to_depth"> = (w, t) => {
  const g = t.attrs.geometry;
  const f = g.factors.slice(1);
  if (t.inputs[0]!.ndim !== 4 || f[0] !== f[1]) throw new Error(`${OP}: ${t.op} needs a 4-D input and one block size for both axes to be written as ONNX`);
  if (t.op === "space_to_depth") {
    if (g.mode !== "DCR") throw new Error(`${OP}: spaceToDepth with mode "CRD" has no ONNX form (ONNX SpaceToDepth is DCR)`);
    return w.node("SpaceToDepth", w.ins(t), [attrInt("blocksize", f[0]!)]);
  }
  return w.node("DepthToSpace", w.ins(t), [attrInt("blocksize", f[0]!), text("mode", g.mode)]);
};

/** Every catalogued op → how it is written as ONNX nodes, or why it cannot be. A new op without an entry fails to compile. */
export const WRITERS: { readonly [K in OpName]: ExportRule<K> } = {
  ...elementwiseWriters(),
  // ONNX's Mod needs fmod=1 for floats (C's fmod, the dividend's sign)
  fmod: (w, t) => {
    const operand = (v: Operand) => (v instanceof NDArray ? w.nameOf(v) : w.scalar(v, t.output.dtype));
    return w.node("Mod", [operand(t.attrs.a), operand(t.attrs.b)], [attrInt("fmod", 1)]);
  },
  // after the generated writers: these need attributes or an opset-13 fallback that a node chain cannot say
  hardsigmoid: (w, t) => w.node("HardSigmoid", w.ins(t), [attrFloat("alpha", 1 / 6), attrFloat("beta", 0.5)]),
  // HardSwish is opset 14; opset 13 gets x·HardSigmoid(x), the same function
  hardswish: (w, t) => {
    const x = w.ins(t);
    if (w.version >= 14) return w.node("HardSwish", x);
    return w.node("Mul", [x[0]!, w.node("HardSigmoid", x, [attrFloat("alpha", 1 / 6), attrFloat("beta", 0.5)])]);
  },
  where: "where has no ONNX writer in tconv (its condition is not an ONNX boolean tensor)",
  sum: reduceWriter,
  mean: reduceWriter,
  max: reduceWriter,
  min: reduceWriter,
  prod: reduceWriter,
  convolution: convWriter,
  deconvolution: convWriter,
  reshape: (w, t, batch) => {
    const x = t.inputs[0]!;
    const shape = [...t.output.shape];
    // keep a dynamic batch axis: 0 copies the input's first dimension; a reshape that merges the leading input axes
    // into axis 0 (batch first among them) or splits input axis 0 into leading axes (batch first) gets −1 there
    const prod = (d: readonly number[], k: number) => d.slice(0, k).reduce((p, v) => p * v, 1);
    const leading = (from: readonly number[], to: readonly number[]) => from.some((_, k) => k > 0 && prod(from, k + 1) === to[0]);
    if (batch !== null && shape.length > 0) {
      if (x.shape[0] === batch && shape[0] === batch) shape[0] = 0;
      else if ((x.shape[0] === batch && leading(x.shape, shape)) || (shape[0] === batch && leading(shape, x.shape))) shape[0] = -1;
    }
    return w.node("Reshape", [...w.ins(t), w.int64(shape)]);
  },
  transpose: (w, t) => w.node("Transpose", w.ins(t), [attrInts("perm", t.attrs.axes)]),
  index: (w, t) => {
    const s = sliceOf(t.attrs.index);
    let y = w.ins(t)[0]!;
    if (s.axes.length > 0) y = w.node("Slice", [y, w.int64(s.starts), w.int64(s.ends), w.int64(s.axes), w.int64(s.steps)]);
    if (s.squeeze.length > 0) y = w.node("Squeeze", [y, w.int64(s.squeeze)]);
    return s.axes.length === 0 ? w.node("Identity", [y]) : y;
  },
  copy: (w, t) => w.node("Identity", w.ins(t)),
  astype: (w, t) => w.node("Cast", w.ins(t), [attrInt("to", floatType(t.output.dtype))]),
  dot: (w, t) => w.node("MatMul", w.ins(t)),
  matmul: (w, t) => w.node("MatMul", w.ins(t)),
  softmax: (w, t) => w.node("Softmax", w.ins(t), [attrInt("axis", t.attrs.axis)]),
  log_softmax: (w, t) => w.node("LogSoftmax", w.ins(t), [attrInt("axis", t.attrs.axis)]),
  pick: "pick (a gather by computed indices) has no ONNX writer in tconv",
  pad: (w, t) => {
    const pads = t.attrs.pads;
    return w.node("Pad", [...w.ins(t), w.int64([...pads.map((p) => p[0]), ...pads.map((p) => p[1])]), w.scalar(t.attrs.constantValues, t.output.dtype)], []);
  },
  concatenate: (w, t) => w.node("Concat", w.ins(t), [attrInt("axis", t.attrs.axis)]),
  batch_norm: (w, t) => {
    const x = t.inputs[0]!;
    if (t.attrs.mode !== "predict")
      throw new Error(`${OP}: a batch norm ran in training mode while tracing; export traces the inference graph (call exportModel outside autograd.record)`);
    if (x.ndim < 2 || t.attrs.view.outer !== x.shape[0])
      throw new Error(`${OP}: a batch norm over an axis other than 1 cannot be written as ONNX BatchNormalization`);
    return w.node("BatchNormalization", w.ins(t), [attrFloat("epsilon", t.attrs.eps)]);
  },
  pooling: (w, t) => {
    const g = t.attrs.geometry;
    if (g.channelsLast) throw new Error(`${OP}: pooling with a channels-last layout cannot be written as ONNX`);
    const spatial = t.inputs[0]!.shape.slice(2);
    const k = g.kernel.slice(3 - g.nd);
    const isGlobal = k.every((v, i) => v === spatial[i]) && g.outSize.slice(3 - g.nd).every((v) => v === 1) && g.pad.every((p) => p === 0);
    const s = g.stride.slice(3 - g.nd);
    const p = g.pad.slice(3 - g.nd);
    const outs = g.outSize.slice(3 - g.nd);
    // MXNet's "full" convention is ceil_mode; the output size tells which one ran
    const ceil = outs.some((o, i) => o !== Math.floor((spatial[i]! + 2 * p[i]! - k[i]!) / s[i]!) + 1);
    const window = [attrInts("kernel_shape", k), attrInts("strides", s), attrInts("pads", [...p, ...p]), attrInt("ceil_mode", ceil ? 1 : 0)];
    if (g.poolType === "max") return isGlobal ? w.node("GlobalMaxPool", w.ins(t)) : w.node("MaxPool", w.ins(t), window);
    const avg = isGlobal
      ? w.node("GlobalAveragePool", w.ins(t))
      : w.node("AveragePool", w.ins(t), [...window, attrInt("count_include_pad", g.countIncludePad ? 1 : 0)]);
    return g.poolType === "avg"
      ? avg
      : w.node("Mul", [
          avg,
          w.scalar(
            k.reduce((q, v) => q * v, 1),
            t.output.dtype,
          ),
        ]);
  },
  leaky_relu: (w, t) => {
    const { actType, slope } = t.attrs;
    if (actType === "leaky") return w.node("LeakyRelu", w.ins(t), [attrFloat("alpha", slope)]);
    if (actType === "elu") return w.node("Elu", w.ins(t), [attrFloat("alpha", slope)]);
    if (actType === "selu") return w.node("Selu", w.ins(t));
    throw new Error(`${OP}: leakyRelu with actType "${actType}" has no ONNX form in opsets 13 to 17`);
  },
  softsign: (w, t) => w.node("Softsign", w.ins(t)),
  // ONNX PRelu broadcasts the slope numpy-style from the last axis: per-channel slopes go in as [C, 1, …, 1]
  prelu: (w, t) => {
    const [x, gamma] = w.ins(t);
    const rank = t.inputs[0]!.ndim;
    if (t.inputs[1]!.size === 1 || rank < 2) return w.node("PRelu", [x!, gamma!]);
    return w.node("PRelu", [x!, w.node("Reshape", [gamma!, w.int64([t.attrs.channels, ...Array<number>(rank - 2).fill(1)])])]);
  },
  depth_to_space: shuffleWriter,
  space_to_depth: shuffleWriter,
  dropout: (w, t) => w.node("Identity", w.ins(t)),
  resampleAxis: (w, t) => {
    const x = t.inputs[0]!;
    const plan = t.attrs.plan;
    const n = x.shape[plan.axis]!;
    const out = t.output.shape[plan.axis]!;
    const match = matchResize(plan.taps, n);
    if (!match) throw new Error(`${OP}: a resampling of axis ${plan.axis} (${n} → ${out}) matches no ONNX Resize mode`);
    const m = match.mode;
    const a = [text("mode", m.mode), text("coordinate_transformation_mode", m.transform), text("nearest_mode", m.nearest)];
    const scale = Math.fround(match.scale);
    if (Math.floor(n * scale) === out) {
      const scales = x.shape.map((_, i) => (i === plan.axis ? scale : 1));
      return w.node("Resize", [w.ins(t)[0]!, "", w.constant("scales", [scales.length], scales, DataType.FLOAT)], a);
    }
    // out/in does not survive float32: give the sizes, the input's own shape with this axis replaced
    const xName = w.ins(t)[0]!;
    const shape = w.node("Shape", [xName]);
    const sizes = w.node("ScatterElements", [shape, w.int64([plan.axis]), w.int64([out])]);
    return w.node("Resize", [xName, "", "", sizes], a);
  },
  resampleAxisTranspose: "the adjoint of a resampling (a gradient op) has no ONNX writer in tconv",
  padBorder: (w, t) => {
    const spec = t.attrs.spec;
    const mode = spec.mode === "reflect" ? "reflect" : spec.mode === "replicate" ? "edge" : null;
    if (!mode) throw new Error(`${OP}: padding mode "${spec.mode}" has no ONNX Pad form in opsets 13 to 17 (circular needs opset 19's "wrap")`);
    const r = t.inputs[0]!.ndim;
    const begins = new Array<number>(r).fill(0);
    const ends = new Array<number>(r).fill(0);
    spec.axes.forEach((ax, i) => ((begins[ax] = spec.padBegin[i]!), (ends[ax] = spec.padEnd[i]!)));
    // ONNX Pad reflect stops at one reflection (onnxruntime refuses more); np.pad's repeated reflection has no form
    if (mode === "reflect")
      spec.axes.forEach((ax, i) => {
        const n = spec.smallShape[ax]!;
        if (spec.padBegin[i]! >= n || spec.padEnd[i]! >= n)
          throw new Error(
            `${OP}: reflect pads [${spec.padBegin[i]}, ${spec.padEnd[i]}] on axis ${ax} of length ${n} repeat the reflection, which ONNX Pad (onnxruntime) does not run; pads must be < the length`,
          );
      });
    return w.node("Pad", [...w.ins(t), w.int64([...begins, ...ends])], [text("mode", mode)]);
  },
  foldBorder: "the adjoint of border padding (a gradient op) has no ONNX writer in tconv",
  // ONNX GridSample (opset 16): bilinear; zeros or border; align_corners as PyTorch's
  grid_sample: (w, t) => {
    if (w.version < 16) throw new Error(`${OP}: npx.gridSample needs ONNX GridSample, which opset ${w.version} lacks (use opset 16 or later)`);
    return w.node("GridSample", w.ins(t), [
      text("mode", "bilinear"),
      text("padding_mode", t.attrs.paddingMode),
      attrInt("align_corners", t.attrs.alignCorners ? 1 : 0),
    ]);
  },
  gather_axis: (w, t) => {
    const a = t.attrs;
    if (a.fromData) throw new Error(`${OP}: a gather whose indices come from array values cannot be written as ONNX with constant indices`);
    if (a.table.some((v) => v < 0)) throw new Error(`${OP}: a gather with zero-filled positions has no ONNX Gather form`);
    return w.node("Gather", [...w.ins(t), w.int64([...a.table])], [attrInt("axis", a.axis)]);
  },
  scatter_axis: "the adjoint of a gather (a gradient op) has no ONNX writer in tconv",
  conv_weight_grad: "a convolution's filter gradient (a gradient op) has no ONNX writer in tconv",
  pooling_backward: "the pooling gradient (a gradient op) has no ONNX writer in tconv",
  pooling_gather: "the max-pooling winners' gather (a gradient op) has no ONNX writer in tconv",
  index_scatter: "the scatter of an index view's gradient (a gradient op) has no ONNX writer in tconv",
  leaky_relu_derivative: "leakyRelu's derivative (a gradient op) has no ONNX writer in tconv",
};

function valueInfo(name: string, shape: readonly number[], dtype: NDArray["dtype"], batch: boolean): ValueInfoRecord {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: dtype === "float64" ? DataType.DOUBLE : DataType.FLOAT,
        shape: { dim: shape.map((d, i) => (batch && i === 0 ? { dim_param: "N" } : { dim_value: d })) },
      },
    },
  };
}

function checkShapes(inputShapes: unknown): number[][] {
  if (!Array.isArray(inputShapes) || inputShapes.length === 0) throw new Error(`${OP}: inputShapes must be a shape or a list of shapes, e.g. [[1, 3, 64, 64]]`);
  const list = (typeof inputShapes[0] === "number" ? [inputShapes] : inputShapes) as unknown[];
  return list.map((s, i) => {
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d >= 1 && d <= 1 << 24))
      throw new Error(`${OP}: input shape ${i} ${JSON.stringify(s)} must be a non-empty list of positive integers`);
    return s as number[];
  });
}

/**
 * Writes `block` as an ONNX ModelProto: runs `block.forward` once on arrays of `inputShapes` (one shape, or one per
 * input) while recording which tconv ops run, then writes one node per op, the parameters as initializers (named as
 * in `collectParams()`) and arrays the forward created as constants. Ops on constants alone are folded.
 */
export function exportModel(block: Block, inputShapes: readonly number[] | readonly (readonly number[])[], options: ExportOptions = {}): Uint8Array {
  if (!(block instanceof Block)) throw new Error(`${OP}: block must be a Gluon Block (a layer or network)`);
  const o = snapshotOptions(OP, options, ["opset", "dynamicBatch"]);
  const opset = o.opset ?? 17;
  if (typeof opset !== "number" || !Number.isInteger(opset) || opset < 13 || opset > 17)
    throw new Error(`${OP}: opset ${showValue(opset)} is not supported; tconv writes opsets 13 to 17`);
  const dynamicBatch = o.dynamicBatch ?? true;
  if (typeof dynamicBatch !== "boolean") throw new Error(`${OP}: dynamicBatch must be true or false, got ${showValue(dynamicBatch)}`);
  const shapes = checkShapes(inputShapes);
  const batch = shapes[0]![0]!;
  const first = traceModel(block, shapes, opset, dynamicBatch);
  if (!dynamicBatch) return first.encode(null);
  // A graph that is right at every batch size is the same graph whatever batch it was traced at. Tracing again at
  // another batch b′ finds the outputs whose first axis is the batch (it follows b → b′), and catches what the writer
  // cannot make symbolic (a constant or a shape the forward builds from the batch size), which would otherwise be
  // exported fixed and run wrong, or fail, at another batch. b′ avoids the other sizes of the inputs and parameters,
  // so that a size equal to b′ by chance is rare; such a chance makes the export refuse, never go wrong.
  const sizes = new Set([
    ...shapes.flatMap((s) => s.slice(1)),
    ...block
      .collectParams()
      .values()
      .flatMap((p) => p.shape ?? []),
  ]);
  let other = batch + 1;
  while (sizes.has(other)) other++;
  let second: TracedModel;
  try {
    second = traceModel(
      block,
      shapes.map((s) => (s[0] === batch ? [other, ...s.slice(1)] : s)),
      opset,
      dynamicBatch,
    );
  } catch (e) {
    throw new Error(
      `${OP}: dynamicBatch needs the forward to run at another batch size, and at batch ${other} it fails (${(e as Error).message}); export with { dynamicBatch: false } for batch ${batch} only`,
    );
  }
  const symbolic = first.outShapes.map((s, i) => s.length > 0 && s[0] === batch && second.outShapes[i]?.[0] === other);
  const bytes = first.encode(symbolic);
  const again = second.encode(symbolic);
  if (bytes.length !== again.length || bytes.some((b, i) => b !== again[i]))
    throw new Error(
      `${OP}: the graph traced at batch ${batch} differs from the one traced at batch ${other}: the forward uses the batch size in a way ONNX cannot keep symbolic ` +
        "(a constant or a shape built from x.shape[0]?); export with { dynamicBatch: false } for that one batch size, or derive such values from the input (x.mul(0).add(1) for ones shaped like x, x.reshape(-1, …))",
    );
  return bytes;
}

/** A traced forward: its output shapes, and the model it writes given which outputs have a symbolic batch axis. */
interface TracedModel {
  readonly outShapes: readonly (readonly number[])[];
  encode(symbolicOutputs: readonly boolean[] | null): Uint8Array;
}

/** One traced export of the block at the given input shapes (predict mode, not recorded). */
function traceModel(block: Block, shapes: readonly (readonly number[])[], opset: number, dynamicBatch: boolean): TracedModel {
  const batch = shapes[0]![0]!;
  // parameters: read dtype from the first one; deferred ones get their shapes in the traced forward
  const paramDtype =
    block
      .collectParams()
      .values()
      .find((p) => p.isInitialized)?.dtype ?? "float32";
  // fixed values in (−1, 1) that leave np.random's stream alone
  const inputs = shapes.map((s) =>
    new NDArray(
      Float64Array.from({ length: s.reduce((p, d) => p * d, 1) }, (_, i) => Math.sin(i * 12.9898 + 1)),
      s,
    ).astype(paramDtype),
  );
  const traced: Traced[] = [];
  // buffers (views share them) that traced ops read or wrote: an in-place write touching one cannot be in the graph
  const touched = new Set<NDArray["hostData"]>(inputs.map((x) => x.hostData));
  const onTrace = (node: Traced, output: NDArray) => {
    // a view (output sharing its input's buffer) reads nothing yet: building a constant through views stays allowed
    if (!node.inputs.some((x) => x.hostData === output.hostData)) {
      for (const x of node.inputs) touched.add(x.hostData);
      touched.add(output.hostData);
    }
    traced.push(node);
  };
  const onWrite = (target: NDArray, sources: readonly NDArray[], op: string) => {
    const paramData = new Set(
      block
        .collectParams()
        .values()
        .filter((p) => p.isInitialized)
        .map((p) => p.data().hostData),
    );
    const hit = [target, ...sources].find((x) => touched.has(x.hostData) || paramData.has(x.hostData));
    if (hit)
      throw new Error(
        `${OP}: the forward writes in place (${op}) ${hit === target ? "into" : "from"} an array of shape [${hit.shape.join(",")}] that the traced graph uses; ` +
          "ONNX graphs have no in-place writes, so the export would drop it: compute a new array instead (x.add(y) for x.iadd(y), np.concatenate or np.where for set, no out=)",
      );
  };
  // predict mode, not recorded: the inference graph (batch norm with running statistics, dropout as identity)
  const result = pause(
    () =>
      withTracer(
        (node, output) => onTrace({ ...node, output }, output),
        () => block.forward(...inputs),
        onWrite,
      ),
    { trainMode: false },
  ) as unknown;
  const outs = Array.isArray(result) ? result : [result];
  if (outs.length === 0 || !outs.every((o) => o instanceof NDArray)) throw new Error(`${OP}: the block's forward must return an NDArray or an array of them`);
  // every array the graph reads is now a graph input, a parameter, a traced op's output, or a constant the forward made
  const params = new Map<NDArray, string>();
  for (const [name, p] of paramEntries(block)) if (p.isInitialized) params.set(p.data(), name);
  // which arrays depend on an input or a parameter (the rest are constants, folded)
  const live = new Set<NDArray>([...inputs, ...params.keys()]);
  for (const t of traced) if (t.inputs.some((x) => live.has(x))) live.add(t.output);

  const writer = new GraphWriter(opset, (x) => !live.has(x));
  const inputNames = inputs.map((_, i) => (inputs.length === 1 ? "input" : `input${i}`));
  inputs.forEach((x, i) => writer.setName(x, inputNames[i]!));
  const used = new Set<string>();
  for (const [arr, name] of params) writer.setName(arr, name);

  // keep only the ops the outputs need, in trace order
  const producer = new Map<NDArray, Traced>();
  for (const t of traced) if (live.has(t.output)) producer.set(t.output, t);
  const needed = new Set<Traced>();
  const stack = [...outs];
  while (stack.length > 0) {
    const x = stack.pop()!;
    const t = producer.get(x);
    if (!t || needed.has(t)) continue;
    needed.add(t);
    stack.push(...t.inputs);
  }
  for (const t of traced) {
    if (!needed.has(t)) continue;
    for (const x of t.inputs) if (params.has(x)) used.add(params.get(x)!);
    writer.setName(t.output, writer.write(t, dynamicBatch ? batch : null));
  }
  const named = new Set<NDArray>();
  const outputNames = outs.map((o, i) => {
    const name = outs.length === 1 ? "output" : `output${i}`;
    // an array returned twice: its second graph output is an Identity of the first (one node cannot make two outputs)
    if (named.has(o) || inputs.includes(o) || params.has(o) || !producer.has(o)) {
      writer.node("Identity", [writer.nameOf(o)], [], name);
      if (params.has(o)) used.add(params.get(o)!);
    } else {
      // rename the producing node's output
      const old = writer.nameOf(o);
      for (const n of writer.nodes) {
        n.output = n.output!.map((v) => (v === old ? name : v));
        n.input = n.input!.map((v) => (v === old ? name : v));
      }
      writer.setName(o, name);
    }
    named.add(o);
    return name;
  });
  const initializers: TensorRecord[] = [];
  for (const [arr, name] of params)
    if (used.has(name)) initializers.push(writeTensor(name, arr.shape, arr.asTypedArray(), arr.dtype === "float64" ? DataType.DOUBLE : DataType.FLOAT));
  const encode = (symbolicOutputs: readonly boolean[] | null) =>
    encodeModel({
      ir_version: 8,
      producer_name: "tconv",
      producer_version: "0.1.0",
      opset_import: [{ domain: "", version: opset }],
      graph: {
        name: block.constructor.name,
        node: writer.nodes,
        initializer: initializers,
        input: inputs.map((x, i) => valueInfo(inputNames[i]!, x.shape, x.dtype, dynamicBatch && x.shape[0] === batch)),
        output: (outs as NDArray[]).map((o, i) => valueInfo(outputNames[i]!, o.shape, o.dtype, symbolicOutputs?.[i] === true)),
      },
    });
  return { outShapes: (outs as NDArray[]).map((o) => o.shape), encode };
}

/** Parameters with the names collectParams gives them. */
function paramEntries(block: Block): [string, import("../gluon/parameter.js").Parameter][] {
  const dict = block.collectParams();
  return dict.keys().map((k) => [k, dict.get(k)]);
}

// The ONNX operators tconv imports: each reads and checks its attributes once, then runs on tconv's ops per forward.
import { NDArray } from "../ndarray/ndarray.js";
import type { Dtype } from "../ndarray/strided.js";
import { full } from "../ndarray/create.js";
import { binary, unary, where as npWhere } from "../ops/elementwise.js";
import { expandBroadcast, tile as npTile } from "../ops/broadcast.js";
import { einsum as npEinsum } from "../ops/einsum.js";
import { gridSample as npxGridSample } from "../ops/grid-sample.js";
import { split as npSplit } from "../ops/join.js";
import { arange, eye } from "../ndarray/create.js";
import { convolution, deconvolution } from "../ops/conv.js";
import { dot, matmul } from "../ops/linalg.js";
import { reduce } from "../ops/reduce.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import { type PadMode, pad } from "../ops/pad-constant.js";
import { concatenate } from "../ops/join.js";
import { batchNorm as npxBatchNorm } from "../ops/batch-norm.js";
import { pooling } from "../ops/pooling.js";
import { leakyRelu as npxLeakyRelu } from "../ops/activation.js";
import { depthToSpace as npxDepthToSpace, spaceToDepth as npxSpaceToDepth } from "../ops/depth-to-space.js";
import { affineOver, normalizeOver } from "../ops/normalization.js";
import { reshape } from "../ops/shape.js";
import { type ConvOptions, type Padding, resolveConv } from "../params/conv-params.js";
import { Attributes } from "./attributes.js";
import { checkedSize, DataType, dataTypeName, type TensorValue } from "./proto.js";
import { type IntTensor, intBinary, intConcat, intGather, intSlice, intTensor, intTranspose, sliceIndices } from "./int-tensor.js";
import { pool } from "./pool.js";
import { resize, type ResizeMode } from "./resize.js";

/** A tensor while a graph runs: float data as an NDArray, shape arithmetic as an IntTensor. */
export type Value = NDArray | IntTensor;

export interface CompileContext {
  /** `node 'Conv_3' (Conv)`: the start of every error */
  readonly where: string;
  readonly opset: number;
  /** the dtype float tensors are created in (the model's parameters) */
  readonly dtype: Dtype;
  /** how many outputs the node lists (Split without sizes cuts that many pieces) */
  readonly outputs?: number;
}

export type Runner = (inputs: readonly (Value | undefined)[]) => Value[];

interface OpDef {
  readonly attrs: readonly string[];
  compile(a: Attributes, ctx: CompileContext): Runner;
}

const isInt = (v: Value | undefined): v is IntTensor => v !== undefined && !(v instanceof NDArray);

function need(ins: readonly (Value | undefined)[], i: number, ctx: CompileContext, what: string): Value {
  const v = ins[i];
  if (v === undefined) throw new Error(`${ctx.where}: input ${i} (${what}) is missing`);
  return v;
}

/** A float tensor: an NDArray as is, an int tensor converted to the model's dtype. */
function float(v: Value, ctx: CompileContext): NDArray {
  if (v instanceof NDArray) return v;
  return new NDArray(ctx.dtype === "float32" ? Float32Array.from(v.data) : Float64Array.from(v.data), v.dims);
}

/** Integer values of a small tensor (shapes, axes, pads, indices). */
function ints(v: Value, ctx: CompileContext, what: string): number[] {
  if (!(v instanceof NDArray)) return [...v.data];
  if (v.size > 1024) throw new Error(`${ctx.where}: ${what} must be a small integer tensor, got a float tensor of ${v.size} elements`);
  const out = Array.from(v.asTypedArray());
  if (!out.every(Number.isInteger)) throw new Error(`${ctx.where}: ${what} must hold integers, got [${out.join(",")}]`);
  return out;
}

/** Numbers of a small tensor (scales, clip bounds). */
function numbers(v: Value, ctx: CompileContext, what: string): number[] {
  if (!(v instanceof NDArray)) return [...v.data];
  if (v.size > 1024) throw new Error(`${ctx.where}: ${what} must be a small tensor, got ${v.size} elements`);
  return Array.from(v.asTypedArray());
}

const shapeOf = (v: Value): readonly number[] => (v instanceof NDArray ? v.shape : v.dims);

function normAxis(axis: number, rank: number, ctx: CompileContext, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${ctx.where}: ${what}=${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** A tensor read from a Constant / ConstantOfShape attribute as a Value of the model's dtype. */
export function tensorValue(t: TensorValue, dtype: Dtype): Value {
  if (t.kind === "int") return intTensor(t.dims, t.data);
  const data = dtype === "float32" ? Float32Array.from(t.data) : Float64Array.from(t.data);
  return new NDArray(data, t.dims);
}

// ---- convolution ------------------------------------------------------------------------------------------------

const CONV_ATTRS = ["auto_pad", "pads", "strides", "dilations", "group", "kernel_shape"];

function convOptions(a: Attributes, ctx: CompileContext, transposed: boolean) {
  const auto = a.choice("auto_pad", "NOTSET", ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
  const pads = a.ints("pads");
  const strides = a.ints("strides");
  const dilations = a.ints("dilations");
  const group = a.int("group", 1);
  if (group < 1) throw new Error(`${ctx.where}: group=${group} must be >= 1`);
  const kernel = a.ints("kernel_shape");
  const outputPadding = transposed ? a.ints("output_padding") : undefined;
  const outputShape = transposed ? a.ints("output_shape") : undefined;
  if (pads && pads.some((p) => p < 0)) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must be >= 0`);
  if (pads && pads.length % 2 !== 0) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must have 2 entries per spatial axis (begins, then ends)`);
  return (x: NDArray, w: NDArray): ConvOptions => {
    const nd = x.ndim - 2;
    if (nd < 1 || nd > 3) throw new Error(`${ctx.where}: input of shape [${x.shape.join(",")}] must be N×C×(1 to 3 spatial axes)`);
    const k = w.shape.slice(2);
    if (kernel && (kernel.length !== k.length || kernel.some((v, i) => v !== k[i])))
      throw new Error(`${ctx.where}: kernel_shape=[${kernel.join(",")}] disagrees with the weight's spatial shape [${k.join(",")}]`);
    const o: ConvOptions = { groups: group };
    if (strides) o.strides = strides;
    if (dilations) o.dilation = dilations;
    if (outputPadding) o.outputPadding = outputPadding;
    let padding: Padding | undefined;
    if (pads) {
      if (pads.length !== 2 * nd) throw new Error(`${ctx.where}: pads=[${pads.join(",")}] must have ${2 * nd} entries for ${nd} spatial axes`);
      padding = Array.from({ length: nd }, (_, i) => [pads[i]!, pads[i + nd]!] as [number, number]);
    }
    if (outputShape) {
      const os = outputShape.length === nd + 2 ? outputShape.slice(2) : outputShape;
      if (os.length !== nd) throw new Error(`${ctx.where}: output_shape=[${outputShape.join(",")}] must have ${nd} entries`);
      o.outputShape = os;
      // ONNX: with output_shape the pads are derived; NOTSET/SAME_LOWER put the odd unit first, SAME_UPPER last
      padding = auto === "SAME_UPPER" ? "same" : "same-lower";
    } else if (auto === "SAME_UPPER") padding = "same";
    else if (auto === "SAME_LOWER") padding = "same-lower";
    else if (auto === "VALID") padding = "valid";
    if (padding !== undefined) o.padding = padding;
    return o;
  };
}

const conv = (transposed: boolean): OpDef => ({
  attrs: transposed ? [...CONV_ATTRS, "output_padding", "output_shape"] : CONV_ATTRS,
  compile(a, ctx) {
    const opts = convOptions(a, ctx, transposed);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const w = float(need(ins, 1, ctx, "W"), ctx);
      const b = ins[2] === undefined ? null : float(ins[2], ctx);
      const o = { ...opts(x, w), bias: b };
      // bounded work: a huge stride or output_shape must not size an allocation
      checkedSize(resolveConv(transposed ? "deconvolution" : "convolution", x.shape, w.shape, o).outputShape, "the output", ctx.where);
      return [transposed ? deconvolution(x, w, o) : convolution(x, w, o)];
    };
  },
});

// ---- elementwise ----------------------------------------------------------------------------------------------

const INT_FN = {
  add: (x: number, y: number) => x + y,
  sub: (x: number, y: number) => x - y,
  mul: (x: number, y: number) => x * y,
  div: (x: number, y: number) => {
    if (y === 0) throw new Error("integer division by zero");
    return Math.trunc(x / y);
  },
};

const arith = (op: "add" | "sub" | "mul" | "div"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = need(ins, 0, ctx, "A");
    const y = need(ins, 1, ctx, "B");
    if (isInt(x) && isInt(y)) return [intBinary(x, y, INT_FN[op], ctx.where)];
    return [binary(op, float(x, ctx), float(y, ctx))];
  },
});

const unaryDef = (f: (x: NDArray) => NDArray, attrs: readonly string[] = []): OpDef => ({
  attrs,
  compile: (_a, ctx) => (ins) => [f(float(need(ins, 0, ctx, "X"), ctx))],
});

const withAlpha = (dflt: number, f: (x: NDArray, alpha: number) => NDArray): OpDef => ({
  attrs: ["alpha"],
  compile(a, ctx) {
    const alpha = a.float("alpha", dflt);
    return (ins) => [f(float(need(ins, 0, ctx, "X"), ctx), alpha)];
  },
});

// x for x > 0, αx otherwise
const leakyRelu = (x: NDArray, alpha: number) => npxLeakyRelu(x, { slope: alpha });
// x for x > 0, α(eˣ − 1) otherwise
const elu = (x: NDArray, alpha: number) => npxLeakyRelu(x, { actType: "elu", slope: alpha });

const variadic = (op: "maximum" | "minimum" | "add"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const xs = ins.filter((v): v is Value => v !== undefined).map((v) => float(v, ctx));
    if (xs.length === 0) throw new Error(`${ctx.where}: needs at least one input`);
    return [xs.slice(1).reduce((acc, v) => binary(op, acc, v), xs[0]!)];
  },
});

// ---- normalization, activations with parameters -----------------------------------------------------------------

const batchNorm: OpDef = {
  attrs: ["epsilon", "momentum", "training_mode", "spatial"],
  compile(a, ctx) {
    const eps = a.float("epsilon", 1e-5);
    if (a.int("training_mode", 0) !== 0) throw new Error(`${ctx.where}: training_mode=1 is not supported; tconv imports BatchNormalization in inference form`);
    if (a.int("spatial", 1) !== 1) throw new Error(`${ctx.where}: spatial=0 is not supported`);
    if (!(eps > 0)) throw new Error(`${ctx.where}: epsilon=${eps} must be > 0`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => float(need(ins, i, ctx, ["scale", "B", "input_mean", "input_var"][i - 1]!), ctx));
      // inference form (running statistics) even inside autograd.record: the imported graph is an inference graph
      return [npxBatchNorm(x, scale!, bias!, mean!, variance!, { axis: 1, eps, training: false })];
    };
  },
};

function positiveEps(a: Attributes, ctx: CompileContext): number {
  const eps = a.float("epsilon", 1e-5);
  if (!(eps > 0)) throw new Error(`${ctx.where}: epsilon=${eps} must be > 0`);
  return eps;
}

/** One per-channel parameter of `c` entries (InstanceNormalization's and GroupNormalization's scale and B). */
function channelParam(v: Value, c: number, ctx: CompileContext, what: string): NDArray {
  const p = float(v, ctx);
  if (p.ndim !== 1 || p.shape[0] !== c) throw new Error(`${ctx.where}: ${what} must have shape [${c}], got [${p.shape.join(", ")}]`);
  return p;
}

// y = scale[c]·(x − μ[n,c])/√(σ²[n,c] + ε) + B[c], statistics over the spatial axes (2, 3, …)
const instanceNorm: OpDef = {
  attrs: ["epsilon"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "input"), ctx);
      if (x.ndim < 3) throw new Error(`${ctx.where}: input must be [N, C, D1, …] with at least 3 axes, got [${x.shape.join(", ")}]`);
      const c = x.shape[1]!;
      const scale = channelParam(need(ins, 1, ctx, "scale"), c, ctx, "scale");
      const bias = channelParam(need(ins, 2, ctx, "B"), c, ctx, "B");
      const axes = x.shape.map((_, i) => i).slice(2);
      return [affineOver(normalizeOver(x, axes, eps), scale, bias, [1])];
    };
  },
};

// opset 17: statistics over axes axis…rank−1; Y = (x − μ)·InvStdDev·Scale + B (Scale and B broadcast); Mean and
// InvStdDev = 1/√(σ² + ε) are the optional second and third outputs, with size-1 normalised axes
const layerNorm: OpDef = {
  attrs: ["axis", "epsilon", "stash_type"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    const axisAttr = a.int("axis", -1);
    const stash = a.int("stash_type", 1);
    if (stash !== 1) throw new Error(`${ctx.where}: stash_type=${stash} is not supported (tconv keeps the statistics in the input's float type, as stash_type=1)`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const axis = axisAttr < 0 ? axisAttr + x.ndim : axisAttr;
      if (axis < 0 || axis >= x.ndim) throw new Error(`${ctx.where}: axis=${axisAttr} is out of range for an input of rank ${x.ndim}`);
      const axes = x.shape.map((_, i) => i).slice(axis);
      const mean = reduce("mean", x, { axis: axes, keepdims: true });
      const d = binary("sub", x, mean);
      const invStd = binary("pow", binary("add", reduce("mean", binary("mul", d, d), { axis: axes, keepdims: true }), eps), -0.5);
      let y = binary("mul", binary("mul", d, invStd), float(need(ins, 1, ctx, "Scale"), ctx));
      if (ins[2] !== undefined) y = binary("add", y, float(ins[2], ctx));
      return [y, mean, invStd];
    };
  },
};

// opset 18: scale and bias per group ([G]); opset 21: per channel ([C]). Each sample's group of C/G channels is
// normalised over its channels and positions.
const groupNorm: OpDef = {
  attrs: ["epsilon", "num_groups", "stash_type"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    const g = a.int("num_groups", 0);
    if (!(g >= 1)) throw new Error(`${ctx.where}: num_groups=${g} must be a positive integer`);
    const stash = a.int("stash_type", 1);
    if (stash !== 1) throw new Error(`${ctx.where}: stash_type=${stash} is not supported (tconv keeps the statistics in the input's float type, as stash_type=1)`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      if (x.ndim < 2) throw new Error(`${ctx.where}: input must be [N, C, …], got [${x.shape.join(", ")}]`);
      const [n, c] = [x.shape[0]!, x.shape[1]!];
      if (c % g !== 0) throw new Error(`${ctx.where}: num_groups=${g} must divide the ${c} channels`);
      const perChannel = ctx.opset >= 21;
      const size = perChannel ? c : g;
      const scale = channelParam(need(ins, 1, ctx, "scale"), size, ctx, "scale");
      const bias = channelParam(need(ins, 2, ctx, "bias"), size, ctx, "bias");
      const grouped = reshape(x, [n, g, (c / g) * x.shape.slice(2).reduce((p, d) => p * d, 1)]);
      const y = normalizeOver(grouped, [2], eps);
      if (perChannel) return [affineOver(reshape(y, x.shape), scale, bias, [1])];
      return [reshape(affineOver(y, scale, bias, [1]), x.shape)];
    };
  },
};

// max(0, min(1, α·x + β)); the defaults α = 0.2, β = 0.5 are ONNX's. PyTorch's (α = 1/6 in float32, β = ½) is tconv's
// hardsigmoid op, whose gradient follows PyTorch's
const hardSigmoid: OpDef = {
  attrs: ["alpha", "beta"],
  compile(a, ctx) {
    const alpha = a.float("alpha", 0.2);
    const beta = a.float("beta", 0.5);
    const torchForm = alpha === Math.fround(1 / 6) && beta === 0.5;
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      if (torchForm) return [unary("hardsigmoid", x)];
      return [binary("maximum", binary("minimum", binary("add", binary("mul", x, alpha), beta), 1), 0)];
    };
  },
};

const clip: OpDef = {
  attrs: ["min", "max"],
  compile(a, ctx) {
    const attrMin = a.has("min") ? a.float("min", 0) : undefined;
    const attrMax = a.has("max") ? a.float("max", 0) : undefined;
    return (ins) => {
      let x = float(need(ins, 0, ctx, "input"), ctx);
      const bound = (i: number, dflt: number | undefined) => {
        const v = ins[i];
        if (v === undefined) return dflt;
        const n = numbers(v, ctx, i === 1 ? "min" : "max");
        if (n.length !== 1) throw new Error(`${ctx.where}: ${i === 1 ? "min" : "max"} must be a scalar, got ${n.length} values`);
        return n[0];
      };
      const lo = bound(1, attrMin);
      const hi = bound(2, attrMax);
      if (lo !== undefined) x = binary("maximum", x, lo);
      if (hi !== undefined) x = binary("minimum", x, hi);
      return [x];
    };
  },
};

function softmaxDef(log: boolean): OpDef {
  return {
    attrs: ["axis"],
    compile(a, ctx) {
      const legacy = ctx.opset < 13;
      const axisAttr = a.int("axis", legacy ? 1 : -1);
      const f = log ? logSoftmax : softmax;
      return (ins) => {
        const x = float(need(ins, 0, ctx, "input"), ctx);
        const axis = normAxis(axisAttr, x.ndim, ctx);
        if (!legacy) return [f(x, { axis })];
        // opset < 13: softmax over the flattened axes [axis, rank)
        const outer = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
        return [f(x.reshape(outer, -1), { axis: 1 }).reshape(x.shape)];
      };
    },
  };
}

// ---- layout ------------------------------------------------------------------------------------------------------

const concat: OpDef = {
  attrs: ["axis"],
  compile(a, ctx) {
    if (!a.has("axis")) throw new Error(`${ctx.where}: attribute 'axis' is required`);
    const axisAttr = a.int("axis", 0);
    return (ins) => {
      const xs = ins.filter((v): v is Value => v !== undefined);
      if (xs.length === 0) throw new Error(`${ctx.where}: needs at least one input`);
      const axis = normAxis(axisAttr, shapeOf(xs[0]!).length, ctx);
      if (xs.every(isInt)) return [intConcat(xs, axis, ctx.where)];
      return [concatenate(xs.map((v) => float(v, ctx)), { axis })];
    };
  },
};

/** Reshape's target: 0 copies the input's dimension (unless allowzero), one −1 is inferred. */
function reshapeTarget(from: readonly number[], to: readonly number[], allowZero: boolean, ctx: CompileContext): number[] {
  if (to.length > 16) throw new Error(`${ctx.where}: shape has ${to.length} entries`);
  const out = to.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= from.length) throw new Error(`${ctx.where}: shape [${to.join(",")}] copies dimension ${i} (0), but the input has rank ${from.length}`);
      return from[i]!;
    }
    if (d < -1) throw new Error(`${ctx.where}: shape [${to.join(",")}] has a negative entry other than -1`);
    return d;
  });
  const size = from.reduce((p, d) => p * d, 1);
  const known = out.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (out.filter((d) => d === -1).length > 1) throw new Error(`${ctx.where}: shape [${to.join(",")}] has more than one -1`);
  const res = out.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (res.reduce((p, d) => p * d, 1) !== size || !res.every(Number.isInteger))
    throw new Error(`${ctx.where}: cannot reshape a tensor of shape [${from.join(",")}] (${size} elements) to [${to.join(",")}]`);
  return res;
}

const reshapeValue = (v: Value, shape: readonly number[]): Value => (v instanceof NDArray ? v.reshape(shape) : intTensor(shape, v.data));

const reshapeOp: OpDef = {
  attrs: ["allowzero", "shape"],
  compile(a, ctx) {
    const allowZero = a.int("allowzero", 0) === 1;
    const attrShape = a.ints("shape");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const to = ins[1] !== undefined ? ints(ins[1], ctx, "shape") : attrShape;
      if (!to) throw new Error(`${ctx.where}: the target shape (input 1) is missing`);
      return [reshapeValue(x, reshapeTarget(shapeOf(x), to, allowZero, ctx))];
    };
  },
};

const flatten: OpDef = {
  attrs: ["axis"],
  compile(a, ctx) {
    const axisAttr = a.int("axis", 1);
    return (ins) => {
      const x = need(ins, 0, ctx, "input");
      const s = shapeOf(x);
      const axis = axisAttr < 0 ? axisAttr + s.length : axisAttr;
      if (axis < 0 || axis > s.length) throw new Error(`${ctx.where}: axis=${axisAttr} is out of range for rank ${s.length}`);
      const p = (l: readonly number[]) => l.reduce((q, d) => q * d, 1);
      return [reshapeValue(x, [p(s.slice(0, axis)), p(s.slice(axis))])];
    };
  },
};

const transposeOp: OpDef = {
  attrs: ["perm"],
  compile(a, ctx) {
    const permAttr = a.ints("perm");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const r = shapeOf(x).length;
      const perm = permAttr ?? [...Array(r).keys()].reverse();
      if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i))
        throw new Error(`${ctx.where}: perm=[${perm.join(",")}] is not a permutation of ${r} axes`);
      return [x instanceof NDArray ? x.transpose(perm) : intTranspose(x, perm)];
    };
  },
};

function axesOf(ins: readonly (Value | undefined)[], attr: number[] | undefined, ctx: CompileContext): number[] | undefined {
  return ins[1] !== undefined ? ints(ins[1], ctx, "axes") : attr;
}

const unsqueeze: OpDef = {
  attrs: ["axes"],
  compile(a, ctx) {
    const attr = a.ints("axes");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const axes = axesOf(ins, attr, ctx);
      if (!axes) throw new Error(`${ctx.where}: axes are missing`);
      const s = shapeOf(x);
      const r = s.length + axes.length;
      const norm = axes.map((ax) => normAxis(ax, r, ctx, "axes entry"));
      if (new Set(norm).size !== norm.length) throw new Error(`${ctx.where}: axes [${axes.join(",")}] repeat an axis`);
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) out.push(norm.includes(i) ? 1 : s[k++]!);
      return [reshapeValue(x, out)];
    };
  },
};

const squeeze: OpDef = {
  attrs: ["axes"],
  compile(a, ctx) {
    const attr = a.ints("axes");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const s = shapeOf(x);
      const axes = axesOf(ins, attr, ctx)?.map((ax) => normAxis(ax, s.length, ctx, "axes entry")) ?? s.flatMap((d, i) => (d === 1 ? [i] : []));
      for (const ax of axes) if (s[ax] !== 1) throw new Error(`${ctx.where}: cannot squeeze axis ${ax} of size ${s[ax]} (shape [${s.join(",")}])`);
      return [reshapeValue(x, s.filter((_, i) => !axes.includes(i)))];
    };
  },
};

const depthToSpace: OpDef = {
  attrs: ["blocksize", "mode"],
  compile(a, ctx) {
    const b = a.int("blocksize", 0);
    if (b < 1) throw new Error(`${ctx.where}: blocksize=${b} must be >= 1`);
    const mode = a.choice("mode", "DCR", ["DCR", "CRD"]);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "input"), ctx);
      if (x.ndim !== 4) throw new Error(`${ctx.where}: input must be 4-D NCHW, got shape [${x.shape.join(",")}]`);
      return [npxDepthToSpace(x, b, { mode })];
    };
  },
};

// ONNX's SpaceToDepth orders the new channels block-major (the inverse of DepthToSpace DCR)
const spaceToDepth: OpDef = {
  attrs: ["blocksize"],
  compile(a, ctx) {
    const b = a.int("blocksize", 0);
    if (b < 1) throw new Error(`${ctx.where}: blocksize=${b} must be >= 1`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "input"), ctx);
      if (x.ndim !== 4) throw new Error(`${ctx.where}: input must be 4-D NCHW, got shape [${x.shape.join(",")}]`);
      return [npxSpaceToDepth(x, b, { mode: "DCR" })];
    };
  },
};

const padOp: OpDef = {
  attrs: ["mode", "pads", "value"],
  compile(a, ctx) {
    const mode = a.string("mode", "constant");
    // wrap is opset 19's; numpy's np.pad has the same four modes under the same names
    const modes = ctx.opset >= 19 ? ["constant", "reflect", "edge", "wrap"] : ["constant", "reflect", "edge"];
    if (!modes.includes(mode)) throw new Error(`${ctx.where}: mode="${mode}" is not supported at opset ${ctx.opset}; tconv imports Pad with mode ${modes.map((m) => `"${m}"`).join(", ")}`);
    const attrPads = a.ints("pads");
    const attrValue = a.float("value", 0);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "data"), ctx);
      const r = x.ndim;
      const raw = ins[1] !== undefined ? ints(ins[1], ctx, "pads") : attrPads;
      if (!raw) throw new Error(`${ctx.where}: pads are missing`);
      const value = ins[2] !== undefined ? numbers(ins[2], ctx, "constant_value")[0] ?? 0 : attrValue;
      const axes = ins[3] !== undefined ? ints(ins[3], ctx, "axes").map((ax) => normAxis(ax, r, ctx, "axes entry")) : [...Array(r).keys()];
      if (raw.length !== 2 * axes.length) throw new Error(`${ctx.where}: pads=[${raw.join(",")}] must have ${2 * axes.length} entries`);
      if (raw.some((p) => p < 0)) throw new Error(`${ctx.where}: negative pads [${raw.join(",")}] (cropping) are not supported`);
      const pairs: [number, number][] = Array.from({ length: r }, () => [0, 0]);
      axes.forEach((ax, i) => (pairs[ax] = [raw[i]!, raw[i + axes.length]!]));
      checkedSize(x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]), "the padded output", ctx.where);
      if (mode !== "constant") return [pad(x, pairs, { mode: mode as PadMode })];
      return [pad(x, pairs, { constantValues: value })];
    };
  },
};

// ---- linear algebra ---------------------------------------------------------------------------------------------

const gemm: OpDef = {
  attrs: ["alpha", "beta", "transA", "transB", "broadcast"],
  compile(a, ctx) {
    const alpha = a.float("alpha", 1);
    const beta = a.float("beta", 1);
    const ta = a.int("transA", 0) !== 0;
    const tb = a.int("transB", 0) !== 0;
    return (ins) => {
      let A = float(need(ins, 0, ctx, "A"), ctx);
      let B = float(need(ins, 1, ctx, "B"), ctx);
      if (A.ndim !== 2 || B.ndim !== 2) throw new Error(`${ctx.where}: A [${A.shape.join(",")}] and B [${B.shape.join(",")}] must be 2-D`);
      if (ta) A = A.T;
      if (tb) B = B.T;
      if (A.shape[1] !== B.shape[0]) throw new Error(`${ctx.where}: A' [${A.shape.join(",")}] and B' [${B.shape.join(",")}] do not multiply`);
      let y = dot(A, B);
      if (alpha !== 1) y = binary("mul", y, alpha);
      if (ins[2] !== undefined) {
        const C = float(ins[2], ctx);
        y = binary("add", y, beta === 1 ? C : binary("mul", C, beta));
      }
      return [y];
    };
  },
};

const matmulOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const A = float(need(ins, 0, ctx, "A"), ctx);
    const B = float(need(ins, 1, ctx, "B"), ctx);
    if (A.ndim <= 2 && B.ndim <= 2) return [dot(A, B)];
    if (B.ndim === 2) {
      // [..., M, K] · [K, N] as one 2-D product
      const k = A.shape[A.ndim - 1]!;
      if (k !== B.shape[0]) throw new Error(`${ctx.where}: shapes [${A.shape.join(",")}] and [${B.shape.join(",")}] do not multiply`);
      return [dot(A.reshape(-1, k), B).reshape([...A.shape.slice(0, -1), B.shape[1]!])];
    }
    if (A.ndim === B.ndim) return [matmul(A, B)];
    throw new Error(`${ctx.where}: MatMul of shapes [${A.shape.join(",")}] and [${B.shape.join(",")}] needs batch broadcasting, which tconv does not implement`);
  },
};

// ---- pooling and resizing ----------------------------------------------------------------------------------------

const poolDef = (kind: "max" | "avg"): OpDef => ({
  attrs: ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", ...(kind === "max" ? ["storage_order"] : ["count_include_pad"])],
  compile(a, ctx) {
    const auto = a.choice("auto_pad", "NOTSET", ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
    const kernel = a.ints("kernel_shape");
    if (!kernel || kernel.length === 0 || kernel.some((k) => k < 1)) throw new Error(`${ctx.where}: kernel_shape must be given as positive integers`);
    const nd = kernel.length;
    const strides = a.ints("strides") ?? kernel.map(() => 1);
    const dilations = a.ints("dilations") ?? kernel.map(() => 1);
    const pads = a.ints("pads") ?? kernel.map(() => 0).concat(kernel.map(() => 0));
    const ceil = a.int("ceil_mode", 0) === 1;
    const includePad = kind === "avg" && a.int("count_include_pad", 0) === 1;
    if (kind === "max" && a.int("storage_order", 0) !== 0) throw new Error(`${ctx.where}: storage_order=1 is not supported`);
    if (strides.length !== nd || dilations.length !== nd || pads.length !== 2 * nd)
      throw new Error(`${ctx.where}: strides, dilations and pads must have ${nd}, ${nd} and ${2 * nd} entries for kernel_shape=[${kernel.join(",")}]`);
    if (strides.some((s) => s < 1) || dilations.some((d) => d < 1) || pads.some((p) => p < 0))
      throw new Error(`${ctx.where}: strides and dilations must be >= 1 and pads >= 0`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      if (x.ndim !== nd + 2) throw new Error(`${ctx.where}: input of shape [${x.shape.join(",")}] does not have ${nd} spatial axes`);
      let pb = pads.slice(0, nd);
      let pe = pads.slice(nd);
      if (auto === "VALID") pb = pe = kernel.map(() => 0);
      else if (auto !== "NOTSET") {
        const totals = kernel.map((k, i) => {
          const n = x.shape[i + 2]!;
          const out = Math.ceil(n / strides[i]!);
          return Math.max(0, (out - 1) * strides[i]! + (k - 1) * dilations[i]! + 1 - n);
        });
        pb = totals.map((t) => (auto === "SAME_UPPER" ? Math.floor(t / 2) : t - Math.floor(t / 2)));
        pe = totals.map((t, i) => t - pb[i]!);
      }
      // npx.pooling covers symmetric padding smaller than the window without dilation; the rest goes through views
      if (dilations.every((d) => d === 1) && pb.every((p, i) => p === pe[i] && p < kernel[i]!))
        return [pooling(x, { kernel, stride: strides, pad: pb, poolType: kind, countIncludePad: includePad, poolingConvention: ceil ? "full" : "valid" })];
      return [pool(x, { kind, kernel, strides, dilations, padBegin: pb, padEnd: pe, ceilMode: ceil, countIncludePad: includePad }, ctx.where)];
    };
  },
});

const globalPool = (kind: "mean" | "max"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = float(need(ins, 0, ctx, "X"), ctx);
    if (x.ndim < 3) throw new Error(`${ctx.where}: input of shape [${x.shape.join(",")}] has no spatial axes`);
    if (x.ndim <= 5) return [pooling(x, { globalPool: true, poolType: kind === "mean" ? "avg" : "max" })];
    return [reduce(kind, x, { axis: [...Array(x.ndim - 2).keys()].map((i) => i + 2), keepdims: true })];
  },
});

const reduceDef = (op: "sum" | "mean" | "max" | "min"): OpDef => ({
  attrs: ["axes", "keepdims", "noop_with_empty_axes"],
  compile(a, ctx) {
    const attrAxes = a.ints("axes");
    const keepdims = a.int("keepdims", 1) !== 0;
    const noop = a.int("noop_with_empty_axes", 0) !== 0;
    return (ins) => {
      const x = float(need(ins, 0, ctx, "data"), ctx);
      const axes = (ins[1] !== undefined ? ints(ins[1], ctx, "axes") : attrAxes ?? []).map((ax) => normAxis(ax, x.ndim, ctx, "axes entry"));
      if (axes.length === 0 && noop) return [x];
      return [reduce(op, x, { axis: axes.length === 0 ? null : axes, keepdims })];
    };
  },
});

const RESIZE_ATTRS = ["antialias", "axes", "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "keep_aspect_ratio_policy", "mode", "nearest_mode"];

const resizeOp: OpDef = {
  attrs: RESIZE_ATTRS,
  compile(a, ctx) {
    const mode = a.choice("mode", "nearest", ["nearest", "linear"]);
    const transform = a.choice("coordinate_transformation_mode", "half_pixel", ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn"]);
    const nearest = a.choice("nearest_mode", "round_prefer_floor", ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"]);
    if (a.int("antialias", 0) !== 0) throw new Error(`${ctx.where}: antialias=1 is not supported`);
    if (a.int("exclude_outside", 0) !== 0) throw new Error(`${ctx.where}: exclude_outside=1 is not supported`);
    a.choice("keep_aspect_ratio_policy", "stretch", ["stretch"]);
    const axesAttr = a.ints("axes");
    const m: ResizeMode = { mode, transform, nearest };
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const r = x.ndim;
      const axes = axesAttr ? axesAttr.map((ax) => normAxis(ax, r, ctx, "axes entry")) : [...Array(r).keys()];
      const scalesIn = ins[2] !== undefined ? numbers(ins[2], ctx, "scales") : [];
      const sizesIn = ins[3] !== undefined ? ints(ins[3], ctx, "sizes") : [];
      if ((scalesIn.length > 0) === (sizesIn.length > 0)) throw new Error(`${ctx.where}: exactly one of scales and sizes must be given`);
      const given = scalesIn.length > 0 ? scalesIn : sizesIn;
      if (given.length !== axes.length) throw new Error(`${ctx.where}: ${scalesIn.length > 0 ? "scales" : "sizes"} has ${given.length} entries for ${axes.length} axes`);
      const scales = x.shape.map(() => 1);
      const sizes = [...x.shape];
      axes.forEach((ax, i) => {
        if (scalesIn.length > 0) {
          const s = scalesIn[i]!;
          if (!(s > 0) || !Number.isFinite(s)) throw new Error(`${ctx.where}: scale ${s} on axis ${ax} must be positive`);
          scales[ax] = s;
          sizes[ax] = Math.floor(x.shape[ax]! * s);
        } else {
          sizes[ax] = sizesIn[i]!;
          scales[ax] = sizesIn[i]! / x.shape[ax]!;
        }
      });
      checkedSize(sizes, "the resized output", ctx.where);
      return [resize(x, sizes, scales, m, ctx.where)];
    };
  },
};

const upsample: OpDef = {
  attrs: ["mode", "scales"],
  compile(a, ctx) {
    const mode = a.choice("mode", "nearest", ["nearest", "linear", "bilinear"] as const);
    const attrScales = a.floats("scales");
    const m: ResizeMode = { mode: mode === "nearest" ? "nearest" : "linear", transform: "asymmetric", nearest: "floor" };
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const scales = ins[1] !== undefined ? numbers(ins[1], ctx, "scales") : attrScales;
      if (!scales || scales.length !== x.ndim || scales.some((s) => !(s > 0))) throw new Error(`${ctx.where}: scales must be ${x.ndim} positive numbers`);
      const sizes = x.shape.map((d, i) => Math.floor(d * scales[i]!));
      checkedSize(sizes, "the upsampled output", ctx.where);
      return [resize(x, sizes, scales, m, ctx.where)];
    };
  },
};

// ---- constants and shape arithmetic ------------------------------------------------------------------------------

const constant: OpDef = {
  attrs: ["value", "value_float", "value_floats", "value_int", "value_ints", "sparse_value", "value_string", "value_strings"],
  compile(a, ctx) {
    let v: Value;
    if (a.has("value")) v = tensorValue(a.tensor("value")!, ctx.dtype);
    else if (a.has("value_float")) v = new NDArray(Float64Array.of(a.float("value_float", 0)), []).astype(ctx.dtype);
    else if (a.has("value_floats")) v = new NDArray(Float64Array.from(a.floats("value_floats")!), [a.floats("value_floats")!.length]).astype(ctx.dtype);
    else if (a.has("value_int")) v = intTensor([], [a.int("value_int", 0)]);
    else if (a.has("value_ints")) v = intTensor([a.ints("value_ints")!.length], a.ints("value_ints")!);
    else throw new Error(`${ctx.where}: needs a value, value_float(s) or value_int(s) attribute (sparse and string constants are not supported)`);
    return () => [v];
  },
};

const constantOfShape: OpDef = {
  attrs: ["value"],
  compile(a, ctx) {
    const t = a.tensor("value");
    if (t && t.data.length !== 1) throw new Error(`${ctx.where}: value must hold one element`);
    return (ins) => {
      const dims = ints(need(ins, 0, ctx, "input"), ctx, "shape");
      const n = checkedSize(dims, "the output", ctx.where);
      if (!t || t.kind === "float") return [full(dims, t ? t.data[0]! : 0, { dtype: ctx.dtype })];
      if (n > 1 << 20) throw new Error(`${ctx.where}: an integer tensor of shape [${dims.join(",")}] is too large for shape arithmetic`);
      return [intTensor(dims, new Array<number>(n).fill(t.data[0]!))];
    };
  },
};

const shapeOp: OpDef = {
  attrs: ["start", "end"],
  compile(a, ctx) {
    const start = a.int("start", 0);
    const end = a.has("end") ? a.int("end", 0) : undefined;
    return (ins) => {
      const s = shapeOf(need(ins, 0, ctx, "data"));
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const dims = s.slice(clamp(start), end === undefined ? r : clamp(end));
      return [intTensor([dims.length], dims)];
    };
  },
};

const gather: OpDef = {
  attrs: ["axis"],
  compile(a, ctx) {
    const axis = a.int("axis", 0);
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const idx = need(ins, 1, ctx, "indices");
      if (!isInt(idx)) throw new Error(`${ctx.where}: indices must be an integer tensor`);
      if (!isInt(x)) throw new Error(`${ctx.where}: Gather on float tensors is not supported (only on int64 shape tensors)`);
      return [intGather(x, idx, axis, ctx.where)];
    };
  },
};

const slice: OpDef = {
  attrs: ["starts", "ends", "axes"],
  compile(a, ctx) {
    const attrStarts = a.ints("starts");
    const attrEnds = a.ints("ends");
    const attrAxes = a.ints("axes");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const s = shapeOf(x);
      const starts = ins[1] !== undefined ? ints(ins[1], ctx, "starts") : attrStarts;
      const ends = ins[2] !== undefined ? ints(ins[2], ctx, "ends") : attrEnds;
      if (!starts || !ends || starts.length !== ends.length) throw new Error(`${ctx.where}: starts and ends must be given with equal lengths`);
      const axes = (ins[3] !== undefined ? ints(ins[3], ctx, "axes") : attrAxes ?? starts.map((_, i) => i)).map((ax) => normAxis(ax, s.length, ctx, "axes entry"));
      const steps = ins[4] !== undefined ? ints(ins[4], ctx, "steps") : starts.map(() => 1);
      if (axes.length !== starts.length || steps.length !== starts.length) throw new Error(`${ctx.where}: starts, ends, axes and steps must have equal lengths`);
      const positions = s.map((n) => [...Array(n).keys()]);
      axes.forEach((ax, i) => (positions[ax] = sliceIndices(s[ax]!, starts[i]!, ends[i]!, steps[i]!, ctx.where)));
      if (isInt(x)) return [intSlice(x, positions)];
      if (positions.some((p) => p.length === 0)) throw new Error(`${ctx.where}: the slice of shape [${s.join(",")}] is empty`);
      const index = positions.map((p, ax) => {
        const step = axes.includes(ax) ? steps[axes.indexOf(ax)]! : 1;
        const last = p[p.length - 1]!;
        return [p[0]!, step > 0 ? last + 1 : last - 1 < 0 ? null : last - 1, step] as [number, number | null, number];
      });
      return [x.at(...index).copy()];
    };
  },
};

const cast: OpDef = {
  attrs: ["to", "saturate"],
  compile(a, ctx) {
    const to = a.int("to", 0);
    const allowed: number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8, DataType.BOOL];
    if (!allowed.includes(to)) throw new Error(`${ctx.where}: cast to ${dataTypeName(to)} is not supported`);
    const toFloat = to === DataType.FLOAT || to === DataType.DOUBLE;
    return (ins) => {
      const x = need(ins, 0, ctx, "input");
      if (toFloat) return [to === DataType.DOUBLE && x instanceof NDArray ? x.astype("float64") : to === DataType.FLOAT && x instanceof NDArray ? x.astype(ctx.dtype) : float(x, ctx)];
      const vals = isInt(x) ? [...x.data] : ints(x, ctx, "input of an integer Cast").map(Math.trunc);
      return [intTensor(shapeOf(x), to === DataType.BOOL ? vals.map((v) => (v !== 0 ? 1 : 0)) : vals)];
    };
  },
};

const passThrough = (attrs: readonly string[]): OpDef => ({ attrs, compile: (_a, ctx) => (ins) => [need(ins, 0, ctx, "input")] });

const dropout: OpDef = {
  attrs: ["seed", "ratio", "is_test"],
  compile: (_a, ctx) => (ins) => {
    if (ins[2] !== undefined && numbers(ins[2], ctx, "training_mode")[0])
      throw new Error(`${ctx.where}: training_mode=true is not supported; the imported Dropout is the inference identity`);
    return [need(ins, 0, ctx, "data")];
  },
};

// ---- broadcasting, selection, cutting and ranges (issue 26: Expand, Where, Split, Tile, Range, PRelu) -----------------

// numpy broadcasting of the input with `shape`, both ways (a 1 in shape keeps the input's size)
const expand: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = need(ins, 0, ctx, "input");
    const shape = ints(need(ins, 1, ctx, "shape"), ctx, "shape");
    if (shape.some((d) => d < 0)) throw new Error(`${ctx.where}: shape [${shape.join(",")}] has a negative entry`);
    if (isInt(x)) return [intBinary(x, intTensor(shape, new Array<number>(checkedSize(shape, "shape", ctx.where)).fill(0)), (v) => v, ctx.where)];
    checkedSize(shape, "shape", ctx.where);
    return [expandBroadcast(x, shape, ctx.where)];
  },
};

// condition ? X : Y with numpy broadcasting; int tensors (shape arithmetic) stay int
const whereOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const c = need(ins, 0, ctx, "condition");
    const x = need(ins, 1, ctx, "X");
    const y = need(ins, 2, ctx, "Y");
    if (isInt(c) && isInt(x) && isInt(y)) {
      const pickX = intBinary(c, x, (cv, xv) => (cv !== 0 ? xv : 0), ctx.where);
      const pickY = intBinary(c, y, (cv, yv) => (cv !== 0 ? 0 : yv), ctx.where);
      return [intBinary(pickX, pickY, (p, q) => p + q, ctx.where)];
    }
    return [npWhere(float(c, ctx), float(x, ctx), float(y, ctx))];
  },
};

// pieces of the given sizes (opset 13+: the `split` input; before: the attribute), else `num_outputs` (opset 18) or as
// many equal pieces as the node has outputs (the last one smaller when the axis does not divide, as ONNX says)
const splitOp: OpDef = {
  attrs: ["axis", "split", "num_outputs"],
  compile(a, ctx) {
    const axisAttr = a.int("axis", 0);
    const attrSizes = a.ints("split");
    const numOutputs = a.has("num_outputs") ? a.int("num_outputs", 0) : (ctx.outputs ?? 0);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "input"), ctx);
      const axis = normAxis(axisAttr, x.ndim, ctx);
      const n = x.shape[axis]!;
      let sizes = ins[1] !== undefined ? ints(ins[1], ctx, "split") : attrSizes;
      if (!sizes) {
        if (!(numOutputs >= 1)) throw new Error(`${ctx.where}: without split sizes the number of outputs must be >= 1, got ${numOutputs}`);
        const piece = Math.ceil(n / numOutputs);
        sizes = Array.from({ length: numOutputs }, (_, i) => Math.max(0, Math.min(piece, n - i * piece)));
      }
      if (sizes.some((s) => s < 0) || sizes.reduce((p, s) => p + s, 0) !== n)
        throw new Error(`${ctx.where}: split sizes [${sizes.join(",")}] must be >= 0 and add up to ${n}, the length of axis ${axis}`);
      const cuts: number[] = [];
      for (let i = 0, at = 0; i < sizes.length - 1; i++) cuts.push((at += sizes[i]!));
      return npSplit(x, cuts, { axis });
    };
  },
};

const tileOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = need(ins, 0, ctx, "input");
    if (isInt(x)) throw new Error(`${ctx.where}: Tile of an int64 tensor (shape arithmetic) is not supported; only float data`);
    const reps = ints(need(ins, 1, ctx, "repeats"), ctx, "repeats");
    if (reps.length !== x.ndim || reps.some((r) => r < 0)) throw new Error(`${ctx.where}: repeats [${reps.join(",")}] must be ${x.ndim} integers >= 0 (one per axis of the input)`);
    checkedSize(x.shape.map((d, i) => d * reps[i]!), "the tiled output", ctx.where);
    return [npTile(x, reps)];
  },
};

// start, start + delta, … below limit (above it for delta < 0): ints stay an int tensor
const range: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const vals = ["start", "limit", "delta"].map((what, i) => {
      const v = numbers(need(ins, i, ctx, what), ctx, what);
      if (v.length !== 1) throw new Error(`${ctx.where}: ${what} must be a scalar, got ${v.length} values`);
      return v[0]!;
    });
    const [start, limit, delta] = vals as [number, number, number];
    if (delta === 0 || !Number.isFinite(delta)) throw new Error(`${ctx.where}: delta=${delta} must be a finite non-zero number`);
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    checkedSize([n], "the range", ctx.where);
    if ([0, 1, 2].every((i) => isInt(ins[i]))) return [intTensor([n], Array.from({ length: n }, (_, i) => start + i * delta))];
    const out = arange(0, n, 1, { dtype: ctx.dtype });
    return [binary("add", binary("mul", out, delta), start)];
  },
};

// x for x > 0, slope·x otherwise, slope broadcast to x (PyTorch's PReLU: slope per channel as [C, 1, 1]), written
// relu(x) + slope·min(x, 0): exact, ±∞ kept, d/dx = slope at 0 (PyTorch's), and it re-exports (Relu, Min, Mul, Add)
const prelu: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = float(need(ins, 0, ctx, "X"), ctx);
    const slope = float(need(ins, 1, ctx, "slope"), ctx);
    return [binary("add", unary("relu", x), binary("mul", slope, binary("minimum", x, 0)))];
  },
};

// one or two float operands, no ellipsis or repeated subscripts (np.einsum's forms)
const einsumOp: OpDef = {
  attrs: ["equation"],
  compile(a, ctx) {
    const equation = a.string("equation", "");
    return (ins) => {
      const xs = ins.filter((v): v is Value => v !== undefined).map((v) => float(v, ctx));
      try {
        return [npEinsum(equation, ...xs)];
      } catch (e) {
        throw new Error(`${ctx.where}: ${(e as Error).message}`);
      }
    };
  },
};

// fmod=0: the remainder takes the divisor's sign (numpy's mod; ONNX allows it for integers, tconv for floats too);
// fmod=1: C's fmod, the dividend's sign. Int tensors (shape arithmetic) stay int.
const modOp: OpDef = {
  attrs: ["fmod"],
  compile(a, ctx) {
    const fmod = a.int("fmod", 0) === 1;
    return (ins) => {
      const x = need(ins, 0, ctx, "A");
      const y = need(ins, 1, ctx, "B");
      if (isInt(x) && isInt(y)) {
        if (y.data.includes(0)) throw new Error(`${ctx.where}: integer Mod by zero`);
        return [intBinary(x, y, (p, q) => (fmod ? p % q : p - Math.floor(p / q) * q), ctx.where)];
      }
      return [binary(fmod ? "fmod" : "mod", float(x, ctx), float(y, ctx))];
    };
  },
};

// ones on diagonal k of a matrix shaped like the 2-D input; dtype: the input's, or the attribute's (ints stay an int tensor)
const eyeLike: OpDef = {
  attrs: ["dtype", "k"],
  compile(a, ctx) {
    const k = a.int("k", 0);
    const dtypeAttr = a.has("dtype") ? a.int("dtype", 0) : undefined;
    const allowed: number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8, DataType.BOOL];
    if (dtypeAttr !== undefined && !allowed.includes(dtypeAttr)) throw new Error(`${ctx.where}: dtype ${dataTypeName(dtypeAttr)} is not supported`);
    return (ins) => {
      const x = need(ins, 0, ctx, "input");
      const s = shapeOf(x);
      if (s.length !== 2) throw new Error(`${ctx.where}: input must be 2-D, got shape [${s.join(",")}]`);
      const [n, m] = [s[0]!, s[1]!];
      const asInt = dtypeAttr === undefined ? isInt(x) : dtypeAttr !== DataType.FLOAT && dtypeAttr !== DataType.DOUBLE;
      if (asInt) return [intTensor([n, m], Array.from({ length: n * m }, (_, i) => (i % m) - Math.floor(i / m) === k ? 1 : 0))];
      const dtype = dtypeAttr === DataType.DOUBLE ? "float64" : dtypeAttr === DataType.FLOAT ? "float32" : x instanceof NDArray ? x.dtype : ctx.dtype;
      return [eye(n, m, k, { dtype })];
    };
  },
};

// opset 16 (mode "bilinear") and 20 (mode "linear"), 4-D input; zeros and border padding
const gridSampleOp: OpDef = {
  attrs: ["mode", "padding_mode", "align_corners"],
  compile(a, ctx) {
    const mode = a.string("mode", ctx.opset >= 20 ? "linear" : "bilinear");
    if (mode !== "bilinear" && mode !== "linear") throw new Error(`${ctx.where}: mode="${mode}" is not supported; tconv samples bilinearly only`);
    const padding = a.string("padding_mode", "zeros");
    if (padding !== "zeros" && padding !== "border") throw new Error(`${ctx.where}: padding_mode="${padding}" is not supported; tconv has "zeros" and "border"`);
    const alignCorners = a.int("align_corners", 0) !== 0;
    return (ins) => [npxGridSample(float(need(ins, 0, ctx, "X"), ctx), float(need(ins, 1, ctx, "grid"), ctx), { paddingMode: padding, alignCorners })];
  },
};

/** Every operator the importer reads, by ONNX op_type. */
export const IMPORT_OPS: Readonly<Record<string, OpDef>> = {
  Conv: conv(false),
  ConvTranspose: conv(true),
  BatchNormalization: batchNorm,
  Relu: unaryDef((x) => unary("relu", x)),
  LeakyRelu: withAlpha(0.01, leakyRelu),
  Elu: withAlpha(1, elu),
  Sigmoid: unaryDef((x) => unary("sigmoid", x)),
  Tanh: unaryDef((x) => unary("tanh", x)),
  Softplus: unaryDef((x) => unary("softrelu", x)),
  Clip: clip,
  HardSigmoid: hardSigmoid,
  Erf: unaryDef((x) => unary("erf", x)),
  Sin: unaryDef((x) => unary("sin", x)),
  Cos: unaryDef((x) => unary("cos", x)),
  PRelu: prelu,
  Expand: expand,
  Where: whereOp,
  Split: splitOp,
  Tile: tileOp,
  Range: range,
  Einsum: einsumOp,
  Mod: modOp,
  EyeLike: eyeLike,
  GridSample: gridSampleOp,
  HardSwish: unaryDef((x) => unary("hardswish", x)),
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
  Neg: unaryDef((x) => unary("neg", x)),
  Exp: unaryDef((x) => unary("exp", x)),
  Log: unaryDef((x) => unary("log", x)),
  Sqrt: unaryDef((x) => unary("sqrt", x)),
  Abs: unaryDef((x) => unary("abs", x)),
  Add: arith("add"),
  Sub: arith("sub"),
  Mul: arith("mul"),
  Div: arith("div"),
  Pow: { attrs: [], compile: (_a, ctx) => (ins) => [binary("pow", float(need(ins, 0, ctx, "X"), ctx), float(need(ins, 1, ctx, "Y"), ctx))] },
  Max: variadic("maximum"),
  Min: variadic("minimum"),
  Sum: variadic("add"),
  ReduceSum: reduceDef("sum"),
  ReduceMean: reduceDef("mean"),
  ReduceMax: reduceDef("max"),
  ReduceMin: reduceDef("min"),
  Concat: concat,
  MaxPool: poolDef("max"),
  AveragePool: poolDef("avg"),
  GlobalAveragePool: globalPool("mean"),
  GlobalMaxPool: globalPool("max"),
  Flatten: flatten,
  Reshape: reshapeOp,
  Transpose: transposeOp,
  Gemm: gemm,
  MatMul: matmulOp,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  Pad: padOp,
  Resize: resizeOp,
  Upsample: upsample,
  Identity: passThrough([]),
  Dropout: dropout,
  Softmax: softmaxDef(false),
  LogSoftmax: softmaxDef(true),
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Gather: gather,
  Unsqueeze: unsqueeze,
  Squeeze: squeeze,
  Slice: slice,
  Cast: cast,
};

export const SUPPORTED_OPS: readonly string[] = Object.keys(IMPORT_OPS).sort();

/** Reads a node's attributes and prepares its runner; throws for unknown attributes or rejected values. */
export function compileNode(opType: string, attrs: ConstructorParameters<typeof Attributes>[0], ctx: CompileContext): Runner {
  const def = IMPORT_OPS[opType]!;
  return def.compile(new Attributes(attrs, ctx.where, def.attrs), ctx);
}

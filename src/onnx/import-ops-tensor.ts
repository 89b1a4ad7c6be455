// ONNX Expand, Where, Split, Tile, Range, PRelu, Einsum, Mod, EyeLike and GridSample for the importer.
import { NDArray } from "../ndarray/ndarray.js";
import { binary, unary, where as npWhere } from "../ops/elementwise.js";
import { expandBroadcast, tile as npTile } from "../ops/broadcast.js";
import { einsum as npEinsum } from "../ops/einsum.js";
import { gridSample as npxGridSample } from "../ops/grid-sample.js";
import { split as npSplit } from "../ops/join.js";
import { arange, eye } from "../ndarray/create.js";
import { leakyRelu } from "../ops/activation.js";
import { reshape } from "../ops/shape.js";
import { checkedSize, DataType, dataTypeName } from "./proto.js";
import { intBinary, intTensor } from "./int-tensor.js";
import { type Value, type OpDef, isInt, need, float, ints, numbers, shapeOf, normAxis, toFloat } from "./import-ops-common.js";

// numpy broadcasting of the input with `shape`, both ways (a 1 in shape keeps the input's size)
export const expand: OpDef = {
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
export const whereOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const c = need(ins, 0, ctx, "condition");
    const x = need(ins, 1, ctx, "X");
    const y = need(ins, 2, ctx, "Y");
    // the condition is BOOL (onnxruntime refuses another type); X and Y share one type T
    if (!isInt(c) || c.type !== DataType.BOOL) throw new Error(`${ctx.where}: condition must be a bool tensor`);
    if (isInt(x) && isInt(y)) {
      const pickX = intBinary(intTensor(c.dims, c.data, x.type), x, (cv, xv) => (cv !== 0 ? xv : 0), ctx.where);
      const pickY = intBinary(intTensor(c.dims, c.data, y.type), y, (cv, yv) => (cv !== 0 ? 0 : yv), ctx.where);
      return [intBinary(pickX, pickY, (p, q) => p + q, ctx.where)];
    }
    return [npWhere(toFloat(c, ctx), float(x, ctx), float(y, ctx))];
  },
};

// pieces of the given sizes (opset 13+: the `split` input; before: the attribute), else `num_outputs` (opset 18) or as
// many equal pieces as the node has outputs (the last one smaller when the axis does not divide, as ONNX says)
export const splitOp: OpDef = {
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

export const tileOp: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = need(ins, 0, ctx, "input");
    if (isInt(x)) throw new Error(`${ctx.where}: Tile of an int64 tensor (shape arithmetic) is not supported; only float data`);
    const reps = ints(need(ins, 1, ctx, "repeats"), ctx, "repeats");
    if (reps.length !== x.ndim || reps.some((r) => r < 0))
      throw new Error(`${ctx.where}: repeats [${reps.join(",")}] must be ${x.ndim} integers >= 0 (one per axis of the input)`);
    checkedSize(
      x.shape.map((d, i) => d * reps[i]!),
      "the tiled output",
      ctx.where,
    );
    return [npTile(x, reps)];
  },
};

// start, start + delta, … below limit (above it for delta < 0): ints stay an int tensor
export const range: OpDef = {
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
    const first = ins[0];
    if (isInt(first) && [1, 2].every((i) => isInt(ins[i])))
      return [
        intTensor(
          [n],
          Array.from({ length: n }, (_, i) => start + i * delta),
          first.type,
        ),
      ];
    const out = arange(0, n, 1, { dtype: ctx.dtype });
    return [binary("add", binary("mul", out, delta), start)];
  },
};

// x for x > 0, slope·x otherwise, slope broadcast to x. PyTorch's PReLU (one slope, or one per channel as [C, 1, …])
// is npx.leakyRelu's prelu (one pass; d/dx = slope at 0, as PyTorch); any other broadcast is written
// relu(x) + slope·min(x, 0): exact, ±∞ kept, the same derivative, and it re-exports (Relu, Min, Mul, Add)
export const prelu: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = float(need(ins, 0, ctx, "X"), ctx);
    const slope = float(need(ins, 1, ctx, "slope"), ctx);
    const C = x.ndim >= 2 ? x.shape[1]! : 1;
    const shared = slope.size === 1 && slope.ndim <= x.ndim;
    const perChannel = x.ndim >= 2 && slope.ndim === x.ndim - 1 && slope.shape[0] === C && slope.shape.every((d, i) => i === 0 || d === 1);
    // (on the CPU: the GPU backend has no prelu kernel yet, and the composed ops run there)
    if ((shared || perChannel) && x.size > 0 && x.ctx.deviceType === "cpu") return [leakyRelu(x, { actType: "prelu", gamma: reshape(slope, [slope.size]) })];
    return [binary("add", unary("relu", x), binary("mul", slope, binary("minimum", x, 0)))];
  },
};

// one or two float operands, no ellipsis or repeated subscripts (np.einsum's forms)
export const einsumOp: OpDef = {
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
export const modOp: OpDef = {
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
export const eyeLike: OpDef = {
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
      if (asInt)
        return [
          intTensor(
            [n, m],
            Array.from({ length: n * m }, (_, i) => ((i % m) - Math.floor(i / m) === k ? 1 : 0)),
          ),
        ];
      const dtype = dtypeAttr === DataType.DOUBLE ? "float64" : dtypeAttr === DataType.FLOAT ? "float32" : x instanceof NDArray ? x.dtype : ctx.dtype;
      return [eye(n, m, k, { dtype })];
    };
  },
};

// opset 16 (mode "bilinear") and 20 (mode "linear"), 4-D input; zeros and border padding
export const gridSampleOp: OpDef = {
  attrs: ["mode", "padding_mode", "align_corners"],
  compile(a, ctx) {
    const mode = a.string("mode", ctx.opset >= 20 ? "linear" : "bilinear");
    if (mode !== "bilinear" && mode !== "linear") throw new Error(`${ctx.where}: mode="${mode}" is not supported; tconv samples bilinearly only`);
    const padding = a.string("padding_mode", "zeros");
    if (padding !== "zeros" && padding !== "border")
      throw new Error(`${ctx.where}: padding_mode="${padding}" is not supported; tconv has "zeros" and "border"`);
    const alignCorners = a.int("align_corners", 0) !== 0;
    return (ins) => [npxGridSample(float(need(ins, 0, ctx, "X"), ctx), float(need(ins, 1, ctx, "grid"), ctx), { paddingMode: padding, alignCorners })];
  },
};

/** Every operator the importer reads, by ONNX op_type. */

// ONNX constants and int64 shape arithmetic for the importer: Constant(OfShape), Shape, Gather (int64, and float data as np.take), Slice, Cast, Identity, Dropout.
import { NDArray } from "../ndarray/ndarray.js";
import { full } from "../ndarray/create.js";
import { take } from "../ops/gather.js";
import { checkedSize, checkIntSize, DataType, dataTypeName } from "./proto.js";
import { intGather, intSlice, intTensor, sliceRange } from "./int-tensor.js";
import { type Value, type OpDef, isInt, need, ints, numbers, shapeOf, normAxis, tensorValue, toFloat } from "./import-ops-common.js";

export const constant: OpDef = {
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

export const constantOfShape: OpDef = {
  attrs: ["value"],
  compile(a, ctx) {
    const t = a.tensor("value");
    if (t && t.data.length !== 1) throw new Error(`${ctx.where}: value must hold one element`);
    return (ins) => {
      const dims = ints(need(ins, 0, ctx, "input"), ctx, "shape");
      const n = checkedSize(dims, "the output", ctx.where);
      if (!t || t.kind === "float") return [full(dims, t ? t.data[0]! : 0, { dtype: ctx.dtype })];
      if (n > 1 << 20) throw new Error(`${ctx.where}: an integer tensor of shape [${dims.join(",")}] is too large for shape arithmetic`);
      return [intTensor(dims, new Array<number>(n).fill(t.data[0]!), t.type)];
    };
  },
};

export const shapeOp: OpDef = {
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

export const gather: OpDef = {
  attrs: ["axis"],
  compile(a, ctx) {
    const axis = a.int("axis", 0);
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const idx = need(ins, 1, ctx, "indices");
      if (!isInt(idx)) throw new Error(`${ctx.where}: indices must be an integer tensor`);
      // float data: numpy's take along the axis (the same shape rule; np.take exports as Gather), differentiable
      if (!isInt(x)) return [take(x, new NDArray(Float64Array.from(idx.data), idx.dims), { axis })];
      return [intGather(x, idx, axis, ctx.where)];
    };
  },
};

export const slice: OpDef = {
  attrs: ["starts", "ends", "axes"],
  compile(a, ctx) {
    // opset < 10 keeps starts/ends in attributes; PyTorch writes INT64_MAX there for "to the end" (saturated here)
    const attrStarts = a.ints("starts", true);
    const attrEnds = a.ints("ends", true);
    const attrAxes = a.ints("axes");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const s = shapeOf(x);
      const starts = ins[1] !== undefined ? ints(ins[1], ctx, "starts") : attrStarts;
      const ends = ins[2] !== undefined ? ints(ins[2], ctx, "ends") : attrEnds;
      if (!starts || !ends || starts.length !== ends.length) throw new Error(`${ctx.where}: starts and ends must be given with equal lengths`);
      const axes = (ins[3] !== undefined ? ints(ins[3], ctx, "axes") : (attrAxes ?? starts.map((_, i) => i))).map((ax) =>
        normAxis(ax, s.length, ctx, "axes entry"),
      );
      const steps = ins[4] !== undefined ? ints(ins[4], ctx, "steps") : starts.map(() => 1);
      if (axes.length !== starts.length || steps.length !== starts.length)
        throw new Error(`${ctx.where}: starts, ends, axes and steps must have equal lengths`);
      if (new Set(axes).size !== axes.length) throw new Error(`${ctx.where}: axes [${axes.join(",")}] repeat an axis`);
      // per axis (first, step, count) by arithmetic: no list of positions as long as the axis
      const ranges = s.map((n) => ({ first: 0, step: 1, count: n }));
      axes.forEach((ax, i) => (ranges[ax] = sliceRange(s[ax]!, starts[i]!, ends[i]!, steps[i]!, ctx.where)));
      if (isInt(x))
        return [
          intSlice(
            x,
            ranges.map((r) => Array.from({ length: r.count }, (_, k) => r.first + k * r.step)),
          ),
        ];
      if (ranges.some((r) => r.count === 0)) throw new Error(`${ctx.where}: the slice of shape [${s.join(",")}] is empty`);
      const index = ranges.map((r) => {
        const last = r.first + (r.count - 1) * r.step;
        return [r.first, r.step > 0 ? last + 1 : last - 1 < 0 ? null : last - 1, r.step] as [number, number | null, number];
      });
      return [x.at(...index).copy()];
    };
  },
};

export const cast: OpDef = {
  attrs: ["to", "saturate"],
  compile(a, ctx) {
    const to = a.int("to", 0);
    const allowed: number[] = [DataType.FLOAT, DataType.DOUBLE, DataType.INT64, DataType.INT32, DataType.INT8, DataType.UINT8, DataType.BOOL];
    if (!allowed.includes(to)) throw new Error(`${ctx.where}: cast to ${dataTypeName(to)} is not supported`);
    const floatTarget = to === DataType.FLOAT || to === DataType.DOUBLE;
    return (ins) => {
      const x = need(ins, 0, ctx, "input");
      if (floatTarget)
        return [
          to === DataType.DOUBLE && x instanceof NDArray
            ? x.astype("float64")
            : to === DataType.FLOAT && x instanceof NDArray
              ? x.astype(ctx.dtype)
              : toFloat(x, ctx),
        ];
      // ONNX truncates toward zero (1.7 → 1, −1.7 → −1); NaN and ±∞ have no integer value
      let vals: number[];
      if (isInt(x)) vals = [...x.data];
      else {
        checkIntSize(x.size, x.shape, "the integer Cast result", ctx.where);
        vals = Array.from(x.asTypedArray(), (v) => {
          if (!Number.isFinite(v)) throw new Error(`${ctx.where}: cannot cast ${v} to ${dataTypeName(to)}`);
          return Math.trunc(v) + 0; // + 0: −0.9 truncates to 0, not −0
        });
      }
      return [intTensor(shapeOf(x), to === DataType.BOOL ? vals.map((v) => (v !== 0 ? 1 : 0)) : vals, to)];
    };
  },
};

export const passThrough = (attrs: readonly string[]): OpDef => ({ attrs, compile: (_a, ctx) => (ins) => [need(ins, 0, ctx, "input")] });

export const dropout: OpDef = {
  attrs: ["seed", "ratio", "is_test"],
  compile: (_a, ctx) => (ins) => {
    if (ins[2] !== undefined && numbers(ins[2], ctx, "training_mode")[0])
      throw new Error(`${ctx.where}: training_mode=true is not supported; the imported Dropout is the inference identity`);
    return [need(ins, 0, ctx, "data")];
  },
};

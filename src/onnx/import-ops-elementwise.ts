// ONNX elementwise, normalization and activation operators for the importer (Add … Pow, BatchNormalization, Clip, Softmax).
import type { NDArray } from "../ndarray/ndarray.js";
import { binary, unary } from "../ops/elementwise.js";
import { logSoftmax, softmax } from "../ops/softmax.js";
import { batchNorm as npxBatchNorm } from "../ops/batch-norm.js";
import { leakyRelu as npxLeakyRelu } from "../ops/activation.js";
import { MAX_TENSOR_ELEMENTS } from "./proto.js";
import { intBinary } from "./int-tensor.js";
import { type Value, type CompileContext, type OpDef, isInt, need, float, numbers, shapeOf, normAxis, toFloat } from "./import-ops-common.js";

const INT_FN = {
  add: (x: number, y: number) => x + y,
  sub: (x: number, y: number) => x - y,
  mul: (x: number, y: number) => x * y,
  div: (x: number, y: number) => {
    if (y === 0) throw new Error("integer division by zero");
    return Math.trunc(x / y);
  },
};

/** The broadcast shape of float operands, refused above MAX_TENSOR_ELEMENTS before anything is allocated. */
function checkBroadcast(shapes: readonly (readonly number[])[], ctx: CompileContext): void {
  const nd = Math.max(...shapes.map((s) => s.length));
  let n = 1;
  const out: number[] = [];
  for (let i = 0; i < nd; i++) {
    let d = 1;
    for (const s of shapes) {
      const e = s[s.length - nd + i] ?? 1;
      if (e !== 1) d = e;
    }
    out.push(d);
    n *= d;
  }
  if (n > MAX_TENSOR_ELEMENTS)
    throw new Error(
      `${ctx.where}: the broadcast result [${out.join(",")}] has ${n} elements, more than the ${MAX_TENSOR_ELEMENTS} tconv's importer materializes`,
    );
}

export const arith = (op: "add" | "sub" | "mul" | "div"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = need(ins, 0, ctx, "A");
    const y = need(ins, 1, ctx, "B");
    if (isInt(x) && isInt(y)) return [intBinary(x, y, INT_FN[op], ctx.where)];
    checkBroadcast([shapeOf(x), shapeOf(y)], ctx);
    return [binary(op, float(x, ctx), float(y, ctx))];
  },
});

export const unaryDef = (f: (x: NDArray) => NDArray, attrs: readonly string[] = []): OpDef => ({
  attrs,
  compile: (_a, ctx) => (ins) => [f(float(need(ins, 0, ctx, "X"), ctx))],
});

export const withAlpha = (dflt: number, f: (x: NDArray, alpha: number) => NDArray): OpDef => ({
  attrs: ["alpha"],
  compile(a, ctx) {
    const alpha = a.float("alpha", dflt);
    return (ins) => [f(float(need(ins, 0, ctx, "X"), ctx), alpha)];
  },
});

// x for x > 0, αx otherwise
export const leakyRelu = (x: NDArray, alpha: number) => npxLeakyRelu(x, { slope: alpha });
// x for x > 0, α(eˣ − 1) otherwise
export const elu = (x: NDArray, alpha: number) => npxLeakyRelu(x, { actType: "elu", slope: alpha });

export const variadic = (op: "maximum" | "minimum" | "add"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const given = ins.filter((v): v is Value => v !== undefined);
    checkBroadcast(given.map(shapeOf), ctx);
    const xs = given.map((v) => float(v, ctx));
    if (xs.length === 0) throw new Error(`${ctx.where}: needs at least one input`);
    return [xs.slice(1).reduce((acc, v) => binary(op, acc, v), xs[0]!)];
  },
});

// ---- normalization, activations with parameters -----------------------------------------------------------------

export const batchNorm: OpDef = {
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

export const clip: OpDef = {
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

export function softmaxDef(log: boolean): OpDef {
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

/** ONNX Pow: float broadcast, checked before allocating. */
export const pow: OpDef = {
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const [x, y] = [need(ins, 0, ctx, "X"), need(ins, 1, ctx, "Y")];
    checkBroadcast([shapeOf(x), shapeOf(y)], ctx);
    // opset 12+ lets the exponent be an integer tensor (T1 float, T2 numeric)
    return [binary("pow", float(x, ctx), toFloat(y, ctx))];
  },
};

export const hardSigmoid: OpDef = {
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

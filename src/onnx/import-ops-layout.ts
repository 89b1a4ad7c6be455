// ONNX layout operators for the importer: Concat, Reshape, Flatten, Transpose, (Un)Squeeze, Depth/SpaceToDepth, Pad.
import { NDArray } from "../ndarray/ndarray.js";
import { type PadMode, pad } from "../ops/pad-constant.js";
import { concatenate } from "../ops/join.js";
import { depthToSpace as npxDepthToSpace, spaceToDepth as npxSpaceToDepth } from "../ops/depth-to-space.js";
import { checkedSize } from "./proto.js";
import { intConcat, intTensor, intTranspose } from "./int-tensor.js";
import { type Value, type CompileContext, type OpDef, isInt, need, float, ints, numbers, shapeOf, normAxis } from "./import-ops-common.js";

export const concat: OpDef = {
  attrs: ["axis"],
  compile(a, ctx) {
    if (!a.has("axis")) throw new Error(`${ctx.where}: attribute 'axis' is required`);
    const axisAttr = a.int("axis", 0);
    return (ins) => {
      const xs = ins.filter((v): v is Value => v !== undefined);
      if (xs.length === 0) throw new Error(`${ctx.where}: needs at least one input`);
      const axis = normAxis(axisAttr, shapeOf(xs[0]!).length, ctx);
      if (xs.every(isInt)) return [intConcat(xs, axis, ctx.where)];
      return [
        concatenate(
          xs.map((v) => float(v, ctx)),
          { axis },
        ),
      ];
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

const reshapeValue = (v: Value, shape: readonly number[]): Value => (v instanceof NDArray ? v.reshape(shape) : intTensor(shape, v.data, v.type));

export const reshapeOp: OpDef = {
  attrs: ["allowzero", "shape"],
  compile(a, ctx) {
    if (a.has("allowzero") && ctx.opset < 14) throw new Error(`${ctx.where}: attribute 'allowzero' exists from opset 14; this model is opset ${ctx.opset}`);
    const allowZero = a.int("allowzero", 0) !== 0;
    const attrShape = a.ints("shape");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const to = ins[1] !== undefined ? ints(ins[1], ctx, "shape") : attrShape;
      if (!to) throw new Error(`${ctx.where}: the target shape (input 1) is missing`);
      return [reshapeValue(x, reshapeTarget(shapeOf(x), to, allowZero, ctx))];
    };
  },
};

export const flatten: OpDef = {
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

export const transposeOp: OpDef = {
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

export const unsqueeze: OpDef = {
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

export const squeeze: OpDef = {
  attrs: ["axes"],
  compile(a, ctx) {
    const attr = a.ints("axes");
    return (ins) => {
      const x = need(ins, 0, ctx, "data");
      const s = shapeOf(x);
      const axes = axesOf(ins, attr, ctx)?.map((ax) => normAxis(ax, s.length, ctx, "axes entry")) ?? s.flatMap((d, i) => (d === 1 ? [i] : []));
      for (const ax of axes) if (s[ax] !== 1) throw new Error(`${ctx.where}: cannot squeeze axis ${ax} of size ${s[ax]} (shape [${s.join(",")}])`);
      return [
        reshapeValue(
          x,
          s.filter((_, i) => !axes.includes(i)),
        ),
      ];
    };
  },
};

export const depthToSpace: OpDef = {
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
export const spaceToDepth: OpDef = {
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

export const padOp: OpDef = {
  attrs: ["mode", "pads", "value"],
  compile(a, ctx) {
    const mode = a.string("mode", "constant");
    // wrap is opset 19's; numpy's np.pad has the same four modes under the same names
    const modes = ctx.opset >= 19 ? ["constant", "reflect", "edge", "wrap"] : ["constant", "reflect", "edge"];
    if (!modes.includes(mode))
      throw new Error(
        `${ctx.where}: mode="${mode}" is not supported at opset ${ctx.opset}; tconv imports Pad with mode ${modes.map((m) => `"${m}"`).join(", ")}`,
      );
    const attrPads = a.ints("pads");
    const attrValue = a.float("value", 0);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "data"), ctx);
      const r = x.ndim;
      const raw = ins[1] !== undefined ? ints(ins[1], ctx, "pads") : attrPads;
      if (!raw) throw new Error(`${ctx.where}: pads are missing`);
      const value = ins[2] !== undefined ? (numbers(ins[2], ctx, "constant_value")[0] ?? 0) : attrValue;
      const axes = ins[3] !== undefined ? ints(ins[3], ctx, "axes").map((ax) => normAxis(ax, r, ctx, "axes entry")) : [...Array(r).keys()];
      if (raw.length !== 2 * axes.length) throw new Error(`${ctx.where}: pads=[${raw.join(",")}] must have ${2 * axes.length} entries`);
      if (raw.some((p) => p < 0)) throw new Error(`${ctx.where}: negative pads [${raw.join(",")}] (cropping) are not supported`);
      const pairs: [number, number][] = Array.from({ length: r }, () => [0, 0]);
      axes.forEach((ax, i) => (pairs[ax] = [raw[i]!, raw[i + axes.length]!]));
      checkedSize(
        x.shape.map((d, i) => d + pairs[i]![0] + pairs[i]![1]),
        "the padded output",
        ctx.where,
      );
      // onnxruntime refuses reflect pads beyond one reflection and fills wrap pads beyond one wrap wrongly (np.pad
      // would repeat the pattern), so such a model is refused rather than given values no other runtime agrees with
      const limit = mode === "reflect" ? (n: number) => n - 1 : mode === "wrap" ? (n: number) => n : null;
      if (limit)
        pairs.forEach(([b, e], ax) => {
          const n = x.shape[ax]!;
          if ((b > 0 || e > 0) && (b > limit(n) || e > limit(n)))
            throw new Error(
              `${ctx.where}: mode="${mode}" pads [${b}, ${e}] on axis ${ax} of length ${n} go beyond one ${mode === "reflect" ? "reflection (pads < the length)" : "wrap (pads <= the length)"}, which onnxruntime does not run; tconv refuses too (np.pad repeats the pattern)`,
            );
        });
      if (mode !== "constant") return [pad(x, pairs, { mode: mode as PadMode })];
      return [pad(x, pairs, { constantValues: value })];
    };
  },
};

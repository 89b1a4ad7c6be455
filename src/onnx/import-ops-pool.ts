import { reduce } from "../ops/reduce.js";
import { pooling } from "../ops/pooling.js";
import { checkedSize } from "./proto.js";
import { pool } from "./pool.js";
import { resize, type ResizeMode } from "./resize.js";
import { type OpDef, need, float, ints, isInt, numbers, normAxis } from "./import-ops-common.js";
import { intReduce } from "./int-tensor.js";

export const poolDef = (kind: "max" | "avg"): OpDef => ({
  attrs: ["auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "strides", ...(kind === "max" ? ["storage_order"] : ["count_include_pad"])],
  compile(a, ctx) {
    const auto = a.choice("auto_pad", "NOTSET", ["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"]);
    const kernel = a.ints("kernel_shape");
    if (!kernel || kernel.length === 0 || kernel.some((k) => k < 1)) throw new Error(`${ctx.where}: kernel_shape must be given as positive integers`);
    const nd = kernel.length;
    const strides = a.ints("strides") ?? kernel.map(() => 1);
    const dilations = a.ints("dilations") ?? kernel.map(() => 1);
    const pads = a.ints("pads") ?? kernel.map(() => 0).concat(kernel.map(() => 0));
    const ceil = a.int("ceil_mode", 0) !== 0; // any nonzero is true, as onnxruntime reads it
    const includePad = kind === "avg" && a.int("count_include_pad", 0) !== 0;
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

export const globalPool = (kind: "mean" | "max"): OpDef => ({
  attrs: [],
  compile: (_a, ctx) => (ins) => {
    const x = float(need(ins, 0, ctx, "X"), ctx);
    if (x.ndim < 3) throw new Error(`${ctx.where}: input of shape [${x.shape.join(",")}] has no spatial axes`);
    if (x.ndim <= 5) return [pooling(x, { globalPool: true, poolType: kind === "mean" ? "avg" : "max" })];
    return [reduce(kind, x, { axis: [...Array(x.ndim - 2).keys()].map((i) => i + 2), keepdims: true })];
  },
});

export const reduceDef = (op: "sum" | "mean" | "max" | "min" | "prod"): OpDef => ({
  attrs: ["axes", "keepdims", "noop_with_empty_axes"],
  compile(a, ctx) {
    const attrAxes = a.ints("axes");
    const keepdims = a.int("keepdims", 1) !== 0;
    const noop = a.int("noop_with_empty_axes", 0) !== 0;
    return (ins) => {
      const data = need(ins, 0, ctx, "data");
      // integer tensors (shape arithmetic: an element count) stay integer for ReduceSum and ReduceProd
      const rank = isInt(data) && (op === "sum" || op === "prod") ? data.dims.length : float(data, ctx).ndim;
      const axes = (ins[1] !== undefined ? ints(ins[1], ctx, "axes") : (attrAxes ?? [])).map((ax) => normAxis(ax, rank, ctx, "axes entry"));
      if (axes.length === 0 && noop) return [data];
      if (isInt(data) && (op === "sum" || op === "prod")) {
        if (new Set(axes).size !== axes.length) throw new Error(`${ctx.where}: axes [${axes.join(",")}] repeat an axis`);
        const all = axes.length === 0 ? [...Array(rank).keys()] : [...axes].sort((p, q) => p - q);
        return [intReduce(data, all, keepdims, op, ctx.where)];
      }
      const x = float(data, ctx);
      return [reduce(op, x, { axis: axes.length === 0 ? null : axes, keepdims })];
    };
  },
});

const RESIZE_ATTRS = [
  "antialias",
  "axes",
  "coordinate_transformation_mode",
  "cubic_coeff_a",
  "exclude_outside",
  "extrapolation_value",
  "keep_aspect_ratio_policy",
  "mode",
  "nearest_mode",
];

export const resizeOp: OpDef = {
  attrs: RESIZE_ATTRS,
  compile(a, ctx) {
    const mode = a.choice("mode", "nearest", ["nearest", "linear"]);
    const transform = a.choice("coordinate_transformation_mode", "half_pixel", [
      "half_pixel",
      "pytorch_half_pixel",
      "align_corners",
      "asymmetric",
      "tf_half_pixel_for_nn",
    ]);
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
      if (scalesIn.length > 0 === sizesIn.length > 0) throw new Error(`${ctx.where}: exactly one of scales and sizes must be given`);
      const given = scalesIn.length > 0 ? scalesIn : sizesIn;
      if (given.length !== axes.length)
        throw new Error(`${ctx.where}: ${scalesIn.length > 0 ? "scales" : "sizes"} has ${given.length} entries for ${axes.length} axes`);
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

export const upsample: OpDef = {
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

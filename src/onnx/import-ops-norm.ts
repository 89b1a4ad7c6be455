// ONNX InstanceNormalization, LayerNormalization and GroupNormalization for the importer (composed tconv ops).
import type { NDArray } from "../ndarray/ndarray.js";
import { broadcastTo } from "../ops/broadcast.js";
import { binary } from "../ops/elementwise.js";
import { reduce } from "../ops/reduce.js";
import { affineOver, groupNormChannels, instanceNormChannels, normalizeOver } from "../ops/normalization.js";
import { reshape } from "../ops/shape.js";
import { opsObserved } from "../tape/tape.js";
import type { Attributes } from "./attributes.js";
import { type Value, type CompileContext, type OpDef, need, float } from "./import-ops-common.js";

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
export const instanceNorm: OpDef = {
  attrs: ["epsilon"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "input"), ctx);
      if (x.ndim < 3) throw new Error(`${ctx.where}: input must be [N, C, D1, …] with at least 3 axes, got [${x.shape.join(", ")}]`);
      const c = x.shape[1]!;
      const scale = channelParam(need(ins, 1, ctx, "scale"), c, ctx, "scale");
      const bias = channelParam(need(ins, 2, ctx, "B"), c, ctx, "B");
      return [instanceNormChannels(x, scale, bias, eps)];
    };
  },
};

// opset 17: statistics over axes axis…rank−1; Y = (x − μ)·InvStdDev·Scale + B (Scale and B broadcast); Mean and
// InvStdDev = 1/√(σ² + ε) are the optional second and third outputs, with size-1 normalised axes
export const layerNorm: OpDef = {
  attrs: ["axis", "epsilon", "stash_type"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    const axisAttr = a.int("axis", -1);
    const stash = a.int("stash_type", 1);
    if (stash !== 1)
      throw new Error(`${ctx.where}: stash_type=${stash} is not supported (tconv keeps the statistics in the input's float type, as stash_type=1)`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      const axis = axisAttr < 0 ? axisAttr + x.ndim : axisAttr;
      if (axis < 0 || axis >= x.ndim) throw new Error(`${ctx.where}: axis=${axisAttr} is out of range for an input of rank ${x.ndim}`);
      const fast = ctx.outputs === 1 ? layerNormRows(x, axis, float(need(ins, 1, ctx, "Scale"), ctx), ins[2], ctx, eps) : null;
      if (fast !== null) return [fast];
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

/**
 * LayerNormalization when only Y is read and nothing observes the ops: rows of D = ∏ x.shape[axis…] elements through the
 * group-norm kernel (float64 statistics), Scale and B expanded to the normalised shape; null when another path must run
 * (no B, a Scale or B that does not broadcast to the normalised shape, mixed dtypes, an empty input).
 */
function layerNormRows(x: NDArray, axis: number, scale: NDArray, b: Value | undefined, ctx: CompileContext, eps: number): NDArray | null {
  if (opsObserved() || x.size === 0 || b === undefined) return null;
  const bias = float(b, ctx);
  const normShape = x.shape.slice(axis);
  const D = normShape.reduce((p, d) => p * d, 1);
  const fits = (p: NDArray) =>
    p.dtype === x.dtype && p.ndim <= normShape.length && p.shape.every((d, i) => d === 1 || d === normShape[normShape.length - p.ndim + i]);
  if (!fits(scale) || !fits(bias)) return null;
  const flat = (p: NDArray) => reshape(broadcastTo(p, normShape), [D]);
  return reshape(groupNormChannels(reshape(x, [x.size / D, D]), flat(scale), flat(bias), 1, eps), x.shape);
}

/** G per-group values as C per-channel ones: value g repeated over the group's C/G channels. */
export function repeatPerGroup(v: NDArray, G: number, C: number): NDArray {
  return reshape(broadcastTo(reshape(v, [G, 1]), [G, C / G]), [C]);
}

// opset 18: scale and bias per group ([G]); opset 21: per channel ([C]). Each sample's group of C/G channels is
// normalised over its channels and positions.
export const groupNorm: OpDef = {
  attrs: ["epsilon", "num_groups", "stash_type"],
  compile(a, ctx) {
    const eps = positiveEps(a, ctx);
    const g = a.int("num_groups", 0);
    if (!(g >= 1)) throw new Error(`${ctx.where}: num_groups=${g} must be a positive integer`);
    const stash = a.int("stash_type", 1);
    if (stash !== 1)
      throw new Error(`${ctx.where}: stash_type=${stash} is not supported (tconv keeps the statistics in the input's float type, as stash_type=1)`);
    return (ins) => {
      const x = float(need(ins, 0, ctx, "X"), ctx);
      if (x.ndim < 2) throw new Error(`${ctx.where}: input must be [N, C, …], got [${x.shape.join(", ")}]`);
      const [n, c] = [x.shape[0]!, x.shape[1]!];
      if (c % g !== 0) throw new Error(`${ctx.where}: num_groups=${g} must divide the ${c} channels`);
      const perChannel = ctx.opset >= 21;
      const size = perChannel ? c : g;
      const scale = channelParam(need(ins, 1, ctx, "scale"), size, ctx, "scale");
      const bias = channelParam(need(ins, 2, ctx, "bias"), size, ctx, "bias");
      if (!opsObserved() && x.size > 0 && [scale, bias].every((p) => p.dtype === x.dtype)) {
        // the group-norm kernel, with scale and bias per channel (opset 18's per-group values repeated, exactly)
        const each = (p: NDArray) => (perChannel ? p : repeatPerGroup(p, g, c));
        return [groupNormChannels(x, each(scale), each(bias), g, eps)];
      }
      const grouped = reshape(x, [n, g, (c / g) * x.shape.slice(2).reduce((p, d) => p * d, 1)]);
      const y = normalizeOver(grouped, [2], eps);
      if (perChannel) return [affineOver(reshape(y, x.shape), scale, bias, [1])];
      return [reshape(affineOver(y, scale, bias, [1]), x.shape)];
    };
  },
};

// max(0, min(1, α·x + β)); the defaults α = 0.2, β = 0.5 are ONNX's. PyTorch's (α = 1/6 in float32, β = ½) is tconv's
// hardsigmoid op, whose gradient follows PyTorch's

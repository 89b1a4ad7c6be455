// Gradient rules of sum / mean / max / min over chosen axes (with or without keepdims).
import { binary as b } from "../../ops/elementwise.js";
import { reduce } from "../../ops/reduce.js";
import { reshape } from "../../ops/shape.js";
import type { ReduceOp } from "../../tape/op-types.js";
import { broadcastTo, type GradContext, type GradRule, type RuleSet } from "./rule.js";

/** The input's shape with the reduced axes set to 1: the output as if keepdims were true. */
function keptShape({ inputs, attrs }: GradContext<ReduceOp>): number[] {
  const axes = attrs.axes;
  return inputs[0]!.shape.map((d, i) => (axes.includes(i) ? 1 : d));
}

/**
 * max/min: the gradient goes to the elements equal to the extreme value; when several tie, it is split
 * equally between them (a valid subgradient; the sum over the slot stays g).
 */
const extremeRule: GradRule<ReduceOp> = (ctx) => {
  const x = ctx.inputs[0]!;
  const shape = keptShape(ctx);
  const mask = b("eq", x, reshape(ctx.output, shape));
  const ties = reduce("sum", mask, { axis: ctx.attrs.axes, keepdims: true });
  return [b("mul", mask, b("div", reshape(ctx.g, shape), ties))];
};

export const reduceRules: RuleSet<ReduceOp> = {
  // ∂(Σᵢ xᵢ)/∂xᵢ = 1: broadcast g back over the reduced axes
  sum: (ctx) => [broadcastTo(reshape(ctx.g, keptShape(ctx)), ctx.inputs[0]!.shape)],
  // ∂(Σᵢ xᵢ / n)/∂xᵢ = 1/n
  mean: (ctx) => {
    const x = ctx.inputs[0]!;
    const n = ctx.attrs.axes.reduce((p, a) => p * x.shape[a]!, 1);
    return [broadcastTo(b("div", reshape(ctx.g, keptShape(ctx)), n), x.shape)];
  },
  max: extremeRule,
  min: extremeRule,
};

// Gradient rules of sum / mean / max / min / prod over chosen axes (with or without keepdims).
import type { NDArray } from "../../ndarray/ndarray.js";
import { fullOn } from "../../backends/dispatch.js";
import { binary as b } from "../../ops/elementwise.js";
import { concatenate } from "../../ops/join.js";
import { reduce } from "../../ops/reduce.js";
import { at, reshape, transpose } from "../../ops/shape.js";
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

/**
 * `a` (last axis of length n) shifted by `s` places along its last axis, the vacated places filled with 1: towards
 * higher indices (`up`: out[i] = a[i − s]) or lower ones (out[i] = a[i + s]). 0 < s < n.
 */
function shiftInOnes(a: NDArray, s: number, up: boolean): NDArray {
  const n = a.shape[a.ndim - 1]!;
  const lead: null[] = new Array<null>(a.ndim - 1).fill(null);
  const ones = fullOn(a, [...a.shape.slice(0, -1), s], 1);
  return up ? concatenate([ones, at(a, [...lead, [0, n - s]])], { axis: -1 }) : concatenate([at(a, [...lead, [s, n]]), ones], { axis: -1 });
}

/**
 * prod: ∂(Πⱼ xⱼ)/∂xᵢ = Πⱼ≠ᵢ xⱼ, computed by exclusive cumulative products, never as prod/xᵢ (0/0 at a zero, and wrong
 * for every element of a slice that holds a zero). The reduced axes are moved last and merged into one axis of length
 * n; the exclusive prefix products Lᵢ = Πⱼ<ᵢ xⱼ and suffix products Rᵢ = Πⱼ>ᵢ xⱼ come from a Hillis–Steele scan
 * (⌈log₂(n−1)⌉ steps of "multiply by a copy shifted by w places, 1 shifted in", w = 1, 2, 4, …), and
 * dL/dxᵢ = g·Lᵢ·Rᵢ. The rule is written in mul, slices, concatenate, reshape and transpose only, so it is itself
 * differentiable: second-order gradients are exact at zeros too (a slice with two zeros has a non-zero Hessian).
 */
const prodRule: GradRule<"prod"> = (ctx) => {
  const x = ctx.inputs[0]!;
  const axes = ctx.attrs.axes;
  const kept = [...x.shape.keys()].filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const keptDims = kept.map((i) => x.shape[i]!);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const g = reshape(ctx.g, [...keptDims, 1]);
  if (n <= 1 || x.size === 0) return [broadcastTo(reshape(ctx.g, keptShape(ctx)), x.shape)];
  const flat = reshape(transpose(x, perm), [...keptDims, n]);
  let left = shiftInOnes(flat, 1, true);
  let right = shiftInOnes(flat, 1, false);
  for (let w = 1; w < n - 1; w *= 2) {
    left = b("mul", left, shiftInOnes(left, w, true));
    right = b("mul", right, shiftInOnes(right, w, false));
  }
  const gFlat = b("mul", g, b("mul", left, right));
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [
    transpose(
      reshape(
        gFlat,
        perm.map((i) => x.shape[i]!),
      ),
      inverse,
    ),
  ];
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
  prod: prodRule,
};

// Gradient rules of the shape ops: index views (and their scatter), reshape, transpose, copy, astype.
import { astype, at, indexScatter, reshape, transpose } from "../../ops/shape.js";
import type { RuleSet } from "./rule.js";

export const shapeRules: RuleSet<"index" | "index_scatter" | "reshape" | "transpose" | "copy" | "astype"> = {
  // y = x[index]: scatter g into zeros of x's shape through the same index (the view is linear and injective)
  index: ({ g, inputs, attrs }) => [indexScatter(g, inputs[0]!.shape, attrs.index)],
  // y = scatter(x) into zeros through the index: dx = g[index], the view again
  index_scatter: ({ g, attrs }) => [at(g, attrs.index)],
  // y = reshape(x): dx = reshape(g, x.shape)
  reshape: ({ g, attrs }) => [reshape(g, attrs.shape)],
  // y = transpose(x, p): dx = transpose(g, p⁻¹)
  transpose: ({ g, attrs }) => {
    const perm = attrs.axes;
    const inverse = new Array<number>(perm.length);
    perm.forEach((a, i) => (inverse[a] = i));
    return [transpose(g, inverse)];
  },
  // y = x: dx = g
  copy: ({ g }) => [g],
  // y = cast(x): dx = cast(g) back to x's dtype
  astype: ({ g, attrs }) => [astype(g, attrs.dtype)],
};

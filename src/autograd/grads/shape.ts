// Gradient rules of the shape ops: index views (and their scatter), reshape, transpose, copy, astype.
import type { Dtype } from "../../ndarray/strided.js";
import type { Index } from "../../ndarray/indexing.js";
import { astype, at, indexScatter, reshape, transpose } from "../../ops/shape.js";
import type { GradRule } from "./rule.js";

export const shapeRules: Record<string, GradRule> = {
  // y = x[index]: scatter g into zeros of x's shape through the same index (the view is linear and injective)
  index: ({ g, inputs, attrs }) => [indexScatter(g, inputs[0]!.shape, attrs.index as Index[])],
  // y = scatter(x) into zeros through the index: dx = g[index], the view again
  index_scatter: ({ g, attrs }) => [at(g, attrs.index as Index[])],
  // y = reshape(x): dx = reshape(g, x.shape)
  reshape: ({ g, attrs }) => [reshape(g, attrs.shape as number[])],
  // y = transpose(x, p): dx = transpose(g, p⁻¹)
  transpose: ({ g, attrs }) => {
    const perm = attrs.axes as number[];
    const inverse = new Array<number>(perm.length);
    perm.forEach((a, i) => (inverse[a] = i));
    return [transpose(g, inverse)];
  },
  // y = x: dx = g
  copy: ({ g }) => [g],
  // y = cast(x): dx = cast(g) back to x's dtype
  astype: ({ g, attrs }) => [astype(g, attrs.dtype as Dtype)],
};

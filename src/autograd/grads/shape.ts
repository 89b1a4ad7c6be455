// Gradient rules of the shape ops: index views, reshape, transpose, copy, astype.
import type { Dtype } from "../../ndarray/strided.js";
import type { Index } from "../../ndarray/indexing.js";
import { zerosOn } from "../../backends/dispatch.js";
import { assignInPlace } from "../../ops/elementwise.js";
import { astype, at, reshape, transpose } from "../../ops/shape.js";
import type { GradRule, RuleSet } from "./rule.js";

export const shapeRules: RuleSet<"index" | "reshape" | "transpose" | "copy" | "astype"> = {
  // y = x[index]: scatter g into zeros of x's shape through the same index (the view is linear and injective)
  index: ({ g, inputs, attrs }) => {
    const dx = zerosOn(g, inputs[0]!.shape);
    assignInPlace(at(dx, attrs.index), g, "set");
    return [dx];
  },
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

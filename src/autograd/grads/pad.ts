import { foldBorder, padBorder } from "../../ops/pad.js";
import { reduce } from "../../ops/reduce.js";
import type { RuleSet } from "./rule.js";

export const padRules: RuleSet<"padBorder" | "foldBorder"> = {
  // y = P·x (a 0/1 matrix: each padded position copies one element or is 0)  ⇒  dx = Pᵀ·dy = fold(dy)
  padBorder: ({ g, attrs }) => [foldBorder(g, attrs.spec)],
  // y = Pᵀ·x + b (b along biasAxis)  ⇒  dx = P·dy = pad(dy),  db = Σ dy over every other axis
  foldBorder: ({ g, attrs, inputs, needs }) => {
    const axis = attrs.biasAxis;
    const db = inputs.length > 1 && needs[1] ? reduce("sum", g, { axis: [...g.shape.keys()].filter((a) => a !== axis) }) : null;
    return inputs.length > 1 ? [needs[0] ? padBorder(g, attrs.spec) : null, db] : [padBorder(g, attrs.spec)];
  },
};

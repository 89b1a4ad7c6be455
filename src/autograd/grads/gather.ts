// Gradient rules of gather_axis and scatter_axis: each is the other's transpose.
import { gatherAxis, scatterAxis } from "../../ops/gather.js";
import type { RuleSet } from "./rule.js";

export const gatherRules: RuleSet<"gather_axis" | "scatter_axis"> = {
  // y = G·x (each position copies one source element or is 0)  ⇒  dx = Gᵀ·dy, the scatter-add
  gather_axis: ({ g, attrs }) => [scatterAxis(g, attrs)],
  // y = Gᵀ·x  ⇒  dx = G·dy
  scatter_axis: ({ g, attrs }) => [gatherAxis(g, attrs)],
};

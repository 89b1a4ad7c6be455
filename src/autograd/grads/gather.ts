// Gradient rules of gather_axis and scatter_axis (each is the other's transpose), and grid_sample's, which never runs.
import { gatherAxis, scatterAxis } from "../../ops/gather.js";
import type { RuleSet } from "./rule.js";

export const gatherRules: RuleSet<"gather_axis" | "scatter_axis" | "grid_sample"> = {
  // y = G·x (each position copies one source element or is 0)  ⇒  dx = Gᵀ·dy, the scatter-add
  gather_axis: ({ g, attrs }) => [scatterAxis(g, attrs)],
  // y = Gᵀ·x  ⇒  dx = G·dy
  scatter_axis: ({ g, attrs }) => [gatherAxis(g, attrs)],
  // grid_sample is only ever traced (traceOp), never put on the tape: npx.gridSample's result is recorded as its
  // gathers and bilinear weights, whose rules give the gradients (to any order)
  grid_sample: () => {
    throw new Error("grid_sample: this op is traced for ONNX export only and never recorded; its gradients come from npx.gridSample's recorded gathers");
  },
};

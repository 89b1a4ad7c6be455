// Gradient rule of np.concatenate (stack and split are reshape / index views with their own rules).
import { NDArray } from "../../ndarray/ndarray.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { GradRule, RuleSet } from "./rule.js";

export const joinRules: RuleSet<"concatenate"> = {
  // y = [x₀ | x₁ | …] along the axis: dxₖ = the slice of dy that xₖ filled
  concatenate: ({ g, inputs, attrs, needs }) => {
    const blocks = attrs.blocks;
    const outer = attrs.outer;
    const be = backendFor(g);
    const parts = inputs.map((x, k) => (needs[k] ? be.allocate(g.dtype, x.size) : null));
    be.splitRows(contiguous(g).storage, blocks, outer, parts);
    return parts.map((p, k) => p && new NDArray(p, inputs[k]!.shape));
  },
};

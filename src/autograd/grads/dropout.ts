// Gradient rule of npx.dropout.
import { NDArray } from "../../ndarray/ndarray.js";
import { allocate } from "../../ndarray/strided.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { GradRule, RuleSet } from "./rule.js";

export const dropoutRules: RuleSet<"dropout"> = {
  // y = x ⊙ mask (mask fixed in the forward): dx = dy ⊙ mask
  dropout: ({ g, inputs: [x], attrs }) => {
    const dx = allocate(x!.dtype, x!.size);
    backendFor(g).applyMask(contiguous(g).storage, attrs.mask, attrs.map, dx);
    return [new NDArray(dx, x!.shape)];
  },
};

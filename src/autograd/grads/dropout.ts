// Gradient rule of npx.dropout.
import { applyDropoutMask } from "../../ops/dropout.js";
import type { GradRule } from "./rule.js";

export const dropoutRules: Record<string, GradRule> = {
  // y = x ⊙ mask (mask fixed in the forward): dx = dy ⊙ mask, the same recorded op (its own gradient again)
  dropout: ({ g, attrs }) => [applyDropoutMask(g, attrs.mask as Float64Array, attrs.map as Int32Array | Float64Array | null)],
};

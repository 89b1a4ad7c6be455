// Gradient rule of npx.dropout.
import { applyDropoutMask } from "../../ops/dropout.js";
import type { RuleSet } from "./rule.js";

export const dropoutRules: RuleSet<"dropout"> = {
  // y = x ⊙ mask (mask fixed in the forward): dx = dy ⊙ mask, the same recorded op (its own gradient again)
  dropout: ({ g, attrs }) => [applyDropoutMask(g, attrs.mask, attrs.map)],
};

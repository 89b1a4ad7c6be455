// Gradient rules of the per-axis resampling behind npx.upsampling: the op and its transpose are each other's gradient.
import { resample, resampleTranspose } from "../../ops/upsampling.js";
import type { RuleSet } from "./rule.js";

export const resampleRules: RuleSet<"resampleAxis" | "resampleAxisTranspose"> = {
  // y = R·x (R: one or two weighted taps per output row)  ⇒  dx = Rᵀ·dy
  resampleAxis: ({ g, attrs }) => [resampleTranspose(g, attrs.plan, attrs.inShape)],
  // y = Rᵀ·x  ⇒  dx = R·dy
  resampleAxisTranspose: ({ g, attrs }) => [resample(g, attrs.plan)],
};

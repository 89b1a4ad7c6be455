// Gradient rules of padBorder and foldBorder: each is the other's transpose.
import type { BorderSpec } from "../../ops/pad.js";
import { foldBorder, padBorder } from "../../ops/pad.js";
import type { GradRule } from "./rule.js";

export const padRules: Record<string, GradRule> = {
  // y = P·x (a 0/1 matrix: each padded position copies one element or is 0)  ⇒  dx = Pᵀ·dy = fold(dy)
  padBorder: ({ g, attrs }) => [foldBorder(g, attrs.spec as BorderSpec)],
  // y = Pᵀ·x  ⇒  dx = P·dy = pad(dy)
  foldBorder: ({ g, attrs }) => [padBorder(g, attrs.spec as BorderSpec)],
};

// Gradient rule of np.pad (constant): the output is a copy of x inside a frame, so dx is the matching slice of g.
import type { RuleSet } from "./rule.js";

export const padConstantRules: RuleSet<"pad"> = {
  // y = pad(x): dx = g[before_i : before_i + n_i] on every axis
  pad: ({ g, inputs, attrs }) => {
    const pads = attrs.pads;
    const x = inputs[0]!;
    return [g.at(...pads.map(([b], i) => `${b}:${b + x.shape[i]!}`)).copy()];
  },
};

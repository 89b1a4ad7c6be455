// Gradient rules of np.pad (constant) and np.concatenate: both are copies, so the gradient is the matching slice of g.
import type { NDArray } from "../../ndarray/ndarray.js";
import type { GradRule } from "./rule.js";

const slice = (g: NDArray, axis: number, begin: number, end: number): NDArray =>
  g.at(...g.shape.map((_, i) => (i === axis ? `${begin}:${end}` : ":"))).copy();

export const padConcatRules: Record<string, GradRule> = {
  // y = pad(x): dx = g[before_i : before_i + n_i] on every axis
  pad: ({ g, inputs, attrs }) => {
    const pads = attrs.pads as [number, number][];
    const x = inputs[0]!;
    return [g.at(...pads.map(([b], i) => `${b}:${b + x.shape[i]!}`)).copy()];
  },
  // y = concat(x_0, …, x_k) along axis: dx_j = g[offset_j : offset_j + n_j] along that axis
  concat: ({ g, attrs, needs }) => {
    const axis = attrs.axis as number;
    const sizes = attrs.sizes as number[];
    let at = 0;
    return sizes.map((n, j) => {
      const d = needs[j] ? slice(g, axis, at, at + n) : null;
      at += n;
      return d;
    });
  },
};

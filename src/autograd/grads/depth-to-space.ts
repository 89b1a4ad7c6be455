// Gradient rules of depthToSpace / spaceToDepth: each is a permutation, so its gradient is the inverse permutation.
import { NDArray } from "../../ndarray/ndarray.js";
import { contiguous } from "../../ops/shape.js";
import { backendFor } from "../../backends/dispatch.js";
import type { ShuffleGeometry } from "../../params/kernel-records.js";
import type { GradRule, RuleSet } from "./rule.js";

export const depthToSpaceRules: RuleSet<"depth_to_space" | "space_to_depth"> = {
  // y = P x (a permutation): dx = Pᵀ dy = spaceToDepth(dy)
  depth_to_space: ({ g, inputs: [x], attrs }) => {
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.pixelShuffle(attrs.geometry, dx, contiguous(g).storage, false);
    return [new NDArray(dx, x!.shape)];
  },
  // y = Pᵀ x: dx = P dy = depthToSpace(dy)
  space_to_depth: ({ g, inputs: [x], attrs }) => {
    const be = backendFor(g, x!);
    const dx = be.allocate(x!.dtype, x!.size);
    be.pixelShuffle(attrs.geometry, contiguous(g).storage, dx, true);
    return [new NDArray(dx, x!.shape)];
  },
};

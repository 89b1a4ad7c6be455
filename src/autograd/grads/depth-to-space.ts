// Gradient rules of depthToSpace / spaceToDepth: each is a permutation, so its gradient is the inverse permutation.
import type { ShuffleGeometry } from "../../backends/fused/pixel-shuffle.js";
import { depthToSpaceND, spaceToDepthND } from "../../ops/depth-to-space.js";
import type { GradRule } from "./rule.js";

/** The block factors of the spatial axes an nd-spatial input has (the geometry folds them to three). */
const factorsOf = (geo: ShuffleGeometry, nd: number) => geo.factors.slice(3 - nd);

export const depthToSpaceRules: Record<string, GradRule> = {
  // y = P x (a permutation): dx = Pᵀ dy = spaceToDepth(dy), the recorded op with the same geometry
  depth_to_space: ({ g, inputs: [x], attrs }) => {
    const geo = attrs.geometry as ShuffleGeometry;
    return [spaceToDepthND("depthToSpace backward", g, factorsOf(geo, x!.ndim - 2), geo.mode)];
  },
  // y = Pᵀ x: dx = P dy = depthToSpace(dy)
  space_to_depth: ({ g, inputs: [x], attrs }) => {
    const geo = attrs.geometry as ShuffleGeometry;
    return [depthToSpaceND("spaceToDepth backward", g, factorsOf(geo, x!.ndim - 2), geo.mode)];
  },
};

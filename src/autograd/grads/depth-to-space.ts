// Gradient rules of depthToSpace / spaceToDepth: each is a permutation, so its gradient is the inverse permutation.
import type { ShuffleGeometry } from "../../params/kernel-records.js";
import { depthToSpaceND, spaceToDepthND } from "../../ops/depth-to-space.js";
import type { RuleSet } from "./rule.js";

/** The block factors of the spatial axes an nd-spatial input has (the geometry folds them to three). */
const factorsOf = (geo: ShuffleGeometry, nd: number) => geo.factors.slice(3 - nd);

export const depthToSpaceRules: RuleSet<"depth_to_space" | "space_to_depth"> = {
  // y = P x (a permutation): dx = Pᵀ dy = spaceToDepth(dy), the recorded op with the same geometry
  depth_to_space: ({ g, inputs: [x], attrs }) => {
    const geo = attrs.geometry;
    return [spaceToDepthND("depthToSpace backward", g, factorsOf(geo, x!.ndim - 2), geo.mode)];
  },
  // y = Pᵀ x: dx = P dy = depthToSpace(dy)
  space_to_depth: ({ g, inputs: [x], attrs }) => {
    const geo = attrs.geometry;
    return [depthToSpaceND("spaceToDepth backward", g, factorsOf(geo, x!.ndim - 2), geo.mode)];
  },
};

// The registry: op name (as ops pass it to recordOp) → gradient rule.
import type { GradRule } from "./rule.js";
import { elementwiseRules } from "./elementwise.js";
import { reduceRules } from "./reduce.js";
import { shapeRules } from "./shape.js";
import { linalgRules } from "./linalg.js";
import { convRules } from "./conv.js";
import { nnRules } from "./nn.js";
import { batchNormRules } from "./batch-norm.js";
import { poolingRules } from "./pooling.js";
import { activationRules } from "./activation.js";
import { joinRules } from "./join.js";
import { depthToSpaceRules } from "./depth-to-space.js";
import { dropoutRules } from "./dropout.js";
import { padConstantRules } from "./pad-constant.js";
import { padRules } from "./pad.js";
import { resampleRules } from "./resample.js";

const registry = new Map<string, GradRule>(
  Object.entries({
    ...elementwiseRules,
    ...reduceRules,
    ...shapeRules,
    ...linalgRules,
    ...convRules,
    ...nnRules,
    ...batchNormRules,
    ...poolingRules,
    ...activationRules,
    ...joinRules,
    ...depthToSpaceRules,
    ...dropoutRules,
    ...padConstantRules,
    ...padRules,
    ...resampleRules,
  }),
);

/** The rule for `op`, or undefined for an op without one. */
export function gradRule(op: string): GradRule | undefined {
  return registry.get(op);
}

/** Adds (or replaces) the rule of an op, for ops defined outside the library. */
export function registerGradRule(op: string, rule: GradRule): void {
  if (typeof op !== "string" || op === "") throw new Error("registerGradRule: op must be a non-empty string");
  if (typeof rule !== "function") throw new Error(`registerGradRule: rule for "${op}" must be a function`);
  registry.set(op, rule);
}

/** Every op name with a gradient rule, sorted. */
export function differentiableOps(): string[] {
  return [...registry.keys()].sort();
}

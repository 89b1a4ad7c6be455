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

/** Ops whose rule is not written in recorded ops: createGraph cannot differentiate through them (the engine throws). */
const notDifferentiable = new Set<string>();

/** True when `op`'s rule computes its gradients with recorded ops (every built-in rule), so createGraph can use it. */
export function isDifferentiableRule(op: string): boolean {
  return registry.has(op) && !notDifferentiable.has(op);
}

/**
 * Adds (or replaces) the rule of an op, for ops defined outside the library. `differentiable` (default false) declares
 * that the rule only uses recorded ops, so autograd.grad with createGraph may differentiate through it; otherwise
 * such a call throws naming the op rather than treating the rule's result as a constant.
 */
export function registerGradRule(op: string, rule: GradRule, options?: { differentiable?: boolean }): void {
  if (typeof op !== "string" || op === "") throw new Error("registerGradRule: op must be a non-empty string");
  if (typeof rule !== "function") throw new Error(`registerGradRule: rule for "${op}" must be a function`);
  const differentiable = options?.differentiable ?? false;
  if (typeof differentiable !== "boolean") throw new Error(`registerGradRule: differentiable=${String(differentiable)} for "${op}" must be true or false`);
  registry.set(op, rule);
  if (differentiable) notDifferentiable.delete(op);
  else notDifferentiable.add(op);
}

/** Every op name with a gradient rule, sorted. */
export function differentiableOps(): string[] {
  return [...registry.keys()].sort();
}

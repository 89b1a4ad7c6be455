// The gradient table: every catalogued op (src/tape/op-types.ts) → its rule; an op without one fails to compile.
import type { NDArray } from "../../ndarray/ndarray.js";
import type { OpName, TapeNodeOf } from "../../tape/op-types.js";
import type { GradContext, GradRule } from "./rule.js";
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
import { gatherRules } from "./gather.js";
import { resampleRules } from "./resample.js";
import { rnnRules } from "./rnn.js";

const RULES: { readonly [K in OpName]: GradRule<K> } = {
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
  ...gatherRules,
  ...resampleRules,
  ...rnnRules,
};

/** Runs the rule of the op that `node` records: one gradient (or null) per recorded input. */
export function runRule<K extends OpName>(node: TapeNodeOf<K>, ctx: Omit<GradContext<K>, "inputs" | "attrs">): (NDArray | null)[] {
  const rule: GradRule<K> = RULES[node.op];
  return rule({ ...ctx, inputs: node.inputs, attrs: node.attrs });
}

/**
 * Ops whose rule runs kernels on raw data instead of recorded ops, so its gradients cannot be differentiated again:
 * autograd.grad with createGraph throws naming the op instead of treating them as constants. Every catalogued rule
 * is differentiable today (gradgrad.test.ts checks each); an op given a first-order-only rule must be listed here.
 */
export const FIRST_ORDER_ONLY = new Set<OpName>();

/** True when `op`'s rule computes its gradients with recorded ops, so createGraph can differentiate through it. */
export function isDifferentiableRule(op: OpName): boolean {
  return !FIRST_ORDER_ONLY.has(op);
}

/** Every op name with a gradient rule, sorted. */
export function differentiableOps(): string[] {
  return Object.keys(RULES)
    .filter((op) => !TRACED_ONLY.includes(op as OpName))
    .sort();
}

/** Ops only ever named to the export tracer (tape.ts traceOp), never recorded: their rules cannot run. */
export const TRACED_ONLY: readonly OpName[] = ["grid_sample", "rnn_layer"];

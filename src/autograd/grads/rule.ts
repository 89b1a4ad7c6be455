// The gradient-rule contract and the shared helpers rules use: reduce-to-shape, broadcast, sign masks.
import type { NDArray } from "../../ndarray/ndarray.js";
import type { OpAttrs, OpName } from "../../tape/op-types.js";
import { zerosOn } from "../../backends/dispatch.js";
import { binary } from "../../ops/elementwise.js";
import { reduce } from "../../ops/reduce.js";
import { reshape } from "../../ops/shape.js";

/** What a rule sees: the head's gradient w.r.t. the op's output, and the recorded op with its catalogued attributes. */
export interface GradContext<K extends OpName = OpName> {
  /** dL/d(output), same shape as `output` */
  readonly g: NDArray;
  readonly output: NDArray;
  readonly inputs: readonly NDArray[];
  readonly attrs: OpAttrs[K];
  /** needs[i]: input i needs a gradient (rules may return null for the others) */
  readonly needs: readonly boolean[];
}

/** Returns dL/d(input i) for each recorded input (shape of that input), or null for "no gradient". */
export type GradRule<K extends OpName = OpName> = (ctx: GradContext<K>) => (NDArray | null)[];

/** The rules of a family of ops, one per catalogued name. */
export type RuleSet<K extends OpName> = { readonly [P in K]: GradRule<P> };

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Sums a broadcast gradient back to `shape`: over the leading axes numpy added and the axes that were 1. */
export function sumTo(g: NDArray, shape: readonly number[]): NDArray {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const axes = [...g.shape.keys()].filter((i) => i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1));
  const s = reduce("sum", g, { axis: axes, keepdims: true });
  return reshape(s, shape);
}

/** `g` (broadcastable) expanded to `shape`. */
export function broadcastTo(g: NDArray, shape: readonly number[]): NDArray {
  if (sameShape(g.shape, shape)) return g;
  return binary("add", zerosOn(g, shape), g);
}

/** 1 where x > 0 or x is NaN, else 0: max(x, 0) = 0 exactly when x ≤ 0. */
export function positiveMask(x: NDArray): NDArray {
  return binary("sub", 1, binary("eq", binary("maximum", x, 0), 0));
}

/** 1 where x < 0, else 0. */
export function negativeMask(x: NDArray): NDArray {
  return binary("sub", 1, binary("eq", binary("minimum", x, 0), 0));
}

// The backward pass: topologically orders the recorded graph (iteratively) and runs each op's gradient rule.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { fullOn, zerosOn } from "../backends/dispatch.js";
import { assignInPlace, binary, updateInPlace } from "../ops/elementwise.js";
import { astype } from "../ops/shape.js";
import { nodeOf, pause, record } from "../tape/tape.js";
import type * as GradRules from "./grads/index.js";

/**
 * The gradient rules (grads/index.ts), installed by autograd/record.ts when recording starts: only recorded arrays
 * have tape nodes whose rules run, so a page that never records does not load the rules or the ops they call.
 */
let rules: typeof GradRules | null = null;

/** Called by autograd.record (autograd/record.ts) before it turns recording on. */
export function installGradRules(table: typeof GradRules): void {
  rules = table;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Arrays gradients can reach from the heads, children before parents (reverse gives the backward order). */
function postOrder(heads: readonly NDArray[]): NDArray[] {
  const order: NDArray[] = [];
  const seen = new Set<NDArray>();
  for (const head of heads) {
    if (seen.has(head)) continue;
    seen.add(head);
    // explicit stack of (array, next input to visit): a chain of 100k ops must not overflow the call stack
    const stack: [NDArray, number][] = [[head, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const inputs = top[0].tapeNode?.inputs;
      if (inputs && top[1] < inputs.length) {
        const child = inputs[top[1]++]!;
        if (!seen.has(child) && (child.tapeNode !== null || child.gradReq !== null)) {
          seen.add(child);
          stack.push([child, 0]);
        }
      } else {
        stack.pop();
        order.push(top[0]);
      }
    }
  }
  return order;
}

/**
 * The seed d(head)/d(head): `headGrad` checked against the head; without one, ones of the head's shape (MXNet's
 * backward() and autograd.grad on a non-scalar y both give the gradient of y.sum()).
 */
export function checkHeadGrad(where: string, head: NDArray, headGrad: NDArray | null | undefined): NDArray {
  if (headGrad === undefined || headGrad === null) return fullOn(head, head.shape, 1); // on the head's device
  if (!(headGrad instanceof NDArray)) throw new Error(`${where}: headGrad must be an NDArray, got ${typeof headGrad}`);
  if (!sameShape(headGrad.shape, head.shape))
    throw new Error(`${where}: headGrad shape ${formatShape(headGrad.shape)} does not match the head's shape ${formatShape(head.shape)}`);
  return headGrad.dtype === head.dtype ? headGrad : astype(headGrad, head.dtype);
}

export interface SweepOptions {
  /** keep the tape links of the intermediate arrays (otherwise they are cleared as the sweep passes them) */
  retainGraph: boolean;
  /** run the rules under autograd.record, so the gradients are themselves on the tape */
  createGraph: boolean;
  /** training or predict mode for the recorded rules (createGraph only) */
  trainMode: boolean;
}

/**
 * The reverse sweep shared by backward and autograd.grad: seeds[k] = d(out)/d(heads[k]); returns d(out)/d(x) for every
 * array `isTarget` accepts that the heads depend on. Rules run only for ops on a path to a target. With createGraph
 * the rules run while recording, so each gradient is a recorded function of the inputs (and of the seeds); a rule not
 * written in recorded ops (see registerGradRule) throws instead of giving a gradient that silently stops there.
 */
export function sweep(
  where: string,
  heads: readonly NDArray[],
  seeds: readonly NDArray[],
  isTarget: (x: NDArray) => boolean,
  options: SweepOptions,
): Map<NDArray, NDArray> {
  const run = () => {
    const order = postOrder(heads);
    // leads: arrays some target is reachable from (order has inputs before the arrays computed from them)
    const leads = new Set<NDArray>();
    for (const x of order) if (isTarget(x) || x.tapeNode?.inputs.some((i) => leads.has(i))) leads.add(x);
    const grads = new Map<NDArray, NDArray>();
    const accumulate = (x: NDArray, g: NDArray) => {
      const prev = grads.get(x);
      grads.set(x, prev ? binary("add", prev, g) : g);
    };
    heads.forEach((h, k) => accumulate(h, seeds[k]!));
    const found = new Map<NDArray, NDArray>();
    for (let i = order.length - 1; i >= 0; i--) {
      const x = order[i]!;
      const g = grads.get(x);
      grads.delete(x); // each array's gradient is complete once reached in reverse post-order; free it
      if (g && isTarget(x)) found.set(x, g);
      const node = nodeOf(x);
      if (node === null) continue;
      if (!options.retainGraph) x.tapeNode = null;
      if (!g || !leads.has(x)) continue;
      // a node exists only after recording, and autograd.record installs the rules first; tape.record alone does not
      if (rules === null) throw new Error(`${where}: no gradient rules are loaded; record with autograd.record`);
      if (options.createGraph && !rules.isDifferentiableRule(node.op))
        throw new Error(
          `${where}: the gradient rule of op "${node.op}" is not written in recorded ops, so it cannot be differentiated again (createGraph: true)`,
        );
      const needs = node.inputs.map((inp) => leads.has(inp));
      const dx = rules.runRule(node, { g, output: x, needs });
      node.inputs.forEach((inp, k) => {
        const d = dx[k];
        if (!needs[k] || !d) return;
        if (!sameShape(d.shape, inp.shape))
          throw new Error(`${where}: gradient rule of "${node.op}" gave shape ${formatShape(d.shape)} for input ${k} of shape ${formatShape(inp.shape)}`);
        accumulate(inp, d.dtype === inp.dtype ? d : astype(d, inp.dtype));
      });
    }
    return found;
  };
  return options.createGraph ? record(run, { trainMode: options.trainMode }) : pause(run);
}

/**
 * d(head)/d(leaf) for every leaf (attachGrad'ed array) the head was computed from under autograd.record, weighted by
 * `headGrad` (default: ones of the head's shape, as MXNet). Leaves with gradReq "write" get it written into `.grad`, "add"
 * adds it. Unless `retainGraph`, the tape links of the intermediate arrays are cleared afterwards (MXNet's
 * retain_graph=False) so their memory is released: a second backward from the same head throws, and one from another
 * head that shares intermediates stops at them.
 */
export function backward(head: NDArray, headGrad?: NDArray | null, retainGraph = false): void {
  if (!(head instanceof NDArray)) throw new Error("backward: head must be an NDArray");
  if (head.tapeNode === null && head.gradReq === null)
    throw new Error(
      `backward: the array of shape ${formatShape(head.shape)} was not computed under autograd.record from arrays with attachGrad() ` +
        "(or its graph was already freed by an earlier backward), so there is nothing to differentiate",
    );
  const seed = checkHeadGrad("backward", head, headGrad);
  const found = sweep("backward", [head], [seed], (x) => x.tapeNode === null && x.gradReq !== null, { retainGraph, createGraph: false, trainMode: false });
  pause(() => {
    for (const [leaf, g] of found) {
      if (!leaf.grad || !sameShape(leaf.grad.shape, leaf.shape) || leaf.grad.dtype !== leaf.dtype) {
        leaf.grad = zerosOn(leaf, leaf.shape);
      }
      if (leaf.gradReq === "add") updateInPlace(leaf.grad, g, "add");
      else assignInPlace(leaf.grad, g, "set");
    }
  });
}

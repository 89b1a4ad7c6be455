// The backward pass: topologically orders the recorded graph (iteratively) and runs each op's gradient rule.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { fullOn, zerosOn } from "../backends/dispatch.js";
import { assignInPlace, binary, updateInPlace } from "../ops/elementwise.js";
import { astype } from "../ops/shape.js";
import { nodeOf, pause } from "../tape/tape.js";
import { runRule } from "./grads/index.js";

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** Arrays gradients can reach from `head`, children before parents (reverse gives the backward order). */
function postOrder(head: NDArray): { order: NDArray[]; reached: Set<NDArray> } {
  const order: NDArray[] = [];
  const reached = new Set<NDArray>([head]);
  // explicit stack of (array, next input to visit): a chain of 100k ops must not overflow the call stack
  const stack: [NDArray, number][] = [[head, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top[0].tapeNode?.inputs;
    if (inputs && top[1] < inputs.length) {
      const child = inputs[top[1]++]!;
      if (!reached.has(child) && (child.tapeNode !== null || child.gradReq !== null)) {
        reached.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(top[0]);
    }
  }
  return { order, reached };
}

function checkHeadGrad(head: NDArray, headGrad: NDArray | null | undefined): NDArray {
  if (headGrad === undefined || headGrad === null) {
    if (head.size !== 1)
      throw new Error(
        `backward: head has shape ${formatShape(head.shape)}; a head gradient is needed for a non-scalar array (pass one of shape ${formatShape(head.shape)}, or reduce the head with sum() first)`,
      );
    return fullOn(head, head.shape, 1);
  }
  if (!(headGrad instanceof NDArray)) throw new Error(`backward: headGrad must be an NDArray, got ${typeof headGrad}`);
  if (!sameShape(headGrad.shape, head.shape))
    throw new Error(`backward: headGrad shape ${formatShape(headGrad.shape)} does not match the head's shape ${formatShape(head.shape)}`);
  return headGrad.dtype === head.dtype ? headGrad : astype(headGrad, head.dtype);
}

/**
 * d(head)/d(leaf) for every leaf (attachGrad'ed array) the head was computed from under autograd.record, weighted by
 * `headGrad` (default: ones, only for a size-1 head). Leaves with gradReq "write" get it written into `.grad`, "add"
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
  const seed = checkHeadGrad(head, headGrad);
  pause(() => {
    const { order, reached } = postOrder(head);
    const grads = new Map<NDArray, NDArray>([[head, seed]]);
    const accumulate = (x: NDArray, g: NDArray) => {
      const prev = grads.get(x);
      grads.set(x, prev ? binary("add", prev, g) : g);
    };
    const leaves: [NDArray, NDArray][] = [];
    for (let i = order.length - 1; i >= 0; i--) {
      const x = order[i]!;
      const g = grads.get(x);
      grads.delete(x); // each array's gradient is complete once reached in reverse post-order; free it
      const node = nodeOf(x);
      if (node === null) {
        if (x.gradReq !== null && g) leaves.push([x, g]);
        continue;
      }
      if (!retainGraph) x.tapeNode = null;
      if (!g) continue;
      const needs = node.inputs.map((inp) => reached.has(inp));
      const dx = runRule(node, { g, output: x, needs });
      node.inputs.forEach((inp, k) => {
        const d = dx[k];
        if (!needs[k] || !d) return;
        if (!sameShape(d.shape, inp.shape))
          throw new Error(`backward: gradient rule of "${node.op}" gave shape ${formatShape(d.shape)} for input ${k} of shape ${formatShape(inp.shape)}`);
        accumulate(inp, d.dtype === inp.dtype ? d : astype(d, inp.dtype));
      });
    }
    for (const [leaf, g] of leaves) {
      if (!leaf.grad || !sameShape(leaf.grad.shape, leaf.shape) || leaf.grad.dtype !== leaf.dtype) {
        leaf.grad = zerosOn(leaf, leaf.shape);
      }
      if (leaf.gradReq === "add") updateInPlace(leaf.grad, g, "add");
      else assignInPlace(leaf.grad, g, "set");
    }
  });
}

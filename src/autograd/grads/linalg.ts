// Gradient rules of np.dot and np.matmul.
import type { NDArray } from "../../ndarray/ndarray.js";
import { dot, matmul } from "../../ops/linalg.js";
import { reshape, transpose } from "../../ops/shape.js";
import type { RuleSet } from "./rule.js";

/** Swaps the last two axes (a view). */
function swapLast(x: NDArray): NDArray {
  const axes = [...x.shape.keys()];
  [axes[x.ndim - 2], axes[x.ndim - 1]] = [axes[x.ndim - 1]!, axes[x.ndim - 2]!];
  return transpose(x, axes);
}

export const linalgRules: RuleSet<"dot" | "matmul"> = {
  // C = A·B (1-D operands read as a row A[1,K] / a column B[K,1]):  dA = G·Bᵀ,  dB = Aᵀ·G
  dot: ({ g, inputs: [a, b], needs }) => {
    const A = a!.ndim === 1 ? reshape(a!, [1, a!.shape[0]!]) : a!;
    const B = b!.ndim === 1 ? reshape(b!, [b!.shape[0]!, 1]) : b!;
    const G = reshape(g, [A.shape[0]!, B.shape[1]!]);
    return [needs[0] ? reshape(dot(G, transpose(B)), a!.shape) : null, needs[1] ? reshape(dot(transpose(A), G), b!.shape) : null];
  },
  // batched C[..] = A[..]·B[..]:  dA = G·Bᵀ,  dB = Aᵀ·G  per batch entry
  matmul: ({ g, inputs: [a, b], needs }) => [needs[0] ? matmul(g, swapLast(b!)) : null, needs[1] ? matmul(swapLast(a!), g) : null],
};

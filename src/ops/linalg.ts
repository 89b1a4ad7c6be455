// np.dot / np.matmul for 1-D and 2-D operands (and batched matmul), through the kernel dispatch.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { recordOp } from "../tape/tape.js";
import { contiguous } from "./shape.js";
import { backendFor } from "../backends/dispatch.js";
import { guarded } from "./guard.js";

function checkDtypes(op: string, a: NDArray, b: NDArray): void {
  if (!(a instanceof NDArray) || !(b instanceof NDArray)) throw new Error(`${op}: both operands must be NDArrays`);
  if (a.dtype !== b.dtype) throw new Error(`${op}: operands have different dtypes ${a.dtype} and ${b.dtype}; convert one with astype`);
}

/** [M,K]·[K,N] of dense operands. */
function mm(a: NDArray, b: NDArray, m: number, k: number, n: number): NDArray {
  const out = guarded("np.dot", () => backendFor(a, b).matmul(a.dtype, m, n, k, contiguous(a).storage, contiguous(b).storage));
  return new NDArray(out, [m, n]);
}

/**
 * numpy's dot for 1-D/2-D: vector·vector → 0-d, matrix·vector → vector, vector·matrix → vector,
 * matrix·matrix → matrix. Shapes must align on the contracted axis.
 */
export function dot(a: NDArray, b: NDArray): NDArray {
  checkDtypes("np.dot", a, b);
  if (a.ndim === 0 || b.ndim === 0 || a.ndim > 2 || b.ndim > 2)
    throw new Error(`np.dot: supports 1-D and 2-D operands, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const k = a.shape[a.ndim - 1]!;
  const kb = b.ndim === 1 ? b.shape[0]! : b.shape[0]!;
  if (k !== kb)
    throw new Error(`np.dot: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ${k} (dim ${a.ndim - 1}) != ${kb} (dim 0)`);
  const m = a.ndim === 2 ? a.shape[0]! : 1;
  const n = b.ndim === 2 ? b.shape[1]! : 1;
  const r = mm(a, b, m, k, n);
  const shape = [...(a.ndim === 2 ? [m] : []), ...(b.ndim === 2 ? [n] : [])];
  return recordOp("dot", [a, b], new NDArray(r.storage, shape), {});
}

/** numpy's matmul: like dot for 1-D/2-D, and batched over leading axes (which must match) for ≥ 3-D. */
export function matmul(a: NDArray, b: NDArray): NDArray {
  checkDtypes("np.matmul", a, b);
  if (a.ndim <= 2 && b.ndim <= 2) {
    if (a.ndim === 0 || b.ndim === 0)
      throw new Error(`np.matmul: operands must have at least one dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
    return dot(a, b);
  }
  if (a.ndim !== b.ndim || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i]))
    throw new Error(`np.matmul: batch axes of shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} must match`);
  const [m, k] = a.shape.slice(-2) as [number, number];
  const [kb, n] = b.shape.slice(-2) as [number, number];
  if (k !== kb) throw new Error(`np.matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} are not aligned: ${k} != ${kb}`);
  const batch = a.shape.slice(0, -2).reduce((p, d) => p * d, 1);
  const out = backendFor(a, b).matmulBatched(a.dtype, batch, m, n, k, contiguous(a).storage, contiguous(b).storage);
  return recordOp("matmul", [a, b], new NDArray(out, [...a.shape.slice(0, -2), m, n]), {});
}

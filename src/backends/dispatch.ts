// The dispatcher: the one place that picks which backend runs a kernel for the arrays of a call.
import type { NDArray } from "../ndarray/ndarray.js";
import type { Backend } from "./backend.js";
import { cpuBackend } from "./cpu/index.js";

export type { Backend, BinaryKernelOp, IndexArray, ReduceKernelOp, StridedView, UnaryKernelOp } from "./backend.js";

/**
 * The backend holding the arrays of a call. Every array's storage is a CPU typed array today, so the CPU backend runs
 * them all; a device backend adds its check here (arrays on one device, or a clear error naming both).
 */
export function backendFor(..._arrays: readonly NDArray[]): Backend {
  return cpuBackend;
}

/** The backend of arrays created without an input (creation functions, optimizer state): the CPU. */
export function defaultBackend(): Backend {
  return cpuBackend;
}

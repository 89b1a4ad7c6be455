// npx.pooling: validate through params/pool-params, run the pooling kernel, record for autograd.
import { NDArray } from "../ndarray/ndarray.js";
import { isRecording, needsGrad, recordOp } from "../tape/tape.js";
import { type PoolGeometry, type PoolingOptions, resolvePooling } from "../params/pool-params.js";
import { backendFor, type IndexStorage } from "../backends/dispatch.js";
import { showValue } from "../params/options.js";
import { contiguous } from "./shape.js";

export type { PoolingOptions, PoolType, PoolingConvention } from "../params/pool-params.js";

/**
 * Max, average or sum pooling over 1 to 3 spatial axes (MXNet's Pooling): `kernel`, `stride` (default 1), `pad`,
 * `poolType`, `globalPool`, `countIncludePad` (default true), `layout`, `poolingConvention` ("valid" | "full").
 */
export function pooling(x: NDArray, options?: PoolingOptions): NDArray {
  if (!(x instanceof NDArray)) throw new Error(`pooling: input must be an NDArray, got ${showValue(x)}`);
  const g = resolvePooling("pooling", x.shape, options);
  const n = g.outputShape.reduce((p, d) => p * d, 1);
  const be = backendFor(x);
  const y = be.allocate(x.dtype, n);
  // the argmax only serves the gradient: none when this call is not recorded
  const argmax = g.poolType === "max" && isRecording() && needsGrad(x) ? be.allocateIndices(n, x.size) : null;
  be.poolForward(g, contiguous(x).storage, y, argmax);
  return recordOp("pooling", [x], new NDArray(y, g.outputShape), { geometry: g, argmax });
}

/** Pooling of an already resolved avg/sum geometry, recorded as "pooling": the transpose of poolingBackward. */
export function poolingWithGeometry(g: PoolGeometry, x: NDArray): NDArray {
  if (g.poolType === "max") throw new Error("pooling: a max-pooling geometry needs the forward's argmax (use poolingGather)");
  const be = backendFor(x);
  const y = be.allocate(
    x.dtype,
    g.outputShape.reduce((p, d) => p * d, 1),
  );
  be.poolForward(g, contiguous(x).storage, y, null);
  return recordOp("pooling", [x], new NDArray(y, g.outputShape), { geometry: g, argmax: null });
}

/**
 * The pooling gradient as a recorded op, linear in `dy` (input shape `inShape`): max scatters dy[o] to the forward's
 * argmax[o]; avg/sum spread dy[o] (÷ the forward's count) over the window.
 */
export function poolingBackward(g: PoolGeometry, dy: NDArray, argmax: IndexStorage | null, inShape: readonly number[]): NDArray {
  const be = backendFor(dy);
  const dx = be.allocate(
    dy.dtype,
    inShape.reduce((p, d) => p * d, 1),
  );
  be.poolBackward(g, contiguous(dy).storage, dx, argmax);
  return recordOp("pooling_backward", [dy], new NDArray(dx, inShape), { geometry: g, argmax, inShape });
}

/** y[o] = x[argmax[o]]: max pooling with its windows' winners fixed, the transpose of the max scatter. */
export function poolingGather(g: PoolGeometry, x: NDArray, argmax: IndexStorage): NDArray {
  const be = backendFor(x);
  const y = be.allocate(
    x.dtype,
    g.outputShape.reduce((p, d) => p * d, 1),
  );
  be.poolGather(contiguous(x).storage, argmax, y);
  return recordOp("pooling_gather", [x], new NDArray(y, g.outputShape), { geometry: g, argmax, inShape: x.shape });
}

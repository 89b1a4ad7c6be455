// npx.pooling: validate through params/pool-params, run the pooling kernel, record for autograd.
import { NDArray } from "../ndarray/ndarray.js";
import { allocate } from "../ndarray/strided.js";
import { isRecording, needsGrad, recordOp } from "../tape/tape.js";
import { type PoolingOptions, resolvePooling } from "../params/pool-params.js";
import { backendFor } from "../backends/dispatch.js";
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
  const y = allocate(x.dtype, n);
  // the argmax only serves the gradient: none when this call is not recorded
  const argmax = g.poolType === "max" && isRecording() && needsGrad(x) ? (x.size < 2 ** 31 ? new Int32Array(n) : new Float64Array(n)) : null;
  backendFor(x).poolForward(g, contiguous(x).storage, y, argmax);
  return recordOp("pooling", [x], new NDArray(y, g.outputShape), { geometry: g, argmax });
}

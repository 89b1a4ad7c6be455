// np.broadcastTo and np.tile: repetitions written as a multiply by ones (numpy broadcasting), so the gradient is the
// existing mul rule's sum over the repeated axes.
import { NDArray } from "../ndarray/ndarray.js";
import { broadcastShapes } from "../ndarray/broadcast.js";
import { fullOn } from "../backends/dispatch.js";
import { formatShape } from "../ndarray/strided.js";
import { showValue } from "../params/options.js";
import { binary } from "./elementwise.js";
import { reshape } from "./shape.js";

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** x·1 over `shape`: numpy broadcasting of both ways (ONNX Expand's rule); -0, NaN and ±∞ pass unchanged. */
export function expandBroadcast(x: NDArray, shape: readonly number[], where: string): NDArray {
  const out = broadcastShapes(x.shape, shape, where);
  return binary("mul", x, fullOn(x, out, 1));
}

/** numpy's broadcast_to: x repeated along its size-1 (and new leading) axes to exactly `shape`. */
export function broadcastTo(x: NDArray, shape: readonly number[]): NDArray {
  const where = "np.broadcastTo";
  if (!(x instanceof NDArray)) throw new Error(`${where}: x must be an NDArray, got ${showValue(x)}`);
  if (!Array.isArray(shape) || !shape.every(isCount)) throw new Error(`${where}: shape must be a list of integers >= 0, got ${showValue(shape)}`);
  const fits = shape.length >= x.ndim && x.shape.every((d, i) => d === 1 || d === shape[shape.length - x.ndim + i]);
  if (!fits) throw new Error(`${where}: an array of shape ${formatShape(x.shape)} cannot be broadcast to ${formatShape(shape)}`);
  return expandBroadcast(x, shape, where);
}

/** numpy's tile: x repeated reps[i] times along each axis (reps and x.shape are padded with leading 1s to one length). */
export function tile(x: NDArray, reps: number | readonly number[]): NDArray {
  const where = "np.tile";
  if (!(x instanceof NDArray)) throw new Error(`${where}: x must be an NDArray, got ${showValue(x)}`);
  const r = typeof reps === "number" ? [reps] : reps;
  if (!Array.isArray(r) || !r.every(isCount)) throw new Error(`${where}: reps must be an integer >= 0 or a list of them, got ${showValue(reps)}`);
  const nd = Math.max(r.length, x.ndim);
  const dims = [...new Array<number>(nd - x.ndim).fill(1), ...x.shape];
  const counts = [...new Array<number>(nd - r.length).fill(1), ...r];
  // [d0, d1, …] → [1, d0, 1, d1, …] → broadcast to [r0, d0, r1, d1, …] → [r0·d0, r1·d1, …]
  const spread = reshape(
    x,
    dims.flatMap((d) => [1, d]),
  );
  const repeated = expandBroadcast(
    spread,
    dims.flatMap((d, i) => [counts[i]!, d]),
    where,
  );
  return reshape(
    repeated,
    dims.map((d, i) => d * counts[i]!),
  );
}

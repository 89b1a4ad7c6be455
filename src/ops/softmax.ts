// softmax, log-softmax and pick along an axis (MXNet's npx.softmax / npx.log_softmax / npx.pick), recorded for autograd.
import { NDArray } from "../ndarray/ndarray.js";
import { allocate, formatShape } from "../ndarray/strided.js";
import { backendFor } from "../backends/dispatch.js";
import { pause, recordOp } from "../tape/tape.js";
import { contiguous } from "./shape.js";
import { binary, unary, where } from "./elementwise.js";
import { reduce } from "./reduce.js";
import { readBoolean, readEnum, snapshotOptions } from "../params/options.js";

export interface AxisOptions {
  /** the class axis; default -1 */
  axis?: number;
}

export interface PickOptions extends AxisOptions {
  /** keep the picked axis with size 1 */
  keepdims?: boolean;
  /** out-of-range class ids: "clip" (default, MXNet's) to [0, n−1], or "wrap" modulo n */
  mode?: "clip" | "wrap";
}

function axisOf(x: unknown, axis: unknown, op: string): number {
  if (!(x instanceof NDArray)) throw new Error(`${op}: data must be an NDArray`);
  const a = axis ?? -1;
  if (!Number.isInteger(a) || (a as number) < -x.ndim || (a as number) >= x.ndim)
    throw new Error(`${op}: axis=${String(a)} is out of bounds for data of shape ${formatShape(x.shape)}`);
  return (a as number) < 0 ? (a as number) + x.ndim : (a as number);
}

/** [outer, n, inner]: x viewed as outer × n × inner with the axis in the middle. */
function split(shape: readonly number[], axis: number): [number, number, number] {
  const prod = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  return [prod(shape.slice(0, axis)), shape[axis]!, prod(shape.slice(axis + 1))];
}

/**
 * log(softmax(x)) = (x − m) − log Σ exp(x − m) with m the max, in float64 along the axis. The subtraction comes first
 * so that a huge m never absorbs log Σ (1e17 + log 2 = 1e17); softmax is exp(x − m) / Σ, never exp of the log.
 * An infinite m is the limit: entries equal to m weigh 1 each, the rest 0 (softmax([∞, 1]) = [1, 0]; all −∞ is uniform).
 */
function softmaxData(x: NDArray, axis: number, log: boolean): NDArray {
  const src = contiguous(x).hostData;
  const out = allocate(x.dtype, x.size);
  const [outer, n, inner] = split(x.shape, axis);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      let nan = false;
      for (let c = 0; c < n; c++) {
        const v = src[base + c * inner]!;
        if (v > m) m = v;
        // biome-ignore lint/suspicious/noSelfCompare: the NaN test, without a call in the loop
        else if (v !== v) nan = true;
      }
      if (nan) {
        for (let c = 0; c < n; c++) out[base + c * inner] = NaN;
        continue;
      }
      const inf = m === Infinity || m === -Infinity;
      let s = 0;
      for (let c = 0; c < n; c++) {
        const v = src[base + c * inner]!;
        s += inf ? (v === m ? 1 : 0) : Math.exp(v - m);
      }
      const logS = Math.log(s);
      for (let c = 0; c < n; c++) {
        const v = src[base + c * inner]!;
        const d = inf ? (v === m ? 0 : -Infinity) : v - m;
        out[base + c * inner] = log ? d - logS : Math.exp(d) / s;
      }
    }
  return new NDArray(out, x.shape);
}

/**
 * The same x − max − log Σ exp(x − max) for arrays on a device, from elementwise and reduce ops in float32, not
 * recorded (the caller records log_softmax / softmax with their own rules).
 */
function logSoftmaxOnDevice(x: NDArray, axis: number): NDArray {
  return pause(() => {
    const m = reduce("max", x, { axis, keepdims: true });
    // an infinite max is the limit, as on the CPU: the entries equal to it share the weight (all −∞: uniform)
    const infinite = binary("eq", unary("abs", m), Number.POSITIVE_INFINITY);
    const shifted = binary("sub", x, where(infinite, 0, m));
    const finite = binary("sub", shifted, unary("log", reduce("sum", unary("exp", shifted), { axis, keepdims: true })));
    const top = binary("eq", x, m);
    return where(infinite, unary("log", binary("div", top, reduce("sum", top, { axis, keepdims: true }))), finite);
  });
}

/** log softmax along `axis`: log(exp(xᵢ) / Σⱼ exp(xⱼ)), stable for huge and infinite inputs. */
export function logSoftmax(x: NDArray, options?: AxisOptions): NDArray {
  const axis = axisOf(x, snapshotOptions("npx.log_softmax", options, ["axis"]).axis, "npx.log_softmax");
  const out = x.ctx.deviceType === "cpu" ? softmaxData(x, axis, true) : logSoftmaxOnDevice(x, axis);
  return recordOp("log_softmax", [x], out, { axis });
}

/** softmax along `axis`: exp(xᵢ) / Σⱼ exp(xⱼ), stable for huge and infinite inputs. */
export function softmax(x: NDArray, options?: AxisOptions): NDArray {
  const axis = axisOf(x, snapshotOptions("npx.softmax", options, ["axis"]).axis, "npx.softmax");
  if (x.ctx.deviceType !== "cpu")
    return recordOp(
      "softmax",
      [x],
      pause(() => unary("exp", logSoftmaxOnDevice(x, axis))),
      { axis },
    );
  return recordOp("softmax", [x], softmaxData(x, axis, false), { axis });
}

/**
 * Picks x[…, index[…], …] along `axis`: index has x's shape without that axis (or with size 1 there) and holds
 * class ids (floats, rounded). The result has index's shape without the axis (with size 1 there when keepdims).
 * Gradient flows to `x` only; class ids are not differentiable.
 */
export function pick(x: NDArray, index: NDArray, options?: PickOptions): NDArray {
  const op = "npx.pick";
  const o = snapshotOptions(op, options, ["axis", "keepdims", "mode"]);
  const axis = axisOf(x, o.axis, op);
  if (!(index instanceof NDArray)) throw new Error(`${op}: index must be an NDArray of class ids`);
  const be = backendFor(x, index);
  const mode = readEnum(op, "mode", o.mode, ["clip", "wrap"], "clip");
  const dropped = x.shape.filter((_, i) => i !== axis);
  const kept = x.shape.map((d, i) => (i === axis ? 1 : d));
  const same = (s: readonly number[]) => s.length === index.ndim && s.every((d, i) => d === index.shape[i]);
  if (!same(dropped) && !same(kept))
    throw new Error(
      `${op}: index shape ${formatShape(index.shape)} must be ${formatShape(dropped)} or ${formatShape(kept)} for data of shape ${formatShape(x.shape)} and axis=${axis}`,
    );
  const [outer, n, inner] = split(x.shape, axis);
  const out = be.allocate(x.dtype, outer * inner);
  // the clipped/wrapped ids as floats, shaped like the kept output: the gradient rule scatters with them
  const chosen = be.allocate(x.dtype, outer * inner);
  be.pickAxis(contiguous(x).storage, contiguous(index).storage, outer, n, inner, mode, out, chosen);
  const result = new NDArray(out, readBoolean(op, "keepdims", o.keepdims, false) ? kept : dropped);
  return recordOp("pick", [x], result, { axis, ids: new NDArray(chosen, kept) });
}

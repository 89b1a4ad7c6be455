// npx.batchNorm: validate, normalise with batch or running statistics, update the running statistics, record.
import { NDArray } from "../ndarray/ndarray.js";
import { allocate, formatShape } from "../ndarray/strided.js";
import { isTraining, recordOp } from "../autograd/tape.js";
import { readBoolean, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { batchNormAffineForward, batchNormTrainForward, type ChannelView } from "../backends/fused/batch-norm.js";
import { contiguous } from "./shape.js";

export interface BatchNormOptions {
  /** the channel axis (negative counts from the end); default 1 */
  axis?: number;
  /** added to the variance; default 1e-5; must be > 0 so a constant batch stays finite */
  eps?: number;
  /** running = momentum·running + (1 − momentum)·batch; default 0.9 */
  momentum?: number;
  /** use the running statistics even in training mode (and leave them alone); default false */
  useGlobalStats?: boolean;
  /** default autograd.isTraining(): true inside record() / trainMode(), false elsewhere */
  training?: boolean;
}

const KNOWN = ["axis", "eps", "momentum", "useGlobalStats", "training"] as const;

/** Reads entry c of a 1-D array (any stride). */
function vec(a: NDArray): Float64Array {
  const n = a.shape[0]!;
  const out = new Float64Array(n);
  for (let c = 0; c < n; c++) out[c] = a.data[a.offset + c * a.strides[0]!]!;
  return out;
}

/**
 * Batch normalization (MXNet's BatchNorm): with statistics μ, σ² per channel on `axis`,
 * y = γ·(x − μ)/√(σ² + eps) + β.
 * Training mode (and not useGlobalStats): μ and the biased σ² come from the batch (every axis but `axis`), and the
 * running statistics are updated in place, running = momentum·running + (1 − momentum)·batch (MXNet's rule, biased
 * variance; MXNet's CPU code does this during backward, tconv in the forward pass). Predict mode: the running
 * statistics. The running arrays are state, not inputs gradients flow through in training mode.
 */
export function batchNorm(x: NDArray, gamma: NDArray, beta: NDArray, runningMean: NDArray, runningVar: NDArray, options?: BatchNormOptions): NDArray {
  const where = "batchNorm";
  const o = snapshotOptions(where, options, KNOWN);
  const args = { x, gamma, beta, runningMean, runningVar };
  for (const [name, v] of Object.entries(args)) if (!(v instanceof NDArray)) throw new Error(`${where}: ${name} must be an NDArray, got ${showValue(v)}`);
  if (x.ndim < 1) throw new Error(`${where}: input must have at least one axis, got a 0-d array`);
  const axisIn = readInt(where, "axis", o.axis, 1, -x.ndim, x.ndim - 1);
  const axis = axisIn < 0 ? axisIn + x.ndim : axisIn;
  const eps = readNumber(where, "eps", o.eps, 1e-5, 0);
  if (eps <= 0) throw new Error(`${where}: eps=${eps} must be > 0 (a constant batch would divide by zero)`);
  const momentum = readNumber(where, "momentum", o.momentum, 0.9, 0, 1);
  const useGlobalStats = readBoolean(where, "useGlobalStats", o.useGlobalStats, false);
  const training = readBoolean(where, "training", o.training, isTraining());
  const C = x.shape[axis]!;
  for (const [name, v] of Object.entries(args).slice(1)) {
    if (v.ndim !== 1 || v.shape[0] !== C)
      throw new Error(`${where}: ${name} shape ${formatShape(v.shape)} must be [${C}] (one value per channel of input shape ${formatShape(x.shape)} on axis ${axis})`);
    if (v.dtype !== x.dtype) throw new Error(`${where}: ${name} is ${v.dtype} but the input is ${x.dtype}; convert with astype`);
  }
  const view: ChannelView = {
    outer: x.shape.slice(0, axis).reduce((p, d) => p * d, 1),
    channels: C,
    inner: x.shape.slice(axis + 1).reduce((p, d) => p * d, 1),
  };
  if (view.outer * view.inner === 0) throw new Error(`${where}: input shape ${formatShape(x.shape)} has no elements per channel to normalise`);
  const xd = contiguous(x).data;
  const y = allocate(x.dtype, x.size);
  const inputs = [x, gamma, beta, runningMean, runningVar];
  if (training && !useGlobalStats) {
    const mean = new Float64Array(C), variance = new Float64Array(C), invstd = new Float64Array(C);
    batchNormTrainForward(view, xd, contiguous(gamma).data, contiguous(beta).data, eps, y, mean, variance, invstd);
    // running statistics are state: written through to their buffers, not recorded
    for (const [run, batch] of [[runningMean, mean], [runningVar, variance]] as const) {
      const s = run.strides[0]!;
      for (let c = 0; c < C; c++) {
        const i = run.offset + c * s;
        run.data[i] = momentum * run.data[i]! + (1 - momentum) * batch[c]!;
      }
    }
    return recordOp("batch_norm", inputs, new NDArray(y, x.shape), { mode: "train", view, mean, invstd, eps });
  }
  const g = vec(gamma), b = vec(beta), rm = vec(runningMean), rv = vec(runningVar);
  const a = new Float64Array(C), shift = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    a[c] = g[c]! / Math.sqrt(rv[c]! + eps);
    shift[c] = b[c]! - rm[c]! * a[c]!;
  }
  batchNormAffineForward(view, xd, a, shift, y);
  return recordOp("batch_norm", inputs, new NDArray(y, x.shape), { mode: "predict", view, eps, runMean: rm, runVar: rv });
}

// npx.batchNorm: validate, normalise with batch or running statistics, update the running statistics, record; and
// predict-mode batch norm with relu / leaky relu in one pass (the BatchNorm layer's fused step in a Sequential).
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Storage } from "../ndarray/storage.js";
import { isTraining, opsObserved, recordOp } from "../tape/tape.js";
import { readBoolean, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { type AnyBackend, backendFor } from "../backends/dispatch.js";
import type { AffineActivation, ChannelView } from "../params/kernel-records.js";
import { contiguous } from "./shape.js";
import { unary } from "./elementwise.js";
import { leakyRelu } from "./activation.js";

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

/** A copy of a 1-D array's values (any stride) into a statistics buffer of its device: the values the forward used. */
function snapshot(be: AnyBackend, a: NDArray): Storage {
  const n = a.shape[0]!;
  const out = be.allocateStats(n);
  be.unaryInto("identity", [n], { data: out, strides: [1], offset: 0 }, { data: a.storage, strides: a.strides, offset: a.offset });
  return out;
}

interface Resolved {
  view: ChannelView;
  /** the channel axis, normalised */
  axis: number;
  eps: number;
  momentum: number;
  useGlobalStats: boolean;
  training: boolean;
  C: number;
}

/** Validates the arguments and reads the options (before any work). */
function resolve(x: NDArray, gamma: NDArray, beta: NDArray, runningMean: NDArray, runningVar: NDArray, options?: BatchNormOptions): Resolved {
  const where = "batchNorm";
  const o = snapshotOptions(where, options, KNOWN);
  const args = { x, gamma, beta, runningMean, runningVar };
  for (const [name, v] of Object.entries(args)) if (!(v instanceof NDArray)) throw new Error(`${where}: ${name} must be an NDArray, got ${showValue(v)}`);
  backendFor(x, gamma, beta, runningMean, runningVar); // one device for all five, or an error naming both
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
      throw new Error(
        `${where}: ${name} shape ${formatShape(v.shape)} must be [${C}] (one value per channel of input shape ${formatShape(x.shape)} on axis ${axis})`,
      );
    if (v.dtype !== x.dtype) throw new Error(`${where}: ${name} is ${v.dtype} but the input is ${x.dtype}; convert with astype`);
  }
  const view: ChannelView = {
    outer: x.shape.slice(0, axis).reduce((p, d) => p * d, 1),
    channels: C,
    inner: x.shape.slice(axis + 1).reduce((p, d) => p * d, 1),
  };
  if (view.outer * view.inner === 0) throw new Error(`${where}: input shape ${formatShape(x.shape)} has no elements per channel to normalise`);
  return { view, axis, eps, momentum, useGlobalStats, training, C };
}

/** Per channel: a = γ/√(σ²_run + eps), shift = β − μ_run·a, from snapshots of the running statistics. */
function predictAffine(be: AnyBackend, C: number, eps: number, rm: Storage, rv: Storage, gamma: NDArray, beta: NDArray): [Storage, Storage] {
  const a = be.allocateStats(C),
    shift = be.allocateStats(C);
  be.batchNormPredictAffine(C, contiguous(gamma).storage, contiguous(beta).storage, rm, rv, eps, a, shift);
  return [a, shift];
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
  const { view, eps, momentum, useGlobalStats, training, C } = resolve(x, gamma, beta, runningMean, runningVar, options);
  const be = backendFor(x);
  const xd = contiguous(x).storage;
  const y = be.allocate(x.dtype, x.size);
  const inputs = [x, gamma, beta, runningMean, runningVar];
  if (training && !useGlobalStats) {
    const mean = be.allocateStats(C),
      variance = be.allocateStats(C),
      invstd = be.allocateStats(C);
    be.batchNormTrainForward(view, xd, contiguous(gamma).storage, contiguous(beta).storage, eps, y, mean, variance, invstd);
    // running statistics are state: written through to their buffers, not recorded
    for (const [run, batch] of [
      [runningMean, mean],
      [runningVar, variance],
    ] as const)
      be.batchNormRunningUpdate({ data: run.storage, strides: run.strides, offset: run.offset }, batch, C, momentum);
    return recordOp("batch_norm", inputs, new NDArray(y, x.shape), { mode: "train", view, mean, invstd, eps });
  }
  const rm = snapshot(be, runningMean),
    rv = snapshot(be, runningVar);
  const [a, shift] = predictAffine(be, C, eps, rm, rv, gamma, beta);
  be.batchNormAffineForward(view, xd, a, shift, y);
  return recordOp("batch_norm", inputs, new NDArray(y, x.shape), { mode: "predict", view, eps, runMean: rm, runVar: rv });
}

/** relu, or leaky relu with its negative slope (Gluon's Activation("relu") and LeakyReLU(alpha)). */
export interface BatchNormActivation {
  actType: AffineActivation;
  slope: number;
}

/**
 * batchNorm then relu / leakyRelu({ slope }). Predict mode outside autograd.record and export tracing: one pass over x
 * (no intermediate array), bit for bit the two ops' result. Otherwise (recording, tracing, batch statistics) exactly the two ops.
 */
export function batchNormActivation(
  x: NDArray,
  gamma: NDArray,
  beta: NDArray,
  runningMean: NDArray,
  runningVar: NDArray,
  options: BatchNormOptions | undefined,
  act: BatchNormActivation,
): NDArray {
  const { view, eps, training, useGlobalStats, C } = resolve(x, gamma, beta, runningMean, runningVar, options);
  if (opsObserved() || (training && !useGlobalStats)) {
    const y = batchNorm(x, gamma, beta, runningMean, runningVar, options);
    return act.actType === "relu" ? unary("relu", y) : leakyRelu(y, { slope: act.slope });
  }
  const be = backendFor(x);
  const [a, shift] = predictAffine(be, C, eps, snapshot(be, runningMean), snapshot(be, runningVar), gamma, beta);
  const y = be.allocate(x.dtype, x.size, true);
  be.batchNormAffineActForward(view, contiguous(x).storage, a, shift, act.actType, act.slope, y);
  return new NDArray(y, x.shape);
}

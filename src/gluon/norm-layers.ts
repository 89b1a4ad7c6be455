// Gluon's BatchNorm layer over npx.batchNorm: gamma, beta, running_mean, running_var with deferred inChannels.
import type { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import type { Dtype } from "../ndarray/strided.js";
import { batchNorm, type BatchNormActivation, batchNormActivation, type BatchNormOptions } from "../ops/batch-norm.js";
import { opsObserved } from "../tape/tape.js";
import { type Initializer, One, Zero } from "../init/initializers.js";
import { readBoolean, readInt, readNumber, showValue, snapshotOptions } from "../params/options.js";
import { Block, markKeepsNothing } from "./block.js";
import { Activation, LeakyReLU } from "./basic-layers.js";
import { Parameter } from "./parameter.js";
import { readDtype, readInitializer } from "./layer-options.js";

export interface BatchNormLayerOptions {
  /** the channel axis; default 1 (NCHW); -1 or 3 for channels-last */
  axis?: number;
  /** default 0.9 */
  momentum?: number;
  /** default 1e-5 */
  epsilon?: number;
  /** learn beta (false: beta stays 0, not trained); default true */
  center?: boolean;
  /** learn gamma (false: gamma stays 1, not trained); default true */
  scale?: boolean;
  /** normalise with the running statistics in training mode too; default false */
  useGlobalStats?: boolean;
  /** 0 (default): inferred from the first input */
  inChannels?: number;
  gammaInitializer?: Initializer;
  betaInitializer?: Initializer;
  runningMeanInitializer?: Initializer;
  runningVarianceInitializer?: Initializer;
  dtype?: Dtype;
}

const KNOWN = [
  "axis",
  "momentum",
  "epsilon",
  "center",
  "scale",
  "useGlobalStats",
  "inChannels",
  "gammaInitializer",
  "betaInitializer",
  "runningMeanInitializer",
  "runningVarianceInitializer",
  "dtype",
] as const;

/**
 * Gluon's BatchNorm: `y = γ·(x − μ)/√(σ² + ε) + β` per channel on `axis`, with batch statistics in training mode
 * (inside autograd.record) and the running ones in predict mode. Parameters (structural names as PyTorch's
 * BatchNorm's state dict, minus num_batches_tracked): `gamma`, `beta`, `running_mean`, `running_var`; the running ones
 * have gradReq "null" and are updated in place by training-mode forwards.
 */
export class BatchNorm extends Block {
  readonly gamma: Parameter;
  readonly beta: Parameter;
  readonly runningMean: Parameter;
  readonly runningVar: Parameter;
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly useGlobalStats: boolean;

  constructor(options?: BatchNormLayerOptions) {
    super("batchnorm");
    const where = "BatchNorm";
    const o = snapshotOptions(where, options, KNOWN);
    this.axis = readInt(where, "axis", o.axis, 1);
    this.momentum = readNumber(where, "momentum", o.momentum, 0.9, 0, 1);
    this.epsilon = readNumber(where, "epsilon", o.epsilon, 1e-5, 0);
    if (this.epsilon <= 0) throw new Error(`${where}: epsilon=${this.epsilon} must be > 0`);
    this.useGlobalStats = readBoolean(where, "useGlobalStats", o.useGlobalStats, false);
    const center = readBoolean(where, "center", o.center, true);
    const scale = readBoolean(where, "scale", o.scale, true);
    const inChannels = readInt(where, "inChannels", o.inChannels, 0, 0);
    const dtype = readDtype(where, o.dtype);
    const param = (name: string, initName: string, dflt: Initializer, gradReq: "write" | "null") =>
      this.registerParameter(new Parameter(name, [inChannels], dtype, readInitializer(where, initName, o[initName], dflt), where, {}, gradReq));
    this.gamma = param("gamma", "gammaInitializer", new One(), scale ? "write" : "null");
    this.beta = param("beta", "betaInitializer", new Zero(), center ? "write" : "null");
    this.runningMean = param("running_mean", "runningMeanInitializer", new Zero(), "null");
    this.runningVar = param("running_var", "runningVarianceInitializer", new One(), "null");
  }

  protected override describe(): string {
    const c = this.gamma.shape[0];
    return `axis=${this.axis}, eps=${this.epsilon}, momentum=${this.momentum}, in_channels=${c === 0 ? "None" : c}`;
  }

  /** PyTorch's BatchNorm calls gamma and beta `weight` and `bias` (saveParameters with `names: "pytorch"`). */
  override pytorchParameterName(own: string): string {
    return own === "gamma" ? "weight" : own === "beta" ? "bias" : own;
  }

  /** loadParameters: gamma, beta and the running statistics must agree on one channel count (deferred or not). */
  override checkLoadedShapes(shapes: ReadonlyMap<string, readonly number[]>): string | null {
    const sizes = [this.gamma, this.beta, this.runningMean, this.runningVar].map((p) => shapes.get(p.name)?.[0] ?? p.shape[0]!);
    const known = sizes.filter((c) => c > 0);
    if (known.every((c) => c === known[0])) return null;
    return `gamma, beta, running_mean and running_var must have one channel count, got ${sizes.map((c) => (c > 0 ? c : "?")).join(", ")}`;
  }

  forward(x: NDArray): NDArray {
    const [g, b, m, v] = this.arrays(x);
    return batchNorm(x, g, b, m, v, this.options(x));
  }

  /**
   * Followed by Activation("relu") or LeakyReLU in a Sequential, outside autograd.record and export tracing: normalise
   * and activate in one pass (predict mode; batch statistics fall back to the two ops). Subclasses that change either forward opt out.
   */
  override forwardFused(x: NDArray, next: Block): NDArray | null {
    if (opsObserved() || this.forward !== BatchNorm.prototype.forward) return null;
    let act: BatchNormActivation;
    if (next instanceof Activation && next.forward === Activation.prototype.forward && next.name === "relu") act = { actType: "relu", slope: 0 };
    else if (next instanceof LeakyReLU && next.forward === LeakyReLU.prototype.forward) act = { actType: "leaky", slope: next.alpha };
    else return null;
    const [g, b, m, v] = this.arrays(x);
    return batchNormActivation(x, g, b, m, v, this.options(x), act);
  }

  /** gamma, beta, running mean and variance for input x (inferring the channel count on first use). */
  private arrays(x: NDArray): [NDArray, NDArray, NDArray, NDArray] {
    const where = "BatchNorm";
    const axis = this.axis < 0 ? this.axis + x.ndim : this.axis;
    if (axis < 0 || axis >= x.ndim) throw new Error(`${where}: axis=${this.axis} is out of range for an input of shape ${formatShape(x.shape)}`);
    const c = x.shape[axis]!;
    const params = [this.gamma, this.beta, this.runningMean, this.runningVar];
    for (const p of params) if (p.shape[0] === 0) p.inferShape([c]);
    if (this.gamma.shape[0] !== c)
      throw new Error(
        `${where}: input has ${c} channels on axis ${axis} (shape ${formatShape(x.shape)}) but the layer has ${showValue(this.gamma.shape[0])} (inChannels)`,
      );
    if (x.dtype !== this.gamma.dtype) throw new Error(`${where}: input is ${x.dtype} but the layer's parameters are ${this.gamma.dtype} (its dtype option)`);
    return params.map((p) => p.data()) as [NDArray, NDArray, NDArray, NDArray];
  }

  private options(x: NDArray): BatchNormOptions {
    return { axis: this.axis < 0 ? this.axis + x.ndim : this.axis, eps: this.epsilon, momentum: this.momentum, useGlobalStats: this.useGlobalStats };
  }
}

// forward keeps no reference to its input or output (Sequential reuses dead intermediates)
markKeepsNothing(BatchNorm);

// Gluon losses L2Loss, SoftmaxCrossEntropyLoss, SigmoidBinaryCrossEntropyLoss: per-sample values from differentiable ops.
import { NDArray } from "../ndarray/ndarray.js";
import { formatShape } from "../ndarray/strided.js";
import { binary as b, unary as u } from "../ops/elementwise.js";
import { reduce } from "../ops/reduce.js";
import { reshape } from "../ops/shape.js";
import { logSoftmax, pick } from "../ops/softmax.js";
import { readBoolean, readInt, readNumber, snapshotOptions } from "../params/options.js";

export interface LossOptions {
  /** global scalar weight of the loss (Gluon's `weight`); default 1 */
  weight?: number | null;
  /** the batch axis, kept when averaging; default 0 */
  batchAxis?: number;
}

/** Base of the losses: validation, weighting and the mean over every axis but the batch axis. */
export abstract class Loss {
  protected readonly weight: number | null;
  protected readonly batchAxis: number;
  /** the caller's options, snapshotted once (own keys only; params/options.ts) for the subclass to read */
  protected readonly options: Readonly<Record<string, unknown>>;

  constructor(
    readonly name: string,
    options: LossOptions | undefined,
    known: readonly string[] = ["weight", "batchAxis"],
  ) {
    const o = snapshotOptions(name, options, known);
    this.weight = o.weight === undefined || o.weight === null ? null : readNumber(name, "weight", o.weight, 1);
    this.batchAxis = readInt(name, "batchAxis", o.batchAxis, 0, 0);
    this.options = o;
  }

  /** Per-sample losses: shape [batch]. `sampleWeight` (broadcastable to the elementwise loss) scales each term. */
  abstract forward(pred: NDArray, label: NDArray, sampleWeight?: NDArray | null): NDArray;

  /** Alias of forward, as calling a Gluon block. */
  call(pred: NDArray, label: NDArray, sampleWeight?: NDArray | null): NDArray {
    return this.forward(pred, label, sampleWeight);
  }

  protected checkPred(pred: unknown, label: unknown): asserts pred is NDArray {
    if (!(pred instanceof NDArray)) throw new Error(`${this.name}.forward: pred must be an NDArray`);
    if (!(label instanceof NDArray)) throw new Error(`${this.name}.forward: label must be an NDArray`);
    if (this.batchAxis >= pred.ndim)
      throw new Error(`${this.name}.forward: batchAxis=${this.batchAxis} is out of range for pred of shape ${formatShape(pred.shape)}`);
  }

  /** Gluon's _apply_weighting then mean over every axis except batchAxis. */
  protected finish(loss: NDArray, weight: number | null, sampleWeight?: NDArray | null): NDArray {
    let l = loss;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      if (!(sampleWeight instanceof NDArray)) throw new Error(`${this.name}.forward: sampleWeight must be an NDArray`);
      l = b("mul", l, sampleWeight);
    }
    if (weight !== null && weight !== 1) l = b("mul", l, weight);
    const axes = [...l.shape.keys()].filter((a) => a !== this.batchAxis);
    return reduce("mean", l, { axis: axes });
  }

  /** label with pred's shape (Gluon reshapes label to pred's shape; the sizes must agree). */
  protected labelLike(pred: NDArray, label: NDArray): NDArray {
    if (label.size !== pred.size)
      throw new Error(
        `${this.name}.forward: label shape ${formatShape(label.shape)} has ${label.size} elements, pred shape ${formatShape(pred.shape)} has ${pred.size}`,
      );
    return label.ndim === pred.ndim && label.shape.every((d, i) => d === pred.shape[i]) ? label : reshape(label, pred.shape);
  }
}

/** L = ½·(pred − label)², averaged over all but the batch axis (Gluon's L2Loss, weight scales it). */
export class L2Loss extends Loss {
  constructor(options?: LossOptions) {
    super("L2Loss", options);
  }
  forward(pred: NDArray, label: NDArray, sampleWeight?: NDArray | null): NDArray {
    this.checkPred(pred, label);
    const d = b("sub", pred, this.labelLike(pred, label));
    return this.finish(b("mul", d, d), (this.weight ?? 1) / 2, sampleWeight);
  }
}

export interface SoftmaxCrossEntropyOptions extends LossOptions {
  /** the class axis of pred; default -1 (use 1 for NCHW segmentation maps) */
  axis?: number;
  /** labels are class ids (pred's shape without the class axis); false: probability distributions shaped like pred */
  sparseLabel?: boolean;
  /** pred already holds log-probabilities (skip the log-softmax) */
  fromLogits?: boolean;
}

/**
 * L = −Σ_c label_c · log softmax(pred)_c along `axis` (sparse labels pick the labelled class), averaged over every
 * axis but the batch axis: for pred [N,C,H,W] with axis 1 and class-id labels [N,H,W], the mean per-pixel loss per image.
 */
export class SoftmaxCrossEntropyLoss extends Loss {
  readonly axis: number;
  readonly sparseLabel: boolean;
  readonly fromLogits: boolean;
  constructor(options?: SoftmaxCrossEntropyOptions) {
    const where = "SoftmaxCrossEntropyLoss";
    super(where, options, ["weight", "batchAxis", "axis", "sparseLabel", "fromLogits"]);
    this.axis = readInt(where, "axis", this.options.axis, -1);
    this.sparseLabel = readBoolean(where, "sparseLabel", this.options.sparseLabel, true);
    this.fromLogits = readBoolean(where, "fromLogits", this.options.fromLogits, false);
  }
  forward(pred: NDArray, label: NDArray, sampleWeight?: NDArray | null): NDArray {
    this.checkPred(pred, label);
    if (this.axis < -pred.ndim || this.axis >= pred.ndim)
      throw new Error(`SoftmaxCrossEntropyLoss.forward: axis=${this.axis} is out of range for pred of shape ${formatShape(pred.shape)}`);
    const logp = this.fromLogits ? pred : logSoftmax(pred, { axis: this.axis });
    let loss: NDArray;
    if (this.sparseLabel) loss = u("neg", pick(logp, label, { axis: this.axis, keepdims: true }));
    else loss = u("neg", reduce("sum", b("mul", logp, this.labelLike(pred, label)), { axis: this.axis, keepdims: true }));
    return this.finish(loss, this.weight, sampleWeight);
  }
}

export interface SigmoidBinaryCrossEntropyOptions extends LossOptions {
  /** pred already holds probabilities σ(x) instead of logits */
  fromSigmoid?: boolean;
}

/**
 * Binary cross-entropy. From logits x (default), in the stable form
 *   L = log(1 + eˣ) − x·label = softrelu(x) − x·label   (= max(x,0) − x·label + log(1 + e^−|x|));
 * from probabilities p:  L = −(label·log(p + 1e-12) + (1 − label)·log(1 − p + 1e-12)).
 */
export class SigmoidBinaryCrossEntropyLoss extends Loss {
  readonly fromSigmoid: boolean;
  constructor(options?: SigmoidBinaryCrossEntropyOptions) {
    const where = "SigmoidBinaryCrossEntropyLoss";
    super(where, options, ["weight", "batchAxis", "fromSigmoid"]);
    this.fromSigmoid = readBoolean(where, "fromSigmoid", this.options.fromSigmoid, false);
  }
  forward(pred: NDArray, label: NDArray, sampleWeight?: NDArray | null): NDArray {
    this.checkPred(pred, label);
    const y = this.labelLike(pred, label);
    let loss: NDArray;
    if (!this.fromSigmoid) loss = b("sub", u("softrelu", pred), b("mul", pred, y));
    else {
      const eps = 1e-12;
      const pos = b("mul", u("log", b("add", pred, eps)), y);
      const neg = b("mul", u("log", b("add", b("sub", 1, pred), eps)), b("sub", 1, y));
      loss = u("neg", b("add", pos, neg));
    }
    return this.finish(loss, this.weight, sampleWeight);
  }
}

/** Gluon's alias. */
export const SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss;
/** Gluon's alias. */
export const SoftmaxCELoss = SoftmaxCrossEntropyLoss;

/** Gluon's losses: each `forward(pred, label, sampleWeight?)` gives one loss per sample (the mean over all other axes). */
export const loss = {
  /** The base of the losses: validation, weighting and the mean over every axis but the batch axis. */
  Loss,
  /** ½·(pred − label)², averaged over all but the batch axis. */
  L2Loss,
  /** −Σ label · log softmax(pred) along `axis`; sparse (class-id) labels by default. */
  SoftmaxCrossEntropyLoss,
  /** Gluon's short name for SoftmaxCrossEntropyLoss. */
  SoftmaxCELoss,
  /** Binary cross-entropy on logits (fromSigmoid false, default) or on probabilities, computed stably. */
  SigmoidBinaryCrossEntropyLoss,
  /** Gluon's short name for SigmoidBinaryCrossEntropyLoss. */
  SigmoidBCELoss,
};
